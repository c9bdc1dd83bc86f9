"""scripts/bench_runtime.py runs on a real (tiny) model under every runtime and writes its table (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runtime_writes_one_row_per_runtime_and_shape(tiny_onnx, tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_runtime.py"), "--model", str(tiny_onnx),
                           "--shapes", "1x320,2x320", "--repeats", "1", "--threads", "1", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "runtime.json").read_text())
    names = ["onnxruntime", "openvino", "openvino:precision=bf16", "openvino, one dynamic model"]
    assert [(r["runtime"], r["batch"]) for r in res["rows"]] == [(n, b) for b in (1, 2) for n in names]
    for r in res["rows"]:
        assert r["ms_per_batch"] > 0 and r["first_call_ms"] > 0
        if r["runtime"] in ("openvino", "openvino, one dynamic model"):  # f32: ORT's outputs to float rounding
            assert r["max_abs_diff_scores"] < 1e-3 and r["max_abs_diff_boxes"] < 0.1
    assert "| openvino | 2 x 320 |" in proc.stdout
