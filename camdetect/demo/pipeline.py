"""The demo pipeline: a plan of stage commands, run as subprocesses, skipped when already done.

Each stage is a real ``camdetect`` CLI call in its own process (so scoring never has torch loaded);
its output goes to ``OUT/logs/STAGE.log``. A stage counts as done when its stamp
``OUT/.done/STAGE`` exists and its outputs are present: a stage killed half-way re-runs.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO / "configs" / "demo.yaml"
TRAIN_RECIPE = REPO / "configs" / "train" / "ci.yaml"


@dataclass(frozen=True)
class DemoSettings:
    """Sizes of one demo run (configs/demo.yaml, section ``full`` or ``quick``)."""

    intersections: int = 36
    width: int = 2048
    epochs: int = 12
    imgsz: int = 320
    batch: int = 8
    mount: bool = True
    conf: float = 0.01
    test: float = 0.3
    val: float = 0.15
    negatives: float | None = None   # dataset --negatives-ratio (None: the dataset default)
    tile: int | None = None          # dataset and score --tile (None: whole views)
    seed: int = 1

    @classmethod
    def load(cls, path: Path | None = None, *, quick: bool = False, **overrides) -> DemoSettings:
        path = Path(path) if path else DEFAULT_CONFIG
        if not path.exists():
            raise FileNotFoundError(f"{path}: demo config not found")
        doc = yaml.safe_load(path.read_text()) or {}
        section = "quick" if quick else "full"
        values = doc.get(section)
        if not isinstance(values, dict):
            raise ValueError(f"{path}: no '{section}' section")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{path}: unknown key(s) in '{section}': {', '.join(unknown)}")
        settings = cls(**values)
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


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
class Layout:
    """Where every stage writes, under one output folder."""

    out: Path

    def __post_init__(self) -> None:
        self.out = Path(self.out).resolve()
        o = self.out
        self.city, self.labels, self.ds = o / "city", o / "labels", o / "ds"
        self.train_project, self.run_name = o / "train", "detector"  # not "model": ultralytics renames that
        self.run = self.train_project / self.run_name
        self.recipe = o / "train_recipe.yaml"
        self.model = o / "model.onnx"
        self.manifest_test = self.city / "manifest_test.csv"  # image_path is relative to the manifest
        self.score, self.media, self.db_file = o / "score", o / "media", o / "review.db"
        self.eval = o / "eval"
        self.logs, self.stamps = o / "logs", o / ".done"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_file}"


def write_recipe(layout: Layout, s: DemoSettings) -> None:
    """The demo training recipe: configs/train/ci.yaml with the demo's sizes and output folder."""
    recipe = yaml.safe_load(TRAIN_RECIPE.read_text())
    model = Path(recipe["model"])
    recipe.update(
        name=layout.run_name, project=str(layout.train_project), data=str(layout.ds),
        model=str(model if model.is_absolute() else REPO / model),
        imgsz=s.imgsz, epochs=s.epochs, batch=s.batch, seed=s.seed, threads=0,
    )
    recipe.setdefault("mount", {})["enabled"] = s.mount
    _atomic_write(layout.recipe, yaml.safe_dump(recipe, sort_keys=False))


def write_test_manifest(layout: Layout) -> int:
    """Manifest rows of the intersections whose views are in the dataset's test split."""
    with open(layout.ds / "views.csv", newline="") as f:
        test = {r["intersection"] for r in csv.DictReader(f) if r.get("split") == "test"}
    if not test:
        raise ValueError(f"{layout.ds / 'views.csv'}: no views in the test split")
    with open(layout.city / "manifest.csv", newline="") as f:
        reader = csv.DictReader(f)
        names, rows = reader.fieldnames or [], [r for r in reader if r["intersection_id"] in test]
    tmp = layout.manifest_test.with_suffix(".tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=names)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, layout.manifest_test)
    return len(rows)


def plan(layout: Layout, s: DemoSettings) -> list[Stage]:
    """The stages in order. Paths are absolute so the plan does not depend on the working directory."""
    L = layout
    tags, cameras = L.labels / "tags.csv", L.labels / "cameras.csv"
    return [
        Stage("synth", [L.city / "manifest.csv", L.city / "truth" / "cameras.csv"],
              ["synth", "--out", str(L.city), "--intersections", str(s.intersections), "--seed", str(s.seed),
               "--width", str(s.width)]),
        Stage("labels import", [tags],
              ["labels", "import", "--format", "decoders", str(L.city / "volunteers"), "--out", str(tags)]),
        Stage("labels consensus", [cameras],
              ["labels", "consensus", str(tags), "--out", str(cameras),
               "--volunteers", str(L.labels / "volunteers.csv")]),
        Stage("labels report", [L.labels / "report"],
              ["labels", "report", str(tags), "--cameras", str(cameras), "--truth",
               str(L.city / "truth" / "cameras.csv"), "--out", str(L.labels / "report")]),
        Stage("dataset build", [L.ds / "views.csv"],
              ["dataset", "build", "--panoramas", str(L.city / "manifest.csv"), "--cameras", str(cameras),
               "--out", str(L.ds), "--block-m", "0", "--test", str(s.test), "--val", str(s.val),
               "--seed", str(s.seed)]
              + (["--negatives-ratio", str(s.negatives)] if s.negatives is not None else [])
              + (["--tile", str(s.tile)] if s.tile else []), clean=[L.ds]),
        Stage("train recipe", [L.recipe], func=lambda: write_recipe(L, s), key=repr(s)),
        Stage("train", [L.run / "weights" / "best.pt"],
              ["train", "--config", str(L.recipe), "--overwrite"]),
        Stage("export", [L.model], ["export", str(L.run), "--out", str(L.model)]),
        Stage("test manifest", [L.manifest_test], func=lambda: write_test_manifest(L)),
        Stage("score", [L.score / "suggestions.jsonl", L.db_file],
              ["score", str(L.manifest_test), "--model", str(L.model), "--db", L.db_url, "--media", str(L.media),
               "--out", str(L.score), "--conf", str(s.conf), "--no-progress"],
              clean=[L.score, L.media, L.db_file]),
        Stage("eval", [L.eval / "report.json"],
              ["eval", "--predictions", str(L.score / "suggestions.jsonl"), "--truth", str(L.city),
               "--manifest", str(L.manifest_test), "--out", str(L.eval)], clean=[L.eval]),
    ]


def is_done(layout: Layout, stage: Stage) -> bool:
    """Stamp of the same command written after success and every output present (folders non-empty)."""
    stamp = layout.stamps / _slug(stage.name)
    if not stamp.exists() or stamp.read_text().splitlines()[0] != stage.identity():
        return False
    return all(p.exists() and (not p.is_dir() or any(p.iterdir())) for p in stage.outputs)


def run_stage(layout: Layout, stage: Stage) -> tuple[int, Path]:
    """Run one stage, output to its log file; returns (exit code, log path)."""
    log = layout.logs / f"{_slug(stage.name)}.log"
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


def run_demo(out: Path, settings: DemoSettings, *, force: bool = False) -> int:
    """Run (or resume) the demo under ``out``; prints a line per stage and the summary. Returns an exit code."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console()
    layout = Layout(out)
    layout.out.mkdir(parents=True, exist_ok=True)
    if force and layout.stamps.exists():
        for stamp in layout.stamps.iterdir():
            stamp.unlink()
    stages = plan(layout, settings)
    times_path = layout.out / "demo_times.json"
    times: dict[str, float] = json.loads(times_path.read_text()) if times_path.exists() else {}
    console.print(f"[bold]camdetect demo[/] -> {layout.out}  ({settings})")
    t_total = time.monotonic()
    for i, stage in enumerate(stages, 1):
        label = f"[{i:2d}/{len(stages)}] {stage.name:<17}"
        if is_done(layout, stage):
            console.print(f"{label} [dim]skipped (done; --force to redo)[/]")
            continue
        t0 = time.monotonic()
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            progress.add_task(label, total=None)
            code, log = run_stage(layout, stage)
        dt = time.monotonic() - t0
        if code != 0:
            console.print(f"{label} [bold red]FAILED[/] after {dt:.1f} s (exit {code})")
            console.print(f"command: {stage.shown()}")
            console.print(f"log: {log}; last lines:")
            for line in log.read_text(errors="replace").splitlines()[-20:]:
                console.print("  " + line, markup=False, highlight=False)
            return 1
        layout.stamps.mkdir(parents=True, exist_ok=True)
        for later in stages[i:]:  # a redone stage invalidates everything downstream
            (layout.stamps / _slug(later.name)).unlink(missing_ok=True)
        (layout.stamps / _slug(stage.name)).write_text(f"{stage.identity()}\n{dt:.1f}\n")
        times[stage.name] = round(dt, 1)
        _atomic_write(times_path, json.dumps(times, indent=1))
        console.print(f"{label} [green]done[/] in {dt:6.1f} s")
    console.print(f"all stages finished; this invocation took {time.monotonic() - t_total:.1f} s "
                  f"(stage times: {times_path})")
    print_summary(console, layout, summarize(layout))
    return 0


def summarize(layout: Layout) -> dict:
    """Key numbers from the stages' own outputs (missing ones stay None)."""
    out: dict = {"report": str(layout.eval / "report.md"), "db": str(layout.db_file), "media": str(layout.media)}
    truth = layout.city / "truth" / "cameras.csv"
    out["cameras_truth"] = _count_rows(truth)
    out["cameras_consensus"] = _count_rows(layout.labels / "cameras.csv")
    out["intersections_scored"] = _count_rows(layout.manifest_test)
    out["suggestions"] = _count_lines(layout.score / "suggestions.jsonl")
    score_summary = layout.score / "summary.json"
    out["views_scored"] = json.loads(score_summary.read_text()).get("views") if score_summary.exists() else None
    out.update(_consensus_scores(layout.labels / "report"))
    report = layout.eval / "report.json"
    if report.exists():
        out.update(_eval_numbers(json.loads(report.read_text())))
    _atomic_write(layout.out / "summary.json", json.dumps(out, indent=1))
    return out


def print_summary(console, layout: Layout, s: dict) -> None:
    from rich.table import Table

    def fmt(v, pct=False):
        if v is None:
            return "n/a"
        if isinstance(v, str):
            return v
        return f"{100 * v:.1f}%" if pct else (f"{v:.3f}" if isinstance(v, float) else str(v))

    t = Table(title="camdetect demo: key numbers", show_header=False)
    t.add_row("cameras in truth / found by volunteer consensus", f"{fmt(s['cameras_truth'])} / "
              f"{fmt(s['cameras_consensus'])}")
    t.add_row("consensus precision / recall vs truth",
              f"{fmt(s.get('consensus_precision'), True)} / {fmt(s.get('consensus_recall'), True)}")
    t.add_row("held-out intersections / views scored",
              f"{fmt(s['intersections_scored'])} / {fmt(s.get('views_scored'))}")
    t.add_row("detector mAP@0.5 (held-out panoramas)", fmt(s.get("map50")))
    t.add_row("effort saved at 90% recall", fmt(s.get("effort_saved_90"), True))
    t.add_row("effort saved at 95% recall", fmt(s.get("effort_saved_95"), True))
    t.add_row("suggestions queued for review", fmt(s["suggestions"]))
    console.print(t)
    console.print(f"report: {s['report']}")
    console.print("review app: camdetect review serve --db " + s["db"] + " --media " + s["media"]
                  + "  then open http://127.0.0.1:8000 (the first sign-up becomes coordinator)")


def _consensus_scores(report_dir: Path) -> dict:
    """Precision/recall of the default consensus (majority vote) vs truth, from the labels report."""
    path = report_dir / "measured.json"
    if not path.exists():
        return {}
    rows = [r for r in json.loads(path.read_text()) if isinstance(r, dict) and "precision" in r]
    row = next((r for r in rows if str(r.get("method", "")).startswith("majority")), rows[0] if rows else None)
    return {"consensus_precision": row["precision"], "consensus_recall": row["recall"]} if row else {}


def _eval_numbers(doc: dict) -> dict:
    """mAP@0.5 and effort saved at the 90/95% recall targets from `camdetect eval`'s report.json."""
    res: dict = {"map50": (doc.get("coco") or {}).get("mAP50")}
    for point in (doc.get("effort") or {}).get("at_targets", []):
        key = f"effort_saved_{round(100 * float(point['target_recall']))}"
        res[key] = point.get("saved") if point.get("reached") else "not reached"
    return res


def _count_rows(path: Path) -> int | None:
    if not path.exists():
        return None
    with open(path, newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def _count_lines(path: Path) -> int | None:
    if not path.exists():
        return None
    with open(path) as f:
        return sum(1 for line in f if line.strip())


def _slug(name: str) -> str:
    return name.replace(" ", "_")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
