#!/usr/bin/env python
"""Latency of "next task" and "submit answer" under N concurrent simulated volunteers (default 50),
on SQLite (WAL) and on a throwaway local PostgreSQL, against a live uvicorn server (one process).

    .venv/bin/python scripts/bench_review.py --seconds 20 --volunteers 50
Prints a table and writes JSON (default runs/bench/review.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from camdetect.review.app import create_app
from camdetect.review.config import ReviewConfig
from camdetect.review.loadtest import (
    fill_synthetic,
    make_volunteers,
    percentile,
    run_volunteers,
    serve_in_thread,
)
from camdetect.store import Store
from camdetect.store.pg_server import PostgresUnavailable, TempPostgres


def bench(url: str, backend: str, volunteers: int, seconds: float, suggestions: int, think: float) -> dict:
    store = Store.open(url, pool_size=max(20, volunteers // 2), create=True)
    fill_synthetic(store, suggestions)
    vols = make_volunteers(store, volunteers)
    with serve_in_thread(create_app(store, ReviewConfig(k=3, retire_agree=2))) as base:
        t0 = time.perf_counter()
        logs = run_volunteers(base, vols, seconds, think=think)
        wall = time.perf_counter() - t0
    store.close()
    nxt = [v for log in logs for v in log.next_ms]
    sub = [v for log in logs for v in log.submit_ms]
    answers = sum(len(log.confirmed) for log in logs)
    return {"backend": backend, "volunteers": volunteers, "seconds": round(wall, 2), "answers": answers,
            "answers_per_s": round(answers / wall, 1), "next_p50_ms": round(percentile(nxt, 50), 1),
            "next_p95_ms": round(percentile(nxt, 95), 1), "submit_p50_ms": round(percentile(sub, 50), 1),
            "submit_p95_ms": round(percentile(sub, 95), 1), "errors": sum(len(log.errors) for log in logs),
            "queue_emptied": all(log.empty for log in logs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--volunteers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--suggestions", type=int, default=5000)
    ap.add_argument("--think", type=float, default=0.0, help="max random seconds between next and submit")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--out", default="runs/bench/review.json")
    args = ap.parse_args()
    rows = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as d:
                rows.append(bench(f"sqlite:///{d}/bench.db", backend, args.volunteers, args.seconds,
                                  args.suggestions, args.think))
        elif backend == "postgresql":
            try:
                with TempPostgres() as pg:
                    rows.append(bench(pg.create_database("bench"), backend, args.volunteers, args.seconds,
                                      args.suggestions, args.think))
            except PostgresUnavailable as exc:
                print(f"skipping postgresql: {exc}", file=sys.stderr)
        else:
            raise SystemExit(f"unknown backend {backend!r}")
    cols = list(rows[0]) if rows else []
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r[c]) for c in cols))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"cpus": os.cpu_count(), "python": platform.python_version(), "args": vars(args),
            "note": "client threads and server share the machine; one uvicorn process"}
    out.write_text(json.dumps({"meta": meta, "results": rows}, indent=2), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
