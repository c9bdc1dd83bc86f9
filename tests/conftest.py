"""Shared fixtures. Real third-party data lives in ../shared/data and is optional."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (`make test`, CI): a red build means a change broke
# something, not that a new random draw found an old corner. HYPOTHESIS_PROFILE=explore draws fresh
# examples (and keeps failures in .hypothesis/) when hunting for new ones.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CAMDETECT_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data; skips the test cleanly on a clone without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (tests using real third-party data skip)")
    return SHARED_DATA


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data, skipping the test when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not found (real third-party data is optional)")
    return path


def load_script(relpath: str):
    """A script of the repository (``scripts/NAME.py``, ``training/NAME.py``) imported as a module, for tests of
    its functions; scripts are not a package, so each test would otherwise patch sys.path its own way."""
    import importlib.util

    path = ROOT / relpath
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_onnx(tmp_path_factory) -> Path:
    """A tiny random-weight YOLO11n exported once per test session (cached beside the session's temp folder,
    so xdist workers share it): a real ONNX detector for scoring, export, evaluation and mining tests."""
    from camdetect.export.tiny import cached_tiny_onnx

    return cached_tiny_onnx(tmp_path_factory.getbasetemp().parent / "camdetect-tiny")[0]


@pytest.fixture(scope="session")
def tiny_verifier(tmp_path_factory) -> Path:
    """A random-weight second-look verifier exported once per test session (shared across xdist workers)."""
    from camdetect.export.tiny import cached_tiny_verifier

    return cached_tiny_verifier(tmp_path_factory.getbasetemp().parent / "camdetect-tiny")
