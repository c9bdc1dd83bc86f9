"""Process environment set before any heavy library is imported.

Ultralytics must never try to download weights, fonts or packages (this project runs offline and
builds models from ``*.yaml``), and its settings file belongs to the project, not the user's home.
"""

from __future__ import annotations

import os
from pathlib import Path


def camdetect_home() -> Path:
    """Project-local state directory (``$CAMDETECT_HOME`` or ``./.camdetect``)."""
    return Path(os.environ.get("CAMDETECT_HOME") or Path.cwd() / ".camdetect").resolve()


def configure_offline_ultralytics() -> None:
    """Set ``YOLO_OFFLINE``, ``YOLO_AUTOINSTALL=0`` and a project-local ``YOLO_CONFIG_DIR``.

    Idempotent; only sets what the user has not set. Must run before ``import ultralytics``.
    """
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "0")
    os.environ.setdefault("YOLO_VERBOSE", "False")
    if "YOLO_CONFIG_DIR" not in os.environ:
        path = camdetect_home() / "ultralytics"
        path.mkdir(parents=True, exist_ok=True)
        os.environ["YOLO_CONFIG_DIR"] = str(path)
