"""The one ``camdetect`` command line. Each stage registers its own sub-commands.

Stage modules keep heavy imports (torch, ultralytics, onnxruntime, fastapi) inside their command
functions, so ``camdetect --help`` stays fast and scoring never loads torch.
"""

from __future__ import annotations

import importlib
import sys

import typer

import camdetect

app = typer.Typer(
    name="camdetect",
    help="Map street surveillance cameras: volunteer labels -> detector -> ONNX scoring -> review.\n\n"
    "Example: camdetect synth --out city --intersections 20 --seed 1",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Stage modules, in data-flow order. Each has a ``cli.py`` with ``register(app: typer.Typer)``.
STAGES = [
    "camdetect.geometry",
    "camdetect.synth",
    "camdetect.render",
    "camdetect.labels",
    "camdetect.dataset",
    "camdetect.train",
    "camdetect.verifier",
    "camdetect.evaluate",
    "camdetect.export",
    "camdetect.scoring",
    "camdetect.review",
    "camdetect.citymap",
    "camdetect.demo",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"camdetect {camdetect.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """camdetect command line."""


def _register_stages() -> None:
    for name in STAGES:
        try:
            module = importlib.import_module(f"{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name in (name, f"{name}.cli"):
                continue  # stage not built yet
            raise
        module.register(app)


_register_stages()


class CliError(Exception):
    """A bad input: reported as one line on stderr, exit code 2."""


def main() -> None:
    try:
        app()
    except (CliError, FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except ModuleNotFoundError as exc:  # an optional dependency this command needs (camdetect.extras)
        from camdetect.extras import missing_extra

        line = missing_extra(exc)
        if line is None:
            raise
        typer.echo(f"error: {line}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
