"""The verifier at scoring time: rescore candidates with the crop classifier (onnxruntime only, no torch)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from camdetect.records import Detections
from camdetect.scoring.runtime import Runtime
from camdetect.verifier.crop import CropSpec

DEFAULT_WEIGHT = 0.5  # the fused score is score^(1-w) * p(camera)^w: a geometric mean at 0.5
MIN_CANDIDATE = 0.001  # the lowest detector score ever sent to the verifier


def fuse(scores: np.ndarray, p_camera: np.ndarray, weight: float) -> np.ndarray:
    """The detector's score and the verifier's probability as one score on the detector's scale: a weighted
    geometric mean, so a confident "not a camera" can sink a high score and a weak candidate that looks like a
    camera up close can rise, while the detector's threshold keeps its meaning when both agree."""
    s = np.clip(np.asarray(scores, np.float64), 1e-9, 1.0)
    p = np.clip(np.asarray(p_camera, np.float64), 1e-9, 1.0)
    return (s ** (1.0 - weight) * p ** weight).astype(np.float32)


@dataclass
class Verifier:
    """An exported verifier (``camdetect verifier train``): p(camera) per box, and rescored detections."""

    path: Path
    threads: int | None = None
    runtime: Runtime | str | None = None  # scoring.runtime spec (None: ONNX Runtime)

    def __post_init__(self) -> None:
        from camdetect.scoring.detector import OnnxClassifier

        self.path = Path(self.path)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: verifier model not found")
        self.model = OnnxClassifier(self.path, threads=self.threads, runtime=self.runtime)
        meta = self.model.metadata
        if meta.task != "classify" or "camera" not in self.model.class_names:
            raise ValueError(f"{self.path}: not a verifier (a classify model with a 'camera' class; got "
                             f"{meta.task} {self.model.class_names})")
        run = meta.training_run or {}
        self.crop = CropSpec.from_dict(run.get("verifier_crop"))
        self.weight = float(run.get("verifier_weight", DEFAULT_WEIGHT))
        self.camera_index = self.model.class_names.index("camera")

    @property
    def name(self) -> str:
        return self.model.metadata.name or self.path.stem

    def candidate_floor(self, conf: float) -> float:
        """The lowest detector score whose fused score can still reach ``conf`` (when p(camera) = 1): the
        detector's threshold while the verifier is on, so no box that could pass is dropped before it looks."""
        if self.weight >= 1.0:
            return MIN_CANDIDATE
        return float(min(conf, max(MIN_CANDIDATE, conf ** (1.0 / (1.0 - self.weight)))))

    def p_camera(self, image: np.ndarray, xyxy: np.ndarray, batch: int = 64) -> np.ndarray:
        """p(camera) of each box on ``image`` (BGR uint8, the full-resolution image the boxes are in)."""
        out = []
        for i in range(0, len(xyxy), batch):
            crops = [self.crop.cut(image, b) for b in xyxy[i:i + batch]]
            out.append(self.model.predict(crops)[:, self.camera_index])
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def rescore(self, image: np.ndarray, det: Detections) -> Detections:
        """``det`` with fused scores, sorted by them (boxes and classes unchanged)."""
        if not len(det):
            return det
        scores = fuse(det.scores, self.p_camera(image, det.xyxy), self.weight)
        order = np.argsort(-scores, kind="stable")
        return Detections(det.xyxy[order], scores[order], det.class_ids[order])


def paired_name(detector_name: str, verifier_name: str = "") -> str:
    """The model name a detector with a second look scores under (suggestion keys, done-images in the store):
    the pair's scores are not the detector's, so they are a model of their own."""
    return detector_name + (f"+{verifier_name}" if verifier_name else "")


def load_verifier(path: str | os.PathLike | None, threads: int | None = None, runtime=None) -> Verifier | None:
    return Verifier(Path(path), threads=threads, runtime=runtime) if path else None
