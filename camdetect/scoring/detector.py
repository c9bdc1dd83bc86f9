"""OnnxDetector: the ONNX Runtime session behind every scoring path (CONTRACTS: issue 5).

Only numpy, opencv and onnxruntime: the scorer must run on a machine without torch. Session options
are tuned for CPU batch throughput (all graph optimisations, intra-op threads = cores, sequential
execution, no spin-waiting); preprocessing and thresholds come from the model's own metadata.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from camdetect.export.metadata import ModelMetadata
from camdetect.records import Detections
from camdetect.scoring.decode import decode_batch
from camdetect.scoring.letterbox import to_blob


def make_session(path: str | os.PathLike, threads: int | None = None, spinning: bool = False):
    """A CPU InferenceSession with full graph optimisation and ``threads`` intra-op threads."""
    import onnxruntime as ort

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model file not found")
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = int(threads or os.cpu_count() or 1)
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # No busy-waiting between ops: on a shared / oversubscribed CPU (and beside our own decode
    # threads) spinning workers burn the cycles the other threads need; measured 1.3-1.7x faster
    # with 2 threads on the loaded 2-core dev box (docs/scoring.md).
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    so.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types for bad files
        raise ValueError(f"{path}: cannot load ONNX model: {str(exc).splitlines()[0]}") from None


class OnnxDetector:
    """``predict(list of BGR uint8 images) -> list[Detections]`` in original pixels."""

    def __init__(self, path: str | os.PathLike, threads: int | None = None, batch: int = 8):
        self.path = Path(path)
        self.session = make_session(path, threads)
        props = self.session.get_modelmeta().custom_metadata_map
        self.metadata = ModelMetadata.from_props(props, str(path))
        self.class_names: list[str] = list(self.metadata.class_names)
        self.imgsz: tuple[int, int] = self.metadata.imgsz
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        fixed = inp.shape[0] if isinstance(inp.shape[0], int) else None
        self.batch = int(fixed or batch)
        self.conf = self.metadata.conf
        self.iou = self.metadata.iou

    @property
    def name(self) -> str:
        return self.metadata.name or self.path.stem

    def run_blob(self, blob: np.ndarray) -> np.ndarray:
        """Raw network output for a preprocessed NCHW float32 batch."""
        return self.session.run(None, {self.input_name: blob})[0]

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

    def __init__(self, path: str | os.PathLike, threads: int | None = None):
        self.path = Path(path)
        self.session = make_session(path, threads)
        self.metadata = ModelMetadata.from_props(self.session.get_modelmeta().custom_metadata_map, str(path))
        self.class_names = list(self.metadata.class_names)
        self.imgsz = self.metadata.imgsz
        self.input_name = self.session.get_inputs()[0].name

    def predict(self, crops: list[np.ndarray]) -> np.ndarray:
        """(N, classes) probabilities; crops are BGR uint8. Ultralytics classify preprocessing
        (resize short side + centre crop) is approximated by a plain resize of the small crop."""
        import cv2

        if not crops:
            return np.zeros((0, len(self.class_names)), np.float32)
        h, w = self.imgsz
        batch = np.stack([cv2.resize(c, (w, h), interpolation=cv2.INTER_LINEAR) for c in crops])
        blob = np.ascontiguousarray(batch[..., ::-1].transpose(0, 3, 1, 2), dtype=np.float32) / 255.0
        probs = self.session.run(None, {self.input_name: blob})[0]
        return probs.astype(np.float32)
