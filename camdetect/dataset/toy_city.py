"""A tiny drawn city (panoramas + truth cameras) for dataset/training tests and benchmarks.

Not the synthetic city (`camdetect synth` renders streets, volunteers and look-alikes); this is the
smallest thing with the same file layout (panoramas/, manifest.csv, truth/cameras.csv) so the dataset
and training stages can be tested end to end in seconds without depending on the renderer.
Domes are light discs with a dark lower half, bullets light bars with a dark lens end; building
cameras sit on a wall, street-furniture cameras on a pole with an arm, and street lamps on poles are
look-alikes (hard negatives).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import cv2
import numpy as np

from camdetect.geometry.earth import offset_latlon
from camdetect.records import Camera, write_table


def _uv(heading: float, pitch: float, W: int, H: int) -> tuple[float, float]:
    return W * ((heading / 360.0 + 0.5) % 1.0), H * (0.5 - pitch / 180.0)


def _draw_pano(rng: np.random.Generator, pano_id: str, W: int, H: int, n_cams: int,
               point_share: float) -> tuple[np.ndarray, list[Camera]]:
    img = np.zeros((H, W, 3), np.uint8)
    sky = np.linspace(235, 150, H // 2).astype(np.uint8)
    img[: H // 2] = np.stack([sky, (sky * 0.9).astype(np.uint8), (sky * 0.75).astype(np.uint8)], -1)[:, None, :]
    img[H // 2:] = (70 + rng.integers(0, 20), 72, 75)
    walls = []
    u = 0
    while u < W:  # buildings: columns of wall, 15-60 degrees wide, 10-40 degrees high
        w = int(W * rng.uniform(15, 60) / 360)
        top = int(H * (0.5 - rng.uniform(10, 40) / 180))
        col = tuple(int(c) for c in rng.integers(60, 200, 3))
        if rng.random() < 0.75:
            img[top: H // 2, u: u + w] = col
            for wy in range(top + 6, H // 2 - 6, 14):  # windows
                for wx in range(u + 4, u + w - 8, 12):
                    img[wy: wy + 6, wx: wx + 6] = (40, 50, 60)
            walls.append((u, u + w, top))
        u += w
    cams: list[Camera] = []
    for k in range(n_cams):
        heading = float(rng.uniform(15, 345))
        pitch = float(rng.uniform(4, 18))
        uc, vc = _uv(heading, pitch, W, H)
        mount = "building" if rng.random() < 0.6 else "street_furniture"
        typ = "dome" if rng.random() < 0.55 else "bullet"
        size = rng.uniform(1.6, 3.0) * W / 360  # px across
        if mount == "building":
            x0 = int(uc - size * 3)
            img[int(vc - size * 3): H // 2, x0: int(uc + size * 3)] = tuple(int(c) for c in rng.integers(90, 170, 3))
        else:
            px = int(uc + size * 2)
            cv2.line(img, (px, int(vc)), (px, H // 2 + 20), (55, 55, 60), max(2, int(size / 3)))
            cv2.line(img, (px, int(vc - size * 0.6)), (int(uc), int(vc - size * 0.6)), (55, 55, 60), 2)
        if typ == "dome":
            r = size / 2
            cv2.ellipse(img, (int(uc), int(vc)), (int(r), int(r * 0.8)), 0, 180, 360, (225, 225, 225), -1)
            cv2.ellipse(img, (int(uc), int(vc)), (int(r), int(r * 0.8)), 0, 0, 180, (30, 30, 35), -1)
            box = (uc - r, vc - r * 0.8, uc + r, vc + r * 0.8)
        else:
            L, T = size * 1.3, size * 0.45
            cv2.rectangle(img, (int(uc - L / 2), int(vc - T / 2)), (int(uc + L / 2), int(vc + T / 2)), (240, 240, 240), -1)
            cv2.rectangle(img, (int(uc + L / 2 - T), int(vc - T / 2)), (int(uc + L / 2), int(vc + T / 2)), (20, 20, 20), -1)
            box = (uc - L / 2, vc - T / 2, uc + L / 2, vc + T / 2)
        weak = rng.random() < point_share
        cam = Camera(camera_id=f"{pano_id}-c{k}", image=pano_id, intersection=pano_id, heading=heading, pitch=pitch,
                     image_width=W, image_height=H, type=typ, mount=mount, n_tags=3, n_annotators=3,
                     agreement=str(rng.choice(["Unanimous", "2 vs 1"])), confidence=1.0, weak=weak)
        if not weak:
            cam.x1, cam.y1, cam.x2, cam.y2 = (float(v) for v in box)
        cams.append(cam)
    for _ in range(int(rng.integers(1, 3))):  # street lamps: look-alikes on poles
        heading, pitch = float(rng.uniform(15, 345)), float(rng.uniform(8, 20))
        uc, vc = _uv(heading, pitch, W, H)
        r = int(W * 1.2 / 360)
        cv2.line(img, (int(uc), int(vc)), (int(uc), H // 2 + 20), (55, 55, 60), 3)
        cv2.ellipse(img, (int(uc - r), int(vc)), (r * 2, r), 0, 0, 360, (150, 200, 220), -1)
    noise = rng.normal(0, 4, img.shape)
    img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return img, cams


def make_toy_city(out: str | os.PathLike, intersections: int = 6, seed: int = 0, width: int = 2048,
                  cameras_per_pano: tuple[int, int] = (0, 4), point_share: float = 0.0,
                  spacing_m: float = 300.0) -> Path:
    """Write out/panoramas/*.jpg, out/manifest.csv, out/truth/cameras.csv; returns ``out``."""
    out = Path(out)
    (out / "panoramas").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    W, H = width, width // 2
    cams: list[Camera] = []
    rows = []
    for i in range(intersections):
        pano_id = f"toy-{i:04d}"
        n = int(rng.integers(cameras_per_pano[0], cameras_per_pano[1] + 1))
        img, c = _draw_pano(rng, pano_id, W, H, n, point_share)
        cv2.imwrite(str(out / "panoramas" / f"{pano_id}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 92])
        cams += c
        lat, lon = offset_latlon(40.70, -73.95, (i % 4) * spacing_m, (i // 4) * spacing_m)
        rows.append({"intersection_id": pano_id, "pano_id": pano_id, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
                     "image_path": f"panoramas/{pano_id}.jpg", "kind": "panorama", "pano_heading": "0",
                     "heading": "", "pitch": "", "fov": ""})
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    write_table(out / "truth" / "cameras.csv", cams, Camera)
    return out
