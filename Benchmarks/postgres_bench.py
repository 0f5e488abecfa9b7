#!/usr/bin/env python3
"""PostgreSQL side of the store benchmark (benchmark tooling only): `make bench` runs it through postgres_bench.sh.

Side by side on one server, in one run:
  1. yardstick log metrics: 1,000,000 points from a CSV into a run of a PostgreSQL store (whole command);
  2. psql \\copy of the same 1,000,000 rows, already resolved to the store's columns, into a table of the same
     layout and primary key (the floor: no parsing, no key interning, no dedupe);
  3. MLflow log_batch (chunks of 1,000, its maximum) into MLflow's own PostgreSQL store, on the first points;
  4. yardstick runs history --json of a 250,000-point key (whole command);
  5. bytes per point: table plus primary-key index of metric_points, divided by the rows.
Prints one JSON object and writes a Markdown table.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

KEYS = ("loss", "eval/loss", "learning_rate", "grad_norm")
BASE_MS = 1_700_000_000_000


def run(argv, discard_stdout=False):
    started = time.perf_counter()
    # A 250,000-point history is ~20 MB of JSON: timed as written to /dev/null, not as read by Python.
    done = subprocess.run(argv, stdout=subprocess.DEVNULL if discard_stdout else subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"error: {os.path.basename(argv[0])} {argv[1] if len(argv) > 1 and not argv[1].startswith('-') else ''} failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    return done, seconds


def psql(uri, sql):
    done, _ = run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", uri, "-c", sql])
    return done.stdout.strip()


def with_schema(uri, schema):
    return uri + ("&" if "?" in uri else "?") + f"options=-csearch_path%3D{schema}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--yardstick", required=True)
    p.add_argument("--postgres", required=True, help="server URI (a throwaway one)")
    p.add_argument("--work", required=True)
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--mlflow-points", type=int, default=50_000)
    p.add_argument("--venv", default=None, help="virtualenv with mlflow and psycopg2-binary")
    p.add_argument("--output", default=None)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    per_key = a.points // len(KEYS)
    csv_path = os.path.join(a.work, "pg-points.csv")
    resolved_path = os.path.join(a.work, "pg-points-resolved.csv")
    with open(csv_path, "w") as out, open(resolved_path, "w") as resolved:
        out.write("key,step,value,wall_time\n")
        for k, key in enumerate(KEYS):
            for step in range(per_key):
                value = repr(((step * 7919 + k * 104729) % 1_000_003) / 1_000_003)
                wall = BASE_MS + 10 * step
                out.write(f"{key},{step},{value},{wall / 1000:.3f}\n")
                resolved.write(f"1,{k + 1},{step},0,,{value},{wall}\n")
    points = per_key * len(KEYS)

    # Three rounds, alternating, each into fresh tables; medians, because a 2-core machine running the client and
    # the server varies by tens of percent between runs.
    ys_times, copy_times, hist_times = [], [], []
    for round_ in range(a.rounds):
        for schema in ("bench_yardstick", "bench_copy"):
            psql(a.postgres, f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        store = with_schema(a.postgres, "bench_yardstick")
        run_id = run([a.yardstick, "runs", "create", "--experiment", "bench", "--name", "r1", "--db", store])[0].stdout.strip()
        # Each load starts with no dirty buffers left by the one before (or by the dropped tables).
        psql(a.postgres, "CHECKPOINT")
        _, seconds = run([a.yardstick, "log", "metrics", run_id, "--file", csv_path, "--db", store])
        ys_times.append(seconds)
        stored = int(psql(store, "SELECT count(*) FROM metric_points"))
        if stored != points:
            sys.exit(f"error: yardstick stored {stored} points, expected {points}")
        # Before the psql copy below loads the server with another million rows (and its autovacuum).
        history = [a.yardstick, "runs", "history", run_id, "loss", "--json", "--db", store]
        hist_times.append(run(history, discard_stdout=True)[1])

        copy_uri = with_schema(a.postgres, "bench_copy")
        psql(copy_uri, """CREATE TABLE metric_points (run_pk BIGINT NOT NULL, key_id BIGINT NOT NULL, step BIGINT NOT NULL,
            seq BIGINT NOT NULL, epoch DOUBLE PRECISION, value DOUBLE PRECISION, wall_time BIGINT,
            PRIMARY KEY (run_pk, key_id, step, seq))""")
        psql(a.postgres, "CHECKPOINT")
        _, seconds = run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", copy_uri, "-c",
                          f"\\copy metric_points FROM '{resolved_path}' CSV"])
        copy_times.append(seconds)
    size = int(psql(store, "SELECT pg_total_relation_size('metric_points')"))
    heap = int(psql(store, "SELECT pg_relation_size('metric_points')"))
    ys_seconds, copy_seconds, hist_seconds = statistics.median(ys_times), statistics.median(copy_times), statistics.median(hist_times)

    mlflow = None
    if a.venv and os.path.exists(os.path.join(a.venv, "bin", "python")):
        dbname = "bench_mlflow"
        psql(a.postgres, f"DROP DATABASE IF EXISTS {dbname}")
        psql(a.postgres, f"CREATE DATABASE {dbname}")
        base = a.postgres.split("?")[0]
        ml_uri = base.rsplit("/", 1)[0] + "/" + dbname
        code = f"""
import os, time, json
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
import mlflow
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient
mlflow.set_tracking_uri({ml_uri.replace('postgres://', 'postgresql+psycopg2://')!r})
c = MlflowClient()
c.search_experiments(max_results=1)
exp = c.create_experiment("bench", artifact_location="file:///tmp/mlflow-bench-artifacts")
run = c.create_run(exp).info.run_id
rows = []
with open({csv_path!r}) as f:
    next(f)
    for line in f:
        key, step, value, wall = line.rstrip().split(",")
        rows.append(Metric(key, float(value), int(float(wall) * 1000), int(step)))
        if len(rows) == {a.mlflow_points}:
            break
started = time.perf_counter()
for i in range(0, len(rows), 1000):
    c.log_batch(run, metrics=rows[i:i + 1000])
print(json.dumps({{"points": len(rows), "seconds": time.perf_counter() - started, "mlflow": mlflow.__version__}}))
"""
        done, _ = run([os.path.join(a.venv, "bin", "python"), "-c", code])
        mlflow = json.loads(done.stdout.strip().splitlines()[-1])

    result = {
        "points": points, "rounds": a.rounds,
        "yardstick_seconds_each": ys_times, "psql_copy_seconds_each": copy_times, "history_seconds_each": hist_times,
        "yardstick_seconds": ys_seconds, "yardstick_rate": points / ys_seconds,
        "psql_copy_seconds": copy_seconds, "psql_copy_rate": points / copy_seconds,
        "share_of_psql_copy": copy_seconds / ys_seconds,
        "history_points": per_key, "history_seconds": hist_seconds,
        "bytes_per_point": size / points, "heap_bytes_per_point": heap / points,
        "server": psql(a.postgres, "SHOW server_version"),
        "server_settings": ", ".join(f"{name}={psql(a.postgres, 'SHOW ' + name)}"
                                     for name in ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers")),
    }
    if mlflow:
        result.update({"mlflow": mlflow["mlflow"], "mlflow_points": mlflow["points"], "mlflow_seconds": mlflow["seconds"],
                       "mlflow_rate": mlflow["points"] / mlflow["seconds"],
                       "times_mlflow": (points / ys_seconds) / (mlflow["points"] / mlflow["seconds"])})
    print(json.dumps(result, indent=2))
    if a.output:
        lines = [
            "## PostgreSQL store (same server, same run)", "",
            f"PostgreSQL {result['server']} ({result['server_settings']}; the same server for every row); "
            f"{points:,} points, {len(KEYS)} keys × {per_key:,} steps; medians of {a.rounds} alternating rounds "
            f"(yardstick {', '.join(f'{t:.2f}' for t in ys_times)} s; psql {', '.join(f'{t:.2f}' for t in copy_times)} s).", "",
            "| task | time | rate | target | met |", "| --- | --- | --- | --- | --- |",
            f"| `yardstick log metrics` (whole command, CSV → COPY) | {ys_seconds:.2f} s | {result['yardstick_rate']:,.0f} points/s | ≥ 70% of psql `\\copy` | {result['share_of_psql_copy']:.0%} {'✓' if result['share_of_psql_copy'] >= 0.7 else '✗'} |",
            f"| psql `\\copy` of the resolved rows, same table layout | {copy_seconds:.2f} s | {result['psql_copy_rate']:,.0f} rows/s | | |",
        ]
        if mlflow:
            lines.append(f"| MLflow {mlflow['mlflow']} `log_batch` (1,000 per call), first {mlflow['points']:,} points | {mlflow['seconds']:.2f} s | {result['mlflow_rate']:,.0f} points/s | yardstick ≥ 50× | {result['times_mlflow']:.0f}× {'✓' if result['times_mlflow'] >= 50 else '✗'} |")
        lines += [
            f"| `yardstick runs history --json`, {per_key:,} points (whole command) | {hist_seconds:.3f} s | | ≤ 0.3 s | {'✓' if hist_seconds <= 0.3 else '✗'} |",
            f"| bytes per point (heap + primary key) | {result['bytes_per_point']:.1f} B | heap {result['heap_bytes_per_point']:.1f} B | | |",
            "",
        ]
        with open(a.output, "w") as out:
            out.write("\n".join(lines))


if __name__ == "__main__":
    main()
