#!/usr/bin/env bash
# `make demo`: scores the bundled example outputs and tracks the bundled training logs.
set -euo pipefail
BIN=${1:-.build/debug/yardstick}
DB=${2:-experiments/yardstick.db}
E=experiments
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "BLEU of a German UI translation (tar vs cpio catalogs), with a 95% bootstrap CI" \
     "yardstick score bleu --hyp $E/translation/de.hyp.txt --ref $E/translation/de.ref.txt"
"$BIN" score bleu --hyp $E/translation/de.hyp.txt --ref $E/translation/de.ref.txt

step "chrF++ of the same pairs" "yardstick score chrf --word-order 2 --hyp … --ref …"
"$BIN" score chrf --word-order 2 --hyp $E/translation/de.hyp.txt --ref $E/translation/de.ref.txt

step "TER" "yardstick score ter --hyp … --ref …"
"$BIN" score ter --hyp $E/translation/de.hyp.txt --ref $E/translation/de.ref.txt

step "Two systems, paired bootstrap and paired approximate randomization" \
     "yardstick score bleu --hyp sys1 --hyp sys2 --ref ref --paired-bs"
"$BIN" score bleu --hyp $E/translation/multi.sys1.txt --hyp $E/translation/multi.sys2.txt --ref $E/translation/multi.ref.txt --paired-bs
"$BIN" score chrf --hyp $E/translation/multi.sys1.txt --hyp $E/translation/multi.sys2.txt --ref $E/translation/multi.ref.txt --paired-ar --no-confidence

step "ROUGE of lead-3 summaries of Debian package descriptions (stemmed)" \
     "yardstick score rouge --data $E/summaries/descriptions.jsonl --hyp-field lead3 --ref-field reference --stemmer"
"$BIN" score rouge --data $E/summaries/descriptions.jsonl --hyp-field lead3 --ref-field reference --stemmer

step "Accuracy and per-class F1 of a keyword classifier of Debian sections" \
     "yardstick score accuracy --data $E/classification/sections.jsonl --hyp-field pred --ref-field label"
"$BIN" score accuracy --data $E/classification/sections.jsonl --hyp-field pred --ref-field label

step "Import real training logs (Hugging Face trainer_state.json, LLaMA-Factory, OpenAI results CSVs) into $DB" \
     "yardstick import --experiment demo $E/logs/*"
"$BIN" import --db "$DB" --experiment demo $E/logs/*

step "Importing again changes nothing" "yardstick import --experiment demo $E/logs/ner-step3.trainer_state.json"
"$BIN" import --db "$DB" --experiment demo $E/logs/ner-step3.trainer_state.json

step "All runs of the experiment" "yardstick runs list --experiment demo"
"$BIN" runs list --db "$DB" --experiment demo

step "Filter: runs whose last validation loss is below 0.7 or that used a high learning rate" \
     "yardstick runs list --where \"metrics.eval_loss < 0.7 or params.learning_rate >= 1e-4\" --sort metrics.eval_loss"
"$BIN" runs list --db "$DB" --experiment demo --where "metrics.eval_loss < 0.7 or params.learning_rate >= 1e-4" --sort metrics.eval_loss

step "Two NER runs side by side: the hyperparameters that differ and the final metrics" \
     "yardstick runs compare ner-lr5e-5 ner-step3"
compare=$("$BIN" runs compare --db "$DB" --experiment demo ner-lr5e-5 ner-step3)
printf '%s\n' "$compare" | head -16
echo "… ($(printf '%s\n' "$compare" | wc -l) lines in all)"

step "The validation-loss curve of one run" "yardstick runs history ner-lr5e-5 eval_loss"
"$BIN" runs history --db "$DB" --experiment demo ner-lr5e-5 eval_loss

step "Score a run's outputs and keep the result in the store (score, CI, statistics, per-example results)" \
     "yardstick score bleu --hyp $E/translation/de.hyp.txt --ref $E/translation/de.ref.txt --run de-tar --experiment demo"
"$BIN" score bleu --db "$DB" --experiment demo --run de-tar --hyp $E/translation/de.hyp.txt --ref $E/translation/de.ref.txt --no-confidence
"$BIN" runs list --db "$DB" --experiment demo --where "metrics.bleu > 40"

printf '\nThe database is %s: open it with any SQLite client (the README documents the tables).\n' "$DB"
