#!/usr/bin/env bash
# `make demo`: the main job end to end on bundled real data — import real training logs, evaluate two models on a
# held-out set, advise, compare and write the report.
set -euo pipefail
BIN=${1:-.build/debug/yardstick}
DB=${2:-experiments/yardstick.db}
OUT=${3:-reports}
E=experiments
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }
rm -f "$DB" "$DB-wal" "$DB-shm"

step "1. Import five real fine-tuning logs (Hugging Face, LLaMA-Factory, OpenAI current and legacy; see experiments/logs/README.md)" \
     "yardstick import --experiment demo experiments/logs/*"
"$BIN" import --db "$DB" --experiment demo $E/logs/*.json $E/logs/*.jsonl $E/logs/*.csv

step "2. What each run's curves say: diagnoses with evidence, and what to change next" \
     "yardstick advise --experiment demo"
"$BIN" advise --db "$DB" --experiment demo

step "3. Split a real labelled set (Debian package descriptions -> archive section), stratified by label" \
     "yardstick split experiments/classification/sections.jsonl --stratify label"
"$BIN" split $E/classification/sections.jsonl --input-field text --reference-field label --stratify label --out "$WORK/split"

step "4. Check the held-out split against the training split: empty fields, duplicates, labels, leakage" \
     "yardstick check test.jsonl --against train.jsonl"
"$BIN" check "$WORK/split/test.jsonl" --against "$WORK/split/train.jsonl" --input-field text --reference-field label || \
  echo "(check exits 1: the Debian index repeats some descriptions across sections, and they leak across the split)"

step "5. Evaluate two models on the held-out split: a keyword classifier and the majority-class baseline" \
     "yardstick eval --data test.jsonl --model 'command:python3 experiments/models/keyword_section.py' --metrics accuracy,exact-match --run keyword"
for model in "keyword:python3 $E/models/keyword_section.py" "majority:python3 $E/models/majority.py libs"; do
  "$BIN" eval --db "$DB" --experiment demo --data "$WORK/split/test.jsonl" --input-field text --reference-field label \
    --model "command:${model#*:}" --metrics accuracy,exact-match --run "${model%%:*}" --concurrency 2
done

step "6. Run it again: every answer is stored, nothing is asked twice" \
     "yardstick eval … --run keyword"
"$BIN" eval --db "$DB" --experiment demo --data "$WORK/split/test.jsonl" --input-field text --reference-field label \
  --model "command:python3 $E/models/keyword_section.py" --metrics accuracy --run keyword --json \
  | python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["already_done"], "of", r["examples"], "examples already stored,", r["requests"], "requests sent")'

step "7. Score two stored translation systems on one test set, then compare the runs with paired significance" \
     "yardstick score bleu --hyp sys1.txt --ref ref.txt --run mt-sys1; yardstick runs compare mt-sys1 mt-sys2"
for n in 1 2; do
  "$BIN" score bleu --db "$DB" --experiment demo --run "mt-sys$n" --hyp $E/translation/multi.sys$n.txt --ref $E/translation/multi.ref.txt >/dev/null 2>&1
  "$BIN" score chrf --db "$DB" --experiment demo --run "mt-sys$n" --hyp $E/translation/multi.sys$n.txt --ref $E/translation/multi.ref.txt >/dev/null 2>&1
done
"$BIN" runs compare --db "$DB" --experiment demo mt-sys1 mt-sys2 | tail -6
"$BIN" runs compare --db "$DB" --experiment demo majority keyword | tail -5

step "8. Every run of the experiment" "yardstick runs list --experiment demo"
"$BIN" runs list --db "$DB" --experiment demo

step "9. The report: one self-contained HTML page and a GitHub Markdown file" \
     "yardstick report --experiment demo --format both --out $OUT"
"$BIN" report --db "$DB" --experiment demo --format both --out "$OUT"

printf '\nThe store is %s (open it with any SQLite client; the README documents the tables).\n' "$DB"
printf 'Open %s/index.html in a browser, or read %s/report.md.\n' "$OUT" "$OUT"
