"""Which library runs the ONNX graph (``--runtime``): ONNX Runtime or OpenVINO, one file, one output format.

Why two: on the 2-core dev box (Xeon with AVX-512 and AMX) OpenVINO's CPU plugin ran the shipped detector
2.2x faster than ONNX Runtime at fp32 on a 640 px view with outputs within 2e-4 px, and 3.6x faster in bf16
(scripts/bench_runtime.py; docs/scoring.md, "Runtime"). The model file, its metadata, preprocessing and post-processing stay the
same; only ``run(blob)`` changes. ONNX Runtime also reads the file's metadata and input shape for both, so
a bad file fails the same way (one line naming it) whichever runtime scores it.

Spec: ``onnxruntime``, ``openvino``, ``openvino:precision=bf16`` (``mode_spec``'s ``MODE[:key=value]``) or
``auto`` (what ``camdetect score`` uses unless told): OpenVINO where it is installed, ONNX Runtime for an int8
model (its benchmark verdict was measured on ONNX Runtime) or where OpenVINO is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from camdetect.export.metadata import PREFIX
from camdetect.scoring.mode_spec import mode_spec_label, parse_mode_spec

MODES = ("onnxruntime", "openvino", "auto")
PRECISIONS = ("f32", "bf16")
DEFAULT_RUNTIME = "onnxruntime"
MAX_STATIC_SHAPES = 8  # compiled per input shape (4-49 % faster than one dynamic model), then a dynamic one


@dataclass(frozen=True)
class Runtime:
    """``mode``: the library; ``precision``: OpenVINO's inference precision (``bf16`` only where the CPU has
    bf16 instructions; elsewhere OpenVINO runs f32 anyway)."""

    mode: str = DEFAULT_RUNTIME
    precision: str = "f32"

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"--runtime {self.mode!r}: expected one of {', '.join(MODES)}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"--runtime {self.label!r}: precision must be one of {', '.join(PRECISIONS)}")
        if self.mode != "openvino" and self.precision != "f32":
            raise ValueError(f"--runtime {self.label!r}: precision= is OpenVINO's (onnxruntime runs f32 only)")

    @classmethod
    def parse(cls, spec: Runtime | str | dict | None) -> Runtime:
        return parse_mode_spec(cls, spec, "--runtime", lambda key, text: text)

    @property
    def label(self) -> str:
        """The spec that rebuilds it (summaries, reports)."""
        return mode_spec_label(self, fmt=str)

    def to_json(self, asked: Runtime | None = None) -> dict:
        """Its settings and the spec that rebuilds it; ``asked``: the spec it was resolved from (``auto``)."""
        return {"spec": self.label, **asdict(self), **({"asked": asked.label} if asked else {})}

    def resolve(self, props: dict[str, str]) -> Runtime:
        """``auto`` made concrete for a model with metadata ``props``; other modes as they are."""
        if self.mode != "auto":
            return self
        quantized = json.loads(props.get(f"{PREFIX}quantization", '"fp32"')) != "fp32"  # ModelMetadata.quantization
        if quantized or importlib.util.find_spec("openvino") is None:
            return Runtime("onnxruntime")
        return Runtime("openvino")


def ort_session(path: str | os.PathLike, threads: int | None = None, spinning: bool = False):
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


class Session:
    """One loaded model: ``props`` (ONNX metadata), ``input_name``, ``input_shape`` (ints, or names for
    dynamic axes) and ``run(blob) -> first output``, whichever library runs it."""

    def __init__(self, path: str | os.PathLike, threads: int | None = None,
                 runtime: Runtime | str | None = None, spinning: bool = False, streams: int = 1):
        self.path = Path(path)
        asked = Runtime.parse(runtime)
        self.threads = int(threads or os.cpu_count() or 1)
        if streams < 1:
            raise ValueError(f"--streams must be >= 1, got {streams}")
        ort = ort_session(path, 1 if asked.mode == "openvino" else self.threads, spinning)
        self.props: dict[str, str] = dict(ort.get_modelmeta().custom_metadata_map)
        self.runtime = asked.resolve(self.props)  # what actually runs (summary.json records it)
        # ONNX Runtime: ``streams`` sessions, each with its share of the threads, for callers that run batches
        # from several threads at once (run_jobs): on 2 cores two one-thread sessions ran the shipped detector
        # 1.3-1.4x faster than one two-thread session (docs/scoring.md, "Streams"). OpenVINO keeps one stream:
        # two infer requests called from two Python threads hung once in OpenVINO 2026.4 (both threads
        # waiting inside InferRequest.infer) and gained 0-10 % where they ran.
        self.streams = min(int(streams), self.threads) if self.runtime.mode == "onnxruntime" else 1
        per_stream = max(1, self.threads // self.streams)
        if self.streams > 1:  # the metadata session had every thread: reload it with a stream's share
            ort = ort_session(path, per_stream, spinning)
        inp = ort.get_inputs()[0]
        self.input_name: str = inp.name
        self.input_shape: list[Any] = list(inp.shape)
        self._ort: queue.SimpleQueue | None = None  # idle ONNX Runtime sessions, one per stream
        self._ov = None
        if self.runtime.mode == "onnxruntime":  # the session that read the metadata is the first stream
            self._ort = queue.SimpleQueue()
            self._ort.put(ort)
            for _ in range(self.streams - 1):
                self._ort.put(ort_session(path, per_stream, spinning))
        else:  # OpenVINO runs the model; the ONNX Runtime session is dropped here
            self._ov = _OpenVinoModel(self.path, self.threads, self.runtime.precision)

    def run(self, blob: np.ndarray) -> np.ndarray:
        """The first output for ``blob``; safe to call from up to ``streams`` threads at once (more wait)."""
        if self._ort is None:
            return self._ov.run(blob)
        sess = self._ort.get()
        try:
            return sess.run(None, {self.input_name: blob})[0]
        finally:
            self._ort.put(sess)


class _OpenVinoModel:
    """OpenVINO CPU plugin: compiled once per input shape (static shapes ran 4-49 % faster than a dynamic
    model here; a compile costs 0.25-0.35 s), up to MAX_STATIC_SHAPES, then one dynamic model for the rest.
    Batches are padded to a power of two, so a classifier fed 1-300 crops, or a detector's last partial
    batch, compiles a handful of shapes, not one per count (every sample is computed on its own: padding
    changes no output)."""

    def __init__(self, path: Path, threads: int, precision: str):
        import openvino as ov  # missing: camdetect.cli says which extra brings it (camdetect.extras)

        self.core = ov.Core()
        self.path = path
        self.config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1,
                       "INFERENCE_PRECISION_HINT": precision, "ENABLE_CPU_PINNING": False}
        try:
            self.model = self.core.read_model(str(path))
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError subclasses of its own
            raise ValueError(f"{path}: OpenVINO cannot read the model: {str(exc).splitlines()[0]}") from None
        self.requests: dict[tuple[int, ...], Any] = {}
        self.dynamic = None
        self.lock = threading.Lock()  # an infer request is not re-entrant

    def _request(self, shape: tuple[int, ...]):
        req = self.requests.get(shape)
        if req is not None:
            return req
        if len(self.requests) < MAX_STATIC_SHAPES:
            model = self.model.clone()
            model.reshape({0: list(shape)})
            req = self.requests[shape] = self.core.compile_model(model, "CPU", self.config).create_infer_request()
            return req
        if self.dynamic is None:
            self.dynamic = self.core.compile_model(self.model, "CPU", self.config).create_infer_request()
        return self.dynamic

    def run(self, blob: np.ndarray) -> np.ndarray:
        n = len(blob)
        padded = 1 << max(n - 1, 0).bit_length()
        if padded != n:
            blob = np.concatenate([blob, np.zeros((padded - n, *blob.shape[1:]), blob.dtype)])
        blob = np.ascontiguousarray(blob, dtype=np.float32)
        with self.lock:
            req = self._request(tuple(blob.shape))
            req.infer({0: blob})
            return np.array(req.get_output_tensor(0).data[:n], copy=True)
