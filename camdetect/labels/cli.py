"""``camdetect labels ...``: import/export (cli_io) and consensus/report (cli_consensus)."""

from __future__ import annotations

import importlib

import typer


def register(app: typer.Typer) -> None:
    labels_app = typer.Typer(help="Volunteer labels: import, export, consensus, report.", no_args_is_help=True)
    for name in ("camdetect.labels.cli_io", "camdetect.labels.cli_consensus", "camdetect.labels.cli_refine"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(labels_app)
    app.add_typer(labels_app, name="labels")
