#!/usr/bin/env bash
# Yardstick benchmark suite: `make bench` from the repository root (or `bash Benchmarks/run.sh`).
#
# Builds Yardstick (release) and the Swift API benchmark, prepares a Python virtualenv with the
# reference tools, generates the corpus from the test fixtures and runs Benchmarks/bench.py, which
# prints the tables and writes Benchmarks/results.md. The only network access is pip, and only
# when the virtualenv is missing or holds other versions. Everything it writes stays under
# Benchmarks/ (.venv, .build, work/ are ignored by git; results.md is meant to be committed).
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
VENV="$BENCH/.venv"
SWIFT="${SWIFT:-swift}"
PYTHON="${PYTHON:-python3}"
SACREBLEU_VERSION=2.6.0
ROUGE_SCORE_VERSION=0.1.2
MLFLOW_VERSION=3.17.2
# MLflow's PostgreSQL driver, for the PostgreSQL store benchmark.
PSYCOPG2_VERSION=2.9.10

step() { printf '\n== %s\n' "$*"; }
# Every step echoes its command; a failing command stops the benchmark with its exit status.
run() {
  printf '$ %s\n' "$*"
  "$@" || { local status=$?; echo "error: benchmark stopped: '$*' failed (exit status $status)" >&2; exit "$status"; }
}
fail() { echo "error: $*" >&2; exit 1; }
elapsed() { printf '   (%d s)\n' "$((SECONDS - $1))"; }

command -v "$SWIFT" >/dev/null 2>&1 || fail "Swift toolchain not found (set SWIFT or put swift on PATH)"
command -v "$PYTHON" >/dev/null 2>&1 || fail "python3 not found (set PYTHON); MLflow 3 needs Python >= 3.10"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || fail "$("$PYTHON" --version 2>&1) is too old: MLflow 3 needs Python >= 3.10 (set PYTHON)"

step "1/5 Build yardstick (release)"
t=$SECONDS
(cd "$ROOT" && run "$SWIFT" build -c release --product yardstick)
YARDSTICK="$ROOT/.build/release/yardstick"
[ -x "$YARDSTICK" ] || fail "$YARDSTICK was not produced by the release build"
elapsed $t

step "2/5 Build the Swift API benchmark (Benchmarks/Package.swift, release)"
t=$SECONDS
# Pin the dependencies the main package already resolved, so this package resolves from the local
# SwiftPM cache instead of the network.
if [ -f "$ROOT/Package.resolved" ] && [ ! -f "$BENCH/Package.resolved" ]; then
  run cp "$ROOT/Package.resolved" "$BENCH/Package.resolved"
fi
run "$SWIFT" build -c release --package-path "$BENCH" --product StoreBench
STORE_BENCH="$BENCH/.build/release/StoreBench"
[ -x "$STORE_BENCH" ] || fail "$STORE_BENCH was not produced by the release build"
elapsed $t

step "3/5 Python reference tools (Benchmarks/.venv)"
t=$SECONDS
want="sacrebleu==$SACREBLEU_VERSION rouge-score==$ROUGE_SCORE_VERSION mlflow==$MLFLOW_VERSION psycopg2-binary==$PSYCOPG2_VERSION"
have() {
  "$VENV/bin/python" - "$@" <<'PY' 2>/dev/null
import importlib.metadata as m, sys
sys.exit(any(m.version(p.split("==")[0]) != p.split("==")[1] for p in sys.argv[1:]))
PY
}
if [ ! -x "$VENV/bin/python" ]; then
  run "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC2086
if have $want; then
  echo "already installed: $want"
else
  # shellcheck disable=SC2086
  run "$VENV/bin/python" -m pip install --quiet $want
  # shellcheck disable=SC2086
  have $want || fail "the virtualenv does not hold $want after pip install"
fi
"$VENV/bin/python" - <<'PY' || fail "cannot read the package versions from $VENV"
import importlib.metadata as m, platform
print("Python", platform.python_version(), "|", ", ".join(
    f"{p} {m.version(p)}" for p in ("sacrebleu", "rouge-score", "nltk", "numpy", "mlflow")))
PY
elapsed $t

step "4/5 Generate the corpus (Benchmarks/work/)"
t=$SECONDS
run "$VENV/bin/python" "$BENCH/gen_corpus.py" --out "$BENCH/work"
elapsed $t

step "5/5 Benchmarks"
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
# bench.py exits 1 when a result differs between Yardstick and the reference, 2 when a step
# fails; a missed speed or size target is reported in the tables, not as a failure.
run "$VENV/bin/python" "$BENCH/bench.py" --yardstick "$YARDSTICK" --store-bench "$STORE_BENCH" \
  --venv "$VENV" --output "$BENCH/results.md"

step "Report: 20 runs × 100,000 history points (Benchmarks/Sources/ReportBench; budget < 2 s, HTML < 3 MB)"
run "$SWIFT" build -c release --package-path "$BENCH" --product ReportBench
"$BENCH/.build/release/ReportBench" --repeats 3 | tee "$BENCH/work/report-bench.json" \
  || fail "ReportBench failed"
"$PYTHON" - "$BENCH/work/report-bench.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ok = r["seconds_median"] < 2 and r["html_bytes"] < 3_000_000
print(f"report: {r['seconds_median']:.2f} s median, HTML {r['html_bytes'] / 1e6:.2f} MB -> {'within' if ok else 'OVER'} the budget")
PY

step "Runner: 2,000 examples at 50 ms latency, concurrency 32 (ideal 3.125 s); a fully cached re-run of 10,000 (< 1 s)"
bash "$BENCH/runner_bench.sh" "$YARDSTICK" "$BENCH/work/runner" | tee "$BENCH/work/runner-bench.json" || fail "runner_bench.sh failed"

step "PostgreSQL store: 1,000,000 points vs psql \\copy and MLflow log_batch on the same server; a 250,000-point history; bytes per point"
# A throwaway server (Tests/with-postgres.sh), or the one in YARDSTICK_BENCH_POSTGRES.
if [ -n "${YARDSTICK_BENCH_POSTGRES:-}" ]; then export YARDSTICK_TEST_POSTGRES="$YARDSTICK_BENCH_POSTGRES"; fi
bash "$ROOT/Tests/with-postgres.sh" bash -c '
  [ -n "${YARDSTICK_TEST_POSTGRES:-}" ] || { echo "error: no PostgreSQL server for the benchmark (apt-get install postgresql, or set YARDSTICK_BENCH_POSTGRES)" >&2; exit 1; }
  "$0" "$1/postgres_bench.py" --yardstick "$2" --postgres "$YARDSTICK_TEST_POSTGRES" --work "$1/work/postgres" \
    --venv "$3" --output "$1/results-postgres.md" >"$1/work/postgres-bench.json"
' "$PYTHON" "$BENCH" "$YARDSTICK" "$VENV" || fail "postgres_bench.py failed"
cat "$BENCH/results-postgres.md"
