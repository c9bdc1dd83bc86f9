"""constraints.txt pins every dependency pyproject.toml declares, so `make install` is reproducible.

A dependency added to pyproject.toml without `make lock` would install at whatever version is newest that
day; this test names it instead.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    names = {_norm(re.match(r"[A-Za-z0-9_.\-]+", r).group(0)) for r in reqs}
    return names - {"camdetect"}


def _pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"constraints.txt: {line!r} is not NAME==VERSION"
        pins[_norm(name)] = version
    return pins


def test_every_declared_dependency_is_pinned():
    missing = sorted(_declared() - set(_pinned()))
    assert not missing, f"not in constraints.txt (run `make lock`): {missing}"


def test_pins_satisfy_pyproject_pins():
    """torch and torchvision are pinned in pyproject itself; the lock must agree."""
    pins = _pinned()
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"


def test_makefile_installs_with_the_constraints():
    make = (ROOT / "Makefile").read_text()
    installs = [ln for ln in make.splitlines() if "pip install" in ln and ".lock-venv" not in ln]
    assert installs and all("-c constraints.txt" in ln for ln in installs), installs
