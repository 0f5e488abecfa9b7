"""Expected values for `yardstick score exact-match --normalize squad`.

Reproduces the official SQuAD v1.1 evaluation script (evaluate-v1.1.py): `normalize_answer`,
`f1_score` and `exact_match_score` below are copied from it verbatim. They are run on real text with
Unicode punctuation (« » „ “ ¿ … NBSP …): every row of ../translation/punct.jsonl and
../translation/edge.jsonl, prediction = `hyp`, ground truth = `refs[0]`.

Output: squad_v11.expected.jsonl (one line per pair) and squad_v11.expected.json (corpus means,
a plain left-to-right float sum over the pairs in file order divided by n).

Run with CPython 3.11 (its `unicodedata` is Unicode 14.0, as the other fixtures):
    python3.11 make_squad_fixture.py
"""
import json
import platform
import re
import string
import sys
from collections import Counter
from pathlib import Path


# --- official SQuAD v1.1 evaluation script -------------------------------------------------------
def normalize_answer(s):
    """Lower text and remove punctuation, articles and extra whitespace."""
    def remove_articles(text):
        return re.sub(r'\b(a|an|the)\b', ' ', text)

    def white_space_fix(text):
        return ' '.join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return ''.join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def f1_score(prediction, ground_truth):
    prediction_tokens = normalize_answer(prediction).split()
    ground_truth_tokens = normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def exact_match_score(prediction, ground_truth):
    return (normalize_answer(prediction) == normalize_answer(ground_truth))
# -------------------------------------------------------------------------------------------------


def main():
    here = Path(__file__).resolve().parent
    rows_out = []
    summary = {}
    for name in ["punct", "edge"]:
        rows = [json.loads(line) for line in (here.parent / "translation" / f"{name}.jsonl").read_text("utf-8").splitlines() if line]
        em_sum = 0.0
        f1_sum = 0.0
        for row in rows:
            pred, truth = row["hyp"], row["refs"][0]
            em = exact_match_score(pred, truth)
            f1 = f1_score(pred, truth)
            em_sum += float(em)
            f1_sum += float(f1)
            rows_out.append({
                "id": row["id"], "prediction": pred, "ground_truth": truth,
                "normalized_prediction": normalize_answer(pred),
                "normalized_ground_truth": normalize_answer(truth),
                "exact_match": bool(em), "f1": float(f1),
            })
        summary[name] = {"data": f"translation/{name}.jsonl", "n": len(rows),
                         "exact_match": em_sum / len(rows), "f1": f1_sum / len(rows)}
    with open(here / "squad_v11.expected.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for r in rows_out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    doc = {"schema": "metric-anchors/squad-v1.1-expected/v1",
           "rules": "official SQuAD v1.1 normalize_answer / exact_match_score / f1_score",
           "python": platform.python_version(), "unicodedata": __import__("unicodedata").unidata_version,
           "sets": summary}
    (here / "squad_v11.expected.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    sys.exit(main())
