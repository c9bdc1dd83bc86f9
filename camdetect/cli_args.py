"""Argument types shared by the scripts' argparse parsers (the CLI proper uses typer)."""

from __future__ import annotations

import argparse
from pathlib import Path


def named_path(text: str) -> tuple[str, Path]:
    """``NAME=PATH``, how benchmarks and summaries name the models or runs they compare; a bad one is argparse's
    one-line usage error (exit 2)."""
    name, sep, path = text.partition("=")
    if not (sep and name and path):
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=PATH")
    return name, Path(path)
