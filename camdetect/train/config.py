"""Training recipe: one YAML in configs/train/ -> :class:`TrainConfig` (CLI flags override fields).

A recipe names a dataset folder (from `camdetect dataset build`), a model *yaml* (built from scratch,
nothing downloaded; ``weights`` only when the user passes a checkpoint they have), the ultralytics
hyper-parameters we change from their defaults, the street-imagery augmentation, and whether to
train the mount classifier on the dataset's context crops.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


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
    weights: str = ""  # optional checkpoint to start from (never downloaded)
    imgsz: int = 320
    epochs: int = 30
    time_hours: float = 0.0  # wall-clock budget; > 0: ultralytics re-plans the epochs (and LR schedule) to fit it
    batch: int = 16
    seed: int = 0
    workers: int = 0
    threads: int = 0  # torch threads; 0 = auto (idle cores, >= 1; see detector.auto_threads)
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
        """Load a recipe; unknown keys are an error naming the file. ``overrides`` (not None) win."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: training config not found")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ValueError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML") from None
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected a mapping of training settings")
        return cls.from_dict(raw, where=str(path), **overrides)

    @classmethod
    def from_dict(cls, raw: dict, where: str = "<config>", **overrides) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - names)
        if unknown:
            raise ValueError(f"{where}: unknown training key(s) {', '.join(unknown)} (put ultralytics extras under 'extra:')")
        kw = dict(raw)
        for key, sub in (("augment", AugmentConfig), ("mount", MountConfig)):
            value = kw.get(key) or {}
            if not isinstance(value, dict):
                raise ValueError(f"{where}: '{key}' must be a mapping")
            sub_names = {f.name for f in dataclasses.fields(sub)}
            bad = sorted(set(value) - sub_names)
            if bad:
                raise ValueError(f"{where}: unknown {key} key(s) {', '.join(bad)}; expected {', '.join(sorted(sub_names))}")
            if "jpeg_quality" in value:
                value["jpeg_quality"] = tuple(value["jpeg_quality"])
            kw[key] = sub(**value)
        kw.update({k: v for k, v in overrides.items() if v is not None})
        try:
            cfg = cls(**kw, source=where) if "source" not in kw else cls(**kw)
        except TypeError as exc:
            raise ValueError(f"{where}: {exc}") from None
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
        if self.weights and not self.weights.endswith(".pt"):
            problems.append(f"weights must be a .pt checkpoint, got {self.weights!r}")
        if not self.model.endswith((".yaml", ".yml")):
            problems.append(f"model must be a model yaml (use weights: for checkpoints), got {self.model!r}")
        if problems:
            raise ValueError(f"{where}: " + "; ".join(problems))

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

    def model_yaml(self) -> str:
        """Path of a project model yaml, or an ultralytics built-in yaml name (yolo11n.yaml)."""
        p = self.resolve_path(self.model)
        return str(p.resolve()) if p.is_file() else self.model

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
