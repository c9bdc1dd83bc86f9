#!/usr/bin/env python
"""Latency of "next task" and "submit answer" under concurrent simulated volunteers, with the server
and the client in separate processes: the server is `camdetect review serve` (on PostgreSQL with
``--workers N`` processes; SQLite: one process, one writer), the volunteers run on one asyncio loop in
a process of their own, so the client's CPU never holds the server's GIL.

Fixed load (issue 13.7 targets: 50 volunteers thinking 0-6 s, p95 <= 50 ms for both calls):

    nice -n 19 .venv/bin/python scripts/bench_review.py --backends sqlite,postgresql --volunteers 50 --think 6

Ramp (PostgreSQL, 2 workers): 100, 200, ... volunteers thinking 0-10 s (5 s per answer on average)
until p95 of next or submit passes 200 ms; reports the last throughput that stayed under it:

    nice -n 19 .venv/bin/python scripts/bench_review.py --backends postgresql --workers 2 --ramp 100,200,400,700,1000 --think 10

Prints a table and writes JSON (default runs/bench/review.json): p50/p95/p99, answers/s, errors, the
lost / duplicated / over-k / twice checks against the store, load average at start and end, CPUs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from camdetect.durable import atomic_write_json
from camdetect.review.loadtest import (
    check_answers,
    fill_synthetic,
    make_volunteers,
    percentile,
    run_volunteers_async,
)
from camdetect.store import Store
from camdetect.store.pg_server import PostgresUnavailable, TempPostgres, free_port

K, RETIRE_AGREE = 3, 2
TARGET_MS = 200.0  # the ramp stops once p95 of next or submit passes this


def worst_p95(row: dict) -> float:
    return max(row["next_p95_ms"] or 0.0, row["submit_p95_ms"] or 0.0)


def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


@contextmanager
def server(url: str, workers: int, warmup: float):
    """`camdetect review serve` in its own process group; yields its base URL, then stops it (that group only)."""
    import httpx

    port = free_port()
    exe = Path(sys.executable).with_name("camdetect")
    cmd = [str(exe), "review", "serve", "--db", url, "--port", str(port), "--workers", str(workers),
           "--k", str(K), "--retire-agree", str(RETIRE_AGREE)]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}: {' '.join(cmd)}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                raise RuntimeError("server did not answer /healthz in 120 s")
            time.sleep(0.2)
        time.sleep(warmup)  # the first worker answered; give the others time to start (each reprioritizes)
        yield base, proc.pid
    finally:
        os.killpg(proc.pid, 15)  # our own process group (start_new_session): the server and its workers
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def timed_volunteers(*args) -> tuple[list, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    logs = run_volunteers_async(*args)
    return logs, time.perf_counter() - t0, time.process_time() - c0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes and their children, exited children included
    (the postmaster reaps PostgreSQL backends the pool closed) (psutil; 0 where unreadable)."""
    try:
        import psutil
    except ImportError:
        return 0.0
    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            reaped = root.cpu_times()
            total += reaped.children_user + reaped.children_system
            for proc in [root, *root.children(recursive=True)]:
                c = proc.cpu_times()
                total += c.user + c.system
        except psutil.Error:
            continue
    return total


def client(base: str, vols: list, seconds: float, think: float, seed: int) -> tuple[list, float, float]:
    """The volunteers in a separate process (spawned: nothing shared with this one); the wall time is
    the run's own, without the process start."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(timed_volunteers, (base, vols, seconds, seed, think))


def summary(logs: list, wall: float) -> dict:
    nxt = [v for log in logs for v in log.next_ms]
    sub = [v for log in logs for v in log.submit_ms]
    answers = sum(len(log.confirmed) for log in logs)
    row = {"answers": answers, "answers_per_s": round(answers / wall, 1)}
    for name, vals in (("next", nxt), ("submit", sub)):
        for q in (50, 95, 99):
            row[f"{name}_p{q}_ms"] = round(percentile(vals, q), 1) if vals else None
    row["errors"] = sum(len(log.errors) for log in logs)
    row["queue_emptied"] = any(log.empty for log in logs)
    return row


def bench(url: str, backend: str, args, db_pids: tuple[int, ...] = ()) -> list[dict]:
    workers = args.workers if backend == "postgresql" else 1  # SQLite: one writer, one process
    steps = [int(v) for v in args.ramp.split(",")] if args.ramp else [args.volunteers]
    store = Store.open(url, pool_size=10, create=True)
    t0 = time.time()
    fill_synthetic(store, args.suggestions)
    vols = make_volunteers(store, max(steps))
    print(f"{backend}: {args.suggestions} suggestions, {max(steps)} volunteers ready in {time.time() - t0:.0f} s",
          file=sys.stderr)
    rows, all_logs = [], []
    with server(url, workers, args.warmup if workers > 1 else 0.0) as (base, pid):
        for i, n in enumerate(steps):
            start = load()
            s0, d0 = cpu_seconds([pid]), cpu_seconds(list(db_pids))
            logs, wall, client_cpu = client(base, vols[:n], args.seconds, args.think, seed=i)
            server_cpu, db_cpu = cpu_seconds([pid]) - s0, cpu_seconds(list(db_pids)) - d0
            all_logs += logs
            row = {"backend": backend, "workers": workers, "volunteers": n, "think_s": f"0-{args.think:g}",
                   "seconds": round(wall, 1), **summary(logs, wall), "load_start": start, "load_end": load()}
            # CPU per answer, whole request cycle (next + submit): the server's processes, the database's
            # (PostgreSQL backends; SQLite runs inside the server) and the simulated client's
            row["cpu_ms_per_answer"] = {k: round(1000 * v / max(1, row["answers"]), 2) for k, v in
                                        (("server", server_cpu), ("db", db_cpu), ("client", client_cpu))}
            rows.append(row)
            print(" ".join(f"{k}={v}" for k, v in row.items()), file=sys.stderr)
            if args.ramp and worst_p95(row) > TARGET_MS:
                break
    checks = check_answers(store, all_logs, K)
    store.close()
    for row in rows:
        row["lost"], row["duplicated"] = checks["lost"], checks["duplicated"]
        row["over_k"], row["twice"] = checks["over_k"], checks["twice"]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="sqlite,postgresql", help="comma list of sqlite, postgresql")
    ap.add_argument("--workers", type=int, default=2, help="server processes on PostgreSQL (SQLite: always 1)")
    ap.add_argument("--volunteers", type=int, default=50)
    ap.add_argument("--think", type=float, default=6.0, help="each volunteer waits uniform(0, THINK) s before "
                    "submitting (and before the first task); 0: no think time, the box's capacity")
    ap.add_argument("--seconds", type=float, default=30.0, help="duration of the run (of each ramp step)")
    ap.add_argument("--ramp", default="", help="comma list of volunteer counts, run in turn until p95 > 200 ms")
    ap.add_argument("--suggestions", type=int, default=0, help="queue size (default: 5000; ramp 20000)")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds to wait for the other workers after the first answers")
    ap.add_argument("--out", default="runs/bench/review.json")
    args = ap.parse_args()
    args.suggestions = args.suggestions or (20000 if args.ramp else 5000)
    meta = {"cpus": os.cpu_count(), "python": platform.python_version(), "args": vars(args),
            "command": " ".join(["scripts/bench_review.py", *sys.argv[1:]]), "load_start": load(),
            "note": "server: `camdetect review serve` subprocess(es); client: one asyncio process; same machine"}
    rows = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as d:
                rows += bench(f"sqlite:///{d}/bench.db", backend, args)
        elif backend == "postgresql":
            try:
                with TempPostgres() as pg:
                    postmaster = int((pg.dir / "data" / "postmaster.pid").read_text().split()[0])
                    rows += bench(pg.create_database("bench"), backend, args, (postmaster,))
            except PostgresUnavailable as exc:
                print(f"skipping postgresql: {exc}", file=sys.stderr)
        else:
            raise SystemExit(f"unknown backend {backend!r}")
    meta["load_end"] = load()
    cols = ["backend", "workers", "volunteers", "think_s", "answers_per_s", "next_p50_ms", "next_p95_ms",
            "next_p99_ms", "submit_p50_ms", "submit_p95_ms", "submit_p99_ms", "errors", "lost", "duplicated",
            "cpu_ms_per_answer", "load_start", "load_end"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    if args.ramp:
        ok = [r for r in rows if worst_p95(r) <= TARGET_MS]
        best = max(ok, key=lambda r: r["answers_per_s"]) if ok else None
        meta["ramp_result"] = ({"answers_per_s": best["answers_per_s"], "volunteers": best["volunteers"]}
                               if best else None)
        print(f"ramp: p95 <= {TARGET_MS:.0f} ms up to "
              + (f"{best['answers_per_s']} answers/s ({best['volunteers']} volunteers)" if best else "nothing"))
    atomic_write_json(args.out, {"meta": meta, "results": rows}, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
