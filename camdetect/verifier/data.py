"""Training crops for the verifier: what the detector proposes on composites, told apart by the labels.

Sources, each split the way it was split for the detector (composite tiles by background photo, so val never
shares a photo with train):

* **labelled datasets** (composites, city tiles): the detector runs on every tile at ``conf``; a candidate
  overlapping a labelled camera by ``hit_iou`` is a *camera* crop, one overlapping none by more than
  ``miss_iou`` is *not a camera* (pasted look-alikes, the Open Images photos' handheld cameras, the real
  street's own lamps and plaques); in between is ambiguous and skipped. Every labelled camera also gives
  one crop of its own box, jittered, so cameras the detector misses are learnt too.
* **mined false alarms** (``camdetect render mine-negatives`` CSVs on the training backgrounds): real
  confusers, *not a camera*.

Resumable: a ledger records each finished source image; a killed run redoes only the image it was on.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from camdetect.durable import JsonlLedger, atomic_write_json
from camdetect.verifier.crop import CropSpec

CLASSES = ("camera", "not_camera")  # ultralytics sorts class folders: index 0 is camera
SPLITS = ("train", "val")


@dataclass
class VerifierDataOptions:
    conf: float = 0.05  # the detector's floor for candidates
    hit_iou: float = 0.3
    miss_iou: float = 0.05
    jitter: float = 0.15  # labelled boxes: centre and size jittered by this share of the box
    max_negatives_per_image: int = 6  # the highest-scoring ones: where the detector is most wrong
    val_share: float = 0.15  # for mined negatives (composites keep their own split)
    crop: CropSpec = field(default_factory=CropSpec)

    def __post_init__(self) -> None:
        if not 0 < self.conf < 1 or not 0 <= self.miss_iou < self.hit_iou <= 1:
            raise ValueError(f"verifier data: need 0 < conf < 1 and 0 <= miss_iou < hit_iou <= 1 (got {self})")


def _jitter(box, rng: np.random.Generator, share: float) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    cx = (x1 + x2) / 2 + rng.uniform(-share, share) * w
    cy = (y1 + y2) / 2 + rng.uniform(-share, share) * h
    s = float(np.exp(rng.uniform(-share, share)))
    return cx - w * s / 2, cy - h * s / 2, cx + w * s / 2, cy + h * s / 2


def label_candidates(cands: np.ndarray, scores: np.ndarray, truth: np.ndarray,
                     opts: VerifierDataOptions) -> tuple[list[int], list[int]]:
    """(camera, not-camera) indices of ``cands``: hit a labelled camera, or overlap none; not-camera ones are
    the ``max_negatives_per_image`` highest-scoring."""
    from camdetect.geometry.overlap import box_iou

    if not len(cands):
        return [], []
    best = box_iou(cands, truth).max(axis=1) if len(truth) else np.zeros(len(cands))
    pos = [i for i in range(len(cands)) if best[i] >= opts.hit_iou]
    neg = [i for i in np.argsort(-scores) if best[i] <= opts.miss_iou][:opts.max_negatives_per_image]
    return pos, [int(i) for i in neg]


def _seed(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


class CropWriter:
    """Writes crops as OUT/{split}/{class}/{stem}_{k}.jpg and keeps the ledger of finished images."""

    def __init__(self, out: Path, spec: CropSpec):
        self.out, self.spec = out, spec
        self.ledger = JsonlLedger(out / "done.jsonl", unit="image")
        self.counts: Counter = Counter()
        for rec in self.ledger.done.values():
            for k, v in rec.get("counts", {}).items():
                self.counts[k] += v

    def done(self, key: str) -> bool:
        return key in self.ledger.done

    def write(self, key: str, split: str, image: np.ndarray, boxes: list[tuple[str, tuple]]) -> None:
        stem = Path(key).stem.replace(" ", "_")[:40] + "_" + hashlib.sha1(key.encode()).hexdigest()[:8]
        counts: Counter = Counter()
        for k, (cls, box) in enumerate(boxes):
            folder = self.out / split / cls
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f"{stem}_{k}.jpg"), self.spec.cut(image, box), [cv2.IMWRITE_JPEG_QUALITY, 95])
            counts[f"{split}/{cls}"] += 1
        self.ledger.mark_done(key, [], counts=dict(counts))
        self.counts.update(counts)


def dataset_images(root: Path) -> list[tuple[str, Path, Path]]:
    """(split, image, label file) of an ultralytics dataset folder's train and val."""
    from camdetect.dataset.sources import IMAGE_SUFFIXES

    out = []
    for split in SPLITS:
        folder = root / "images" / split
        if not folder.is_dir():
            continue
        for img in sorted(folder.iterdir()):
            if img.suffix.lower() in IMAGE_SUFFIXES:
                out.append((split, img, root / "labels" / split / (img.stem + ".txt")))
    return out


def read_negatives_csv(path: Path) -> dict[str, list[tuple[float, float, float, float]]]:
    """Mined false alarms (render/hard_negatives.py columns) grouped by photo."""
    from camdetect.render.hard_negatives import read_negatives

    out: dict[str, list] = {}
    for n in read_negatives(path):
        out.setdefault(n.path, []).append(n.box)
    return out


def build_verifier_data(out: Path, datasets: list[Path], detector: Path, negatives: list[Path] = (),
                        opts: VerifierDataOptions | None = None, progress=None) -> dict:
    """Write OUT/{train,val}/{camera,not_camera}/*.jpg (an ultralytics classify folder) and OUT/verifier_data.json."""
    from camdetect.labels.exporters.yolo import yolo_boxes
    from camdetect.render.composite import split_of
    from camdetect.scoring.detector import OnnxDetector

    opts = opts or VerifierDataOptions()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for root in datasets:
        if not (Path(root) / "data.yaml").is_file():
            raise FileNotFoundError(f"{root}: no data.yaml (not an ultralytics dataset folder)")
    for path in negatives:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: mined negatives file not found")
    det = OnnxDetector(detector)
    writer = CropWriter(out, opts.crop)
    for root in datasets:
        for split, img_path, lbl in dataset_images(Path(root)):
            key = str(img_path)
            if writer.done(key):
                continue
            img = cv2.imread(key, cv2.IMREAD_COLOR)
            if img is None:
                raise ValueError(f"{img_path}: not a readable image")
            h, w = img.shape[:2]
            truth = np.array([b for _, b in yolo_boxes(lbl, w, h)], np.float32).reshape(-1, 4)
            d = det.predict([img], conf=opts.conf)[0]
            pos, neg = label_candidates(d.xyxy, d.scores, truth, opts)
            rng = np.random.default_rng(_seed(key))
            boxes = [("camera", tuple(d.xyxy[i])) for i in pos]
            boxes += [("camera", _jitter(b, rng, opts.jitter)) for b in truth]
            boxes += [("not_camera", tuple(d.xyxy[i])) for i in neg]
            writer.write(key, split, img, boxes)
            if progress:
                progress()
    for path in negatives:
        for photo, boxes in read_negatives_csv(Path(path)).items():
            key = f"{path}::{photo}"
            if writer.done(key):
                continue
            img = cv2.imread(photo, cv2.IMREAD_COLOR)
            if img is None:
                raise ValueError(f"{path}: {photo} is not a readable image")
            writer.write(key, split_of(Path(photo), opts.val_share), img, [("not_camera", b) for b in boxes])
            if progress:
                progress()
    doc = {"classes": list(CLASSES), "detector": str(detector), "datasets": [str(p) for p in datasets],
           "negatives": [str(p) for p in negatives], "options": {**asdict(opts), "crop": opts.crop.to_dict()},
           "counts": dict(sorted(writer.counts.items()))}
    atomic_write_json(out / "verifier_data.json", doc, indent=2)
    return doc


def count_sources(datasets: list[Path], negatives: list[Path]) -> int:
    """Source images the builder will visit (for a progress bar)."""
    n = sum(len(dataset_images(Path(r))) for r in datasets if (Path(r) / "data.yaml").is_file())
    for path in negatives:
        if Path(path).is_file():
            n += len(read_negatives_csv(Path(path)))
    return n
