"""The demo pipeline: a plan of stage commands, run as subprocesses, skipped when already done.

Each stage is a real ``camdetect`` CLI call in its own process (so scoring never has torch loaded);
its output goes to ``OUT/logs/STAGE.log``. A stage counts as done when its stamp
``OUT/.done/STAGE`` exists and its outputs are present: a stage killed half-way re-runs.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from camdetect.configs import (
    CheckpointFile,
    ConfigError,
    ImageSize,
    NonNegativeInt,
    OnnxFile,
    PositiveInt,
    Probability,
    Real,
    StrictModel,
    YamlFile,
    load_model,
)
from camdetect.demo.stages import (
    REPO,
    Stage,
    StageDirs,
    derive_recipe,
    is_done,
    run_stage,
    run_stages,
)
from camdetect.durable import atomic_write_text, write_csv

__all__ = ["DemoSettings", "Layout", "Stage", "is_done", "plan", "run_demo", "run_stage", "summarize"]
DEFAULT_CONFIG = REPO / "configs" / "demo.yaml"


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
    recipe: str = "configs/train/ci.yaml"  # base training recipe (model yaml, augmentation, mount classifier)
    weights: str = ""                # fine-tune from this checkpoint when it exists (repo-relative or absolute)
    keep_start: bool = False         # each fine-tune keeps its start weights when it does not beat them on its
                                     # val split (train recipe key keep_start, camdetect.train.start_guard)
    mount_fallback: str = ""         # export --mount-model: used only when the run's own mount classifier was
                                     # skipped or is degenerate, and the summary says so ("" or missing: none)
    labels: str = "consensus"        # what the detector trains on: "consensus" (the volunteers' majority) |
                                     # "lean" (+ yes/no verification of the disputed candidates by simulated
                                     # volunteers, labels.model_voter.lean_consensus) | "truth" (the city's boxes:
                                     # the ceiling the crowd recipes are measured against, scripts/bench_crowd.py)
    splits_from: str = ""            # dataset build --splits-from: another run's dataset fixes each intersection's
                                     # split, so two runs of one city are measured on the same held-out half
    ignore_doubtful: bool = False    # consensus --doubtful + dataset --ignore: candidates the keep rule rejected
                                     # are greyed out in training images instead of counting as negatives
    review_round: bool = False       # one review round: half the held-out intersections are pre-flagged and
                                     # answered by simulated volunteers, the model retrained, the other half scored
    review_conf: float = 0.02        # score threshold of the round's review queue
    review_volunteers: int = 12
    round_epochs: int = 8            # fine-tuning epochs of the second round
    round2_from: str = "shipped"     # second round starts from: "shipped" (weights, else round 1's) | "round1"
    round2_data: str = "reviewed"    # second round trains on: "reviewed" (verified views only) | "merged"
    layout: str = "tiles"            # camdetect score --layout of every scoring (docs/scoring.md, Tile layout)
    views: str = ""                  # view plan YAML of the dataset build and every scoring ("": the default ring;
                                     # configs/views/two-rings.yaml also sees cameras right overhead)
    baseline: bool = True            # also score the held-out panoramas with the shipped model as it is
    refine_boxes: str = ""           # detector ONNX that sizes the crowd's point boxes (`labels refine-boxes`)
                                     # before the dataset is built ("": the size prior's boxes as they are)

    @classmethod
    def load(cls, path: Path | None = None, *, quick: bool = False, **overrides) -> DemoSettings:
        path = Path(path) if path else DEFAULT_CONFIG
        doc = load_model(path, DemoFile, "demo config")
        section = "quick" if quick else "full"
        values = getattr(doc, section)
        if values is None:
            raise ConfigError(f"{path}: no '{section}' section")
        settings = cls(**values.present())
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


class DemoSection(StrictModel):
    """One section (``full`` or ``quick``) of configs/demo.yaml -> :class:`DemoSettings`."""

    intersections: PositiveInt = None
    width: Annotated[int, Field(ge=256, multiple_of=2)] = None  # equirectangular: width = 2 x height
    epochs: PositiveInt = None
    imgsz: ImageSize = None
    batch: PositiveInt = None
    mount: bool = None
    conf: Probability = None
    test: Annotated[Real, Field(ge=0.0, lt=1.0)] = None
    val: Annotated[Real, Field(ge=0.0, lt=1.0)] = None
    negatives: Annotated[Real, Field(ge=-1.0)] | None = None  # -1: keep every negative view
    tile: Annotated[int, Field(ge=0)] | None = None
    seed: NonNegativeInt = None
    recipe: YamlFile = None
    weights: CheckpointFile = None
    keep_start: bool = None
    mount_fallback: OnnxFile = None
    labels: Literal["consensus", "lean", "truth"] = None
    splits_from: str = None
    ignore_doubtful: bool = None
    review_round: bool = None
    review_conf: Probability = None
    review_volunteers: PositiveInt = None
    round_epochs: PositiveInt = None
    round2_from: Literal["shipped", "round1"] = None
    round2_data: Literal["reviewed", "merged"] = None
    layout: str = None
    views: YamlFile = None
    baseline: bool = None
    refine_boxes: OnnxFile = None  # "" for off (a missing file is an error at the stage)

    @model_validator(mode="after")
    def _splits(self) -> DemoSection:
        if (self.test or 0.0) + (self.val or 0.0) >= 1.0:
            raise ValueError(f"test + val must be < 1 (nothing left to train on), got {self.test} + {self.val}")
        return self


class DemoFile(StrictModel):
    """configs/demo.yaml: the sizes of ``camdetect demo`` (``full``) and ``camdetect demo --quick``."""

    full: DemoSection | None = None
    quick: DemoSection | None = None


@dataclass
class Layout(StageDirs):
    """Where every stage writes, under one output folder."""

    def __post_init__(self) -> None:
        super().__post_init__()
        o = self.out
        self.city, self.labels, self.ds = o / "city", o / "labels", o / "ds"
        self.train_project, self.run_name = o / "train", "detector"  # not "model": ultralytics renames that
        self.run = self.train_project / self.run_name
        self.recipe = o / "train_recipe.yaml"
        self.model = o / "model.onnx"
        self.mount_model = o / "model-mount.onnx"  # what the scorer pairs with model.onnx, when present
        self.manifest_test = self.city / "manifest_test.csv"  # image_path is relative to the manifest
        self.score, self.media, self.db_file = o / "score", o / "media", o / "review.db"
        self.eval = o / "eval"
        # the review round (settings.review_round): the held-out intersections split in two halves
        self.manifest_review = self.city / "manifest_review.csv"  # pre-flagged, answered by the simulated crowd
        self.manifest_final = self.city / "manifest_final.csv"    # never trained on: every round is scored here
        self.round_report = o / "review_round.json"
        self.review_export = o / "review_export"
        self.ds_reviewed, self.ds_round2 = o / "ds_reviewed", o / "ds_round2"
        self.recipe2, self.run2_name = o / "train_recipe2.yaml", "detector2"
        self.run2 = self.train_project / self.run2_name
        self.model2 = o / "model2.onnx"
        self.round2 = o / "round2"  # the retrained model on the final half: its scores, eval and next queue

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_file}"


def write_recipe(layout: Layout, s: DemoSettings) -> None:
    """The demo training recipe: the base recipe (``recipe`` setting) with the demo's data, sizes and output
    folder, starting from the shipped checkpoint when there is one."""
    weights = weights_used(s)  # the shipped model: fine-tune it (the recipe must name its model yaml)
    derive_recipe(_repo_path(s.recipe), layout.recipe, name=layout.run_name, project=str(layout.train_project),
                  data=str(layout.ds), imgsz=s.imgsz, epochs=s.epochs, batch=s.batch, seed=s.seed, threads=0,
                  mount={"enabled": s.mount},
                  **({"weights": str(weights), "keep_start": s.keep_start} if weights is not None else {}))


def weights_used(s: DemoSettings) -> Path | None:
    """The checkpoint the demo fine-tunes, or None (not configured, or not there yet: train from scratch)."""
    if not s.weights:
        return None
    p = _repo_path(s.weights)
    return p if p.is_file() else None


def mount_fallback_args(s: DemoSettings) -> list[str]:
    """``--mount-model PATH`` for the export stage when the configured fallback classifier exists."""
    if not s.mount_fallback:
        return []
    p = _repo_path(s.mount_fallback)
    return ["--mount-model", str(p)] if p.is_file() else []


def score_opts(s: DemoSettings, conf: float) -> list[str]:
    """What every scoring stage shares: its threshold, the tile layout and the view plan."""
    return ["--conf", str(conf), "--layout", s.layout] + plan_args(s, "--plan")


def plan_args(s: DemoSettings, flag: str) -> list[str]:
    """``FLAG PATH`` for the configured view plan (dataset build: --views, score: --plan), or nothing."""
    return [flag, str(_repo_path(s.views))] if s.views else []


def _repo_path(path: str) -> Path:
    return Path(path) if Path(path).is_absolute() else REPO / path


def plan(layout: Layout, s: DemoSettings) -> list[Stage]:
    """The stages in order. Paths are absolute so the plan does not depend on the working directory."""
    L = layout
    tags, cameras, doubtful = L.labels / "tags.csv", L.labels / "cameras.csv", L.labels / "doubtful.csv"
    tables = label_tables(L)
    lean, crowd_cameras = tables["lean"], tables[s.labels]
    ignore = s.ignore_doubtful and s.labels == "consensus"  # nothing is in doubt in the truth or after verifying
    refine = bool(s.refine_boxes) and s.labels != "truth"  # the truth has its boxes
    train_cameras = refined_table(crowd_cameras) if refine else crowd_cameras
    return [
        Stage("synth", [L.city / "manifest.csv", L.city / "truth" / "cameras.csv"],
              ["synth", "--out", str(L.city), "--intersections", str(s.intersections), "--seed", str(s.seed),
               "--width", str(s.width), "--workers", "2"]),
        Stage("labels import", [tags],
              ["labels", "import", "--format", "decoders", str(L.city / "volunteers"), "--out", str(tags)]),
        Stage("labels consensus", [cameras] + ([doubtful] if ignore else []),
              ["labels", "consensus", str(tags), "--out", str(cameras),
               "--volunteers", str(L.labels / "volunteers.csv")]
              + (["--doubtful", str(doubtful)] if ignore else [])),
        Stage("labels report", [L.labels / "report"],
              ["labels", "report", str(tags), "--cameras", str(cameras), "--truth",
               str(L.city / "truth" / "cameras.csv"), "--out", str(L.labels / "report")]),
    ] + ([Stage("lean labels", [lean, L.labels / "lean.json"], func=lambda: write_lean_labels(L, s),
                key=f"lean_consensus defaults, crowd seed {s.seed}")] if s.labels == "lean" else []) + ([
        Stage("refine boxes", [train_cameras, train_cameras.with_suffix(".json")],
              ["labels", "refine-boxes", str(crowd_cameras), "--panoramas", str(L.city / "manifest.csv"),
               "--model", str(_repo_path(s.refine_boxes)), "--out", str(train_cameras)])] if refine else []) + [
        Stage("dataset build", [L.ds / "views.csv"],
              ["dataset", "build", "--panoramas", str(L.city / "manifest.csv"), "--cameras", str(train_cameras),
               "--out", str(L.ds), "--block-m", "0", "--test", str(s.test), "--val", str(s.val),
               "--seed", str(s.seed)]
              + (["--negatives-ratio", str(s.negatives)] if s.negatives is not None else [])
              + (["--tile", str(s.tile)] if s.tile else [])
              + (["--ignore", str(doubtful)] if ignore else [])
              + (["--splits-from", str(Path(s.splits_from).resolve())] if s.splits_from else [])
              + plan_args(s, "--views"), clean=[L.ds]),
        Stage("train recipe", [L.recipe], func=lambda: write_recipe(L, s), key=recipe_key(s)),
        Stage("train", [L.run / "weights" / "best.pt"],
              ["train", "--config", str(L.recipe), "--overwrite"]),
        Stage("export", [L.model], ["export", str(L.run), "--out", str(L.model)] + mount_fallback_args(s),
              clean=[L.model, L.mount_model]),  # no classifier of an earlier run may stay beside the new detector
        Stage("test manifest", [L.manifest_test],
              ["dataset", "manifest", "--data", str(L.ds), "--manifest", str(L.city / "manifest.csv"),
               "--out", str(L.manifest_test), "--split", "test"]),
    ] + scoring_stages(L, s) + baseline_stages(L, s) + round_stages(L, s)


def refined_table(cameras: Path) -> Path:
    """Where ``labels refine-boxes`` writes the sized version of a crowd camera table."""
    return cameras.with_name(cameras.stem + "_refined.csv")


def label_tables(L: Layout) -> dict[str, Path]:
    """The camera table each ``labels`` setting trains on."""
    return {"consensus": L.labels / "cameras.csv", "lean": L.labels / "cameras_lean.csv",
            "truth": L.city / "truth" / "cameras.csv"}


TRAINED_ON = {"consensus": "the volunteers' consensus",
              "lean": "the volunteers' consensus + yes/no verification of disputed candidates",
              "truth": "the city's truth boxes (not the volunteers': a ceiling)"}


def write_lean_labels(L: Layout, s: DemoSettings) -> None:
    """labels/cameras_lean.csv: the volunteers' tags, then every candidate a minority of them tagged verified
    by yes/no answers of simulated volunteers (the review round's answer rule) until 3 agree; lean.json: what
    it cost and how it scores against the truth."""
    from camdetect.labels.evaluate_consensus import score_cameras
    from camdetect.labels.model_voter import lean_consensus
    from camdetect.labels.simulated_verification import crowd_verifier
    from camdetect.records import Camera, Tag, read_table, write_table

    tags = read_table(L.labels / "tags.csv", Tag)
    truth = read_table(L.city / "truth" / "cameras.csv", Camera)
    res = lean_consensus(tags, [], crowd_verifier(truth, s.seed))
    write_table(L.labels / "cameras_lean.csv", res.result.cameras, Camera)
    score = score_cameras("lean", res.result.cameras, truth, sorted({t.image for t in tags}))
    atomic_write_text(L.labels / "lean.json", json.dumps(
        {"cameras": len(res.result.cameras), "disputed": res.disputed, "verify_answers": res.verify_answers,
         "precision": score.precision, "recall": score.recall}, indent=1))


def scoring_stages(L: Layout, s: DemoSettings) -> list[Stage]:
    """The review queue and the held-out measurement. Without a review round both are the whole test
    split (the queue's scores are the measured ones); with one, the queue is the review half at
    ``review_conf`` and the measurement is a separate low-threshold scoring of the final half."""
    if not s.review_round:
        return [
            Stage("score", [L.score / "suggestions.jsonl", L.db_file],
                  ["score", str(L.manifest_test), "--model", str(L.model), "--db", L.db_url, "--media", str(L.media),
                   "--out", str(L.score), *score_opts(s, s.conf)],
                  clean=[L.score, L.media, L.db_file]),
            Stage("eval", [L.eval / "report.json"],
                  ["eval", "--predictions", str(L.score / "suggestions.jsonl"), "--truth", str(L.city),
                   "--manifest", str(L.manifest_test), "--out", str(L.eval)], clean=[L.eval]),
        ]
    measured = L.eval / "score"
    return [
        Stage("round split", [L.manifest_review, L.manifest_final], func=lambda: split_held_out(L),
              key="alternate intersections"),
        Stage("score", [L.score / "suggestions.jsonl", L.db_file],
              ["score", str(L.manifest_review), "--model", str(L.model), "--db", L.db_url, "--media", str(L.media),
               "--out", str(L.score), *score_opts(s, s.review_conf)],
              clean=[L.score, L.media, L.db_file]),
        Stage("eval score", [measured / "suggestions.jsonl"],
              ["score", str(L.manifest_final), "--model", str(L.model), "--db", f"sqlite:///{L.eval / 'scores.db'}",
               "--out", str(measured), *score_opts(s, s.conf)], clean=[L.eval]),
        Stage("eval", [L.eval / "report.json"],
              ["eval", "--predictions", str(measured / "suggestions.jsonl"), "--truth", str(L.city),
               "--manifest", str(L.manifest_final), "--out", str(L.eval)], clean=[L.eval / "report.json"]),
    ]


def held_out_manifest(L: Layout, s: DemoSettings) -> Path:
    """Where every model of the run is measured: the final half with a review round, else the test split."""
    return L.manifest_final if s.review_round else L.manifest_test


def split_held_out(L: Layout) -> None:
    """Test intersections alternately to the review half and the final half, ordered by how many cameras the
    volunteers tagged there (labels/tags.csv, most first; then by name): both halves get about as many of the
    intersections the crowd saw cameras at (the truth is never looked at), and a re-run splits the same way.
    Alphabetical alternation alone once left the demo's final half 4 of the 14 held-out cameras."""
    from collections import Counter

    with open(L.manifest_test, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    inters = sorted({r.get("intersection_id") or r.get("pano_id") or "" for r in rows})
    if len(inters) < 2:
        raise ValueError(f"{L.manifest_test}: {len(inters)} held-out intersection(s); a review round needs 2 or more "
                         "(more intersections or a larger test share)")
    tagged: Counter = Counter()
    tags = L.labels / "tags.csv"
    if tags.exists():
        from camdetect.records import Tag, iter_table

        tagged.update(t.intersection or t.image for t in iter_table(tags, Tag) if t.kind == "tag")
    inters.sort(key=lambda i: (-tagged[i], i))
    review = set(inters[0::2])
    for path, keep in ((L.manifest_review, True), (L.manifest_final, False)):
        part = [r for r in rows if ((r.get("intersection_id") or r.get("pano_id") or "") in review) == keep]
        write_csv(path, part, fields)


def round_stages(L: Layout, s: DemoSettings) -> list[Stage]:
    """One review round: simulated volunteers answer the queue in the review store through the web app's
    API -> review export -> the reviewed views join the first round's training data -> retrain from the
    first round's weights -> score the final half (never trained on) and measure it."""
    if not s.review_round:
        return []
    r2 = L.round2
    tile = ["--tile", str(s.tile)] if s.tile else []
    return [
        Stage("review round", [L.round_report],
              ["review", "simulate", str(L.city), "--db", L.db_url, "--out", str(L.round_report),
               "--volunteers", str(s.review_volunteers), "--seed", str(s.seed)]),
        Stage("review export", [L.review_export / "tags.csv"],
              ["review", "export", "--db", L.db_url, "--media", str(L.media), "--out", str(L.review_export),
               "--formats", "tags,reviews,cameras,geojson"], clean=[L.review_export]),
        Stage("reviewed dataset", [L.ds_reviewed / "data.yaml"],
              ["dataset", "build", "--images", str(L.media), "--tags", str(L.review_export / "tags.csv"),
               "--out", str(L.ds_reviewed), "--test", "0", "--val", str(s.val), "--seed", str(s.seed)]
              + (["--negatives-ratio", str(s.negatives)] if s.negatives is not None else []) + tile,
              clean=[L.ds_reviewed]),
    ] + ([
        Stage("round 2 dataset", [L.ds_round2 / "data.yaml"],
              ["dataset", "merge", str(L.ds), str(L.ds_reviewed), "--out", str(L.ds_round2)], clean=[L.ds_round2]),
    ] if s.round2_data == "merged" else []) + [
        Stage("train recipe 2", [L.recipe2], func=lambda: write_recipe2(L, s),
              key=recipe_key(s, round_epochs=s.round_epochs, round2_from=s.round2_from, round2_data=s.round2_data)),
        Stage("train 2", [L.run2 / "weights" / "best.pt"], ["train", "--config", str(L.recipe2), "--overwrite"]),
        Stage("export 2", [L.model2], ["export", str(L.run2), "--out", str(L.model2)] + mount_fallback_args(s),
              clean=[L.model2, L.model2.with_name("model2-mount.onnx")]),
        Stage("round 2 score", [r2 / "score" / "suggestions.jsonl"],
              ["score", str(L.manifest_final), "--model", str(L.model2), "--db", f"sqlite:///{r2 / 'review.db'}",
               "--media", str(r2 / "media"), "--out", str(r2 / "score"), *score_opts(s, s.conf)], clean=[r2]),
        Stage("round 2 eval", [r2 / "eval" / "report.json"],
              ["eval", "--predictions", str(r2 / "score" / "suggestions.jsonl"), "--truth", str(L.city),
               "--manifest", str(L.manifest_final), "--out", str(r2 / "eval")], clean=[r2 / "eval"]),
    ]


def recipe_key(s: DemoSettings, **more) -> str:
    """What a written recipe depends on (its stamp): a change to other settings leaves training done."""
    return json.dumps({"recipe": s.recipe, "imgsz": s.imgsz, "epochs": s.epochs, "batch": s.batch, "seed": s.seed,
                       "mount": s.mount, "weights": str(weights_used(s)),
                       **({"keep_start": True} if s.keep_start else {}), **more}, sort_keys=True)


def write_recipe2(L: Layout, s: DemoSettings) -> None:
    """The second round's recipe: the first round's recipe on the verified views (``round2_data:
    reviewed``) or on those merged with round 1's consensus tiles (``merged``), from the shipped weights
    (``round2_from: shipped``, when there are any) or round 1's. No mount classifier: the export pairs
    the configured fallback. Measured (docs/demo.md): from the shipped weights on the verified views
    only beat round 1, while round 1's weights and consensus tiles made it worse."""
    shipped = weights_used(s) if s.round2_from == "shipped" else None
    weights = shipped if shipped is not None else L.run / "weights" / "best.pt"
    data = L.ds_round2 if s.round2_data == "merged" else L.ds_reviewed
    derive_recipe(_repo_path(s.recipe), L.recipe2, name=L.run2_name, project=str(L.train_project),
                  data=str(data), imgsz=s.imgsz, epochs=s.round_epochs, batch=s.batch, seed=s.seed, threads=0,
                  mount={"enabled": False}, weights=str(weights), keep_start=s.keep_start)


def baseline_stages(L: Layout, s: DemoSettings) -> list[Stage]:
    """When the demo fine-tunes a shipped model, score the same held-out panoramas with that model as
    it is (no review queue of its own), so the summary shows what fine-tuning on the crowd's labels did."""
    weights = weights_used(s)
    onnx = weights.with_suffix(".onnx") if weights is not None else None
    if onnx is None or not onnx.is_file() or not s.baseline:
        return []
    b = L.out / "baseline"
    return [
        Stage("baseline score", [b / "score" / "suggestions.jsonl"],
              ["score", str(held_out_manifest(L, s)), "--model", str(onnx), "--db", f"sqlite:///{b / 'review.db'}",
               "--out", str(b / "score"), *score_opts(s, s.conf)], clean=[b]),
        Stage("baseline eval", [b / "eval" / "report.json"],
              ["eval", "--predictions", str(b / "score" / "suggestions.jsonl"), "--truth", str(L.city),
               "--manifest", str(held_out_manifest(L, s)), "--out", str(b / "eval")], clean=[b / "eval"]),
    ]


def run_demo(out: Path, settings: DemoSettings, *, force: bool = False) -> int:
    """Run (or resume) the demo under ``out``; prints a line per stage and the summary. Returns an exit code."""
    from rich.console import Console

    console = Console()
    layout = Layout(out)
    console.print(f"[bold]camdetect demo[/] -> {layout.out}  ({settings})")
    code = run_stages(layout, plan(layout, settings), console, force=force, times_name="demo_times.json")
    if code == 0:
        print_summary(console, layout, summarize(layout))
    return code


def weights_init(layout: Layout) -> str | None:
    """The checkpoint the first round's training started from (its camdetect_run.json), or None (from scratch,
    or not trained yet)."""
    run_info = layout.run / "camdetect_run.json"
    return json.loads(run_info.read_text()).get("weights_init") if run_info.exists() else None


def summarize(layout: Layout) -> dict:
    """Key numbers from the stages' own outputs (missing ones stay None)."""
    out: dict = {"report": str(layout.eval / "report.md"), "db": str(layout.db_file), "media": str(layout.media)}
    truth = layout.city / "truth" / "cameras.csv"
    out["cameras_truth"] = _count_rows(truth)
    out["cameras_consensus"] = _count_rows(layout.labels / "cameras.csv")
    queue = layout.manifest_review if layout.manifest_review.exists() else layout.manifest_test
    out["intersections_scored"] = _count_rows(queue)  # the review queue's intersections (views_scored: theirs)
    out["intersections_measured"] = _count_rows(layout.manifest_final if layout.manifest_final.exists()
                                                else layout.manifest_test)
    out["suggestions"] = _count_lines(layout.score / "suggestions.jsonl")
    init = weights_init(layout)
    out["detector_start"] = f"fine-tuned from {init}" if init else "trained from scratch"
    used = _labels_used(layout)
    out["trained_on"] = (TRAINED_ON.get(used[0], "") + (", boxes sized by the start model (labels refine-boxes)"
                                                         if used[1] else "")) if used else None
    if used and used[1]:
        refined = json.loads(refined_table(label_tables(layout)[used[0]]).with_suffix(".json").read_text())
        out.update(boxes_refined=refined["refined"], boxes_point=refined["point_cameras"])
    out["mount_model"] = mount_model_used(layout.model)
    score_summary = layout.score / "summary.json"
    out["views_scored"] = json.loads(score_summary.read_text()).get("views") if score_summary.exists() else None
    out.update(_consensus_scores(layout.labels / "report"))
    lean = _lean_numbers(layout)
    if lean:
        out.update(lean_precision=lean["precision"], lean_recall=lean["recall"],
                   lean_verify_answers=lean["verify_answers"])
    report = layout.eval / "report.json"
    if report.exists():
        out.update(_eval_numbers(json.loads(report.read_text())))
    baseline = layout.out / "baseline" / "eval" / "report.json"
    if baseline.exists():
        out.update({f"baseline_{k}": v for k, v in _eval_numbers(json.loads(baseline.read_text())).items()})
    out["rounds"] = round_rows(layout)
    out["worse_than_start"] = regressions(out["rounds"])
    if (layout.round2 / "review.db").exists():  # the next queue: the retrained model on the final half
        out.update(db=str(layout.round2 / "review.db"), media=str(layout.round2 / "media"),
                   report=str(layout.round2 / "eval" / "report.md"))
    atomic_write_text(layout.out / "summary.json", json.dumps(out, indent=1))
    return out


def round_rows(L: Layout) -> list[dict]:
    """One row per model measured on the same held-out intersections: the shipped model as it is (no
    volunteer work in this city), after the crowd's full searches (Decoders-style: each intersection
    searched by volunteers; their seconds from the effort model), after the review round."""
    from camdetect.evaluate.effort import EffortModel

    effort = EffortModel()
    rows = []
    init = weights_init(L)
    start = f"0 {Path(init).stem} as it is" if init else "0 start model"
    for name, report, work in ((start, L.out / "baseline" / "eval" / "report.json", None),
                               ("1 + full searches", L.eval / "report.json", "search"),
                               ("2 + review round", L.round2 / "eval" / "report.json", "review")):
        if not report.exists():
            continue
        row = {"round": name, **_eval_numbers(json.loads(report.read_text()))}
        if work == "search":
            n_search = _count_rows(L.city / "volunteers" / "counts.csv") or 0
            n_inter = _count_rows(L.city / "manifest.csv") or 1
            lean = _lean_numbers(L)  # labels: lean adds its yes/no answers
            n_verify = lean.get("verify_answers", 0)
            row["answers"] = n_search + n_verify
            row["hours_per_1000"] = ((n_search * effort.full_search_s + n_verify * effort.verify_s)
                                     / n_inter * 1000 / 3600)
        elif work == "review" and L.round_report.exists():
            rr = json.loads(L.round_report.read_text())
            row["answers"] = rr.get("answers")
            row["hours_per_1000"] = rr.get("hours_per_1000_intersections")
        else:
            row["answers"], row["hours_per_1000"] = 0, 0.0
        rows.append(row)
    return rows


def regressions(rows: list[dict]) -> list[str]:
    """One line per later round that measures worse than round 0, the model it starts from as it is (issue 12:
    training on the crowd's labels must never make the model worse), so the summary says it, not only a table."""
    if not rows or not rows[0]["round"].startswith("0 "):
        return []
    first, out = rows[0], []
    for row in rows[1:]:
        worse = [f"{label} {row[key]:.3f} < {first[key]:.3f}" for key, label in (("map50", "mAP@0.5"),
                                                                                  ("max_recall", "highest recall"))
                 if isinstance(row.get(key), float) and isinstance(first.get(key), float) and row[key] < first[key]]
        if worse:
            out.append(f"round {row['round']} is worse than the model it starts from: {', '.join(worse)}")
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
    if s.get("lean_recall") is not None:
        t.add_row("after yes/no verification of disputed candidates: precision / recall (answers)",
                  f"{fmt(s['lean_precision'], True)} / {fmt(s['lean_recall'], True)} ({s['lean_verify_answers']})")
    t.add_row("review queue: held-out intersections / views scored",
              f"{fmt(s['intersections_scored'])} / {fmt(s.get('views_scored'))}")
    t.add_row("held-out intersections every model is measured on", fmt(s.get("intersections_measured")))
    t.add_row("detector", fmt(s.get("detector_start")))
    t.add_row("detector trained on", fmt(s.get("trained_on")))
    t.add_row("mount model used by the review queue", fmt(s.get("mount_model")))
    t.add_row("detector mAP@0.5 (held-out panoramas)", fmt(s.get("map50")))
    t.add_row("highest camera recall (held-out panoramas)", fmt(s.get("max_recall"), True))
    if s.get("baseline_map50") is not None:
        t.add_row("start model as it is: mAP@0.5 / highest recall",
                  f"{fmt(s.get('baseline_map50'))} / {fmt(s.get('baseline_max_recall'), True)}")
    t.add_row("effort saved at 90% recall", fmt(s.get("effort_saved_90"), True))
    t.add_row("effort saved at 95% recall", fmt(s.get("effort_saved_95"), True))
    t.add_row("suggestions queued for review", fmt(s["suggestions"]))
    console.print(t)
    if s.get("rounds"):
        r = Table(title="per round, same held-out intersections; effort saved at 90/95% recall (90% CI); "
                        "volunteer hours per 1,000 intersections (Decoders: 3 x 90 s = 75 h)")
        for col in ("round", "mAP@0.5", "max recall", "saved @90%", "saved @95%", "answers", "h/1,000"):
            r.add_column(col, overflow="fold")
        for row in s["rounds"]:
            r.add_row(row["round"], fmt(row.get("map50")), fmt(row.get("max_recall"), True),
                      _saved(row, 90), _saved(row, 95), fmt(row.get("answers")), _hours(row.get("hours_per_1000")))
        console.print(r)
    for line in s.get("worse_than_start") or []:
        console.print(f"[yellow]{line}[/yellow]")
    console.print(f"report: {s['report']}")
    console.print("review app: camdetect review serve --db " + s["db"] + " --media " + s["media"]
                  + "  then open http://127.0.0.1:8000 (the first sign-up becomes coordinator)")


def _hours(v) -> str:
    return "n/a" if v is None else f"{float(v):.1f}"


def _saved(row: dict, target: int) -> str:
    v, ci = row.get(f"effort_saved_{target}"), row.get(f"effort_saved_{target}_ci90")
    if not isinstance(v, float):
        return str(v) if v is not None else "n/a"
    return f"{100 * v:.1f}%" + (f" ({100 * ci[0]:.0f}-{100 * ci[1]:.0f}%)" if ci else "")


def mount_model_used(model: Path) -> str | None:
    """Which mount classifier the scorer paired with ``model`` (its ``NAME-mount.onnx``): "trained",
    "shipped fallback PATH" or "none", with the reason export stamped into the detector's metadata
    (``training_run.mount_model``). None when there is no model yet."""
    if not model.is_file():
        return None
    sibling = model.with_name(model.stem + "-mount.onnx")
    rec = None
    try:
        import onnx

        props = {p.key: p.value for p in onnx.load(str(model), load_external_data=False).metadata_props}
        rec = json.loads(props.get("camdetect.training_run", "{}")).get("mount_model")
    except Exception:  # noqa: BLE001 - an unreadable model: fall back to what lies beside it
        rec = None
    if not isinstance(rec, dict):  # exported before export recorded it
        return f"{sibling.name} (origin not recorded)" if sibling.is_file() else "none"
    reason = f" ({rec['reason']})" if rec.get("reason") else ""
    if rec.get("source") == "trained":
        return "trained (this run's classifier)" if sibling.is_file() else "none (the exported classifier is missing)"
    if rec.get("source") == "fallback":
        return f"shipped fallback {Path(str(rec.get('path'))).name}{reason}"
    if sibling.is_file():
        return f"{sibling.name}, not from this export: the run's own was not exported{reason}"
    return f"none: mounts are not suggested{reason}"


def _labels_used(L: Layout) -> tuple[str, bool] | None:
    """Which ``labels`` setting's table the dataset was built from (dataset.json records its sources) and
    whether its boxes were refined (``labels refine-boxes``); another table: ("consensus", False)."""
    info = L.ds / "dataset.json"
    if not info.exists():
        return None
    cameras = (json.loads(info.read_text()).get("sources") or {}).get("cameras")
    if not cameras:
        return None
    used = Path(cameras).resolve()
    for k, p in label_tables(L).items():
        for refined, table in ((False, p), (True, refined_table(p))):
            if used == table.resolve():
                return k, refined
    return "consensus", False


def _lean_numbers(L: Layout) -> dict:
    """labels/lean.json when the dataset was built from it (a stale one beside other labels does not count)."""
    path = L.labels / "lean.json"
    if not path.exists() or (_labels_used(L) or ("", False))[0] != "lean":
        return {}
    return json.loads(path.read_text())


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
    effort = doc.get("effort") or {}
    res: dict = {"map50": (doc.get("coco") or {}).get("mAP50"), "max_recall": effort.get("max_recall")}
    for point in effort.get("at_targets", []):
        key = f"effort_saved_{round(100 * float(point['target_recall']))}"
        res[key] = point.get("saved") if point.get("reached") else "not reached"
        ci = (point.get("bootstrap") or {}).get("saved_ci90")
        res[key + "_ci90"] = list(ci) if ci else None
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
