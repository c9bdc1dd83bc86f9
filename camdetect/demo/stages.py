"""A resumable chain of stages: camdetect CLI calls as subprocesses (or small in-process steps).

Shared by ``camdetect demo`` and ``scripts/validate_real.py``. Each stage's output goes to
``OUT/logs/STAGE.log``; a stage counts as done when its stamp ``OUT/.done/STAGE`` holds the same
command and its outputs are present, so a killed stage or a changed command re-runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Stage:
    """One step: a camdetect CLI call (``args``) or an in-process function (``func``)."""

    name: str
    outputs: list[Path]
    args: list[str] = field(default_factory=list)
    func: Callable[[], None] | None = None
    clean: list[Path] = field(default_factory=list)  # stale outputs removed before a (re)run
    key: str = ""  # what else the outputs depend on (in-process stages: the settings)

    def identity(self) -> str:
        """Written into the stamp: a changed command (e.g. other sizes) means the stage is not done."""
        return json.dumps({"args": self.args, "key": self.key})

    def command(self) -> list[str]:
        return [sys.executable, "-m", "camdetect.cli", *self.args]

    def shown(self) -> str:
        return "camdetect " + " ".join(self.args) if self.args else f"(in-process) {self.name}"


@dataclass
class StageDirs:
    """Where a chain keeps its logs, stamps and stage times."""

    out: Path

    def __post_init__(self) -> None:
        self.out = Path(self.out).resolve()
        self.logs, self.stamps = self.out / "logs", self.out / ".done"


def is_done(dirs: StageDirs, stage: Stage) -> bool:
    """Stamp of the same command written after success and every output present (folders non-empty)."""
    stamp = dirs.stamps / slug(stage.name)
    if not stamp.exists() or stamp.read_text().splitlines()[0] != stage.identity():
        return False
    return all(p.exists() and (not p.is_dir() or any(p.iterdir())) for p in stage.outputs)


def run_stage(dirs: StageDirs, stage: Stage) -> tuple[int, Path]:
    """Run one stage, output to its log file; returns (exit code, log path)."""
    log = dirs.logs / f"{slug(stage.name)}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    for path in stage.clean:  # e.g. a dataset built with other sizes: the stage refuses to mix them
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    if stage.func is not None:
        try:
            stage.func()
        except (ValueError, FileNotFoundError, KeyError) as exc:
            log.write_text(f"error: {exc}\n")
            return 2, log
        log.write_text("ok\n")
        return 0, log
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log, "w") as f:
        f.write("$ " + " ".join(stage.command()) + "\n")
        f.flush()
        proc = subprocess.run(stage.command(), stdout=f, stderr=subprocess.STDOUT, env=env, cwd=REPO, check=False)
    return proc.returncode, log


def run_stages(dirs: StageDirs, stages: list[Stage], console, *, force: bool = False,
               times_name: str = "stage_times.json") -> int:
    """Run (or resume) ``stages`` in order, one console line each. Returns an exit code (1 on failure)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    dirs.out.mkdir(parents=True, exist_ok=True)
    if force and dirs.stamps.exists():
        for stamp in dirs.stamps.iterdir():
            stamp.unlink()
    times_path = dirs.out / times_name
    times: dict[str, float] = json.loads(times_path.read_text()) if times_path.exists() else {}
    t_total = time.monotonic()
    for i, stage in enumerate(stages, 1):
        label = f"[{i:2d}/{len(stages)}] {stage.name:<17}"
        if is_done(dirs, stage):
            console.print(f"{label} [dim]skipped (done; --force to redo)[/]")
            continue
        t0 = time.monotonic()
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            progress.add_task(label, total=None)
            code, log = run_stage(dirs, stage)
        dt = time.monotonic() - t0
        if code != 0:
            console.print(f"{label} [bold red]FAILED[/] after {dt:.1f} s (exit {code})")
            console.print(f"command: {stage.shown()}")
            console.print(f"log: {log}; last lines:")
            for line in log.read_text(errors="replace").splitlines()[-20:]:
                console.print("  " + line, markup=False, highlight=False)
            return 1
        dirs.stamps.mkdir(parents=True, exist_ok=True)
        for later in stages[i:]:  # a redone stage invalidates everything downstream
            (dirs.stamps / slug(later.name)).unlink(missing_ok=True)
        (dirs.stamps / slug(stage.name)).write_text(f"{stage.identity()}\n{dt:.1f}\n")
        times[stage.name] = round(dt, 1)
        atomic_write(times_path, json.dumps(times, indent=1))
        console.print(f"{label} [green]done[/] in {dt:6.1f} s")
    console.print(f"all stages finished; this invocation took {time.monotonic() - t_total:.1f} s "
                  f"(stage times: {times_path})")
    return 0


def derive_recipe(base: Path, out: Path, **updates) -> dict:
    """Write ``out``: the training recipe ``base`` with ``updates`` applied (a mapping updates the section of
    the same name, e.g. ``mount={"enabled": False}``) and its model yaml made absolute (repo-relative in
    configs/), so the derived recipe works from any folder. Returns the recipe."""
    import yaml

    if not base.is_file():
        raise FileNotFoundError(f"{base}: training recipe not found")
    recipe = yaml.safe_load(base.read_text())
    for key, value in updates.items():
        section = recipe.get(key)
        recipe[key] = {**section, **value} if isinstance(value, dict) and isinstance(section, dict) else value
    model = Path(recipe["model"])
    recipe["model"] = str(model if model.is_absolute() else REPO / model)
    atomic_write(out, yaml.safe_dump(recipe, sort_keys=False))
    return recipe


def slug(name: str) -> str:
    return name.replace(" ", "_")


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
