"""Installs per user (README "Installs per user"): what each extra declares, and what the light paths import.

`pip install '.[score]'` must bring what `camdetect score` needs (SQLite and PostgreSQL) and nothing heavy
it does not use; `[eval]` evaluates the scorer's output without torch. The sizes are measured in README;
these tests pin the declarations and check in a fresh interpreter that the light paths stay light.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from camdetect.extras import EXTRA_OF

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]
HEAVY = ("torch", "torchvision", "ultralytics", "numba", "llvmlite", "pandas", "scipy", "matplotlib",
         "ensemble-boxes", "opencv-python")


def _names(reqs: list[str]) -> set[str]:
    return {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.\-]+", r).group(0)).lower() for r in reqs}


@pytest.mark.parametrize("group, required", [
    ("score", {"onnxruntime", "openvino", "psycopg"}),
    ("eval", {"faster-coco-eval", "matplotlib"}),
    ("review", {"psycopg"}),
])
def test_extra_declares_what_its_user_needs(group, required):
    assert required <= _names(EXTRAS[group]), EXTRAS[group]


@pytest.mark.parametrize("group", ["core", "score", "eval"])
def test_light_installs_declare_nothing_heavy(group):
    reqs = PROJECT["dependencies"] + (EXTRAS[group] if group != "core" else [])
    heavy = _names(reqs) & set(HEAVY) - ({"matplotlib"} if group == "eval" else set())
    assert not heavy, f"[{group}] declares {sorted(heavy)}"


def test_core_declares_one_opencv_flavour():
    assert [n for n in _names(PROJECT["dependencies"]) if n.startswith("opencv")] == ["opencv-python-headless"]


def test_all_contains_every_extra():
    (all_,) = EXTRAS["all"]
    inside = set(re.search(r"\[(.*)\]", all_).group(1).split(","))
    assert inside == set(EXTRAS) - {"all"}


def test_missing_module_messages_name_real_extras():
    for module, extras in EXTRA_OF.items():
        assert extras and set(extras) <= set(EXTRAS), (module, extras)


LIGHT = """
import json, sys
import camdetect.cli, camdetect.scoring.pipeline, camdetect.scoring.detector, camdetect.store
import camdetect.evaluate.samples, camdetect.evaluate.panorama, camdetect.evaluate.coco_metrics
from camdetect.labels.fusion import fuse_boxes
fuse_boxes([[10, 10, 20, 20], [12, 10, 22, 20]], [1, 2], 640, 640)  # the review app's consensus path
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def test_scoring_and_evaluation_modules_import_nothing_heavy():
    heavy = ["torch", "ultralytics", "numba", "llvmlite", "pandas", "scipy", "matplotlib", "ensemble_boxes"]
    proc = subprocess.run([sys.executable, "-c", LIGHT.format(heavy=heavy)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


MISSING = """
import sys
sys.modules[{module!r}] = None  # as if its extra were not installed: import raises ModuleNotFoundError
sys.argv = ["camdetect", *{args!r}]
from camdetect.cli import main
main()
"""


@pytest.mark.parametrize("module, args, line", [
    ("faster_coco_eval", ["eval", "--predictions", "{tmp}/p.jsonl", "--data", "{tmp}/boxes.csv", "--out", "{tmp}/e"],
     "error: faster_coco_eval is not installed: pip install 'camdetect[eval]' (or [train])"),
    ("onnxruntime", ["score", "{tmp}", "--model", "{tmp}/m.onnx", "--db", "{tmp}/r.db", "--no-progress"],
     "error: onnxruntime is not installed: pip install 'camdetect[score]' (or [train])"),
    ("openvino", ["score", "{tmp}", "--model", "{tiny}", "--runtime", "openvino", "--db", "{tmp}/r.db",
                  "--no-progress"], "error: openvino is not installed: pip install 'camdetect[score]'"),
])
def test_missing_extra_is_one_line_naming_it(module, args, line, tmp_path, tiny_onnx):
    (tmp_path / "p.jsonl").write_text("")
    (tmp_path / "m.onnx").write_bytes(b"")
    (tmp_path / "boxes.csv").write_text("source,image,annotator,x1,y1,x2,y2,image_width,image_height,type,mount\n"
                                       "truth,img.jpg,expert,1,1,5,5,64,64,dome,building\n")
    args = [a.format(tmp=tmp_path, tiny=tiny_onnx) for a in args]
    proc = subprocess.run([sys.executable, "-c", MISSING.format(module=module, args=args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.strip().splitlines()[-1] == line, proc.stderr
