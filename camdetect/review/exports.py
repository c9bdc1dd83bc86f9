"""Reviews -> the labels consensus -> verified cameras, and the exports built from them.

One consensus implementation: answers become :class:`~camdetect.records.Tag` rows
(``source="review"``) and go through :func:`camdetect.labels.consensus.run_consensus`, the same code
that combines Decoders volunteers. Mapping:

- only retired suggestions count (their k answers, or the early-retirement quorum, are in);
- a suggestion task is its own small "image" (``<view path>#s<suggestion id>``): every yes/no answer
  is a ``seen`` row, a yes is also a ``tag`` row with the (adjusted) box, type and mount; "not sure"
  abstains (neither). So the keep rule (majority by default) votes per suggestion;
- a spot-check task is the whole view (``<view path>``): ``seen`` for the volunteer, a ``tag`` per
  box drawn; a camera drawn during a suggestion task ("the model missed one") is a ``tag`` on the
  whole view too, seen by whoever drew it.
"""

from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from camdetect.records import Camera, Suggestion, Tag, View, write_table
from camdetect.store import Store
from camdetect.store.models import AddedBox, Answer, SuggestionRow, User, ViewRow
from camdetect.taxonomy import load_taxonomy

from .config import ReviewConfig

PLACEMENT_M = 8.0  # metres from the panorama along the bearing where a camera marker is drawn


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _f(v) -> float:
    return math.nan if v is None else float(v)


def base_image(image: str) -> str:
    """``path#s12`` -> ``path`` (the view image a consensus camera lives on)."""
    return image.split("#s", 1)[0]


def review_tags(store: Store) -> list[Tag]:
    """Every answer and drawn box as Tag rows (the input of the consensus)."""
    tags: list[Tag] = []
    with store.read() as s:
        views = {v.id: v for v in s.scalars(select(ViewRow))}
        users = dict(s.execute(select(User.id, User.username)).all())
        # only finished (retired) suggestions: a single early "yes" is not a verified camera yet
        sugg = {r.id: r for r in s.scalars(select(SuggestionRow).where(SuggestionRow.status == "retired"))}
        answers = list(s.scalars(select(Answer).order_by(Answer.id)))
        added = list(s.scalars(select(AddedBox).order_by(AddedBox.id)))
    by_answer = {a.id: a for a in answers}

    def base(v: ViewRow, image: str, who: str, tag_id: str, kind: str, t: float) -> Tag:
        return Tag(source="review", image=image, annotator=who, tag_id=tag_id, kind=kind,
                   image_width=v.width, image_height=v.height, view_heading=_f(v.view_heading),
                   view_pitch=_f(v.view_pitch), view_fov=_f(v.view_fov), intersection=v.intersection,
                   time=_iso(t))

    for a in answers:
        v, who = views[a.view_id], users.get(a.user_id, f"user{a.user_id}")
        if a.kind == "suggestion":
            sg = sugg.get(a.suggestion_id)
            if a.answer not in ("yes", "no") or sg is None:
                continue
            image = f"{v.image_path}#s{sg.id}"
            tags.append(base(v, image, who, f"a{a.id}", "seen", a.created_at))
            if a.answer == "yes":
                t = base(v, image, who, f"a{a.id}", "tag", a.created_at)
                t.x1, t.y1, t.x2, t.y2 = (sg.x1, sg.y1, sg.x2, sg.y2) if a.x1 is None else (a.x1, a.y1, a.x2, a.y2)
                t.type, t.mount = a.type or sg.type, a.mount or sg.mount
                t.raw_type, t.raw_mount = t.type, t.mount
                t.score = sg.score
                tags.append(t)
        else:
            tags.append(base(v, v.image_path, who, f"a{a.id}", "seen", a.created_at))
    seen_full = {(t.image, t.annotator) for t in tags if t.kind == "seen"}
    for b in added:
        v, who = views[b.view_id], users.get(b.user_id, f"user{b.user_id}")
        if (v.image_path, who) not in seen_full:
            tags.append(base(v, v.image_path, who, f"b{b.id}", "seen", b.created_at))
            seen_full.add((v.image_path, who))
        t = base(v, v.image_path, who, f"b{b.id}", "tag", b.created_at)
        t.x1, t.y1, t.x2, t.y2, t.type, t.mount = b.x1, b.y1, b.x2, b.y2, b.type, b.mount
        t.raw_type, t.raw_mount = b.type, b.mount
        tags.append(t)
    _ = by_answer
    return tags


@dataclass
class Verified:
    """The consensus over all reviews: cameras (on view images), the raw tags, agreement per user."""

    cameras: list[Camera]
    tags: list[Tag]
    views: dict[str, ViewRow]
    agreement: dict[str, float] = field(default_factory=dict)  # username -> share agreeing with consensus
    decided: dict[str, bool] = field(default_factory=dict)  # consensus image key -> camera kept


def verified(store: Store, cfg: ReviewConfig | None = None, max_age: float = 10.0) -> Verified:
    """Run the labels consensus over the reviews (cached for ``max_age`` s per store)."""
    from camdetect.labels.consensus import ConsensusConfig, run_consensus

    hit = getattr(store, "_verified_cache", None)
    if hit and time.time() - hit[0] < max_age:
        return hit[1]
    tags = review_tags(store)
    result = run_consensus(tags, ConsensusConfig())
    kept_images = {c.image for c in result.candidates if c.kept}
    with store.read() as s:
        views = {v.image_path: v for v in s.scalars(select(ViewRow))}
    cameras = []
    for cam in result.cameras:
        cam.image = base_image(cam.image)
        cameras.append(cam)
    # agreement: each yes/no answer on a suggestion vs whether the consensus kept a camera there
    decided = {t.image: (t.image in kept_images) for t in tags if "#s" in t.image}
    said_yes = {(t.image, t.annotator) for t in tags if t.kind == "tag" and "#s" in t.image}
    hits: dict[str, list[int]] = {}
    for t in tags:
        if t.kind == "seen" and "#s" in t.image:
            ok = ((t.image, t.annotator) in said_yes) == decided[t.image]
            hits.setdefault(t.annotator, []).append(int(ok))
    agreement = {a: sum(v) / len(v) for a, v in hits.items()}
    out = Verified(cameras, tags, views, agreement, decided)
    store._verified_cache = (time.time(), out)
    return out


def camera_position(cam: Camera, view: ViewRow | None) -> tuple[float, float, float] | None:
    """(lat, lon, bearing) of a verified camera: the panorama position moved PLACEMENT_M metres along the
    bearing of the box centre (an approximation: the distance is unknown from one view)."""
    if view is None or view.lat is None or view.lon is None:
        return None
    bearing = math.nan
    if None not in (view.view_heading, view.view_pitch, view.view_fov) and view.width:
        from camdetect.geometry import view_to_angles

        v = View(view.pano_id, view.view_heading, view.view_pitch, view.view_fov, view.width, view.height)
        h, _p = view_to_angles(v, (cam.x1 + cam.x2) / 2.0, (cam.y1 + cam.y2) / 2.0)
        bearing = float(h) % 360.0
    if math.isnan(bearing):
        return view.lat, view.lon, math.nan
    from camdetect.geometry.earth import offset_latlon

    b = math.radians(bearing)
    lat, lon = offset_latlon(view.lat, view.lon, PLACEMENT_M * math.sin(b), PLACEMENT_M * math.cos(b))
    return lat, lon, bearing


def geojson(v: Verified) -> dict:
    """FeatureCollection of verified cameras with OpenStreetMap tags (taxonomy.osm_tags)."""
    tax = load_taxonomy()
    feats = []
    for cam in v.cameras:
        pos = camera_position(cam, v.views.get(cam.image))
        geom = None if pos is None else {"type": "Point", "coordinates": [round(pos[1], 7), round(pos[0], 7)]}
        props = {"camera_id": cam.camera_id, "image": cam.image, "intersection": cam.intersection,
                 "type": cam.type, "mount": cam.mount, "n_tags": cam.n_tags, "n_annotators": cam.n_annotators,
                 "agreement": cam.agreement,
                 "confidence": None if math.isnan(cam.confidence) else round(cam.confidence, 4),
                 "bearing": None if pos is None or math.isnan(pos[2]) else round(pos[2], 1),
                 "box": [round(x, 1) for x in (cam.x1, cam.y1, cam.x2, cam.y2)],
                 "osm_tags": tax.osm_tags(cam.type, cam.mount)}
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": feats}


def located_geojson(v: Verified) -> dict:
    """Verified cameras placed on the map by camdetect.citymap: a camera seen from two or more panoramas
    is triangulated from the bearings (a Point with an uncertainty radius), one seen once is a bearing
    line from its panorama. OSM tags on every feature; ``camdetect:suggestions`` holds the camera ids."""
    from camdetect.citymap.geojson import cameras_geojson

    sightings = []
    for cam in v.cameras:
        view = v.views.get(cam.image)
        pos = camera_position(cam, view)
        if view is None or pos is None or math.isnan(pos[2]):
            continue
        sightings.append(Suggestion(
            key=cam.camera_id, intersection=cam.intersection, pano_id=view.pano_id or view.intersection,
            image_path=cam.image, view_heading=_f(view.view_heading), view_pitch=_f(view.view_pitch),
            view_fov=_f(view.view_fov), image_width=view.width, image_height=view.height,
            x1=cam.x1, y1=cam.y1, x2=cam.x2, y2=cam.y2,
            score=1.0 if math.isnan(cam.confidence) else cam.confidence, type=cam.type, mount=cam.mount,
            heading=pos[2], lat=view.lat, lon=view.lon))
    return cameras_geojson(sightings)


def verified_tags(v: Verified) -> list[Tag]:
    """The retraining loop's Tag table: one ``tag`` per verified camera (annotator ``review``) and a
    ``seen`` row per reviewed view (so views without cameras become known negatives)."""
    out: list[Tag] = []
    for image in sorted({base_image(t.image) for t in v.tags}):
        vw = v.views.get(image)
        out.append(Tag(source="review", image=image, annotator="review", kind="seen",
                       image_width=vw.width if vw else 0, image_height=vw.height if vw else 0,
                       view_heading=_f(vw.view_heading) if vw else math.nan,
                       view_pitch=_f(vw.view_pitch) if vw else math.nan,
                       view_fov=_f(vw.view_fov) if vw else math.nan, intersection=vw.intersection if vw else ""))
    for cam in v.cameras:
        out.append(Tag(source="review", image=cam.image, annotator="review", tag_id=cam.camera_id, kind="tag",
                       type=cam.type, mount=cam.mount, mount_detail=cam.mount_detail,
                       x1=cam.x1, y1=cam.y1, x2=cam.x2, y2=cam.y2, image_width=cam.image_width,
                       image_height=cam.image_height, view_heading=cam.view_heading, view_pitch=cam.view_pitch,
                       view_fov=cam.view_fov, intersection=cam.intersection, score=cam.confidence))
    return out


def tags_csv_text(v: Verified) -> str:
    from dataclasses import fields

    from camdetect.records import _format

    buf = io.StringIO()
    w = csv.writer(buf)
    names = [f.name for f in fields(Tag)]
    w.writerow(names)
    for t in verified_tags(v):
        w.writerow([_format(getattr(t, n)) for n in names])
    return buf.getvalue()


def write_exports(store: Store, out: Path, formats: list[str], media: Path | None = None,
                  cfg: ReviewConfig | None = None) -> dict[str, str]:
    """Write the chosen exports into ``out``; returns {format: path}. Formats: tags, reviews,
    cameras, geojson, located (cameras placed by bearing intersection), coco, yolo."""
    from camdetect.citymap.geojson import write_geojson

    allowed = {"tags", "reviews", "cameras", "geojson", "located", "coco", "yolo"}
    bad = [f for f in formats if f not in allowed]
    if bad:
        raise ValueError(f"unknown export format(s) {', '.join(bad)}; choose from {', '.join(sorted(allowed))}")
    out.mkdir(parents=True, exist_ok=True)
    v = verified(store, cfg, max_age=0.0)
    done: dict[str, str] = {}
    if "tags" in formats:
        write_table(out / "tags.csv", verified_tags(v), Tag)
        done["tags"] = str(out / "tags.csv")
    if "reviews" in formats:
        write_table(out / "reviews.csv", v.tags, Tag)
        done["reviews"] = str(out / "reviews.csv")
    if "cameras" in formats:
        write_table(out / "cameras.csv", v.cameras, Camera)
        done["cameras"] = str(out / "cameras.csv")
    for fmt, name, make in (("geojson", "cameras.geojson", geojson), ("located", "located.geojson", located_geojson)):
        if fmt in formats:
            write_geojson(out / name, make(v))
            done[fmt] = str(out / name)
    boxes = [t for t in verified_tags(v) if t.kind == "tag"]
    if "coco" in formats or "yolo" in formats:
        from camdetect.labels.exporters import export_labels

        if "coco" in formats:
            export_labels("coco", boxes, out / "coco.json", images=media)
            done["coco"] = str(out / "coco.json")
        if "yolo" in formats:
            export_labels("yolo", boxes, out / "yolo", images=media)
            done["yolo"] = str(out / "yolo")
    return done
