"""Candidates in dispute as review tasks: lean crowdsourcing's last step, live (``camdetect review verify-feed``).

The volunteers' full searches leave candidates that a minority tagged (``labels consensus --doubtful``). Each
becomes one suggestion in the review store, on the default-plan view that shows its direction best, with a box
from its own box or the size prior of its type; volunteers answer "is this a camera?" in the app as for any
suggestion, ``review export`` turns the answers into verified cameras, and ``labels consensus --verified``
adds those to the majority's cameras (docs/labels_consensus.md). ``labels.model_voter.lean_consensus`` is the
same rule simulated in one process.
"""

from __future__ import annotations

import math
from pathlib import Path

from camdetect.records import Camera, Suggestion
from camdetect.store import Store

from .views import ViewWriter

MODEL = "verify"


def feed_candidates(candidates: list[Camera], panoramas: Path, store: Store, media: Path, model: str = MODEL,
                    progress: bool = True) -> int:
    """One suggestion per candidate whose panorama is in ``panoramas`` (manifest or folder); returns how many
    were added. A candidate on a panorama the manifest lacks is a one-line error naming it."""
    import cv2
    from tqdm import tqdm

    from camdetect.dataset.sources import load_panoramas, to_sphere
    from camdetect.geometry import ViewPlan, best_view, plan_views, sphere_box_to_view

    panos = {p.pano_id: p for p in load_panoramas(panoramas)}
    by_pano: dict[str, list[Camera]] = {}
    for c in candidates:
        if c.image not in panos:
            raise ValueError(f"{panoramas}: no panorama {c.image} (candidate {c.camera_id})")
        by_pano.setdefault(c.image, []).append(c)
    plan, done, n = ViewPlan(), store.done_images(model), 0
    for pano_id in tqdm(sorted(by_pano), desc="verify-feed", unit="pano", disable=not progress):
        if pano_id in done:
            continue
        p = panos[pano_id]
        img = cv2.imread(str(p.path), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f"{p.path}: cannot read panorama")
        views = plan_views(pano_id, plan)
        writer = ViewWriter(img, pano_id, p.pano_heading, media, model)
        sugg: list[Suggestion] = []
        for c in by_pano[pano_id]:
            sc = to_sphere(c, img.shape[1], img.shape[0], p.pano_heading, where=str(pano_id))
            i = best_view(views, sc.heading, sc.pitch)
            box = None if i is None else sphere_box_to_view(views[i], sc.heading, sc.pitch, sc.ang_w, sc.ang_h)
            if box is None:
                continue  # outside every planned view: nothing to show a volunteer
            v = views[i]
            x1, y1, x2, y2 = (float(b) for b in box)
            score = c.confidence if math.isfinite(c.confidence) else 0.5
            sugg.append(Suggestion(key=f"{model}|{pano_id}|{c.camera_id}", intersection=c.intersection or p.intersection,
                                   pano_id=pano_id, image_path=writer.path(i, v), view_heading=v.heading,
                                   view_pitch=v.pitch, view_fov=v.fov, image_width=v.width, image_height=v.height,
                                   x1=x1, y1=y1, x2=x2, y2=y2, score=round(float(score), 3), type=c.type,
                                   mount=c.mount, heading=sc.heading, pitch=sc.pitch, lat=p.lat, lon=p.lon,
                                   model=model))
        n += store.record_image(pano_id, model, sugg, {"source": "consensus candidates in dispute",
                                                       "view_images": []})
    return n


__all__ = ["MODEL", "feed_candidates"]
