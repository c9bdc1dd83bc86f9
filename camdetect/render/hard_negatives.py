"""Hard negatives mined from the training backgrounds (``camdetect render mine-negatives``), and the crops that
show them in composites (``render composite --hard-negatives FILE``).

Why: the false alarms of the v5 candidates on held-out real streets were real objects (pipe brackets, balcony
undersides, plaques, wall lamps) that a rendered look-alike only approximates. The same kinds of objects are in
the street photos the composites already use as backgrounds, but a random crop shows any one of them rarely.
A model's false alarms on those photos say where they are; composites then crop around them on a share of tiles,
so fine-tuning sees real confusers as negatives far more often. Rules: mine only backgrounds the composites may
use (the same ``--exclude`` as ``render composite``: never the held-out folders); a box on a known real camera
(``configs/eval/street_cameras.json``) is never a negative; look at the contact sheet before training on it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from camdetect.durable import write_csv


@dataclass(frozen=True)
class HardNegative:
    """One false alarm of a model on a background photo: where it is, how sure the model was, which model."""

    path: str  # the background image, as the composites list it
    x1: float
    y1: float
    x2: float
    y2: float
    score: float
    model: str

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.x1, self.y1, self.x2, self.y2


COLUMNS = [f.name for f in fields(HardNegative)]


def mine(models: list[Path], files: list[Path], conf: float, truth: dict[str, np.ndarray], key_of,
         dedupe_iou: float = 0.3, progress=None) -> list[HardNegative]:
    """Every detection at or above ``conf`` of each model on each file, minus those on a known real camera
    (``truth``: street-truth key -> xyxy boxes; ``key_of(path)`` gives the key); across models, boxes on one
    file overlapping by ``dedupe_iou`` are one negative (the higher score kept)."""
    import cv2

    from camdetect.evaluate.real_images import MultiScale, greedy_match
    from camdetect.geometry.overlap import box_iou

    found: dict[str, list[HardNegative]] = {}
    for model in models:
        infer = MultiScale(Path(model))
        for path in files:
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if img is None:
                raise ValueError(f"{path}: not a readable image")
            det = infer(img)
            det = det[det.scores >= conf] if len(det) else det
            real = greedy_match(det.xyxy, det.scores, truth.get(key_of(path), np.zeros((0, 4))))
            have = found.setdefault(str(path), [])
            for i in np.flatnonzero(real < 0):
                neg = HardNegative(str(path), *(round(float(v), 1) for v in det.xyxy[i]),
                                   round(float(det.scores[i]), 4), Path(model).stem)
                if have:
                    ious = box_iou(np.array([neg.box]), np.array([h.box for h in have]))[0]
                    j = int(ious.argmax())
                    if ious[j] >= dedupe_iou:
                        if neg.score > have[j].score:
                            have[j] = neg
                        continue
                have.append(neg)
            if progress:
                progress()
    return sorted((n for negs in found.values() for n in negs), key=lambda n: (n.path, -n.score))


def write_negatives(path: Path, negatives: list[HardNegative]) -> int:
    return write_csv(path, (asdict(n) for n in negatives), COLUMNS)


def read_negatives(path: Path) -> list[HardNegative]:
    """The mined file; a missing column or a bad number is a one-line error naming the file and row."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read hard negatives ({exc.strerror})") from None
    out = []
    for i, r in enumerate(rows, start=2):
        try:
            neg = HardNegative(r["path"], *(float(r[k]) for k in ("x1", "y1", "x2", "y2")), float(r["score"]),
                               r["model"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{path}:{i}: not a hard-negative row (columns {', '.join(COLUMNS)})") from None
        if not (neg.x2 > neg.x1 and neg.y2 > neg.y1):
            raise ValueError(f"{path}:{i}: empty box")
        out.append(neg)
    if not out:
        raise ValueError(f"{path}: no hard negatives")
    return out


def crop_around_negative(bg: np.ndarray, neg: HardNegative, size: int, rng: np.random.Generator) -> np.ndarray:
    """A square crop of ``bg`` holding the negative whole, resized to ``size``: its side log-uniform between
    3x the box (at least half a tile: never blown up more than 2x) and the image's short side, the box at a
    random place inside it; flipped and resized as ``composite._crop``."""
    from camdetect.render.composite import flip_and_fit

    H, W = bg.shape[:2]
    bw, bh = neg.x2 - neg.x1, neg.y2 - neg.y1
    side_max = min(H, W)
    side_min = min(side_max, max(size / 2, 3 * max(bw, bh)))
    side = int(round(math.exp(rng.uniform(math.log(side_min), math.log(side_max))))) if side_max > side_min else side_max
    x_lo, x_hi = max(0, math.ceil(neg.x2 - side)), min(W - side, int(neg.x1))
    y_lo, y_hi = max(0, math.ceil(neg.y2 - side)), min(H - side, int(neg.y1))
    x = int(rng.integers(x_lo, x_hi + 1)) if x_hi >= x_lo else int(np.clip((neg.x1 + neg.x2 - side) / 2, 0, W - side))
    y = int(rng.integers(y_lo, y_hi + 1)) if y_hi >= y_lo else int(np.clip((neg.y1 + neg.y2 - side) / 2, 0, H - side))
    return flip_and_fit(bg[y:y + side, x:x + side], size, rng)


def negatives_sheets(negatives: list[HardNegative], path: Path, per_page: int = 60) -> list[Path]:
    """Every negative as a crop (red box), ``per_page`` to a PNG (``STEM-p01.png``, ...), in the order they are
    written, captioned with their CSV line: "look at every one first" has to be possible for hundreds of
    boxes, and a box that could be a real camera is struck by deleting that line."""
    import cv2

    from camdetect.evaluate.real_images import RED, Cell, contact_sheet

    pages: list[Path] = []
    n_pages = math.ceil(len(negatives) / per_page)
    img, img_path = None, None
    for p in range(n_pages):
        cells = []
        for i, n in enumerate(negatives[p * per_page:(p + 1) * per_page], start=p * per_page):
            if n.path != img_path:
                img, img_path = cv2.imread(n.path, cv2.IMREAD_COLOR), n.path
                if img is None:
                    raise ValueError(f"{n.path}: not a readable image")
            cells.append(Cell(img, n.box, [(n.box, RED)], f"line {i + 2} {Path(n.path).name}\n{n.score:.2f} {n.model}"))
        title = f"mined false alarms (red), page {p + 1} of {n_pages}, CSV lines {p * per_page + 2}-{p * per_page + len(cells) + 1}"
        page = contact_sheet([(title, cells)], path.with_name(f"{path.stem}-p{p + 1:02d}.png"), cols=10, size=128)
        if page is not None:
            pages.append(page)
    return pages
