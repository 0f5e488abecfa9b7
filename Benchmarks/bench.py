#!/usr/bin/env python3
"""Yardstick benchmark driver (benchmark tooling only; started by Benchmarks/run.sh).

Runs the reference tools and Yardstick side by side on the corpus in Benchmarks/work/, one child
process per measurement. Each child's wall time comes from the clock around spawn and reap, its
peak RSS from os.wait4's rusage. Scores must agree to 1e-9 relative; the store checks compare
counts, exact float sums / bit-pattern XORs and the exact set of matching runs. Prints Markdown
tables and writes them to Benchmarks/results.md.
"""

import argparse
import csv
import datetime
import json
import math
import os
import platform
import re
import shlex
import signal
import statistics
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work")
LOGS = os.path.join(WORK, "logs")

TARGETS = {"bleu": 15.0, "chrf": 40.0, "rouge": 60.0, "log": 30.0, "history": 30.0}
MAX_BYTES_PER_POINT = 50.0
CI_TIME_LIMIT = 600.0
CI_SUBSET_LINES = 10_000
CHILD_TIME_LIMIT = 1800.0
# Yardstick's read-only commands take about a second, where the shared machine's noise is largest:
# they run this many times and the median counts. The reference tools (tens of seconds) run once.
REPEATS = 3
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
ROUGE_FIELDS = ("precision", "recall", "fmeasure")
QUERY = "params.learning_rate_multiplier >= 0.1 and (metrics.bleu > 20 or tags.stage = 'prod')"


class BenchError(Exception):
    pass


class Child:
    """One finished child process: wall seconds, peak RSS in bytes, output files."""

    def __init__(self, label, wall, rss, code, out_path, err_path, timed_out):
        self.label, self.wall, self.rss, self.code = label, wall, rss, code
        self.out_path, self.err_path, self.timed_out = out_path, err_path, timed_out

    def stdout(self):
        with open(self.out_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def json(self):
        text = self.stdout()
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise BenchError(f"{self.label}: stdout is not JSON ({error}); first 400 chars:\n"
                             f"{text[:400]}") from None


def spawn(label, argv, time_limit=CHILD_TIME_LIMIT, allow_timeout=False):
    """Run argv from Benchmarks/ with stdout/stderr to work/logs/<label>.{out,err}."""
    print(f"\n[{label}] $ {shlex.join(argv)}", flush=True)
    os.makedirs(LOGS, exist_ok=True)
    out_path = os.path.join(LOGS, f"{label}.out")
    err_path = os.path.join(LOGS, f"{label}.err")
    timed_out = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        try:
            process = subprocess.Popen(argv, cwd=HERE, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=err)
        except OSError as error:
            raise BenchError(f"{label}: cannot start {argv[0]}: {error}") from None

        def kill():
            timed_out.set()
            try:
                os.kill(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(time_limit, kill)
        timer.start()
        # wait4 reaps the child and reports the rusage of that child alone.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        timer.cancel()
    process.returncode = code = os.waitstatus_to_exitcode(status)
    child = Child(label, wall, usage.ru_maxrss * 1024, code, out_path, err_path,
                  timed_out.is_set())
    if child.timed_out:
        print(f"[{label}] stopped after {time_limit:.0f} s", flush=True)
        if allow_timeout:
            return child
        raise BenchError(f"{label}: no result within {time_limit:.0f} s")
    if code != 0:
        with open(err_path, encoding="utf-8", errors="replace") as handle:
            tail = handle.read()[-3000:]
        raise BenchError(f"{label}: exit status {code}\n--- stderr (tail) ---\n{tail}")
    print(f"[{label}] {wall:.2f} s wall, peak RSS {mb(child.rss)}", flush=True)
    return child


def spawn_median(label, argv, repeats=REPEATS):
    """Runs argv `repeats` times; the result has the median wall time and the highest peak RSS."""
    runs = [spawn(f"{label}.{i + 1}" if repeats > 1 else label, argv) for i in range(repeats)]
    middle = sorted(runs, key=lambda c: c.wall)[len(runs) // 2]
    result = Child(label, middle.wall, max(c.rss for c in runs), 0, middle.out_path,
                   middle.err_path, False)
    result.runs = runs
    if repeats > 1:
        print(f"[{label}] median {middle.wall:.3f} s of "
              + " / ".join(f"{c.wall:.3f}" for c in runs) + f" s, peak RSS {mb(result.rss)}",
              flush=True)
    return result


def median_seconds(child):
    """Median of the `seconds` the runs of a spawn_median child report themselves."""
    return statistics.median(c.json()["seconds"] for c in child.runs)


def mb(size):
    return f"{size / 1e6:,.0f} MB" if size >= 10e6 else f"{size / 1e6:,.1f} MB"


def secs(value):
    if value >= 100:
        return f"{value:,.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"


def close(got, want):
    return abs(got - want) <= 1e-9 * max(1.0, abs(want))


def rel_diff(got, want):
    return abs(got - want) / max(1.0, abs(want))


def find_score(value, metric):
    """The corpus score in a Yardstick JSON answer, whether flat or nested by metric name."""
    if isinstance(value, dict):
        if isinstance(value.get("score"), (int, float)) and not isinstance(value["score"], bool):
            return float(value["score"])
        for key, inner in value.items():
            if key.lower().startswith(metric) or key in ("scores", "result", "results"):
                found = find_score(inner, metric)
                if found is not None:
                    return found
        for inner in value.values():
            found = find_score(inner, metric)
            if found is not None:
                return found
    if isinstance(value, list):
        for inner in value:
            found = find_score(inner, metric)
            if found is not None:
                return found
    return None


def find_rouge(value):
    """{type: {precision, recall, fmeasure}} from a Yardstick ROUGE JSON answer."""
    if isinstance(value, dict):
        if all(isinstance(value.get(t), dict) for t in ROUGE_TYPES):
            return {t: {f: value[t].get(f) for f in ROUGE_FIELDS} for t in ROUGE_TYPES}
        for inner in value.values():
            found = find_rouge(inner)
            if found is not None:
                return found
    return None


def bits(value):
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def file_size(path):
    # A WAL-mode database keeps recent pages in the -wal file until a checkpoint.
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def remove_db(path):
    for p in (path, path + "-wal", path + "-shm", path + "-journal"):
        if os.path.exists(p):
            os.remove(p)


class Report:
    def __init__(self):
        self.speed_rows = []
        self.score_rows = []
        self.store_rows = []
        self.checks = []
        self.notes = []
        self.failures = []
        self.misses = []

    def check(self, name, ok, detail):
        self.checks.append((name, ok, detail))
        print(f"[check] {'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)
        if not ok:
            self.failures.append(f"{name}: {detail}")

    def speed(self, task, ref_name, ref_seconds, ref_rss, ys_seconds, ys_rss, target, how):
        ratio = ref_seconds / ys_seconds if ys_seconds > 0 else float("inf")
        verdict = []
        if target is not None and ratio < target:
            verdict.append("speed")
            self.misses.append(f"{task}: {ratio:.1f}× < target {target:g}×")
        if ref_rss is not None and ys_rss is not None and ys_rss >= ref_rss:
            verdict.append("RSS")
            self.misses.append(f"{task}: peak RSS {mb(ys_rss)} not below {mb(ref_rss)}")
        self.speed_rows.append([
            task, f"{ref_name} {secs(ref_seconds)}", f"{secs(ys_seconds)} ({how})",
            f"**{ratio:,.1f}×**", f"≥ {target:g}×" if target else "—",
            f"{mb(ref_rss)} → {mb(ys_rss)}" if ref_rss and ys_rss else "—",
            "✗ " + ", ".join(verdict) if verdict else ("✓" if target or ref_rss else "—"),
        ])
        return ratio


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------- metric benchmarks

def sacrebleu_score(child):
    return float(child.json()["score"])


def without_version(signature):
    # Signatures must agree except the version field (sacrebleu's vs Yardstick's own).
    return re.sub(r"\|?version:[^|]*", "", signature or "")


def bench_corpus_metric(args, report, metric, label):
    sacrebleu = os.path.join(args.venv, "bin", "sacrebleu")
    ref = spawn(f"sacrebleu-{metric}", [sacrebleu, "work/bleu.ref.txt", "-i", "work/bleu.hyp.txt",
                                         "-m", metric, "-f", "json", "-w", "17"])
    want = sacrebleu_score(ref)
    if args.reference_only:
        report.notes.append(f"{label} (sacrebleu only): {want!r} in {secs(ref.wall)}")
        return
    ys = spawn_median(f"yardstick-{metric}", [args.yardstick, "score", metric, "--hyp", "work/bleu.hyp.txt",
                                        "--ref", "work/bleu.ref.txt", "--json", "--no-confidence"])
    got = find_score(ys.json(), metric)
    if got is None:
        raise BenchError(f"yardstick-{metric}: no score in its JSON:\n{ys.stdout()[:400]}")
    same = close(got, want)
    report.check(f"{label} score identity", same, f"sacrebleu {want!r} vs yardstick {got!r}")
    want_sig, got_sig = ref.json().get("signature"), ys.json().get("signature")
    report.check(f"{label} signature", without_version(want_sig) == without_version(got_sig),
                 f"sacrebleu {want_sig} vs yardstick {got_sig}")
    report.score_rows.append([label, repr(want), repr(got), f"{rel_diff(got, want):.1e}",
                              "✓" if same else "✗"])
    n = args.manifest["bleu_pairs"]
    report.speed(f"{label}, {n:,} segments", "sacrebleu", ref.wall, ref.rss, ys.wall, ys.rss,
                 TARGETS[metric], "CLI")


def bench_rouge(args, report):
    ref = spawn("rouge-score", [sys.executable, "rouge_reference.py", "work/rouge.jsonl"])
    want = ref.json()["scores"]
    if args.reference_only:
        report.notes.append(f"ROUGE (rouge-score only): {json.dumps(want)} in {secs(ref.wall)}")
        return
    ys = spawn_median("yardstick-rouge", [args.yardstick, "score", "rouge", "--data", "work/rouge.jsonl",
                                   "--hyp-field", "prediction", "--ref-field", "reference",
                                   "--stemmer", "--json", "--no-confidence"])
    got = find_rouge(ys.json())
    if got is None:
        raise BenchError(f"yardstick-rouge: no rouge1/rouge2/rougeL/rougeLsum in its JSON:\n"
                         f"{ys.stdout()[:400]}")
    worst, bad = 0.0, []
    for t in ROUGE_TYPES:
        for f in ROUGE_FIELDS:
            g, w = got[t][f], want[t][f]
            if not isinstance(g, (int, float)):
                bad.append(f"{t}.{f} missing")
                continue
            worst = max(worst, rel_diff(g, w))
            if not close(g, w):
                bad.append(f"{t}.{f} {w!r} vs {g!r}")
    report.check("ROUGE mean identity (12 values)", not bad,
                 "all equal" if not bad else "; ".join(bad))
    report.score_rows.append([
        "ROUGE-1/2/L/Lsum F (stem)",
        " / ".join(f"{want[t]['fmeasure']:.15g}" for t in ROUGE_TYPES),
        " / ".join(f"{got[t]['fmeasure']:.15g}" if isinstance(got[t]['fmeasure'], float) else "?"
                   for t in ROUGE_TYPES),
        f"{worst:.1e} (max of 12)", "✓" if not bad else "✗"])
    n = args.manifest["rouge_pairs"]
    report.speed(f"ROUGE 1/2/L/Lsum + stemmer, {n:,} pairs", "rouge-score", ref.wall, ref.rss,
                 ys.wall, ys.rss, TARGETS["rouge"], "CLI")


def head_lines(source, target, count):
    with open(source, encoding="utf-8", newline="\n") as src, \
            open(target, "w", encoding="utf-8", newline="\n") as dst:
        for index, line in enumerate(src):
            if index == count:
                break
            dst.write(line)


def bench_confidence(args, report):
    sacrebleu = os.path.join(args.venv, "bin", "sacrebleu")
    hyp, ref_file, lines = "work/bleu.hyp.txt", "work/bleu.ref.txt", args.manifest["bleu_pairs"]
    ref = spawn("sacrebleu-bleu-ci", [sacrebleu, ref_file, "-i", hyp, "-m", "bleu", "-f", "json",
                                      "-w", "17", "--confidence"],
                time_limit=CI_TIME_LIMIT, allow_timeout=True)
    if ref.timed_out:
        report.notes.append(
            f"sacrebleu --confidence did not finish on {lines:,} segments within "
            f"{CI_TIME_LIMIT / 60:.0f} min; the bootstrap comparison uses the first "
            f"{CI_SUBSET_LINES:,} lines only.")
        hyp, ref_file, lines = "work/bleu10k.hyp.txt", "work/bleu10k.ref.txt", CI_SUBSET_LINES
        head_lines(os.path.join(HERE, "work/bleu.hyp.txt"), os.path.join(HERE, hyp), lines)
        head_lines(os.path.join(HERE, "work/bleu.ref.txt"), os.path.join(HERE, ref_file), lines)
        ref = spawn("sacrebleu-bleu-ci-10k", [sacrebleu, ref_file, "-i", hyp, "-m", "bleu", "-f",
                                              "json", "-w", "17", "--confidence"])
    want = sacrebleu_score(ref)
    if args.reference_only:
        report.notes.append(f"BLEU --confidence (sacrebleu only): {secs(ref.wall)}, "
                            f"peak {mb(ref.rss)}")
        return
    ys = spawn_median("yardstick-bleu-ci", [args.yardstick, "score", "bleu", "--hyp", hyp, "--ref",
                                     ref_file, "--json"])
    answer = ys.json()
    got = find_score(answer, "bleu")
    report.check("BLEU score with bootstrap CI", got is not None and close(got, want),
                 f"sacrebleu {want!r} vs yardstick {got!r}")
    # Yardstick reproduces numpy's resampling, so even the interval should agree exactly.
    ref_ci, ys_ci = ref.json(), answer.get("confidence") if isinstance(answer, dict) else None
    if isinstance(ys_ci, dict) and "mean" in ys_ci and "half_width" in ys_ci:
        pairs = ((ref_ci["confidence_mean"], ys_ci["mean"]), (ref_ci["confidence_var"],
                                                              ys_ci["half_width"]))
        report.check("BLEU bootstrap interval (mean ± half-width)",
                     all(close(g, w) for w, g in pairs),
                     f"sacrebleu {pairs[0][0]!r} ± {pairs[1][0]!r} vs yardstick "
                     f"{pairs[0][1]!r} ± {pairs[1][1]!r}")
    else:
        report.notes.append("yardstick's BLEU JSON has no confidence.mean/half_width to compare.")
    report.speed(f"BLEU + 1000-sample bootstrap CI, {lines:,} segments", "sacrebleu", ref.wall,
                 ref.rss, ys.wall, ys.rss, None, "CLI")
    for metric, label, argv in (
            ("chrf", "chrF2", ["score", "chrf", "--hyp", "work/bleu.hyp.txt", "--ref",
                               "work/bleu.ref.txt", "--json"]),
            ("rouge", "ROUGE", ["score", "rouge", "--data", "work/rouge.jsonl", "--hyp-field",
                                "prediction", "--ref-field", "reference", "--stemmer", "--json"])):
        ys = spawn_median(f"yardstick-{metric}-ci", [args.yardstick] + argv)
        report.notes.append(f"yardstick {label} with its default bootstrap CI: {secs(ys.wall)}, "
                            f"peak RSS {mb(ys.rss)} (the reference tools have no such CLI mode).")


# ---------------------------------------------------------------------------- store benchmarks

def parse_history_csv(path):
    """Count, exact sum and XOR of every value in `runs history --csv` output (long or wide)."""
    count, values, xor = 0, [], 0
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return 0, 0.0, "0" * 16
        lowered = [h.strip().lower() for h in header]
        if "value" in lowered:
            columns = [lowered.index("value")]
        else:
            skip = {"step", "timestamp", "time", "wall_time", "epoch", "run", "run_id"}
            columns = [i for i, h in enumerate(lowered) if h not in skip]
        for row in reader:
            for i in columns:
                if i < len(row) and row[i].strip():
                    v = float(row[i])
                    values.append(v)
                    xor ^= bits(v)
                    count += 1
    return count, math.fsum(values), f"{xor:016x}"


def names_in(value):
    """Run names in a `runs list --json` answer (a list, or an object holding one)."""
    if isinstance(value, dict):
        for key in ("runs", "results", "items", "data"):
            if isinstance(value.get(key), list):
                return names_in(value[key])
        return None
    if isinstance(value, list):
        names = []
        for item in value:
            if isinstance(item, dict):
                run = item.get("run") if isinstance(item.get("run"), dict) else item
                name = run.get("name", run.get("run_name"))
                if name is not None:
                    names.append(name)
        return names
    return None


def bench_store(args, report):
    m = args.manifest
    points, keys = m["points"], m["metric_keys"]
    mlflow_db = os.path.join(WORK, "mlflow.db")
    cli_db, api_db = os.path.join(WORK, "y.db"), os.path.join(WORK, "y_api.db")
    for path in (mlflow_db, cli_db, api_db):
        remove_db(path)
    mlflow_cmd = [sys.executable, "mlflow_bench.py"]
    db_rel = "work/mlflow.db"
    artifacts = ["--artifacts", "work/mlartifacts"]

    # --- logging 1M points
    ml_log = spawn("mlflow-log", mlflow_cmd + ["log", "--db", db_rel, "--points", "work/points.csv"]
                   + artifacts)
    ml = ml_log.json()
    if ml["points"] != points:
        raise BenchError(f"mlflow-log logged {ml['points']} points, expected {points}")
    run_id = ml["run_id"]
    ml_size = file_size(mlflow_db)
    report.notes.append(f"MLflow {ml['mlflow']}: opening the fresh SQLite store (schema migrations) "
                        f"took {secs(ml['setup_seconds'])}, importing mlflow "
                        f"{secs(ml['import_seconds'])}; both are outside the MLflow timings.")
    rows = report.store_rows

    ys_cli = ys_api = None
    if not args.reference_only:
        created = spawn("yardstick-runs-create", [args.yardstick, "runs", "create", "--experiment",
                                                  "bench", "--name", "r1", "--json", "--db",
                                                  "work/y.db"]).json()
        cli_run = created.get("id") if isinstance(created, dict) else None
        if not cli_run:
            raise BenchError(f"yardstick runs create: no id in {created!r}")
        ys_cli = spawn("yardstick-log", [args.yardstick, "log", "metrics", str(cli_run), "--file",
                                         "work/points.csv", "--db", "work/y.db"])
        cli_size = file_size(cli_db)
        if args.store_bench:
            api = spawn("swift-api-log", [args.store_bench, "log", "--db", "work/y_api.db",
                                          "--points", "work/points.csv", "--batch", "1000"])
            ys_api = api.json()
            if ys_api["points"] != points:
                raise BenchError(f"swift-api-log logged {ys_api['points']} points, not {points}")
            api_size = file_size(api_db)
        report.speed(f"log {points:,} metric points", "MLflow log_batch", ml["seconds"],
                             ml_log.rss, ys_cli.wall, ys_cli.rss, TARGETS["log"],
                             "CLI `log metrics` from CSV, whole process")
        if ys_api:
            report.speed(f"log {points:,} metric points", "MLflow log_batch", ml["seconds"],
                         ml_log.rss, ys_api["seconds"], api.rss, TARGETS["log"],
                         "Swift API, batches of 1000")
        rows.append(["logging rate", f"{points / ml['seconds']:,.0f} points/s",
                     f"CLI {points / ys_cli.wall:,.0f} points/s"
                     + (f", API {points / ys_api['seconds']:,.0f} points/s" if ys_api else ""), ""])

    per_point = ml_size / points
    size_row = ["database bytes per point", f"{per_point:.1f} B ({mb(ml_size)})"]
    if ys_cli:
        cli_pp = cli_size / points
        cell = f"CLI {cli_pp:.1f} B ({mb(cli_size)})"
        ok = cli_pp <= MAX_BYTES_PER_POINT
        if ys_api:
            api_pp = api_size / points
            cell += f", API {api_pp:.1f} B ({mb(api_size)})"
            ok = ok and api_pp <= MAX_BYTES_PER_POINT
        size_row += [cell, f"≤ {MAX_BYTES_PER_POINT:g} B {'✓' if ok else '✗'}"]
        if not ok:
            report.misses.append(f"database size above {MAX_BYTES_PER_POINT:g} bytes per point")
    else:
        size_row += ["—", ""]
    rows.append(size_row)

    # --- reading the history back
    ml_hist = spawn("mlflow-history", mlflow_cmd + ["history", "--db", db_rel, "--run-id", run_id,
                                                    "--keys"] + keys)
    mh = ml_hist.json()
    report.check("MLflow history round trip", mh["points"] == points and mh["fsum"] == m["points_fsum"]
                 and mh["xor"] == m["points_xor"],
                 f"{mh['points']:,} points, sum {mh['fsum']!r}, xor {mh['xor']}")
    if not args.reference_only:
        hist = spawn_median("yardstick-history", [args.yardstick, "runs", "history", str(cli_run)] + keys
                     + ["--csv", "--db", "work/y.db"])
        count, total, xor = parse_history_csv(hist.out_path)
        report.check("yardstick CLI history round trip",
                     count == points and total == m["points_fsum"] and xor == m["points_xor"],
                     f"{count:,} points, sum {total!r}, xor {xor} (want {points:,}, "
                     f"{m['points_fsum']!r}, {m['points_xor']})")
        report.speed(f"read a {points:,}-point history", "MLflow get_metric_history", mh["seconds"],
                     ml_hist.rss, hist.wall, hist.rss, TARGETS["history"],
                     "CLI `runs history --csv`, whole process")
        if ys_api:
            api_hist = spawn_median("swift-api-history", [args.store_bench, "history", "--db",
                                                   "work/y_api.db", "--run", ys_api["run_id"],
                                                   "--keys"] + keys)
            ah = api_hist.json()
            report.check("yardstick API history round trip",
                         ah["points"] == points and ah["xor"] == m["points_xor"],
                         f"{ah['points']:,} points, xor {ah['xor']}")
            report.speed(f"read a {points:,}-point history", "MLflow get_metric_history",
                         mh["seconds"], ml_hist.rss, median_seconds(api_hist), api_hist.rss,
                         TARGETS["history"], "Swift API")

    # --- 1,000 runs and a query over them
    ml_runs = spawn("mlflow-runs", mlflow_cmd + ["runs", "--db", db_rel, "--runs", "work/runs.csv"]
                    + artifacts).json()
    ml_search = spawn("mlflow-search", mlflow_cmd + ["search", "--db", db_rel])
    ms = ml_search.json()
    expected = m["query_expected"]
    report.check("MLflow search result", ms["matches"] == expected,
                 f"{len(ms['matches'])} runs (expected {len(expected)})")
    report.notes.append("MLflow cannot express the query directly (parameters are strings "
                        "compared with =/!=/LIKE only, and there is no OR): it runs two searches, "
                        + " and ".join(f"`{q['filter']}`" for q in ms["queries"])
                        + ", and unites them.")
    if args.reference_only or not args.store_bench:
        rows.append([f"create {m['runs']:,} runs (params, tag, metric)",
                     secs(ml_runs["seconds"]), "—", ""])
        return
    ys_runs = spawn("swift-api-runs", [args.store_bench, "runs", "--db", "work/y.db", "--runs",
                                       "work/runs.csv"]).json()
    rows.append([f"create {m['runs']:,} runs (params, tag, metric)",
                 f"{secs(ml_runs['seconds'])} (MLflow client)",
                 f"{secs(ys_runs['seconds'])} (Swift API)", "setup, not a target"])
    listed = spawn_median("yardstick-list", [args.yardstick, "runs", "list", "--experiment", "sweep",
                                      "--where", QUERY, "--json", "--db", "work/y.db"]
                   + args.list_args)
    names = names_in(listed.json())
    if names is None:
        raise BenchError(f"yardstick runs list: no run names in its JSON:\n{listed.stdout()[:400]}")
    report.check("yardstick runs list --where result", sorted(names) == expected,
                 f"{len(names)} runs (expected {len(expected)})")
    report.speed(f"query {m['runs']:,} runs", "MLflow search_runs ×2", ms["seconds"],
                 ml_search.rss, listed.wall, listed.rss, None, "CLI `runs list --where`, whole process")
    api_query = spawn_median("swift-api-query", [args.store_bench, "query", "--db", "work/y.db",
                                          "--experiment", "sweep", "--where", QUERY])
    aq = api_query.json()
    report.check("yardstick API listRuns result", aq["names"] == expected,
                 f"{len(aq['names'])} runs (expected {len(expected)})")
    report.speed(f"query {m['runs']:,} runs", "MLflow search_runs ×2", ms["seconds"],
                 ml_search.rss, median_seconds(api_query), api_query.rss, None,
                 "Swift API `listRuns`")


# ----------------------------------------------------------------------------------- reporting

def environment(args):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for module in ("sacrebleu", "rouge_score", "mlflow", "nltk", "numpy"):
        try:
            out = subprocess.run([sys.executable, "-c",
                                  f"import importlib.metadata as m; print(m.version('{module.replace('_', '-')}'))"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        except subprocess.CalledProcessError:
            out = "?"
        versions[module] = out
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout
    swift = swift.splitlines()[0] if swift else "swift ?"
    return cpu, versions, swift


def render(args, report, started, load):
    m = args.manifest
    cpu, versions, swift = environment(args)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# Yardstick benchmarks",
        "",
        f"Measured {when} by `make bench` on {os.cpu_count()} × {cpu}, {platform.system()} "
        f"{platform.release()}, load average {load[0]:.2f} at the start; {swift}; Python "
        f"{platform.python_version()}, sacrebleu {versions['sacrebleu']}, rouge-score "
        f"{versions['rouge_score']} (nltk {versions['nltk']}), MLflow {versions['mlflow']} "
        f"(SQLite store), numpy {versions['numpy']}.",
        "",
        f"Corpus (generated by `Benchmarks/gen_corpus.py`, seed {m['seed']}, from the test "
        f"fixtures): {m['bleu_pairs']:,} BLEU/chrF segments built from "
        f"{m['translation_source_pairs']:,} real translation pairs, {m['rouge_pairs']:,} ROUGE pairs "
        f"from {m['description_source_pairs']} package descriptions (3-line lead predictions), "
        f"{m['points']:,} metric points ({len(m['metric_keys'])} keys × {m['steps']:,} steps), "
        f"{m['runs']:,} runs.",
        "",
        "Times are wall-clock. Yardstick CLI rows time the whole process (start-up, reading the "
        "files, output); reference-tool CLI rows (sacrebleu) and the rouge-score script also time "
        "their whole process; MLflow and Swift API rows time the library calls only (MLflow's "
        "import and store migration excluded). Yardstick's scoring and read-only commands are the "
        f"median of {REPEATS} runs, everything else runs once. Peak RSS is the child process's "
        "maximum resident set size (`wait4`; the highest of the repeated runs). On a busy machine "
        "single timings vary by tens of percent (see the load average above).",
        "",
        "## Speed",
        "",
        table(["Benchmark", "Reference", "Yardstick", "Speed-up", "Target", "Peak RSS ref → "
               "Yardstick", "Met"], report.speed_rows),
    ]
    if report.score_rows:
        parts += ["", "## Score identity (tolerance 1e-9 relative)", "",
                  table(["Metric", "Reference", "Yardstick", "Rel. diff", "Same"], report.score_rows)]
    if report.store_rows:
        parts += ["", "## Store", "", table(["Measure", "MLflow", "Yardstick", "Target"],
                                            report.store_rows)]
    parts += ["", "## Checks", ""]
    parts += [f"- {'✓' if ok else '✗'} {name}: {detail}" for name, ok, detail in report.checks]
    if report.notes:
        parts += ["", "## Notes", ""] + [f"- {n}" for n in report.notes]
    parts += ["", f"Total benchmark time {secs(time.perf_counter() - started)}."]
    if report.misses:
        parts += ["", "## Missed targets", ""] + [f"- {f}" for f in report.misses]
    if report.failures:
        parts += ["", "## Failed checks", ""] + [f"- {f}" for f in report.failures]
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--yardstick", help="path of the release yardstick binary")
    parser.add_argument("--store-bench", help="path of the StoreBench binary (Swift API)")
    parser.add_argument("--venv", default=os.path.join(HERE, ".venv"))
    parser.add_argument("--parts", default="metrics,ci,store",
                        help="comma-separated subset of metrics,ci,store")
    parser.add_argument("--reference-only", action="store_true",
                        help="run only the reference tools (to test the harness)")
    parser.add_argument("--list-arg", dest="list_args", action="append", default=[],
                        help="extra argument for `yardstick runs list` (repeatable)")
    parser.add_argument("--output", default=os.path.join(HERE, "results.md"))
    args = parser.parse_args()
    if not args.reference_only and not args.yardstick:
        parser.error("--yardstick is required unless --reference-only")
    with open(os.path.join(WORK, "manifest.json"), encoding="utf-8") as handle:
        args.manifest = json.load(handle)
    parts = set(args.parts.split(","))
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ["DO_NOT_TRACK"] = "true"

    started, load = time.perf_counter(), os.getloadavg()
    report = Report()
    try:
        if "metrics" in parts:
            bench_corpus_metric(args, report, "bleu", "BLEU")
            bench_corpus_metric(args, report, "chrf", "chrF2")
            bench_rouge(args, report)
        if "ci" in parts:
            bench_confidence(args, report)
        if "store" in parts:
            bench_store(args, report)
    except BenchError as error:
        print(f"\nbenchmark stopped: {error}", file=sys.stderr)
        return 2
    text = render(args, report, started, load)
    print("\n" + text)
    if not args.reference_only and parts == {"metrics", "ci", "store"}:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {os.path.relpath(args.output)}")
    if report.misses:
        print(f"{len(report.misses)} target(s) missed (see above).", file=sys.stderr)
    if report.failures:
        # Timings of tools that disagree are not comparable: this is the failure case.
        print(f"error: {len(report.failures)} check(s) failed (see above).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
