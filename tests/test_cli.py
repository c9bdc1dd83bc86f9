"""The one CLI: --version, and every command's --help carries an example."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

import camdetect
from camdetect.cli import app

runner = CliRunner()


def _commands(group: typer.Typer, prefix: tuple[str, ...] = ()):
    for info in group.registered_commands:
        yield (*prefix, info.name or info.callback.__name__.replace("_", "-"))
    for sub in group.registered_groups:
        yield from _commands(sub.typer_instance, (*prefix, sub.name))


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and camdetect.__version__ in result.output


@pytest.mark.parametrize("command", sorted(_commands(app)))
def test_every_command_has_help_with_example(command):
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"camdetect {' '.join(command)} --help has no example"


def test_cli_import_does_not_load_heavy_libraries():
    code = "import sys, camdetect.cli; print(sorted(m for m in ('torch','ultralytics','onnxruntime','ray','fastapi') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
