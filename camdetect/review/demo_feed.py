"""Fill a review store from a synthetic city's truth: a stand-in for a perfect-ish model, for demos,
screenshots and trying the app without a trained detector (``camdetect review demo-feed``).

Every true camera and every look-alike becomes a suggestion on the default-plan view that shows it
best (closest to the view centre); cameras get scores in 0.45-0.95, look-alikes 0.25-0.6, boxes are
jittered by a pixel or two, and a share of the model's type guesses is wrong -- so reviewers have
real work. The views are cut with camdetect.geometry and written to the media folder; each
panorama's other views are registered as spot-check candidates (``meta["view_images"]``).
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

from camdetect.records import Suggestion
from camdetect.store import Store

from .views import ViewWriter


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def feed_from_synth(city: Path, store: Store, media: Path, limit: int = 0, seed: int = 0,
                    model: str = "synth-truth", progress: bool = True) -> int:
    """Returns the number of suggestions inserted."""
    import cv2
    from tqdm import tqdm

    from camdetect.geometry import ViewPlan, pano_box_to_view_box, plan_views

    manifest = _rows(city / "manifest.csv")
    if not manifest:
        raise FileNotFoundError(f"{city / 'manifest.csv'}: not found or empty (make one with camdetect synth)")
    truth = _rows(city / "truth" / "cameras.csv")
    looks = _rows(city / "truth" / "lookalikes.csv")
    by_pano: dict[str, list[tuple[dict, bool]]] = {}
    for r in truth:
        by_pano.setdefault(r["image"], []).append((r, True))
    for r in looks:
        by_pano.setdefault(r["image"], []).append((r, False))
    plan = ViewPlan()
    rng = random.Random(seed)
    rows = [r for r in manifest if r.get("kind", "panorama") == "panorama"]
    if limit:
        rows = rows[:limit]
    done = store.done_images(model)
    n = 0
    for row in tqdm(rows, desc="demo-feed", unit="pano", disable=not progress):
        pano_id = row["pano_id"]
        if pano_id in done:
            continue
        pano = cv2.imread(str(city / row["image_path"]), cv2.IMREAD_COLOR)
        if pano is None:
            raise ValueError(f"{city / row['image_path']}: cannot read panorama")
        H, W = pano.shape[:2]
        pano_heading = float(row.get("pano_heading") or 0.0)
        lat, lon = float(row.get("lat") or "nan"), float(row.get("lon") or "nan")
        views = plan_views(pano_id, plan)
        writer = ViewWriter(pano, pano_id, pano_heading, media, model)

        sugg: list[Suggestion] = []
        for obj, real in by_pano.get(pano_id, []):
            box = [float(obj[k]) for k in ("x1", "y1", "x2", "y2")]
            best = None
            for i, view in enumerate(views):
                vb = pano_box_to_view_box(view, box, W, H, pano_heading)
                if vb is None:
                    continue
                x1, y1, x2, y2 = (float(v) for v in vb)
                if x1 < 2 or y1 < 2 or x2 > view.width - 2 or y2 > view.height - 2:
                    continue
                off = math.hypot((x1 + x2) / 2 - view.width / 2, (y1 + y2) / 2 - view.height / 2)
                if best is None or off < best[0]:
                    best = (off, i, view, (x1, y1, x2, y2))
            if best is None:
                continue
            _, i, view, (x1, y1, x2, y2) = best
            j = [rng.uniform(-1.5, 1.5) for _ in range(4)]
            score = rng.uniform(0.45, 0.95) if real else rng.uniform(0.25, 0.6)
            typ = obj["type"] if real and obj["type"] in ("dome", "bullet") else rng.choice(["dome", "bullet"])
            if real and rng.random() < 0.2:
                typ = "bullet" if typ == "dome" else "dome"
            mount = obj.get("mount") or "other"
            key = f"{model}|{pano_id}|{obj['camera_id']}"
            sugg.append(Suggestion(key=key, intersection=row.get("intersection_id") or pano_id, pano_id=pano_id,
                                   image_path=writer.path(i, view), view_heading=view.heading, view_pitch=view.pitch,
                                   view_fov=view.fov, image_width=view.width, image_height=view.height,
                                   x1=x1 + j[0], y1=y1 + j[1], x2=x2 + j[2], y2=y2 + j[3], score=round(score, 3),
                                   type=typ, mount=mount if mount in ("street_furniture", "building", "other") else "other",
                                   heading=float(obj.get("heading") or "nan"), pitch=float(obj.get("pitch") or "nan"),
                                   lat=lat, lon=lon, model=model))
        empty = [{"image_path": writer.path(i, v), "pano_id": pano_id, "intersection": row.get("intersection_id") or pano_id,
                  "view_heading": v.heading, "view_pitch": v.pitch, "view_fov": v.fov, "width": v.width,
                  "height": v.height, "lat": lat, "lon": lon}
                 for i, v in enumerate(views) if i not in writer.cut and rng.random() < 0.2]
        n += store.record_image(pano_id, model, sugg, {"area": row.get("area") or "", "view_images": empty,
                                                       "source": "synth truth"})
    return n
