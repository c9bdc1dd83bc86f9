"""Parity of the exported ONNX model against the PyTorch weights it came from.

Both sides get the same letterboxed batch (camdetect's letterbox, pixel-equal to ultralytics'); the
PyTorch side then uses ultralytics' own ``non_max_suppression`` and the ONNX side the scorer's full
OnnxDetector path (numpy decode + NMS + unletterbox). A box matches when the class agrees and IoU is
>= 0.99; scores must agree within 1e-3. Boxes within ``tol`` of the threshold may legitimately
appear on one side only and are not counted as misses.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

IOU_MIN = 0.99
SCORE_TOL = 1e-3
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


@dataclass
class SetReport:
    """Parity on one image set."""

    name: str
    images: int = 0
    torch_boxes: int = 0
    onnx_boxes: int = 0
    matched: int = 0
    unmatched_torch: int = 0
    unmatched_onnx: int = 0
    min_iou: float = 1.0  # post-NMS matched pairs
    max_score_diff: float = 0.0  # post-NMS matched pairs
    max_raw_diff: float = 0.0
    anchors: int = 0  # anchor-level: candidates above conf on either side
    anchor_min_iou: float = 1.0
    anchor_max_score_diff: float = 0.0
    anchor_class_flips: int = 0

    @property
    def match_rate(self) -> float:
        return self.matched / max(self.torch_boxes, self.onnx_boxes, 1)

    @property
    def passed(self) -> bool:
        """Export parity: every candidate anchor above threshold gives the same box and score.

        Post-NMS lists are reported too, but a box pair with near-equal scores and IoU near the NMS
        threshold may legitimately resolve differently for float-level differences (seen with
        random weights that emit hundreds of overlapping boxes), so they do not decide the verdict.
        """
        return (self.anchor_min_iou >= IOU_MIN and self.anchor_max_score_diff <= SCORE_TOL
                and self.anchor_class_flips == 0)


@dataclass
class ParityReport:
    model: str
    weights: str
    conf: float
    iou: float
    sets: list[SetReport] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.sets)

    def to_json(self) -> dict:
        return {"model": self.model, "weights": self.weights, "conf": self.conf, "iou": self.iou,
                "iou_min_required": IOU_MIN, "score_tol": SCORE_TOL, "passed": self.passed,
                "sets": [{**asdict(s), "match_rate": s.match_rate, "passed": s.passed} for s in self.sets]}

    def to_markdown(self) -> str:
        lines = [f"# ONNX parity: {Path(self.model).name}", "",
                 f"weights `{self.weights}`, conf {self.conf}, NMS IoU {self.iou}. Pass = every anchor scoring above "
                 f"conf on either side has the same class, box IoU >= {IOU_MIN} and score within {SCORE_TOL}. "
                 "Post-NMS columns compare the full scorer (numpy decode + NMS) with ultralytics' NMS on torch.", "",
                 "| set | images | anchors | anchor min IoU | anchor max score diff | class flips | torch boxes "
                 "| onnx boxes | matched post-NMS | post-NMS min IoU | max raw diff | pass |",
                 "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for s in self.sets:
            lines.append(f"| {s.name} | {s.images} | {s.anchors} | {s.anchor_min_iou:.4f} | "
                         f"{s.anchor_max_score_diff:.2e} | {s.anchor_class_flips} | {s.torch_boxes} | {s.onnx_boxes} | "
                         f"{s.matched} ({s.match_rate:.1%}) | {s.min_iou:.4f} | {s.max_raw_diff:.2e} | "
                         f"{'yes' if s.passed else 'NO'} |")
        lines += ["", f"**overall: {'PASS' if self.passed else 'FAIL'}**", ""]
        return "\n".join(lines)


def match(a_xyxy, a_scores, a_cls, b_xyxy, b_scores, b_cls) -> list[tuple[int, int, float]]:
    """Greedy one-to-one matching of same-class pairs with IoU > 0.5, best ``(1 - IoU) + |score diff|``
    first (a random or weak model has many near-identical boxes; IoU alone pairs the wrong twins)."""
    from camdetect.geometry.overlap import box_iou, greedy_match

    if len(a_xyxy) == 0 or len(b_xyxy) == 0:
        return []
    ious = box_iou(a_xyxy, b_xyxy)
    ious[np.asarray(a_cls)[:, None] != np.asarray(b_cls)[None, :]] = 0.0
    cost = (1.0 - ious) + np.abs(np.asarray(a_scores, np.float64)[:, None] - np.asarray(b_scores, np.float64)[None, :])
    a_to_b = greedy_match(-cost, ious > 0.5)
    return sorted(((i, int(j), float(ious[i, j])) for i, j in enumerate(a_to_b) if j >= 0),
                  key=lambda p: cost[p[0], p[1]])


def synthetic_views(n: int, size: int = 640, seed: int = 0) -> list[np.ndarray]:
    """Street-like synthetic views (sky, facades, poles, small dark domes/boxes) from a seed.

    Uses camdetect.synth when it is installed; this fallback keeps the parity report self-contained.
    """
    import cv2

    rng = np.random.default_rng(seed)
    views = []
    for _ in range(n):
        img = np.zeros((size, size, 3), np.uint8)
        horizon = int(size * rng.uniform(0.4, 0.6))
        img[:horizon] = rng.integers(150, 230, 3)
        img[horizon:] = rng.integers(60, 120, 3)
        for _ in range(rng.integers(2, 6)):
            x = int(rng.integers(0, size))
            w = int(rng.integers(40, 200))
            top = int(rng.integers(20, horizon))
            cv2.rectangle(img, (x, top), (x + w, horizon + 20), tuple(int(c) for c in rng.integers(40, 200, 3)), -1)
        for _ in range(rng.integers(1, 4)):
            x = int(rng.integers(0, size))
            cv2.line(img, (x, int(size * 0.2)), (x, size), (70, 70, 70), int(rng.integers(3, 9)))
            cy = int(rng.integers(size * 0.2, horizon))
            if rng.random() < 0.5:
                cv2.ellipse(img, (x + 10, cy), (8, 6), 0, 0, 180, (30, 30, 30), -1)
            else:
                cv2.rectangle(img, (x, cy), (x + 22, cy + 9), (235, 235, 235), -1)
        noise = rng.normal(0, 6, img.shape)
        views.append(np.clip(img + noise, 0, 255).astype(np.uint8))
    return views


def real_images(folder: Path, limit: int) -> list[np.ndarray]:
    import cv2

    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTS)[:limit]
    return [im for im in (cv2.imread(str(p)) for p in files) if im is not None]


def compare_set(name: str, images: list[np.ndarray], torch_model, detector, conf: float, iou: float,
                batch: int = 8) -> SetReport:
    import torch
    from ultralytics.utils.nms import non_max_suppression

    from camdetect.scoring.letterbox import to_blob, unletterbox_boxes

    rep = SetReport(name=name, images=len(images))
    for start in range(0, len(images), batch):
        chunk = images[start:start + batch]
        blob, params = to_blob(chunk, detector.imgsz)
        with torch.no_grad():
            raw_t = torch_model(torch.from_numpy(blob))
            raw_t = raw_t[0] if isinstance(raw_t, (list, tuple)) else raw_t
            nms_t = non_max_suppression(raw_t, conf_thres=conf, iou_thres=iou, max_det=300)
        raw_o = detector.run_blob(blob)
        rep.max_raw_diff = max(rep.max_raw_diff, float(np.abs(raw_t.numpy() - raw_o).max()))
        anchor_parity(rep, raw_t.numpy(), raw_o, conf)
        dets_o = detector.predict(chunk, conf=conf, iou=iou)
        for t, o, p in zip(nms_t, dets_o, params):
            t = t.numpy()
            t_xyxy = unletterbox_boxes(t[:, :4], p)
            t_scores, t_cls = t[:, 4], t[:, 5].astype(np.int64)
            rep.torch_boxes += len(t)
            rep.onnx_boxes += len(o)
            pairs = match(t_xyxy, t_scores, t_cls, o.xyxy, o.scores, o.class_ids)
            rep.matched += len(pairs)
            for i, j, v in pairs:
                rep.min_iou = min(rep.min_iou, v)
                rep.max_score_diff = max(rep.max_score_diff, abs(float(t_scores[i]) - float(o.scores[j])))
            mi = {i for i, _, _ in pairs}
            mj = {j for _, j, _ in pairs}
            # a box whose score is within tolerance of the threshold may fall on either side
            rep.unmatched_torch += sum(1 for i in range(len(t)) if i not in mi and t_scores[i] > conf + SCORE_TOL)
            rep.unmatched_onnx += sum(1 for j in range(len(o)) if j not in mj and o.scores[j] > conf + SCORE_TOL)
    return rep


def anchor_parity(rep: SetReport, raw_t: np.ndarray, raw_o: np.ndarray, conf: float) -> None:
    """Compare the two raw outputs anchor by anchor where either side scores above ``conf``."""
    from camdetect.geometry.overlap import paired_iou
    from camdetect.scoring.decode import xywh_to_xyxy

    for t, o in zip(raw_t, raw_o):
        st, so = t[4:].max(0), o[4:].max(0)
        cand = (st > conf) | (so > conf)
        if not cand.any():
            continue
        bt, bo = xywh_to_xyxy(t[:4, cand].T), xywh_to_xyxy(o[:4, cand].T)
        ious = paired_iou(bt, bo)
        rep.anchors += int(cand.sum())
        rep.anchor_min_iou = min(rep.anchor_min_iou, float(ious.min()))
        rep.anchor_max_score_diff = max(rep.anchor_max_score_diff, float(np.abs(st[cand] - so[cand]).max()))
        ct, co = t[4:, cand].argmax(0), o[4:, cand].argmax(0)
        clear = np.abs(np.sort(t[4:, cand], 0)[-1] - np.sort(t[4:, cand], 0)[-2]) > SCORE_TOL if t.shape[0] > 5 \
            else np.ones(len(ct), bool)
        rep.anchor_class_flips += int(((ct != co) & clear).sum())


def load_torch_model(weights: Path):
    """The float32 eval-mode nn.Module of an ultralytics checkpoint (CPU)."""
    from camdetect.env import configure_offline_ultralytics

    configure_offline_ultralytics()
    from ultralytics import YOLO

    return YOLO(str(weights)).model.float().eval()


def run_parity(onnx_path: Path, weights: Path, shared_data: Path | None = None, n_synthetic: int = 16,
               n_real: int = 16, conf: float | None = None, iou: float | None = None) -> ParityReport:
    """Parity on synthetic views and (when present) real street scenes and Open Images photos."""
    from camdetect.scoring.detector import OnnxDetector

    detector = OnnxDetector(onnx_path, batch=8)
    conf = detector.conf if conf is None else conf
    iou = detector.iou if iou is None else iou
    torch_model = load_torch_model(weights)
    report = ParityReport(str(onnx_path), str(weights), conf, iou)
    report.sets.append(compare_set("synthetic views", synthetic_views(n_synthetic, max(detector.imgsz)),
                                   torch_model, detector, conf, iou))
    if shared_data is not None:
        for sub in ("street-scenes", "open-images-cameras-voc"):
            folder = Path(shared_data) / sub
            if folder.is_dir():
                images = real_images(folder, n_real)
                if images:
                    report.sets.append(compare_set(sub, images, torch_model, detector, conf, iou))
    return report


def write_report(report: ParityReport, out_base: str | os.PathLike) -> tuple[Path, Path]:
    """``<base>.parity.json`` and ``<base>.parity.md`` beside the model."""
    base = Path(out_base)
    js, md = base.with_suffix(".parity.json"), base.with_suffix(".parity.md")
    js.write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    md.write_text(report.to_markdown(), encoding="utf-8")
    return js, md
