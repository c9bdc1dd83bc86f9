"""Export fixtures on the session's tiny ONNX detector (tests/conftest.py: tiny_onnx)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def detector(tiny_onnx):
    from camdetect.scoring.detector import OnnxDetector

    return OnnxDetector(tiny_onnx, threads=1)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, tiny_onnx) -> Path:
    from camdetect.export.tiny import cached_tiny_onnx

    return cached_tiny_onnx(tmp_path_factory.getbasetemp().parent / "camdetect-tiny")[1]
