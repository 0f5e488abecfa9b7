#!/usr/bin/env python3
"""MLflow side of the store benchmark (benchmark tooling only).

Each phase is its own process so the driver can read its wall time and peak RSS; the time that
matters is `seconds`, measured around the MLflow calls only (imports, the store's schema
migration and reading the input files are reported separately as `setup_seconds` or left out).

  log      create experiment "bench" + run "r1", log_batch every point of points.csv in chunks
  history  get_metric_history(run_id, key) for every key; count, exact sum and XOR of the values
  runs     create one run per row of runs.csv (params, tag, final metric) in experiment "sweep"
  search   the query "lr >= 0.1 and (bleu > 20 or stage = 'prod')" with search_runs

Every phase prints one JSON object on stdout.
"""

import argparse
import csv
import json
import math
import os
import struct
import sys
import time

# MLflow 3 reports usage over the network unless told not to; the benchmark must stay offline.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

IMPORT_STARTED = time.perf_counter()
import mlflow  # noqa: E402
from mlflow.entities import Metric, Param, RunTag  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402
IMPORT_SECONDS = time.perf_counter() - IMPORT_STARTED

BASE_TIMESTAMP_MS = 1_700_000_000_000
# MLflow parameters are strings and search_runs only compares them with =, !=, LIKE, ILIKE
# (no numeric >=, no OR). Over the sweep's grid {0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0} the values
# >= 0.1 are exactly those of the shape "d.d", so LIKE '_._' is the equivalent filter, and the OR
# becomes two searches whose results are united.
LR_AT_LEAST_0_1 = "params.learning_rate_multiplier LIKE '_._'"
SEARCHES = (
    f"{LR_AT_LEAST_0_1} and metrics.bleu > 20",
    f"{LR_AT_LEAST_0_1} and tags.stage = 'prod'",
)


def client_for(db_path):
    started = time.perf_counter()
    mlflow.set_tracking_uri("sqlite:///" + os.path.abspath(db_path))
    client = MlflowClient()
    # The first call on a fresh file runs MLflow's schema migrations; keep that out of the timings.
    client.search_experiments(max_results=1)
    return client, time.perf_counter() - started


def experiment_id(client, name, artifacts):
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    return client.create_experiment(name, artifact_location="file://" + os.path.abspath(artifacts))


def read_points(path):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header != ["step", "key", "value"]:
            sys.exit(f"error: {path}: expected header step,key,value, got {header}")
        for step, key, value in reader:
            yield int(step), key, float(value)


def phase_log(args):
    client, setup = client_for(args.db)
    exp = experiment_id(client, "bench", args.artifacts)
    run_id = client.create_run(exp, run_name="r1").info.run_id
    chunk, spent, points = [], 0.0, 0

    def flush():
        nonlocal spent, points
        started = time.perf_counter()
        client.log_batch(run_id, metrics=chunk)
        spent += time.perf_counter() - started
        points += len(chunk)
        chunk.clear()

    for step, key, value in read_points(args.points):
        chunk.append(Metric(key, value, BASE_TIMESTAMP_MS + 10 * step, step))
        if len(chunk) == args.chunk:
            flush()
    if chunk:
        flush()
    return {"run_id": run_id, "points": points, "chunk": args.chunk, "seconds": spent,
            "setup_seconds": setup, "import_seconds": IMPORT_SECONDS}


def phase_history(args):
    client, setup = client_for(args.db)
    started = time.perf_counter()
    histories = [client.get_metric_history(args.run_id, key) for key in args.keys]
    spent = time.perf_counter() - started
    values = [m.value for history in histories for m in history]
    xor = 0
    for value in values:
        xor ^= struct.unpack("<Q", struct.pack("<d", value))[0]
    return {"points": len(values), "fsum": math.fsum(values), "xor": f"{xor:016x}", "seconds": spent,
            "per_key": {k: len(h) for k, h in zip(args.keys, histories)},
            "setup_seconds": setup, "import_seconds": IMPORT_SECONDS}


def phase_runs(args):
    client, setup = client_for(args.db)
    exp = experiment_id(client, "sweep", args.artifacts)
    with open(args.runs, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    started = time.perf_counter()
    for row in rows:
        run_id = client.create_run(exp, run_name=row["name"]).info.run_id
        client.log_batch(
            run_id,
            metrics=[Metric("bleu", float(row["bleu"]), BASE_TIMESTAMP_MS, 0)],
            params=[Param(k, row[k]) for k in ("learning_rate_multiplier", "n_epochs", "batch_size")],
            tags=[RunTag("stage", row["stage"])],
        )
    return {"runs": len(rows), "experiment_id": exp, "seconds": time.perf_counter() - started,
            "setup_seconds": setup, "import_seconds": IMPORT_SECONDS}


def phase_search(args):
    client, setup = client_for(args.db)
    exp = client.get_experiment_by_name("sweep")
    if exp is None:
        sys.exit("error: experiment 'sweep' missing; run the 'runs' phase first")
    names, per_query = set(), []
    started = time.perf_counter()
    for filter_string in SEARCHES:
        query_started = time.perf_counter()
        runs, token = [], None
        while True:
            page = client.search_runs([exp.experiment_id], filter_string=filter_string,
                                      max_results=1000, page_token=token)
            runs.extend(page)
            token = page.token
            if not token:
                break
        names.update(r.info.run_name for r in runs)
        per_query.append({"filter": filter_string, "matches": len(runs),
                          "seconds": time.perf_counter() - query_started})
    spent = time.perf_counter() - started
    return {"matches": sorted(names), "seconds": spent, "queries": per_query,
            "setup_seconds": setup, "import_seconds": IMPORT_SECONDS}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="phase", required=True)
    for name in ("log", "history", "runs", "search"):
        p = sub.add_parser(name)
        p.add_argument("--db", required=True, help="SQLite file of the MLflow tracking store")
        p.add_argument("--artifacts", default="mlartifacts", help="artifact folder (never written)")
        if name == "log":
            p.add_argument("--points", required=True)
            p.add_argument("--chunk", type=int, default=1000)
        if name == "history":
            p.add_argument("--run-id", required=True)
            p.add_argument("--keys", nargs="+", required=True)
        if name == "runs":
            p.add_argument("--runs", required=True)
    args = parser.parse_args()
    result = {"log": phase_log, "history": phase_history, "runs": phase_runs,
              "search": phase_search}[args.phase](args)
    result["mlflow"] = mlflow.__version__
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
