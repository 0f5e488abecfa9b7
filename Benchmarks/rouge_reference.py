#!/usr/bin/env python3
"""Reference ROUGE means with rouge-score 0.1.2 (benchmark tooling only).

Scores every {"prediction", "reference"} pair of a JSONL file with
RougeScorer(['rouge1', 'rouge2', 'rougeL', 'rougeLsum'], use_stemmer=True).score(reference,
prediction) and prints the mean precision / recall / F-measure per type as JSON. The mean is the
plain left-to-right float64 sum over the pairs in file order divided by n, the rule the Yardstick
fixtures use (rouge-score's own BootstrapAggregator is randomised and not comparable).
"""

import argparse
import json
import sys
import time

from rouge_score import rouge_scorer

TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
FIELDS = ("precision", "recall", "fmeasure")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="JSONL file with prediction/reference fields")
    parser.add_argument("--hyp-field", default="prediction")
    parser.add_argument("--ref-field", default="reference")
    parser.add_argument("--no-stemmer", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    scorer = rouge_scorer.RougeScorer(list(TYPES), use_stemmer=not args.no_stemmer)
    sums = {t: [0.0, 0.0, 0.0] for t in TYPES}
    count = 0
    with open(args.data, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            # rouge-score takes the target (reference) first.
            scores = scorer.score(row[args.ref_field], row[args.hyp_field])
            for t in TYPES:
                s = scores[t]
                acc = sums[t]
                acc[0] += s.precision
                acc[1] += s.recall
                acc[2] += s.fmeasure
            count += 1
    if count == 0:
        sys.exit(f"error: no pairs in {args.data}")
    means = {t: {f: sums[t][i] / count for i, f in enumerate(FIELDS)} for t in TYPES}
    json.dump({"n": count, "stemmer": not args.no_stemmer, "scores": means,
               "seconds": time.perf_counter() - started}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
