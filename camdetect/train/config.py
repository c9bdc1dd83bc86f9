"""Training recipe: one YAML in configs/train/ -> :class:`TrainConfig` (CLI flags override fields).

A recipe names a dataset folder (from `camdetect dataset build`), a model *yaml* (built from scratch,
nothing downloaded; ``weights`` only when the user passes a checkpoint they have), the ultralytics
hyper-parameters we change from their defaults, the street-imagery augmentation, and whether to
train the mount classifier on the dataset's context crops.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, field_validator

from camdetect.configs import (
    CheckpointFile,
    ConfigError,
    ImageSize,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    Probability,
    Real,
    StrictModel,
    YamlFile,
    load_mapping,
    validate_mapping,
)

ROOT = Path(__file__).resolve().parents[2]
DEVICE_PATTERN = r"^(cpu|mps|cuda(:\d+)?|\d+(,\d+)*)$"  # what ultralytics' select_device takes


@dataclass
class AugmentConfig:
    """Albumentations for street imagery (see camdetect.train.augment); probabilities per image."""

    blur: float = 0.1
    jpeg: float = 0.2
    jpeg_quality: tuple[int, int] = (40, 95)
    brightness: float = 0.3
    fog: float = 0.03
    rain: float = 0.03
    safe_crop: float = 0.2  # crop that keeps every box whole, resized back to imgsz (zooms small cameras)
    enabled: bool = True


@dataclass
class MountConfig:
    """Second model: mount classifier on context crops (RUN/mount/)."""

    enabled: bool = False
    model: str = "yolo11n-cls.yaml"
    imgsz: int = 64
    epochs: int = 10
    batch: int = 32


@dataclass
class TrainConfig:
    name: str = "default"
    data: str = ""  # dataset folder (data.yaml inside) or a data.yaml
    model: str = "configs/models/camdetect-n.yaml"
    # One of the model yaml's `scales` (t, n, ...); "" = the first one listed. Ultralytics takes the scale from a
    # yolo file name (yolo11n.yaml) or else the first key, never from a `scale:` line, so this is the one way to pick.
    model_scale: str = ""
    weights: str = ""  # optional checkpoint to start from (never downloaded)
    # with weights: validate them beside the fine-tuned best.pt on val and keep them when fine-tuning did not beat
    # them on mAP@0.5 (camdetect.train.start_guard)
    keep_start: bool = False
    imgsz: int = 320
    epochs: int = 30
    time_hours: float = 0.0  # wall-clock budget; > 0: ultralytics re-plans the epochs (and LR schedule) to fit it
    batch: int = 16
    seed: int = 0
    workers: int = 0
    threads: int = 0  # torch threads; 0 = auto (idle cores, >= 1; see detector.auto_threads)
    # ultralytics device string: "cpu" (the default: every machine here), "0" or "0,1" for CUDA GPUs, "mps"
    device: str = "cpu"
    cache: str = ""  # "" reads images from disk every epoch; "ram" / "disk": ultralytics' decoded-image cache (fast hosts)
    patience: int = 50
    lr0: float = 0.01
    optimizer: str = "auto"
    mosaic: float = 1.0
    close_mosaic: int = 5
    fliplr: float = 0.5
    scale: float = 0.3
    translate: float = 0.1
    degrees: float = 0.0
    hsv_v: float = 0.3
    fraction: float = 1.0
    val: bool = True
    plots: bool = True
    project: str = "runs/train"
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    mount: MountConfig = field(default_factory=MountConfig)
    extra: dict = field(default_factory=dict)  # any other ultralytics train() argument
    source: str = ""  # the YAML this came from

    @classmethod
    def from_yaml(cls, path: str | Path, **overrides) -> TrainConfig:
        """Load a recipe (checked by :class:`TrainRecipeFile`: one-line errors naming the file and key).
        ``overrides`` (not None) win."""
        path = Path(path)
        raw = load_mapping(path, "training config")
        return cls.from_dict(raw, where=str(path), **overrides)

    @classmethod
    def from_dict(cls, raw: dict, where: str = "<config>", **overrides) -> TrainConfig:
        kw = validate_mapping(raw, TrainRecipeFile, where).present()
        for key, sub in (("augment", AugmentConfig), ("mount", MountConfig)):
            value = dict(kw.get(key) or {})
            if "jpeg_quality" in value:
                value["jpeg_quality"] = tuple(value["jpeg_quality"])
            kw[key] = sub(**value)
        kw.update({k: v for k, v in overrides.items() if v is not None})
        try:
            cfg = cls(**kw, source=where) if "source" not in kw else cls(**kw)
        except TypeError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        cfg.validate(where)
        return cfg

    def validate(self, where: str = "<config>") -> None:
        problems = []
        if not self.data:
            problems.append("'data' (dataset folder) is required")
        if self.imgsz < 32 or self.imgsz % 32:
            problems.append(f"imgsz must be a multiple of 32 >= 32, got {self.imgsz}")
        if self.epochs < 1:
            problems.append(f"epochs must be >= 1, got {self.epochs}")
        if self.time_hours < 0:
            problems.append(f"time_hours must be >= 0, got {self.time_hours}")
        if not re.match(DEVICE_PATTERN, self.device):
            problems.append(f"device must be cpu, mps or CUDA indices like 0 or 0,1, got {self.device!r}")
        if self.weights and not self.weights.endswith(".pt"):
            problems.append(f"weights must be a .pt checkpoint, got {self.weights!r}")
        if not self.model.endswith((".yaml", ".yml")):
            problems.append(f"model must be a model yaml (use weights: for checkpoints), got {self.model!r}")
        if problems:
            raise ConfigError(f"{where}: " + "; ".join(problems))

    def resolve_path(self, value: str) -> Path:
        """A relative path in a recipe: as given if it exists from the cwd, else from the project root."""
        p = Path(value)
        return p if p.is_absolute() or p.exists() else ROOT / p

    def data_yaml(self) -> Path:
        p = self.resolve_path(self.data)
        p = p / "data.yaml" if p.is_dir() else p
        if not p.is_file():
            raise FileNotFoundError(f"{p}: dataset not found (build it with `camdetect dataset build`)")
        return p.resolve()

    def model_scales(self) -> list[str]:
        """The scales the recipe's model yaml offers (empty for an ultralytics built-in name such as yolo11n.yaml)."""
        p = self.resolve_path(self.model)
        return [str(k) for k in (load_mapping(p, "model yaml").get("scales") or {})] if p.is_file() else []

    def model_yaml(self, run_dir: Path | None = None) -> str:
        """Path of a project model yaml, or an ultralytics built-in yaml name (yolo11n.yaml). With ``model_scale``,
        a copy in ``run_dir`` whose ``scales`` list that scale first (what ultralytics builds)."""
        p = self.resolve_path(self.model)
        if not self.model_scale:
            return str(p.resolve()) if p.is_file() else self.model
        if not p.is_file():
            raise ConfigError(f"{self.source or '<config>'}: model_scale needs a project model yaml, not {self.model!r}")
        doc = load_mapping(p, "model yaml")
        scales = doc.get("scales") or {}
        if self.model_scale not in scales:
            raise ConfigError(f"{p}: no scale {self.model_scale!r} (scales: {', '.join(map(str, scales)) or 'none'})")
        doc["scales"] = {self.model_scale: scales[self.model_scale],
                         **{k: v for k, v in scales.items() if k != self.model_scale}}
        doc["scale"] = self.model_scale
        out = Path(run_dir or ".") / f"{p.stem}-{self.model_scale}.yaml"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"# {p} at scale {self.model_scale} (written by camdetect train)\n"
                       + yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        return str(out.resolve())

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


# --- the file: configs/train/NAME.yaml -------------------------------------------------------------------
# Types and ranges of each key; the defaults are the dataclasses' above (a key left out keeps its default).


class AugmentFile(StrictModel):
    """``augment:`` block of a training recipe (:class:`AugmentConfig`)."""

    blur: Probability = None
    jpeg: Probability = None
    jpeg_quality: Annotated[list[Annotated[int, Field(ge=1, le=100)]], Field(min_length=2, max_length=2)] = None
    brightness: Probability = None
    fog: Probability = None
    rain: Probability = None
    safe_crop: Probability = None
    enabled: bool = None

    @field_validator("jpeg_quality")
    @classmethod
    def _low_high(cls, value: list[int]) -> list[int]:
        if value[0] > value[1]:
            raise ValueError("expected [low, high]")
        return value


class MountFile(StrictModel):
    """``mount:`` block of a training recipe (:class:`MountConfig`)."""

    enabled: bool = None
    model: YamlFile = None
    imgsz: ImageSize = None
    epochs: PositiveInt = None
    batch: PositiveInt = None


class TrainRecipeFile(StrictModel):
    """A training recipe file (configs/train/NAME.yaml) -> :class:`TrainConfig`."""

    unknown_hint = "put ultralytics extras under 'extra:'"

    name: Annotated[str, Field(min_length=1)] = None
    data: str = None
    model: YamlFile = None
    model_scale: Annotated[str, Field(pattern=r"^[a-z]$")] = None
    weights: CheckpointFile = None
    keep_start: bool = None
    imgsz: ImageSize = None
    epochs: PositiveInt = None
    time_hours: NonNegativeFloat = None
    batch: PositiveInt = None
    seed: NonNegativeInt = None
    workers: NonNegativeInt = None
    threads: NonNegativeInt = None
    device: Annotated[str, Field(pattern=DEVICE_PATTERN)] = None
    cache: Literal["", "ram", "disk"] = None
    patience: NonNegativeInt = None
    lr0: Annotated[Real, Field(ge=0.0, le=1.0)] = None  # 0: no update (tests that check weights carry over)
    optimizer: Annotated[str, Field(min_length=1)] = None
    mosaic: Probability = None
    close_mosaic: NonNegativeInt = None
    fliplr: Probability = None
    scale: Annotated[Real, Field(ge=0.0, lt=1.0)] = None
    translate: Annotated[Real, Field(ge=0.0, le=1.0)] = None
    degrees: Annotated[Real, Field(ge=-180.0, le=180.0)] = None
    hsv_v: Probability = None
    fraction: Annotated[Real, Field(gt=0.0, le=1.0)] = None
    val: bool = None
    plots: bool = None
    project: Annotated[str, Field(min_length=1)] = None
    augment: AugmentFile = None
    mount: MountFile = None
    extra: dict[str, Any] = None
    source: str = None  # written by to_dict(); a recipe file need not set it
