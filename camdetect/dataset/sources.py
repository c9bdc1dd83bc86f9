"""Inputs of `camdetect dataset build`: panoramas (manifest or folder), photos, and camera boxes on the sphere.

Every camera is carried as a *sphere box* (heading, pitch, ang_w, ang_h) so it can be projected into
any view of its panorama (camdetect.geometry). Where the box comes from, in order:

1. a box on the panorama (x1..y2 finite, ``view_fov`` NaN): :func:`pano_box_to_sphere`;
2. a box on a view (``view_heading/pitch/fov`` finite): :func:`view_box_to_sphere`;
3. a point only (heading, pitch): the size prior ``camdetect.labels.size_prior.point_box`` when that
   module exists, else :data:`FALLBACK_ANGULAR_SIZE` -- the box is then *weak*.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from camdetect.geometry import pano_box_to_sphere, view_box_to_sphere
from camdetect.records import CAMERA_COLUMNS, Camera, Tag, View, read_table

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")

# Angular size (ang_w, ang_h degrees) of a point-only camera when labels.size_prior is absent.
# From Stanford's 640 px / 90 deg Street View boxes (CAMERAS.md): median dome 12x9 px, bullet 8x9 px,
# all 9x9 px; 640 px / 90 deg = 7.1 px per degree.
FALLBACK_ANGULAR_SIZE = {"dome": (1.69, 1.27), "bullet": (1.13, 1.27), "unknown": (1.27, 1.27)}


@dataclass
class Panorama:
    """One equirectangular panorama to cut views from."""

    pano_id: str
    path: Path
    intersection: str
    lat: float = math.nan
    lon: float = math.nan
    pano_heading: float = 0.0


@dataclass
class SphereCamera:
    """One consensus camera as a sphere box, ready to project into views."""

    camera: Camera
    heading: float
    pitch: float
    ang_w: float
    ang_h: float
    weak: bool


@dataclass
class Photo:
    """A plain photo (not a panorama) with boxes in its own pixels."""

    key: str  # image key relative to the images folder
    path: Path
    group: str  # split group: photos of one group never go to two splits
    tags: list[Tag] = field(default_factory=list)


def _float(value: str | None, default: float = math.nan) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default


def _read_manifest_rows(path: Path) -> list[tuple[int, dict]]:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append((i, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{i}: bad JSON line: {exc.msg}") from None
        return rows
    with path.open(newline="", encoding="utf-8") as fh:
        return list(enumerate(csv.DictReader(fh), start=2))


def load_panoramas(src: str | os.PathLike) -> list[Panorama]:
    """Panoramas from a manifest (CSV/JSONL, panorama rows only) or a folder of images (id = file stem)."""
    src = Path(src)
    if not src.exists():
        raise FileNotFoundError(f"{src}: no such manifest or panorama folder")
    if src.is_dir():
        manifest = next((src / n for n in ("manifest.csv", "manifest.jsonl") if (src / n).is_file()), None)
        if manifest is None:
            files = sorted(p for p in src.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not files:
                raise ValueError(f"{src}: no manifest.csv and no panorama images")
            return [Panorama(p.stem, p, p.stem) for p in files]
        src = manifest
    out: list[Panorama] = []
    for line, r in _read_manifest_rows(src):
        if "pano_id" not in r or "image_path" not in r:
            raise ValueError(f"{src}:{line}: manifest row needs pano_id and image_path")
        if (r.get("kind") or "panorama") != "panorama":
            continue
        path = (src.parent / str(r["image_path"])).resolve()
        pano_id = str(r["pano_id"])
        out.append(Panorama(pano_id, path, str(r.get("intersection_id") or pano_id),
                            _float(r.get("lat")), _float(r.get("lon")), _float(r.get("pano_heading"), 0.0)))
    if not out:
        raise ValueError(f"{src}: no panorama rows (kind=panorama)")
    return out


def load_cameras(path: str | os.PathLike) -> list[Camera]:
    """A Camera table; a Tag table is accepted too (each ``kind == "tag"`` row becomes one camera)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such camera table")
    with path.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), [])
    if "camera_id" in header:
        return read_table(path, Camera)
    if "annotator" in header and "kind" in header:
        cams = []
        for i, t in enumerate(read_table(path, Tag)):
            if t.kind != "tag":
                continue
            cams.append(Camera(camera_id=t.tag_id or f"tag{i}", image=t.image, intersection=t.intersection,
                               heading=t.heading, pitch=t.pitch, x1=t.x1, y1=t.y1, x2=t.x2, y2=t.y2,
                               image_width=t.image_width, image_height=t.image_height,
                               view_heading=t.view_heading, view_pitch=t.view_pitch, view_fov=t.view_fov,
                               type=t.type, mount=t.mount, mount_detail=t.mount_detail, n_tags=1,
                               weak=t.weak, annotators=t.annotator))
        return cams
    raise ValueError(f"{path}:1: not a Camera or Tag table (expected columns like {', '.join(CAMERA_COLUMNS[:4])})")


def point_size(type_: str) -> tuple[float, float]:
    """Angular (w, h) for a point-only camera: labels.size_prior when built, else the fallback table."""
    try:
        from camdetect.labels.size_prior import point_box  # type: ignore[import-not-found]
    except ImportError:
        return FALLBACK_ANGULAR_SIZE.get(type_, FALLBACK_ANGULAR_SIZE["unknown"])
    w, h = point_box(type_)[:2]
    return float(w), float(h)


def has_box(cam: Camera) -> bool:
    """The camera row holds a box (x1..y2 finite); otherwise only its direction says where it is."""
    return all(math.isfinite(v) for v in (cam.x1, cam.y1, cam.x2, cam.y2))


def to_sphere(cam: Camera, pano_width: int = 0, pano_height: int = 0, pano_heading: float = 0.0,
              where: str = "") -> SphereCamera:
    """The sphere box of one camera (see module docstring for the three cases)."""
    boxed = has_box(cam)
    if boxed and math.isfinite(cam.view_fov):
        view = View(cam.image, cam.view_heading, cam.view_pitch, cam.view_fov, cam.image_width, cam.image_height)
        h, p, aw, ah = view_box_to_sphere(view, (cam.x1, cam.y1, cam.x2, cam.y2))
        return SphereCamera(cam, h, p, aw, ah, bool(cam.weak))
    if boxed:
        W = cam.image_width or pano_width
        H = cam.image_height or pano_height
        if not W or not H:
            raise ValueError(f"{where}: camera {cam.camera_id} has a panorama box but no image size")
        h, p, aw, ah = pano_box_to_sphere((cam.x1, cam.y1, cam.x2, cam.y2), W, H, pano_heading)
        return SphereCamera(cam, h, p, aw, ah, bool(cam.weak))
    if math.isfinite(cam.heading) and math.isfinite(cam.pitch):
        aw, ah = point_size(cam.type)
        return SphereCamera(cam, cam.heading, cam.pitch, aw, ah, True)
    raise ValueError(f"{where}: camera {cam.camera_id} has neither a box nor a heading/pitch")


def photo_group(key: str) -> str:
    """Split group of a photo: Roboflow exports copy one source photo as ``NAME_jpg.rf.HASH.jpg`` (one per
    augmentation), so everything before ``.rf.`` is one group; other files are their own group."""
    name = Path(key).name
    return name.split(".rf.")[0] if ".rf." in name else Path(key).as_posix()


def load_photos(images: str | os.PathLike, tags_path: str | os.PathLike) -> list[Photo]:
    """Photos under ``images`` (keys relative to it) with the box tags of a Tag table on them.

    Images with a ``seen`` row and no box are negatives; tags whose image is missing are an error.
    """
    root = Path(images)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such image folder")
    tags_path = Path(tags_path)
    if not tags_path.is_file():
        raise FileNotFoundError(f"{tags_path}: no such tag table")
    files = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES}
    photos: dict[str, Photo] = {}
    for line, t in enumerate(read_table(tags_path, Tag), start=2):
        path = files.get(t.image)
        if path is None:
            raise ValueError(f"{tags_path}:{line}: image {t.image!r} not found under {root}")
        photo = photos.setdefault(t.image, Photo(t.image, path, t.intersection or photo_group(t.image)))
        if t.kind == "tag" and all(math.isfinite(v) for v in t.box):
            photo.tags.append(t)
    return sorted(photos.values(), key=lambda p: p.key)
