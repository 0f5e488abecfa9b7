"""Two more systems on sections.jsonl and scikit-learn's report for each system alone.

Systems (all deterministic, derived from sections.jsonl):
  keyword          the fixture's keyword classifier (`pred`), unchanged; it predicts two labels
                   that never occur in the truth (`kernel`, `oldlibs`);
  keyword_seen     the same classifier restricted to labels that occur in the truth: a prediction of
                   an unseen label becomes the rule's default `misc`;
  majority         a majority-class baseline: the most frequent true label (`libs`) for every row.
The label sets differ (keyword: 54 labels = 52 true + 2 predicted-only; the others: the 52 true
labels), so a macro average over the union of all systems' labels would not be scikit-learn's.

Writes sections.systems.jsonl ({id, label, keyword, keyword_seen, majority} per row) and
sections.systems.expected.json: per system `accuracy_score(y_true, y_pred)` and
`classification_report(y_true, y_pred, output_dict=True, zero_division=0)` (the zero_division of
sections.expected.json), plus `precision_recall_fscore_support(..., average='micro')` and, for the
paired test's common layout, the macro average over the union of all systems' labels.

    python3.11 -m venv /tmp/venv && /tmp/venv/bin/pip install scikit-learn==1.9.1 numpy==2.4.6
    /tmp/venv/bin/python make_systems_fixture.py
"""
import json
import platform
from collections import Counter
from pathlib import Path

import numpy
import scipy
import sklearn
from sklearn.metrics import accuracy_score, classification_report, precision_recall_fscore_support
from sklearn.utils.multiclass import unique_labels

here = Path(__file__).resolve().parent
rows = [json.loads(line) for line in (here / "sections.jsonl").read_text("utf-8").splitlines() if line]
y_true = [r["label"] for r in rows]
true_set = set(y_true)
majority = Counter(y_true).most_common(1)[0][0]
systems = {
    "keyword": [r["pred"] for r in rows],
    "keyword_seen": [r["pred"] if r["pred"] in true_set else "misc" for r in rows],
    "majority": [majority] * len(rows),
}

with open(here / "sections.systems.jsonl", "w", encoding="utf-8", newline="\n") as f:
    for i, r in enumerate(rows):
        out = {"id": r["id"], "label": r["label"]}
        out.update({name: pred[i] for name, pred in systems.items()})
        f.write(json.dumps(out, ensure_ascii=False) + "\n")

union_all = sorted(set(y_true).union(*[set(p) for p in systems.values()]))


def triple(p, r, f):
    return {"precision": float(p), "recall": float(r), "f1": float(f)}


expected = {}
for name, y_pred in systems.items():
    labels = [str(x) for x in unique_labels(y_true, y_pred)]
    report = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    micro = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)
    union_macro = precision_recall_fscore_support(y_true, y_pred, labels=union_all, average="macro", zero_division=0)
    expected[name] = {
        "labels": labels,
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "n_correct": int(sum(t == p for t, p in zip(y_true, y_pred))),
        "per_class": [dict(label=l, **triple(report[l]["precision"], report[l]["recall"], report[l]["f1-score"]),
                           support=int(report[l]["support"])) for l in labels],
        "averages": {
            "macro": triple(report["macro avg"]["precision"], report["macro avg"]["recall"], report["macro avg"]["f1-score"]),
            "weighted": triple(report["weighted avg"]["precision"], report["weighted avg"]["recall"],
                               report["weighted avg"]["f1-score"]),
            "micro": triple(*micro[:3]),
        },
        "classification_report": report,
        "macro_over_all_systems_labels": triple(*union_macro[:3]),
    }

doc = {
    "schema": "metric-anchors/classification-systems-expected/v1",
    "data": "sections.systems.jsonl",
    "n": len(rows),
    "versions": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                 "numpy": numpy.__version__, "scipy": scipy.__version__},
    "zero_division": 0,
    "systems_order": list(systems),
    "all_systems_labels": union_all,
    "systems": expected,
}
(here / "sections.systems.expected.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")
