"""Light a sprite by the photo it will be pasted on: an equirectangular environment map built from one photo.

The 21 HDR maps light every sprite with one of 21 skies, whatever street it lands in, so a sprite's shading
(where its bright side is, what its glossy dome reflects, how blue its shadows are) can disagree with its
photo: a cue a detector can learn instead of the camera. A single LDR photo is not an environment map, so
this builds the usual approximation (as in image-based material editing): the photo, taken as ``HFOV``
degrees wide, stretched over the front half of the sphere and mirrored over the back half (no seam), its top
rows carried up to the zenith as sky and its bottom rows down to the nadir as ground, its clipped highlights
(sky, sun-lit walls) expanded above 1 so bright parts of the scene still dominate the light as they do in
life. Linear RGB, written as Radiance ``.hdr``, which Mitsuba reads like the Poly Haven maps.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from camdetect.durable import atomic_write_bytes
from camdetect.render.harmonise import to_linear

ENV_WIDTH = 512  # equirectangular: 512 x 256, ~0.7 degrees per pixel: light is low-frequency
HFOV = 90.0  # degrees a street photo is taken to span (street views, phone photos: 60-100)
HIGHLIGHT_GAIN = 6.0  # a clipped pixel is taken as up to 1 + this times its value


def light_key(photo: Path) -> str:
    """How a sprite names the photo it was lit by and a composite names its background: ``folder/file``."""
    return f"{photo.parent.name}/{photo.name}"


def expand_highlights(lin: np.ndarray) -> np.ndarray:
    """Inverse tone mapping of an LDR photo's near-clipped pixels (brightest channel, linear, 0.7-1 -> gain 1..1+G)."""
    lum = lin.max(axis=2, keepdims=True)
    t = np.clip((lum - 0.7) / 0.3, 0, 1)
    return lin * (1.0 + HIGHLIGHT_GAIN * t * t * (3 - 2 * t))


def photo_envmap(rgb_u8: np.ndarray, width: int = ENV_WIDTH, hfov: float = HFOV) -> np.ndarray:
    """An equirectangular map (H x 2H x 3, float32 linear RGB, row 0 = zenith) lit as the photo is."""
    h, w = rgb_u8.shape[:2]
    H, half = width // 2, width // 2
    vfov = min(150.0, hfov * h / w)  # the photo's vertical span, level and centred on the horizon
    rows = max(2, int(round(H * vfov / 180.0)))
    photo = expand_highlights(to_linear(cv2.resize(rgb_u8, (half, rows), interpolation=cv2.INTER_AREA)))
    band = np.concatenate([photo, photo[:, ::-1]], axis=1)  # front half, then mirrored: no seam at either join
    top0 = (H - rows) // 2
    env = np.empty((H, width, 3), np.float32)
    env[top0:top0 + rows] = band
    k = max(1, rows // 8)
    sky_row = cv2.GaussianBlur(band[:k].mean(axis=0, keepdims=True), (0, 0), sigmaX=width / 32)
    sky_mean = band[:k].reshape(-1, 3).mean(axis=0)
    for r in range(top0):  # towards the zenith: the photo's top rows, then their mean
        f = 1.0 - r / max(1, top0)
        env[r] = (1 - f) * sky_row[0] + f * sky_mean
    ground_row = cv2.GaussianBlur(band[-k:].mean(axis=0, keepdims=True), (0, 0), sigmaX=width / 32)
    ground_mean = band[-k:].reshape(-1, 3).mean(axis=0)
    below = H - top0 - rows
    for r in range(below):  # towards the nadir: the photo's bottom rows, then their mean
        f = (r + 1) / max(1, below)
        env[top0 + rows + r] = (1 - f) * ground_row[0] + f * ground_mean
    return cv2.GaussianBlur(env, (0, 0), 1.0)


def write_envmap(photo: Path, out_dir: Path) -> Path:
    """``out_dir/FOLDER__STEM.hdr`` for one photo (kept when it exists: a library render resumes); a photo that
    cannot be read is a one-line ValueError naming it."""
    target = out_dir / f"{photo.parent.name}__{photo.stem}.hdr"
    if target.is_file():
        return target
    img = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"{photo}: not a readable image")
    env = photo_envmap(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    ok, buf = cv2.imencode(".hdr", np.ascontiguousarray(env[..., ::-1]))
    if not ok:
        raise RuntimeError(f"{target}: HDR encoding failed")
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, buf.tobytes())
    return target
