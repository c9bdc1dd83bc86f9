#!/usr/bin/env python
"""The network alone under each `--runtime` (camdetect.scoring.runtime): ms per batch and per image, the first
call (OpenVINO compiles there), and the largest difference from ONNX Runtime's outputs, per input shape; plus
OpenVINO with one dynamic model instead of one per shape (why runtime.py compiles per shape).

    .venv/bin/python scripts/bench_runtime.py --model models/camdetect-default.onnx   # runs/bench/runtime.json

Random inputs, the same blob for every runtime; timings are medians of ``--repeats`` calls after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHAPES = "1x640,4x640,1x320,8x320"
RUNTIMES = "onnxruntime,openvino,openvino:precision=bf16"


def timed_calls(run, blob: np.ndarray, repeats: int) -> tuple[float, list[float], np.ndarray]:
    """(first call s, the next ``repeats`` calls in s, the output)."""
    t = time.perf_counter()
    out = run(blob)
    first = time.perf_counter() - t
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run(blob)
        times.append(time.perf_counter() - t)
    return first, times, out


def dynamic_openvino(model: Path, threads: int):
    """OpenVINO with one dynamic-shape model (what runtime.py falls back to after MAX_STATIC_SHAPES)."""
    import openvino as ov

    core = ov.Core()
    config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1,
              "INFERENCE_PRECISION_HINT": "f32", "ENABLE_CPU_PINNING": False}
    req = core.compile_model(core.read_model(str(model)), "CPU", config).create_infer_request()

    def run(blob):
        req.infer({0: blob})
        return np.array(req.get_output_tensor(0).data, copy=True)

    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "camdetect-default.onnx")
    ap.add_argument("--shapes", default=SHAPES, help=f"BATCHxSIZE,... (default {SHAPES})")
    ap.add_argument("--runtimes", default=RUNTIMES, help=f"--runtime specs (default {RUNTIMES})")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bench")
    args = ap.parse_args()

    from camdetect.scoring.runtime import Session

    shapes = [tuple(int(v) for v in s.split("x")) for s in args.shapes.split(",")]
    specs = args.runtimes.split(",")
    sessions = {spec: Session(args.model, threads=args.threads, runtime=spec) for spec in specs}
    runners = {spec: s.run for spec, s in sessions.items()}
    if any(s.runtime.mode == "openvino" for s in sessions.values()):
        runners["openvino, one dynamic model"] = dynamic_openvino(args.model, args.threads)
    rng = np.random.default_rng(0)
    rows = []
    for batch, size in shapes:
        blob = rng.random((batch, 3, size, size), dtype=np.float32)
        ref = None
        for name, run in runners.items():
            first, times, out = timed_calls(run, blob, args.repeats)
            if ref is None:
                ref = out
            med = float(np.median(times))
            rows.append({"runtime": name, "batch": batch, "size": size, "first_call_ms": round(first * 1000, 1),
                         "ms_per_batch": round(med * 1000, 1), "ms_per_image": round(med * 1000 / batch, 1),
                         "max_abs_diff_boxes": float(np.abs(out[:, :4] - ref[:, :4]).max()),
                         "max_abs_diff_scores": float(np.abs(out[:, 4:] - ref[:, 4:]).max())})
            print(json.dumps(rows[-1]), flush=True)
    res = {"model": str(args.model), "threads": args.threads, "repeats": args.repeats, "cpus": os.cpu_count(),
           "load_avg": os.getloadavg(), "command": "python scripts/bench_runtime.py " + " ".join(sys.argv[1:]),
           "reference": specs[0], "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "runtime.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(f"\n| runtime | input | first call ms | ms / batch | ms / image | max diff vs {specs[0]}: boxes px, "
          "scores |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['runtime']} | {r['batch']} x {r['size']} | {r['first_call_ms']} | {r['ms_per_batch']} | "
              f"{r['ms_per_image']} | {r['max_abs_diff_boxes']:.2g}, {r['max_abs_diff_scores']:.2g} |")
    print(f"\nwrote {args.out / 'runtime.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
