"""OnnxDetector: the model behind every scoring path (CONTRACTS: issue 5).

Only numpy, opencv and an ONNX runtime (``runtime.Session``: ONNX Runtime, or OpenVINO with ``--runtime
openvino``): the scorer must run on a machine without torch. Preprocessing and thresholds come from the
model's own metadata.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from camdetect.export.metadata import ModelMetadata
from camdetect.records import Detections
from camdetect.scoring.decode import decode_batch
from camdetect.scoring.letterbox import to_blob
from camdetect.scoring.runtime import Runtime, Session


class OnnxDetector:
    """``predict(list of BGR uint8 images) -> list[Detections]`` in original pixels."""

    def __init__(self, path: str | os.PathLike, threads: int | None = None, batch: int = 8,
                 runtime: Runtime | str | None = None, streams: int = 1):
        self.path = Path(path)
        self.session = Session(path, threads, runtime, streams=streams)
        self.metadata = ModelMetadata.from_props(self.session.props, str(path))
        self.class_names: list[str] = list(self.metadata.class_names)
        self.imgsz: tuple[int, int] = self.metadata.imgsz
        shape = self.session.input_shape
        fixed = shape[0] if isinstance(shape[0], int) else None
        self.batch = int(fixed or batch)
        self.conf = self.metadata.conf
        self.iou = self.metadata.iou

    @property
    def name(self) -> str:
        return self.metadata.name or self.path.stem

    def run_blob(self, blob: np.ndarray) -> np.ndarray:
        """Raw network output for a preprocessed NCHW float32 batch."""
        return self.session.run(blob)

    def predict(self, images: list[np.ndarray], conf: float | None = None, iou: float | None = None,
                max_det: int = 300) -> list[Detections]:
        conf = self.conf if conf is None else conf
        iou = self.iou if iou is None else iou
        out: list[Detections] = []
        for i in range(0, len(images), self.batch):
            chunk = images[i:i + self.batch]
            blob, params = to_blob(chunk, self.imgsz)
            out.extend(decode_batch(self.run_blob(blob), params, conf, iou, max_det))
        return out


class OnnxClassifier:
    """Optional second model (mount / type classifier on detection crops): probabilities per class."""

    def __init__(self, path: str | os.PathLike, threads: int | None = None, runtime: Runtime | str | None = None):
        self.path = Path(path)
        self.session = Session(path, threads, runtime)
        self.metadata = ModelMetadata.from_props(self.session.props, str(path))
        self.class_names = list(self.metadata.class_names)
        self.imgsz = self.metadata.imgsz

    def predict(self, crops: list[np.ndarray]) -> np.ndarray:
        """(N, classes) probabilities; crops are BGR uint8. Ultralytics classify preprocessing
        (resize short side + centre crop) is approximated by a plain resize of the small crop."""
        import cv2

        if not crops:
            return np.zeros((0, len(self.class_names)), np.float32)
        h, w = self.imgsz
        batch = np.stack([cv2.resize(c, (w, h), interpolation=cv2.INTER_LINEAR) for c in crops])
        blob = np.ascontiguousarray(batch[..., ::-1].transpose(0, 3, 1, 2), dtype=np.float32) / 255.0
        probs = self.session.run(blob)
        return probs.astype(np.float32)
