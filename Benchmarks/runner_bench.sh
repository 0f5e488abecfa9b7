#!/usr/bin/env bash
# Runner benchmark: `yardstick eval` against the local OpenAI-compatible server (Tests/Fixtures/runner/fake_openai.py).
#  1. 2,000 examples, 50 ms server latency, concurrency 32: the ideal is 2000 × 0.05 / 32 = 3.125 s (target: within 10%).
#  2. A fully cached re-run of 10,000 examples (another run with the same settings): target under 1 s.
# Usage: runner_bench.sh YARDSTICK_BINARY WORK_DIR   (prints one JSON object)
set -euo pipefail
BIN=$1
WORK=$2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER="$ROOT/Tests/Fixtures/runner/fake_openai.py"
mkdir -p "$WORK"
rm -f "$WORK"/runner.db*
python3 - "$WORK" <<'PY'
import json, sys
with open(f"{sys.argv[1]}/set2k.jsonl", "w") as f:
    for i in range(2000):
        f.write(json.dumps({"prompt": f"question {i}: what is {i} plus {i}?", "completion": str(2 * i)}) + "\n")
with open(f"{sys.argv[1]}/set10k.jsonl", "w") as f:
    for i in range(10000):
        f.write(json.dumps({"prompt": f"item {i}", "completion": f"item {i}"}) + "\n")
PY
start_server() {
  python3 "$SERVER" "$@" > "$WORK/port" 2>/dev/null &
  SERVER_PID=$!
  for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
  PORT=$(head -1 "$WORK/port")
}
now() { python3 -c 'import time; print(time.time())'; }

start_server --latency-ms 50
t0=$(now)
"$BIN" eval --db "$WORK/runner.db" --data "$WORK/set2k.jsonl" --model openai:bench --base-url "http://127.0.0.1:$PORT/v1" \
  --metrics exact-match --no-confidence --concurrency 32 --run latency --json > "$WORK/latency.json" 2>/dev/null
t1=$(now)
kill $SERVER_PID

start_server
"$BIN" eval --db "$WORK/runner.db" --data "$WORK/set10k.jsonl" --model openai:bench --base-url "http://127.0.0.1:$PORT/v1" \
  --metrics exact-match --no-confidence --concurrency 32 --run fill --json > /dev/null 2>&1
t2=$(now)
"$BIN" eval --db "$WORK/runner.db" --data "$WORK/set10k.jsonl" --model openai:bench --base-url "http://127.0.0.1:$PORT/v1" \
  --metrics exact-match --no-confidence --concurrency 32 --run cached --json > "$WORK/cached.json" 2>/dev/null
t3=$(now)
kill $SERVER_PID
python3 - "$t0" "$t1" "$t2" "$t3" "$WORK" <<'PY'
import json, sys
t0, t1, t2, t3 = map(float, sys.argv[1:5])
latency = json.load(open(f"{sys.argv[5]}/latency.json"))
cached = json.load(open(f"{sys.argv[5]}/cached.json"))
ideal = 2000 * 0.05 / 32
print(json.dumps({
    "latency_run_seconds": round(t1 - t0, 3), "latency_ideal_seconds": ideal,
    "latency_over_ideal": round((t1 - t0) / ideal - 1, 3), "latency_answered": latency["answered"],
    "cached_run_seconds": round(t3 - t2, 3), "cached_from_cache": cached["from_cache"], "cached_requests": cached["requests"],
}))
PY
