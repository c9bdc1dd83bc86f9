"""The metadata contract between an exported ONNX model and the scorer (``metadata_props``).

Keys are prefixed ``camdetect.`` and hold JSON so a model file is self-describing: the scorer needs
nothing but the ``.onnx`` (class names, input size, preprocessing, thresholds chosen at evaluation,
taxonomy, which training run made it). Ultralytics' own keys (``names``, ``imgsz``) are read as a
fallback so any ultralytics ONNX export scores too. Light module: json/ast only, imported by scoring.
"""

from __future__ import annotations

import ast
import json
from dataclasses import asdict, dataclass, field

PREFIX = "camdetect."
PREPROCESSING = {"resize": "letterbox", "pad_value": 114, "interpolation": "linear", "center": True,
                 "color": "RGB", "scale": "1/255", "layout": "NCHW", "dtype": "float32"}
DEFAULT_CONF = 0.25
DEFAULT_IOU = 0.7


@dataclass
class ModelMetadata:
    """What the scorer needs to know about one exported model."""

    class_names: list[str]
    imgsz: tuple[int, int]
    task: str = "detect"  # detect | classify
    thresholds: dict = field(default_factory=lambda: {"conf": DEFAULT_CONF, "iou": DEFAULT_IOU})
    preprocessing: dict = field(default_factory=lambda: dict(PREPROCESSING))
    camdetect_version: str = ""
    training_run: dict = field(default_factory=dict)
    taxonomy: str = ""  # the taxonomy YAML text the model was trained with
    parity: dict = field(default_factory=dict)
    quantization: str = "fp32"
    source_weights_sha256: str = ""
    name: str = ""

    @property
    def conf(self) -> float:
        return float(self.thresholds.get("conf", DEFAULT_CONF))

    @property
    def iou(self) -> float:
        return float(self.thresholds.get("iou", DEFAULT_IOU))

    def to_props(self) -> dict[str, str]:
        """``metadata_props`` entries (all strings)."""
        return {PREFIX + k: json.dumps(v) for k, v in asdict(self).items()}

    @classmethod
    def from_props(cls, props: dict[str, str], where: str = "model") -> ModelMetadata:
        """Parse ``camdetect.*`` keys, falling back to ultralytics' ``names`` / ``imgsz`` / ``task``."""
        ours = {k[len(PREFIX):]: v for k, v in props.items() if k.startswith(PREFIX)}
        kw: dict = {}
        for k, v in ours.items():
            if k in cls.__dataclass_fields__:
                try:
                    kw[k] = json.loads(v)
                except json.JSONDecodeError:
                    raise ValueError(f"{where}: metadata {PREFIX}{k} is not JSON") from None
        if "class_names" not in kw:
            if "names" not in props:
                raise ValueError(f"{where}: no class names in the ONNX metadata (not a camdetect/ultralytics export?)")
            names = ast.literal_eval(props["names"])
            kw["class_names"] = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
        if "imgsz" not in kw:
            if "imgsz" not in props:
                raise ValueError(f"{where}: no imgsz in the ONNX metadata")
            kw["imgsz"] = ast.literal_eval(props["imgsz"])
        if "task" not in kw and "task" in props:
            kw["task"] = props["task"]
        imgsz = kw["imgsz"]
        kw["imgsz"] = (int(imgsz), int(imgsz)) if isinstance(imgsz, (int, float)) else tuple(int(x) for x in imgsz)
        return cls(**kw)
