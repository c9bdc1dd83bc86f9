"""Point tags -> camera-sized boxes, with the current detector's help.

Decoders volunteers tag a direction, not a box, so every crowd camera gets the size prior's box
(:mod:`camdetect.labels.size_prior`): about 1.3 degrees whatever the camera's distance. Truth boxes of the
synthetic city span 8-27 px (p10-p90) in the 640 px / 48 deg views where the prior draws 15-19 px, so only
27 % of the crowd's training boxes overlap their camera at IoU >= 0.5 and a detector trained on them learns one
box size (docs/labels_consensus.md, "Boxes the detector sizes"). The volunteers already said *where*; a detector only has
to say *how big*: for each point-only camera this cuts a view centred on it at the detector's training scale,
and takes the best detection whose centre lies in the prior box (grown by ``grow``) as the camera's box. A
camera the detector sees nothing at keeps its prior box. Refined rows stay ``weak`` (no person drew them).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from camdetect.records import Camera, Detections, View


@dataclass(frozen=True)
class RefineConfig:
    """How a point camera's box is looked for."""

    conf: float = 0.01   # detections this weak still place a box well: the volunteers already said a camera is there
    grow: float = 0.25   # the prior box grown by this share of its side on each side must hold the detection's centre
    # A detection whose sqrt(area) is outside these multiples of the prior's is something else (a pole, a lamp).
    min_scale: float = 0.25
    max_scale: float = 4.0

    def __post_init__(self) -> None:
        if not (0.0 <= self.conf < 1.0 and self.grow >= 0.0 and 0.0 < self.min_scale <= 1.0 <= self.max_scale):
            raise ValueError("conf in [0, 1), grow >= 0 and 0 < min_scale <= 1 <= max_scale")


@dataclass
class RefineStats:
    """What refining did; written next to the refined table."""

    cameras: int = 0
    point_cameras: int = 0    # cameras without a drawn box: the ones looked at
    refined: int = 0          # got the detector's box
    kept_prior: int = 0       # nothing found near the point: the prior box stays
    no_panorama: int = 0      # image not among the panoramas given: left as it is
    median_scale: float = math.nan  # sqrt(area) of refined boxes / the prior's

    def as_dict(self) -> dict:
        return asdict(self)


def is_point_camera(cam: Camera) -> bool:
    """A camera whose box would come from the size prior (no drawn box, a direction)."""
    from camdetect.dataset.sources import has_box

    return not has_box(cam) and math.isfinite(cam.heading) and math.isfinite(cam.pitch)


def crop_view(cam: Camera, size: int, px_per_deg: float) -> View:
    """A ``size`` px square view centred on the camera at ``px_per_deg`` (the detector's training scale)."""
    return View(cam.image, float(cam.heading), float(cam.pitch), size / px_per_deg, size, size)


def pick_box(prior: np.ndarray, dets: Detections, config: RefineConfig) -> tuple[np.ndarray, float] | None:
    """The highest-scoring detection whose centre lies in the grown prior box and whose size is plausible."""
    if not len(dets):
        return None
    w, h = prior[2] - prior[0], prior[3] - prior[1]
    lo = (prior[0] - config.grow * w, prior[1] - config.grow * h)
    hi = (prior[2] + config.grow * w, prior[3] + config.grow * h)
    xy = dets.xyxy.astype(float)
    cx, cy = (xy[:, 0] + xy[:, 2]) / 2, (xy[:, 1] + xy[:, 3]) / 2
    scale = np.sqrt(np.clip(xy[:, 2] - xy[:, 0], 0, None) * np.clip(xy[:, 3] - xy[:, 1], 0, None) / max(w * h, 1e-9))
    ok = ((cx >= lo[0]) & (cx <= hi[0]) & (cy >= lo[1]) & (cy <= hi[1])
          & (scale >= config.min_scale) & (scale <= config.max_scale) & (dets.scores >= config.conf))
    if not ok.any():
        return None
    j = int(np.argmax(np.where(ok, dets.scores, -np.inf)))
    return xy[j], float(scale[j])


def refine_cameras(cameras: Sequence[Camera], load: Callable[[str], tuple[np.ndarray, float] | None],
                   predict: Callable[[list[np.ndarray]], list[Detections]], size: int, px_per_deg: float,
                   config: RefineConfig | None = None,
                   on_image: Callable[[], None] | None = None) -> tuple[list[Camera], RefineStats]:
    """Every point camera with the detector's box where it finds one (see the module docstring).

    ``load(image) -> (BGR panorama, pano_heading)`` or None when the image is not a known panorama;
    ``predict(crops) -> detections`` in crop pixels (e.g. ``OnnxDetector.predict`` at ``config.conf``).
    """
    from camdetect.dataset.sources import point_size
    from camdetect.geometry import cut_view, sphere_box_to_view, view_box_to_sphere

    config = config or RefineConfig()
    stats = RefineStats(cameras=len(cameras))
    out = list(cameras)
    by_image: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cameras):
        if is_point_camera(c):
            by_image[c.image].append(i)
    stats.point_cameras = sum(map(len, by_image.values()))
    scales: list[float] = []
    for image, idx in sorted(by_image.items()):
        loaded = load(image)
        if loaded is None:
            stats.no_panorama += len(idx)
            if on_image is not None:
                on_image()
            continue
        pano, pano_heading = loaded
        views = [crop_view(cameras[i], size, px_per_deg) for i in idx]
        dets = predict([cut_view(pano, v, pano_heading) for v in views])
        for i, view, d in zip(idx, views, dets):
            cam = cameras[i]
            prior = sphere_box_to_view(view, cam.heading, cam.pitch, *point_size(cam.type))
            found = pick_box(np.asarray(prior, float), d, config) if prior is not None else None
            if found is None:
                stats.kept_prior += 1
                continue
            box, scale = found
            heading, pitch, _, _ = view_box_to_sphere(view, box)
            out[i] = replace(cam, heading=heading, pitch=pitch, x1=float(box[0]), y1=float(box[1]), x2=float(box[2]),
                             y2=float(box[3]), image_width=size, image_height=size, view_heading=view.heading,
                             view_pitch=view.pitch, view_fov=view.fov, weak=True)
            stats.refined += 1
            scales.append(scale)
        if on_image is not None:
            on_image()
    stats.median_scale = float(np.median(scales)) if scales else math.nan
    return out, stats


def iou_with_truth(cameras: Sequence[Camera], truth: Sequence[Camera], match_deg: float = 3.0) -> np.ndarray:
    """Per camera, the IoU of its box with the truth camera it matches (Hungarian on direction within
    ``match_deg``, as the consensus is scored), 0 for a camera that matches none. Both boxes are drawn in a
    view of the default plan's size (640 px, 48 deg) centred on the truth camera, so IoU is measured where a
    detector would see them."""
    from camdetect.dataset.sources import to_sphere
    from camdetect.geometry import ViewPlan, sphere_box_to_view
    from camdetect.geometry.overlap import box_iou

    from .evaluate_consensus import match_image

    by_image: dict[str, list[Camera]] = defaultdict(list)
    for t in truth:
        by_image[t.image].append(t)
    pred_by_image: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cameras):
        pred_by_image[c.image].append(i)
    plan = ViewPlan()
    out = np.zeros(len(cameras))
    for image, idx in pred_by_image.items():
        pred = [cameras[i] for i in idx]
        for a, b in match_image(pred, by_image.get(image, []), match_deg):
            t = to_sphere(by_image[image][b])
            view = View(image, t.heading, t.pitch, plan.fov, plan.width, plan.height)
            boxes = [sphere_box_to_view(view, s.heading, s.pitch, s.ang_w, s.ang_h) for s in (to_sphere(pred[a]), t)]
            if boxes[0] is not None and boxes[1] is not None:
                out[idx[a]] = float(box_iou(np.asarray([boxes[0]]), np.asarray([boxes[1]]))[0, 0])
    return out


def panorama_loader(panoramas: Iterable) -> Callable[[str], tuple[np.ndarray, float] | None]:
    """``load(image)`` over :class:`camdetect.dataset.sources.Panorama` rows (decoded on demand)."""
    from camdetect.dataset.build import read_bgr

    by_id = {p.pano_id: p for p in panoramas}

    def load(image: str) -> tuple[np.ndarray, float] | None:
        p = by_id.get(image)
        return None if p is None else (read_bgr(p.path), p.pano_heading)

    return load


__all__ = ["RefineConfig", "RefineStats", "crop_view", "iou_with_truth", "is_point_camera", "panorama_loader",
           "pick_box", "refine_cameras"]
