"""A resumable chain of stages: camdetect CLI calls as subprocesses (or small in-process steps).

Shared by ``camdetect demo`` and ``scripts/validate_real.py``. Each stage's output goes to
``OUT/logs/STAGE.log``; a stage counts as done when its stamp ``OUT/.done/STAGE`` holds the same
command and its outputs are present, so a killed stage or a changed command re-runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from camdetect.durable import atomic_write_text

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


def run_stage(dirs: StageDirs, stage: Stage, on_progress: Callable[[float | None, str], None] | None = None,
              poll_s: float = 0.5) -> tuple[int, Path]:
    """Run one stage, output to its log file; returns (exit code, log path). While a CLI stage runs,
    ``on_progress(fraction or None, last log line)`` is called every ``poll_s`` from what it logs."""
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
        proc = subprocess.Popen(stage.command(), stdout=f, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        while True:
            try:
                code = proc.wait(timeout=poll_s)
                break
            except subprocess.TimeoutExpired:
                if on_progress is not None:
                    on_progress(*log_progress(log))
            except BaseException:  # Ctrl-C: stop the stage too, its stamp stays unwritten
                proc.kill()
                proc.wait()
                raise
    return code, log


_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s?%")


def log_progress(log: Path, tail_bytes: int = 4096) -> tuple[float | None, str]:
    """(fraction done, last line) from a stage's log: the first percentage on its last line (tqdm bars,
    ``camdetect train``'s "19 % of the run"), or None when the last line has none."""
    try:
        with open(log, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - tail_bytes))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return None, ""
    lines = [ln.strip() for ln in re.split(r"[\r\n]+", text) if ln.strip()]
    if not lines or lines[-1].startswith("$ "):
        return None, ""
    last = lines[-1]
    m = _PERCENT.search(last)
    return (min(1.0, float(m.group(1)) / 100) if m else None), last


def run_stages(dirs: StageDirs, stages: list[Stage], console, *, force: bool = False,
               times_name: str = "stage_times.json") -> int:
    """Run (or resume) ``stages`` in order, one console line each. Returns an exit code (1 on failure)."""
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
        code, log = _run_shown(dirs, stage, console, label, times.get(stage.name))
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
        atomic_write_text(times_path, json.dumps(times, indent=1))
        console.print(f"{label} [green]done[/] in {dt:6.1f} s")
    console.print(f"all stages finished; this invocation took {time.monotonic() - t_total:.1f} s "
                  f"(stage times: {times_path})")
    return 0


def _run_shown(dirs: StageDirs, stage: Stage, console, label: str, last_s: float | None,
               heartbeat_s: float = 30.0, poll_s: float = 0.5) -> tuple[int, Path]:
    """run_stage with what it is doing on screen: a live bar with percentage and time left on a terminal
    (from the stage's own progress output, else from its time in the previous run); on a pipe or CI log,
    one line every ``heartbeat_s``."""
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    t0 = time.monotonic()
    state = {"beat": t0}

    def fraction(frac: float | None) -> float | None:
        if frac is None and last_s:  # no progress output: the previous run's time as a guide
            frac = min(0.99, (time.monotonic() - t0) / last_s)
        return frac

    if not console.is_terminal:
        def beat(frac: float | None, line: str) -> None:
            now = time.monotonic()
            if now - state["beat"] >= heartbeat_s:
                state["beat"] = now
                frac = fraction(frac)
                pct = f"{100 * frac:3.0f} %" if frac is not None else "  ... "
                console.print(f"{label} running {pct} after {now - t0:5.0f} s  {escape(line[:90])}", highlight=False)
        return run_stage(dirs, stage, beat, poll_s)

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24),
                  TaskProgressColumn(), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                  TextColumn("[dim]{task.fields[line]}"), console=console, transient=True) as progress:
        task = progress.add_task(label, total=None, line="")

        def show(frac: float | None, line: str) -> None:
            frac = fraction(frac)
            progress.update(task, total=None if frac is None else 1.0, completed=frac or 0.0,
                            line=escape(line[:60]))
        return run_stage(dirs, stage, show, poll_s)


def derive_recipe(base: Path, out: Path, **updates) -> dict:
    """Write ``out``: the training recipe ``base`` with ``updates`` applied (a mapping updates the section of
    the same name, e.g. ``mount={"enabled": False}``) and its model yaml made absolute (repo-relative in
    configs/), so the derived recipe works from any folder. Returns the recipe."""
    import yaml

    from camdetect.configs import load_mapping, validate_mapping
    from camdetect.train.config import TrainRecipeFile

    recipe = load_mapping(base, "training recipe")
    validate_mapping(recipe, TrainRecipeFile, base)  # a bad base recipe fails now, not in the train stage
    for key, value in updates.items():
        section = recipe.get(key)
        recipe[key] = {**section, **value} if isinstance(value, dict) and isinstance(section, dict) else value
    model = Path(recipe["model"])
    recipe["model"] = str(model if model.is_absolute() else REPO / model)
    atomic_write_text(out, yaml.safe_dump(recipe, sort_keys=False))
    return recipe


def slug(name: str) -> str:
    return name.replace(" ", "_")
