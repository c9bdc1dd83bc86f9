"""What to score: a folder of views, a folder of panoramas, or a manifest (CSV/JSONL, CONTRACTS);
and decoding one image file robustly (every failure is a counted reason, never a crash).
"""

from __future__ import annotations

import csv
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from camdetect.records import iter_jsonl

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
MANIFEST_COLUMNS = ["intersection_id", "pano_id", "lat", "lon", "image_path", "kind", "pano_heading",
                    "heading", "pitch", "fov"]
# 8192x4096 panoramas decode at full size; bigger JPEGs are decoded at a reduced DCT scale (draft),
# other formats are skipped: memory per decoded image stays <= 3 * MAX_PIXELS bytes.
MAX_PIXELS = 8192 * 4096 * 2


@dataclass(frozen=True)
class Job:
    """One input image: a view (scored as is) or a panorama (cut into the plan's views)."""

    key: str  # image key in the review store: path relative to the input root, or the pano id
    path: Path
    kind: str  # "view" | "panorama"
    intersection: str = ""
    pano_id: str = ""
    lat: float = math.nan
    lon: float = math.nan
    pano_heading: float = 0.0
    heading: float = math.nan  # view rows of a manifest: where the view looks
    pitch: float = math.nan
    fov: float = math.nan
    # a cropped panorama's place on its sphere (photo_meta.PhotoMeta.crop; () = the file is the whole sphere)
    crop: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()  # what discovery took from the file's metadata (photo_meta.PhotoMeta.notes)

    def __post_init__(self) -> None:  # rows that crossed Ray come back with lists
        object.__setattr__(self, "crop", tuple(float(v) for v in self.crop))
        object.__setattr__(self, "notes", tuple(str(v) for v in self.notes))


def _float(value, where: str, name: str, default: float = math.nan) -> float:
    if value is None or (isinstance(value, str) and value.strip() in ("", "nan", "NaN", "None")):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {name} is not a number: {value!r}") from None


def _manifest_rows(path: Path):
    if path.suffix.lower() == ".jsonl":
        yield from iter_jsonl(path)
    else:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {"image_path", "kind"} - set(reader.fieldnames or [])
            if missing:
                raise ValueError(f"{path}:1: manifest lacks column(s) {', '.join(sorted(missing))}")
            yield from enumerate(reader, start=2)


def read_manifest(path: str | os.PathLike) -> list[Job]:
    """Jobs from a manifest; image_path is relative to the manifest's folder; blank cells filled from the files."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: manifest not found")
    jobs: list[Job] = []
    seen: set[str] = set()
    for lineno, rec in _manifest_rows(path):
        where = f"{path}:{lineno}"
        image = str(rec.get("image_path") or "").strip()
        if not image:
            raise ValueError(f"{where}: empty image_path")
        kind = str(rec.get("kind") or "").strip().lower()
        if kind not in ("panorama", "view"):
            raise ValueError(f"{where}: kind must be 'panorama' or 'view', got {rec.get('kind')!r}")
        pano_id = str(rec.get("pano_id") or "").strip() or Path(image).stem
        heading = _float(rec.get("heading"), where, "heading")
        pitch = _float(rec.get("pitch"), where, "pitch")
        fov = _float(rec.get("fov"), where, "fov")
        if kind == "view" and not (math.isnan(heading) == math.isnan(pitch) == math.isnan(fov)):
            raise ValueError(f"{where}: a view row needs all of heading, pitch, fov or none")
        key = pano_id if kind == "panorama" else image
        if key in seen:
            raise ValueError(f"{where}: duplicate {'pano_id' if kind == 'panorama' else 'image_path'} {key!r}")
        seen.add(key)
        job = Job(key=key, path=(path.parent / image), kind=kind,
                  intersection=str(rec.get("intersection_id") or "").strip(), pano_id=pano_id,
                  lat=_float(rec.get("lat"), where, "lat"), lon=_float(rec.get("lon"), where, "lon"),
                  pano_heading=_float(rec.get("pano_heading"), where, "pano_heading"),
                  heading=heading, pitch=pitch, fov=fov)
        jobs.append(fill_from_file(job))
    return jobs


def fill_from_file(job: Job) -> Job:
    """A manifest row's blank cells from its file's own metadata (photo_meta): lat/lon (both blank) from EXIF GPS,
    a panorama's pano_heading from its Photo Sphere heading, and a cropped panorama's place on its sphere (a
    manifest has no column for it). What the manifest says always wins; a blank heading with nothing in the file
    stays 0 (the panorama's centre column faces north). Reads the file's header only (~1 ms)."""
    import dataclasses

    from camdetect.scoring.photo_meta import read_photo_meta

    no_position = math.isnan(job.lat) and math.isnan(job.lon)
    pano = job.kind == "panorama"
    fill: dict = {"pano_heading": 0.0 if math.isnan(job.pano_heading) else job.pano_heading}
    if not (no_position or pano):
        return dataclasses.replace(job, **fill)
    meta = read_photo_meta(job.path)  # defaults for a missing or unreadable file: decode reports it
    notes = []
    if no_position and not math.isnan(meta.lat):
        fill.update(lat=meta.lat, lon=meta.lon)
        notes.append("position-from-gps")
    if pano and math.isnan(job.pano_heading) and not math.isnan(meta.pano_heading):
        fill["pano_heading"] = meta.pano_heading
        notes.append("heading-from-xmp")
    if pano and meta.crop:
        fill["crop"] = meta.crop
        notes.append("cropped-panorama")
    return dataclasses.replace(job, notes=tuple(notes), **fill)


def looks_like_panorama(width: int, height: int) -> bool:
    """2:1 and at least 2048 px wide (an unreadable file's (0, 0) is not: decode_image reports it later)."""
    return width >= 2048 and abs(width - 2 * height) <= 2


def discover(source: str | os.PathLike, kind: str = "auto") -> list[Job]:
    """Jobs for a manifest file or a folder (``kind``: auto | view | panorama)."""
    source = Path(source)
    if kind not in ("auto", "view", "panorama"):
        raise ValueError(f"kind must be auto, view or panorama, got {kind!r}")
    if source.is_file():
        if source.suffix.lower() in (".csv", ".jsonl"):
            return read_manifest(source)
        raise ValueError(f"{source}: INPUT must be a folder of images or a manifest (.csv / .jsonl)")
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: no such folder or manifest")
    from camdetect.scoring.photo_meta import read_photo_meta

    files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTS)
    jobs = []
    for p in files:
        rel = p.relative_to(source).as_posix()
        meta = read_photo_meta(p)  # a Photo Sphere's heading, crop and GPS: a folder scores like a manifest
        k = kind if kind != "auto" else ("panorama" if meta.equirect or looks_like_panorama(*meta.size) else "view")
        pano = k == "panorama"
        jobs.append(Job(key=p.stem if pano else rel, path=p, kind=k, pano_id=p.stem,
                        intersection=p.stem if pano else "", lat=meta.lat, lon=meta.lon,
                        pano_heading=0.0 if not pano or math.isnan(meta.pano_heading) else meta.pano_heading,
                        crop=meta.crop if pano else (),
                        notes=meta.notes if pano else tuple(n for n in meta.notes if n == "position-from-gps")))
    return jobs


def decode_job(job: Job, max_pixels: int = MAX_PIXELS) -> Decoded:
    """:func:`decode_image` of a job's file; a cropped panorama comes back on its full canvas."""
    dec = decode_image(job.path, max_pixels)
    if dec.image is None or job.kind != "panorama" or len(job.crop) != 4:
        return dec
    from camdetect.scoring.photo_meta import uncrop

    return Decoded(uncrop(dec.image, job.crop, max_pixels), dec.reason, dec.notes)


@dataclass
class Decoded:
    """A decoded BGR uint8 image, or ``image=None`` with the reason it was skipped."""

    image: np.ndarray | None
    reason: str = ""  # skip reason: missing, empty, corrupt, truncated, too large
    notes: tuple[str, ...] = ()  # handled oddities: grayscale, 16-bit, cmyk, alpha, exif-rotated, downscaled


def _to_uint8_rgb(im, notes: list[str]) -> np.ndarray:
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        notes.append("16-bit")
        arr = np.asarray(im)
        if arr.dtype != np.uint16:
            arr = np.clip(arr, 0, 65535).astype(np.uint16)
        arr = (arr >> 8).astype(np.uint8)
        return np.repeat(arr[..., None], 3, axis=2)
    if mode in ("L", "1", "LA"):
        notes.append("grayscale")
    elif mode == "CMYK":
        notes.append("cmyk")
    elif mode in ("RGBA", "PA", "P"):
        notes.append("alpha" if "A" in mode or "transparency" in im.info else "palette")
    if mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im)


def decode_image(path: str | os.PathLike, max_pixels: int = MAX_PIXELS) -> Decoded:
    """Decode to BGR uint8 honouring EXIF orientation. Header first, so a huge file is never decoded
    at full size: JPEGs above ``max_pixels`` are drafted down by a power of two, others skipped."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    try:
        if path.stat().st_size == 0:
            return Decoded(None, "empty")
    except FileNotFoundError:
        return Decoded(None, "missing")
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: we check the size ourselves
            with Image.open(path) as im:
                w, h = im.size
                if w * h > max_pixels:
                    if im.format != "JPEG":
                        return Decoded(None, "too large")
                    scale = 1
                    while (w // scale) * (h // scale) > max_pixels and scale < 8:
                        scale *= 2
                    if (w // scale) * (h // scale) > max_pixels:
                        return Decoded(None, "too large")
                    im.draft("RGB", (w // scale, h // scale))
                    notes.append("downscaled")
                im.load()
                orientation = im.getexif().get(0x0112, 1)
                if orientation not in (1, None):
                    im = ImageOps.exif_transpose(im)
                    notes.append("exif-rotated")
                rgb = _to_uint8_rgb(im, notes)
    except UnidentifiedImageError:
        return Decoded(None, "corrupt")
    except Image.DecompressionBombError:
        return Decoded(None, "too large")
    except OSError as exc:
        return Decoded(None, "truncated" if "truncated" in str(exc) else "corrupt")
    except (ValueError, SyntaxError, MemoryError):
        return Decoded(None, "corrupt")
    except ImportError:
        # ultralytics (if imported in the same process) patches Image.open to try pi-heif on
        # unidentified files; without that plugin the file is simply not decodable.
        return Decoded(None, "corrupt")
    if rgb.ndim != 3 or rgb.shape[0] < 2 or rgb.shape[1] < 2:
        return Decoded(None, "corrupt")
    import cv2

    # OpenCV's SIMD swap: 0.03 s for an 8192 x 4096 panorama, against 0.13 s for numpy's reversed-axis copy
    bgr = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)
    return Decoded(bgr, "", tuple(notes))


def gray_bgr(image: np.ndarray) -> np.ndarray:
    """A BGR image as grey in three equal channels: what models trained without colour see (verifier crops with
    ``CropSpec.gray``, a detector trained on training/gray_dataset.py copies)."""
    import cv2

    return cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
