"""What an image file says about itself: Google's Photo Sphere XMP (GPano) and EXIF GPS.

A folder of 360 captures (Mapillary, a phone, an Insta360 or GoPro export) carries, in the file, the compass
heading of the panorama's centre column (``GPano:PoseHeadingDegrees``), whether and how it is cropped (phone
panoramas cover a band of the sphere: ``GPano:CroppedArea*`` inside ``GPano:FullPano*``) and where it was taken
(EXIF GPS). Without them a folder's bearings are relative to the image centre and nothing can be mapped; with
them a folder scores like a manifest with ``pano_heading``, ``lat`` and ``lon``. Read from the header only; a
file whose metadata is absent or malformed gives the defaults (the decode step reports unreadable files).
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# attribute form (GPano:Name="v") and element form (<GPano:Name>v</GPano:Name>); regexes, not an XML parser:
# the packet comes from user files, and only a handful of flat values are wanted
_ATTR = re.compile(rb'GPano:(\w+)\s*=\s*["\']([^"\']*)["\']')
_ELEM = re.compile(rb"<GPano:(\w+)>([^<]*)</GPano:\1>")


@dataclass(frozen=True)
class PhotoMeta:
    equirect: bool = False  # GPano:ProjectionType is equirectangular: a panorama whatever its size
    pano_heading: float = math.nan  # GPano:PoseHeadingDegrees: compass heading of the full panorama's centre
    # (full_w, full_h, left, top) in units of the file's width, when the file is part of a panorama: scale-free,
    # so it holds for a downscaled decode too
    crop: tuple[float, float, float, float] = ()
    lat: float = math.nan  # EXIF GPS, decimal degrees
    lon: float = math.nan
    size: tuple[int, int] = (0, 0)  # the file's (width, height) from its header; (0, 0) when unreadable

    @property
    def notes(self) -> tuple[str, ...]:
        """What the scorer took from the file (counted in the run's summary)."""
        return tuple(n for n, used in (("heading-from-xmp", not math.isnan(self.pano_heading)),
                                       ("position-from-gps", not math.isnan(self.lat)),
                                       ("cropped-panorama", bool(self.crop))) if used)


def parse_gpano(xmp: bytes | str) -> dict[str, str]:
    """The GPano fields of an XMP packet, name -> text (both serialisations)."""
    data = xmp.encode("utf-8", "replace") if isinstance(xmp, str) else bytes(xmp)
    out = {k.decode(): v.decode("utf-8", "replace").strip() for k, v in _ELEM.findall(data)}
    out.update({k.decode(): v.decode("utf-8", "replace").strip() for k, v in _ATTR.findall(data)})
    return out


def _number(fields: dict[str, str], name: str) -> float:
    try:
        value = float(fields.get(name, "nan"))
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def gps_degrees(gps: dict) -> tuple[float, float]:
    """(lat, lon) from an EXIF GPS IFD (tags 1-4: refs and degree/minute/second rationals); NaN when absent
    or out of range."""
    try:
        def dms(v) -> float:
            d, m, s = (float(x) for x in v)
            return d + m / 60 + s / 3600
        lat, lon = dms(gps[2]), dms(gps[4])
        if str(gps.get(1, "N")).upper().startswith("S"):
            lat = -lat
        if str(gps.get(3, "E")).upper().startswith("W"):
            lon = -lon
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return math.nan, math.nan
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return math.nan, math.nan
    return lat, lon


def read_photo_meta(path: str | Path) -> PhotoMeta:
    """GPano and GPS of one image file (header only)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                w, h = im.size
                xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp") or b""
                gps = dict(im.getexif().get_ifd(0x8825))
    except Exception:  # noqa: BLE001 - an unreadable file is the decode step's to report
        return PhotoMeta()
    g = parse_gpano(xmp) if xmp else {}
    lat, lon = gps_degrees(gps) if gps else (math.nan, math.nan)
    equirect = g.get("ProjectionType", "").lower() == "equirectangular"
    heading = _number(g, "PoseHeadingDegrees")
    heading = heading % 360 if equirect and not math.isnan(heading) else math.nan
    crop: tuple[float, float, float, float] = ()
    full_w, full_h = _number(g, "FullPanoWidthPixels"), _number(g, "FullPanoHeightPixels")
    left, top = _number(g, "CroppedAreaLeftPixels"), _number(g, "CroppedAreaTopPixels")
    cw, ch = _number(g, "CroppedAreaImageWidthPixels"), _number(g, "CroppedAreaImageHeightPixels")
    if equirect and not any(math.isnan(v) for v in (full_w, full_h, left, top)):
        cw, ch = (w if math.isnan(cw) else cw), (h if math.isnan(ch) else ch)
        # the file may be a resized export of the declared crop: scale the declared geometry to the file
        s = w / cw if cw > 0 else 1.0
        fw, fh, lx, ty = (int(round(v * s)) for v in (full_w, full_h, left, top))
        if (fw, fh) != (w, h) and fw >= w and fh >= h and 0 <= lx < fw and 0 <= ty and ty + h <= fh:
            crop = (fw / w, fh / w, lx / w, ty / w)
    return PhotoMeta(equirect, heading, crop, lat, lon, (w, h))


def uncrop(image: np.ndarray, crop: tuple[float, float, float, float], max_pixels: int) -> np.ndarray:
    """A cropped panorama placed on its full equirectangular canvas (black elsewhere), so views are cut at the
    right angles; shrunk first when the canvas would pass ``max_pixels``."""
    import cv2

    s = float(image.shape[1])
    fw, fh = int(round(crop[0] * s)), int(round(crop[1] * s))
    if fw * fh > max_pixels:
        k = math.sqrt(max_pixels / (fw * fh))
        image = cv2.resize(image, (max(1, int(image.shape[1] * k)), max(1, int(image.shape[0] * k))),
                           interpolation=cv2.INTER_AREA)
        s = float(image.shape[1])
        fw, fh = int(round(crop[0] * s)), int(round(crop[1] * s))
    lx, ty = int(round(crop[2] * s)) % fw, int(round(crop[3] * s))
    h, w = image.shape[:2]
    h, w = min(h, fh - ty), min(w, fw)
    canvas = np.zeros((fh, fw) + image.shape[2:], image.dtype)
    first = min(w, fw - lx)  # a crop may run over the right edge and wrap to the left (360 degrees)
    canvas[ty:ty + h, lx:lx + first] = image[:h, :first]
    if first < w:
        canvas[ty:ty + h, :w - first] = image[:h, first:w]
    return canvas
