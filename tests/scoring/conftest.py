"""Scoring fixtures on the session's tiny ONNX detector (tests/conftest.py: tiny_onnx)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def detector(tiny_onnx):
    from camdetect.scoring.detector import OnnxDetector

    return OnnxDetector(tiny_onnx, threads=1)


@pytest.fixture
def ray_lock(tmp_path_factory):
    """One Ray test at a time across xdist workers (each starts Ray processes; two at once on a 2-core box
    only make both slow): an exclusive file lock beside the session's temp dirs."""
    import fcntl

    with (tmp_path_factory.getbasetemp().parent / "camdetect-ray.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> Path:
    """A 3-intersection synthetic city (2048x1024 panoramas + manifest.csv) from camdetect synth."""
    d = tmp_path_factory.mktemp("city")
    subprocess.run([sys.executable, "-m", "camdetect.cli", "synth", "--out", str(d), "-n", "3", "--seed", "1",
                    "--width", "2048"], check=True, capture_output=True)
    return d
