#!/usr/bin/env python3
"""Generate the benchmark inputs from the repository's metric fixtures.

Benchmark tooling only. Every output is a pure function of the fixtures and the seed, so two
runs on two machines score exactly the same text:

  bleu.hyp.txt / bleu.ref.txt  one segment per line; each segment joins 1-3 real fixture pairs
                               (hyp, refs[0]) with a space so lengths and n-grams vary
  rouge.jsonl                  {"prediction", "reference"}: 1-2 package descriptions, the
                               prediction is their lead3 text (sentences separated by "\\n")
  points.csv                   step,key,value: a 4-metric training log (the 1M-point store test)
  runs.csv                     a 1,000-run sweep (params, tag, final metric) for the query test
  manifest.json                the parameters above, checksums of the points (exact float sum,
                               XOR of the float64 bit patterns) and the expected query result
"""

import argparse
import glob
import json
import math
import os
import random
import struct
import sys

METRIC_KEYS = ("train_loss", "eval_loss", "learning_rate", "grad_norm")
LR_GRID = ("0.02", "0.05", "0.1", "0.2", "0.5", "1.0", "2.0")


def one_line(text):
    # A segment file is split on "\n" by sacrebleu; carriage returns would survive there but not
    # in most editors, so both are flattened to keep one fixture pair on one line.
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def load_translation_pairs(folder):
    pairs = []
    files = sorted(glob.glob(os.path.join(folder, "*.jsonl")))
    for path in files:
        with open(path, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        # The glob also matches the *.expected.jsonl result files; only pair files have hyp/refs.
        if not rows or "hyp" not in rows[0] or "refs" not in rows[0]:
            continue
        for row in rows:
            pairs.append((one_line(row["hyp"]), one_line(row["refs"][0])))
    if not pairs:
        sys.exit(f"error: no translation pairs found under {folder}")
    return pairs


def load_descriptions(path):
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    pairs = [(row["lead3"], row["reference"]) for row in rows]
    if not pairs:
        sys.exit(f"error: no description pairs in {path}")
    return pairs


def write_bleu(out, pairs, count, rng):
    hyp_path = os.path.join(out, "bleu.hyp.txt")
    ref_path = os.path.join(out, "bleu.ref.txt")
    with open(hyp_path, "w", encoding="utf-8", newline="\n") as hyp_file, \
            open(ref_path, "w", encoding="utf-8", newline="\n") as ref_file:
        for _ in range(count):
            chosen = [rng.choice(pairs) for _ in range(rng.randint(1, 3))]
            hyp_file.write(" ".join(p[0] for p in chosen) + "\n")
            ref_file.write(" ".join(p[1] for p in chosen) + "\n")


def write_rouge(out, pairs, count, rng):
    with open(os.path.join(out, "rouge.jsonl"), "w", encoding="utf-8", newline="\n") as handle:
        for _ in range(count):
            chosen = [rng.choice(pairs) for _ in range(1 if rng.random() < 0.7 else 2)]
            row = {
                "prediction": "\n".join(p[0] for p in chosen),
                "reference": " ".join(p[1] for p in chosen),
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def metric_value(key, step, total, rng):
    # Shapes of a real fine-tuning log, so values have full float64 mantissas and varied exponents.
    if key == "train_loss":
        return 0.4 + 2.0 * math.exp(-step / 40000.0) + rng.gauss(0.0, 0.05)
    if key == "eval_loss":
        return 0.5 + 1.9 * math.exp(-step / 45000.0) + rng.gauss(0.0, 0.02)
    if key == "learning_rate":
        return 2e-5 * min(1.0, step / 1000.0) * (1.0 - step / (total + 1.0))
    return abs(rng.gauss(1.0, 0.3))


def write_points(out, steps, rng):
    values, xor = [], 0
    with open(os.path.join(out, "points.csv"), "w", encoding="utf-8", newline="\n") as handle:
        handle.write("step,key,value\n")
        lines = []
        for step in range(1, steps + 1):
            for key in METRIC_KEYS:
                value = metric_value(key, step, steps, rng)
                values.append(value)
                xor ^= struct.unpack("<Q", struct.pack("<d", value))[0]
                lines.append(f"{step},{key},{value!r}\n")
            if len(lines) >= 40000:
                handle.write("".join(lines))
                lines.clear()
        handle.write("".join(lines))
    return len(values), math.fsum(values), f"{xor:016x}"


def write_runs(out, count, rng):
    expected = []
    with open(os.path.join(out, "runs.csv"), "w", encoding="utf-8", newline="\n") as handle:
        handle.write("name,learning_rate_multiplier,n_epochs,batch_size,stage,bleu\n")
        for index in range(1, count + 1):
            name = f"sweep-{index:04d}"
            lr = rng.choice(LR_GRID)
            epochs = rng.randint(1, 5)
            batch = rng.choice((4, 8, 16, 32))
            stage = "prod" if rng.random() < 0.2 else "dev"
            bleu = rng.uniform(5.0, 40.0)
            handle.write(f"{name},{lr},{epochs},{batch},{stage},{bleu!r}\n")
            if float(lr) >= 0.1 and (bleu > 20.0 or stage == "prod"):
                expected.append(name)
    return expected


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", default=os.path.join(here, "..", "Tests", "Fixtures", "metrics"))
    parser.add_argument("--out", default=os.path.join(here, "work"))
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--bleu-pairs", type=int, default=100_000)
    parser.add_argument("--rouge-pairs", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=250_000, help="steps per metric key (4 keys)")
    parser.add_argument("--runs", type=int, default=1_000)
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    translation = load_translation_pairs(os.path.join(args.fixtures, "translation"))
    descriptions = load_descriptions(os.path.join(args.fixtures, "summary", "descriptions.jsonl"))

    # One generator per output: changing one size never reshuffles another output.
    write_bleu(args.out, translation, args.bleu_pairs, random.Random(args.seed))
    write_rouge(args.out, descriptions, args.rouge_pairs, random.Random(args.seed + 1))
    points, points_sum, points_xor = write_points(args.out, args.steps, random.Random(args.seed + 2))
    expected = write_runs(args.out, args.runs, random.Random(args.seed + 3))

    manifest = {
        "seed": args.seed,
        "translation_source_pairs": len(translation),
        "description_source_pairs": len(descriptions),
        "bleu_pairs": args.bleu_pairs,
        "rouge_pairs": args.rouge_pairs,
        "metric_keys": list(METRIC_KEYS),
        "steps": args.steps,
        "points": points,
        "points_fsum": points_sum,
        "points_xor": points_xor,
        "runs": args.runs,
        "query": "params.learning_rate_multiplier >= 0.1 and (metrics.bleu > 20 or tags.stage = 'prod')",
        "query_expected": expected,
    }
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1)
    print(f"corpus: {args.bleu_pairs} BLEU/chrF pairs from {len(translation)} fixture pairs, "
          f"{args.rouge_pairs} ROUGE pairs from {len(descriptions)} descriptions, "
          f"{points} metric points, {args.runs} runs ({len(expected)} match the query)")


if __name__ == "__main__":
    main()
