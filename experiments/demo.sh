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
