"""Getting predictions from a model: an ONNX file (our scorer's OnnxDetector) or an ultralytics run/.pt.

Predictions are written as JSONL of :class:`~camdetect.records.Suggestion` rows, the same format the
batch scorer writes, so ``camdetect eval --predictions`` reads both. Each image's rows are followed by
a ``{"image_path": ..., "done": true}`` marker (a :class:`camdetect.durable.JsonlLedger`), so an
interrupted run resumes where it stopped and images with no detection are still known to have been
scored. Evaluation wants the low-score tail
too (AP integrates over it), hence the default ``conf=0.001``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from camdetect.durable import JsonlLedger
from camdetect.records import Detections, Suggestion
from camdetect.taxonomy import load_taxonomy


@dataclass
class ModelRef:
    """What ``--model`` points at, resolved: kind ("onnx" or "pt"), weights file, display name, imgsz."""

    kind: str
    path: Path
    name: str
    imgsz: int | None = None
    mount_path: Path | None = None  # optional mount classifier: RUN/mount/weights/best.pt or X-mount.onnx
    crop_context: float | None = None  # context crop settings the mount classifier was trained with
    crop_size: int | None = None  # (camdetect_run.json "crop": {"context", "size"}, from the dataset)


def resolve_model(model: str | os.PathLike) -> ModelRef:
    """``models/X.onnx``, ``runs/train/NAME`` (weights/best.pt, else last.pt) or a ``.pt`` file."""
    p = Path(model)
    if not p.exists():
        raise FileNotFoundError(f"{p}: model not found (expected models/NAME.onnx, runs/train/NAME or a .pt file)")
    if p.is_dir():
        weights = next((w for w in (p / "weights" / "best.pt", p / "weights" / "last.pt") if w.exists()), None)
        if weights is None:
            raise FileNotFoundError(f"{p}: run dir has no weights/best.pt or weights/last.pt")
        run_info: dict = {}
        info = p / "camdetect_run.json"
        if info.exists():
            try:
                run_info = json.loads(info.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{info}:{exc.lineno}: not JSON ({exc.msg})") from None
        imgsz = run_info.get("imgsz")
        from camdetect.train.attributes import mount_status

        mount = p / "mount" / "weights" / "best.pt"
        # skipped or degenerate at training (camdetect_run.json): not a mount model to evaluate
        use_mount = mount.is_file() and mount_status(run_info)[0]
        crop = run_info.get("crop") if isinstance(run_info.get("crop"), dict) else {}
        context = crop.get("context") or run_info.get("crop_context")
        size = crop.get("size")
        return ModelRef("pt", weights, p.name, int(imgsz) if isinstance(imgsz, (int, float)) else None,
                        mount if use_mount else None, float(context) if context else None,
                        int(size) if isinstance(size, (int, float)) else None)
    if p.suffix == ".onnx":
        mount = p.with_name(p.stem + "-mount.onnx")
        return ModelRef("onnx", p, p.stem, mount_path=mount if mount.is_file() else None)
    if p.suffix == ".pt":
        return ModelRef("pt", p, p.stem)
    raise ValueError(f"{p}: unknown model format (use a .onnx file, a .pt file or a training run dir)")


def class_types(names: list[str]) -> tuple[str, ...]:
    """Model class names as taxonomy types ("Directed Camera" -> bullet, "Camera" -> unknown)."""
    tax = load_taxonomy()
    return tuple(n if n in tax.types else tax.map_type(n, strict=False) for n in names)


class _Predictor:
    """One interface over both back ends: ``names`` and ``__call__(list of BGR) -> list[Detections]``."""

    def __init__(self, ref: ModelRef, conf: float, iou: float, imgsz: int | None, threads: int | None):
        self.ref, self.conf, self.iou = ref, conf, iou
        if ref.kind == "onnx":
            try:
                from camdetect.scoring.detector import OnnxDetector
            except ModuleNotFoundError as exc:  # the scorer (issue 5) is a separate stage
                raise ValueError(f"{ref.path}: ONNX evaluation needs camdetect.scoring.detector ({exc})") from None
            self.det = OnnxDetector(ref.path, threads=threads)
            self.names = list(self.det.class_names)
        else:
            if threads:
                import torch

                torch.set_num_threads(threads)
            from ultralytics import YOLO

            self.det = YOLO(str(ref.path), task="detect")
            self.names = [self.det.names[i] for i in sorted(self.det.names)]
            self.imgsz = imgsz or ref.imgsz or 640

    def __call__(self, images: list[np.ndarray]) -> list[Detections]:
        if self.ref.kind == "onnx":
            return self.det.predict(images, conf=self.conf, iou=self.iou)
        out = []
        for r in self.det.predict(images, conf=self.conf, iou=self.iou, imgsz=self.imgsz, device="cpu",
                                  verbose=False, max_det=300):
            b = r.boxes
            out.append(Detections(b.xyxy.cpu().numpy().astype(np.float32), b.conf.cpu().numpy().astype(np.float32),
                                  b.cls.cpu().numpy().astype(np.int64)))
        return out


class _MountClassifier:
    """The run's optional mount model on context crops (cut as camdetect.dataset.crops cuts them for
    training); only detections scoring >= ``min_score`` are classified, to bound the cost."""

    def __init__(self, ref: ModelRef, min_score: float, threads: int | None):
        self.min_score = min_score
        self.context = ref.crop_context
        self.size = ref.crop_size
        if ref.kind == "onnx":
            from camdetect.scoring.detector import OnnxClassifier

            self.clf = OnnxClassifier(ref.mount_path, threads=threads)
            self.names = list(self.clf.class_names)
        else:
            from ultralytics import YOLO

            self.clf = YOLO(str(ref.mount_path), task="classify")
            self.names = [self.clf.names[i] for i in sorted(self.clf.names)]

    def __call__(self, image: np.ndarray, dets: Detections) -> tuple[list[str | None], list[float | None]]:
        from camdetect.dataset.crops import DEFAULT_CONTEXT, DEFAULT_SIZE, context_crop

        idx = [j for j, s in enumerate(dets.scores) if s >= self.min_score]
        mounts: list[str | None] = [None] * len(dets)
        scores: list[float | None] = [None] * len(dets)
        if not idx:
            return mounts, scores
        crops = [context_crop(image, dets.xyxy[j], self.context or DEFAULT_CONTEXT, size=self.size or DEFAULT_SIZE)
                 for j in idx]
        if hasattr(self.clf, "session"):  # OnnxClassifier
            probs = self.clf.predict(crops)
        else:
            probs = np.stack([r.probs.data.cpu().numpy() for r in self.clf.predict(crops, device="cpu", verbose=False)])
        tax = load_taxonomy()
        for j, p in zip(idx, probs):
            k = int(np.argmax(p))
            mounts[j], scores[j] = tax.map_mount(self.names[k], strict=False), float(p[k])
        return mounts, scores


def suggestion_rows(model: str, image: str, intersection: str, size: tuple[int, int], dets: Detections,
                    types: tuple[str, ...], mounts: list[str | None] | None = None,
                    mount_scores: list[float | None] | None = None) -> list[dict]:
    """Suggestion dicts for one image (key = hash of model, image and rounded box, as the scorer does)."""
    rows = []
    mounts = mounts or [None] * len(dets)
    mount_scores = mount_scores or [None] * len(dets)
    for b, s, c, mt, ms in zip(dets.xyxy, dets.scores, dets.class_ids, mounts, mount_scores):
        box = [round(float(v), 2) for v in b]
        key = hashlib.sha1(f"{model}|{image}|{box}|{int(c)}".encode()).hexdigest()[:16]
        sug = Suggestion(key=key, intersection=intersection, pano_id=intersection, image_path=image,
                         view_heading=float("nan"), view_pitch=float("nan"), view_fov=float("nan"),
                         image_width=size[0], image_height=size[1], x1=box[0], y1=box[1], x2=box[2], y2=box[3],
                         score=round(float(s), 5), type=types[int(c)] if 0 <= int(c) < len(types) else types[0],
                         mount=mt or "other", mount_score=float("nan") if ms is None else round(ms, 5),
                         model=model)
        rows.append(sug.to_json_dict())
    return rows


def done_images(path: Path) -> set[str]:
    """Images already scored in an earlier (possibly interrupted) run of :func:`predict_to_jsonl`.

    The file is a :class:`~camdetect.durable.JsonlLedger` with one done-marker per image: a torn
    last line is cut off, and rows of images without their marker (the run stopped mid-image) are
    dropped (atomic rewrite), so redoing those images never duplicates a row.
    """
    with JsonlLedger(path, unit="image_path") as ledger:
        ledger.drop_unfinished()
        return set(ledger.done)


def predict_to_jsonl(model: str | os.PathLike, root: Path, images: list[tuple[str, str]], out: Path,
                     conf: float = 0.001, iou: float = 0.7, imgsz: int | None = None, batch: int = 8,
                     threads: int | None = None, mount_min_score: float = 0.25) -> tuple[Path, tuple[str, ...]]:
    """Run the model on ``images`` [(path relative to root, intersection)], appending to ``out``.

    Returns (out, class types). Already-done images are skipped (resume). When the run has a mount
    classifier, detections with score >= ``mount_min_score`` get a predicted mount.
    """
    import cv2
    from tqdm import tqdm

    ref = resolve_model(model)
    pred = _Predictor(ref, conf, iou, imgsz, threads)
    types = class_types(pred.names)
    mount_clf = _MountClassifier(ref, mount_min_score, threads) if ref.mount_path is not None else None
    done = done_images(out)
    todo = [(k, i) for k, i in images if k not in done]
    with JsonlLedger(out, unit="image_path") as ledger, tqdm(total=len(images), initial=len(images) - len(todo),
                                                     desc=f"predict {ref.name}", unit="img") as bar:
        for start in range(0, len(todo), batch):
            chunk = todo[start:start + batch]
            arrays = []
            for key, _ in chunk:
                img = cv2.imread(str(root / key), cv2.IMREAD_COLOR)
                if img is None:
                    raise ValueError(f"{root / key}: missing or unreadable image")
                arrays.append(img)
            for (key, inter), img, dets in zip(chunk, arrays, pred(arrays)):
                mounts, mscores = mount_clf(img, dets) if mount_clf is not None else (None, None)
                rows = suggestion_rows(ref.name, key, inter, (img.shape[1], img.shape[0]), dets, types,
                                       mounts, mscores)
                ledger.mark_done(key, rows, sync=False, n=len(rows))
            ledger.sync()  # one fsync per batch of images
            bar.update(len(chunk))
    return out, types
