"""``camdetect synth``: a whole synthetic city (panoramas, truth, manifest, simulated volunteers).

Deterministic by seed: intersection ``i`` draws its scene from ``default_rng([seed, i])`` and its
pixels from ``default_rng([seed, i, 1])``, so any subset renders the same bytes in any order or
process, and an interrupted run resumes by skipping panoramas already on disk (JPEGs are written
atomically; tables are rebuilt from the scenes, which is cheap).
"""

from __future__ import annotations

import json
import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from camdetect.durable import atomic_write_bytes, write_csv
from camdetect.geometry.earth import offset_latlon
from camdetect.records import Camera, write_table
from camdetect.synth.objects import CAMERA_TYPE
from camdetect.synth.scene import VIEW_PX_PER_DEG, Scene, build_scene, project_sprite
from camdetect.synth.volunteers import TruthPoint, simulate, write_volunteers

MANIFEST_COLUMNS = ["intersection_id", "pano_id", "lat", "lon", "image_path", "kind", "pano_heading",
                    "heading", "pitch", "fov"]
DETAIL_COLUMNS = ["camera_id", "image", "kind", "type", "mount", "mount_detail", "placement", "dist_m",
                  "ang_w", "ang_h", "view_px_w", "view_px_h", "housing"]
CITY_ROT = 29.0  # street grid heading, as Manhattan's
ORIGIN = (40.6900, -73.9800)  # synthetic: a grid placed in Brooklyn-like coordinates


@dataclass
class CitySummary:
    out: Path
    intersections: int
    with_cameras: int
    cameras: int
    lookalikes: int
    rendered: int
    tags: int

    def line(self) -> str:
        return (f"{self.intersections} intersections ({self.with_cameras} with cameras), {self.cameras} cameras, "
                f"{self.lookalikes} look-alikes, {self.tags} volunteer tags; rendered {self.rendered} panoramas "
                f"-> {self.out}")


def pano_id(i: int) -> str:
    return f"syn-{i + 1:04d}"


def scene_for(seed: int, i: int) -> Scene:
    return build_scene(np.random.default_rng([seed, i]), pano_id(i), CITY_ROT)


def render_panorama(seed: int, i: int, width: int) -> bytes:
    """JPEG bytes of intersection ``i`` (pure function of seed, index and width)."""
    from camdetect.synth.render import degrade, encode_jpeg, render_scene

    scene = scene_for(seed, i)
    rng = np.random.default_rng([seed, i, 1])
    img = render_scene(scene, width, width // 2, rng)
    return encode_jpeg(degrade(img, rng), rng)


def _render_to(args) -> str:
    seed, i, width, path = args
    data = render_panorama(seed, i, width)
    atomic_write_bytes(path, data)
    return str(path)


def latlon(i: int, n: int) -> tuple[float, float]:
    """Grid position of intersection ``i``: avenues 250 m apart, streets 80 m apart, rotated."""
    cols = max(1, math.ceil(math.sqrt(n)))
    r, c = divmod(i, cols)
    along, across = r * 80.0, c * 250.0
    a = math.radians(CITY_ROT)
    north = along * math.cos(a) - across * math.sin(a)
    east = along * math.sin(a) + across * math.cos(a)
    lat, lon = offset_latlon(ORIGIN[0], ORIGIN[1], east, north)
    return round(lat, 7), round(lon, 7)


def truth_rows(scene: Scene, W: int, H: int) -> tuple[list[Camera], list[Camera], list[dict]]:
    cams, looks, details = [], [], []
    for j, c in enumerate(scene.cameras):
        pr = project_sprite(scene.layout, c.sprite, W, H)
        cid = f"{scene.pano_id}-c{j + 1:02d}"
        cams.append(Camera(camera_id=cid, image=scene.pano_id, intersection=scene.pano_id, heading=pr.heading,
                           pitch=pr.pitch, x1=pr.box[0], y1=pr.box[1], x2=pr.box[2], y2=pr.box[3],
                           image_width=W, image_height=H, type=c.type, mount=c.mount, mount_detail=c.mount_detail,
                           n_tags=0, n_annotators=0, agreement="truth", confidence=1.0, type_confidence=1.0,
                           mount_confidence=1.0))
        details.append({"camera_id": cid, "image": scene.pano_id, "kind": c.sprite.kind, "type": c.type,
                        "mount": c.mount, "mount_detail": c.mount_detail, "placement": c.placement,
                        "dist_m": round(pr.dist, 3), "ang_w": round(pr.ang_w, 4), "ang_h": round(pr.ang_h, 4),
                        "view_px_w": round(pr.ang_w * VIEW_PX_PER_DEG, 2), "view_px_h": round(pr.ang_h * VIEW_PX_PER_DEG, 2),
                        "housing": "/".join(f"{x:.2f}" for x in c.sprite.params.get("housing", ()))})
    for j, lk in enumerate(scene.lookalikes):
        pr = project_sprite(scene.layout, lk.sprite, W, H)
        looks.append(Camera(camera_id=f"{scene.pano_id}-l{j + 1:02d}", image=scene.pano_id, intersection=scene.pano_id,
                            heading=pr.heading, pitch=pr.pitch, x1=pr.box[0], y1=pr.box[1], x2=pr.box[2], y2=pr.box[3],
                            image_width=W, image_height=H, type=lk.type, mount=lk.mount,
                            mount_detail=lk.mount_detail, agreement="truth"))
    return cams, looks, details


def truth_points(scene: Scene) -> list[TruthPoint]:
    pts = []
    for c in scene.cameras:
        pr = project_sprite(scene.layout, c.sprite, 4096, 2048)
        pts.append(TruthPoint(pr.heading, pr.pitch, pr.ang_w, CAMERA_TYPE[c.sprite.kind], c.mount, True))
    for lk in scene.lookalikes:
        pr = project_sprite(scene.layout, lk.sprite, 4096, 2048)
        if -20 < pr.pitch < 60 and pr.dist < 40:  # far look-alikes are too small to fool anyone
            pts.append(TruthPoint(pr.heading, pr.pitch, pr.ang_w, lk.type, lk.mount, False))
    return pts


def generate_city(out: str | os.PathLike, intersections: int, seed: int = 0, width: int = 4096,
                  volunteers_per_pano: int = 3, workers: int = 1, resume: bool = True,
                  progress: bool = True, type_for_building: bool = True) -> CitySummary:
    """Write the whole city under ``out`` (layout pinned in docs/CONTRACTS.md)."""
    if intersections < 1:
        raise ValueError(f"--intersections must be >= 1, got {intersections}")
    if width < 256 or width % 2:
        raise ValueError(f"--width must be an even number >= 256, got {width}")
    if volunteers_per_pano < 0:
        raise ValueError(f"--volunteers-per-pano must be >= 0, got {volunteers_per_pano}")
    out = Path(out)
    W, H = width, width // 2
    params = {"seed": seed, "width": width, "generator": "camdetect.synth/1"}
    stamp = out / "synth.json"
    if stamp.exists():
        old = json.loads(stamp.read_text())
        if {k: old.get(k) for k in params} != params:
            resume = False  # different city in the same folder: re-render everything
    (out / "panoramas").mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({**params, "intersections": intersections,
                                 "volunteers_per_pano": volunteers_per_pano}, indent=1))
    scenes = [scene_for(seed, i) for i in range(intersections)]
    todo = []
    for i in range(intersections):
        path = out / "panoramas" / f"{pano_id(i)}.jpg"
        if not (resume and path.exists()):
            todo.append((seed, i, width, path))
    bar = tqdm(total=len(todo), desc="synth: rendering panoramas", unit="pano", disable=not progress)
    if workers > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            for _ in ex.map(_render_to, todo):
                bar.update(1)
    else:
        for args in todo:
            _render_to(args)
            bar.update(1)
    bar.close()
    cams, looks, details, manifest = [], [], [], []
    for i, sc in enumerate(scenes):
        c, lk, d = truth_rows(sc, W, H)
        cams += c
        looks += lk
        details += d
        lat, lon = latlon(i, intersections)
        manifest.append({"intersection_id": sc.pano_id, "pano_id": sc.pano_id, "lat": lat, "lon": lon,
                         "image_path": f"panoramas/{sc.pano_id}.jpg", "kind": "panorama", "pano_heading": 0.0,
                         "heading": "", "pitch": "", "fov": ""})
    write_table(out / "truth" / "cameras.csv", cams, Camera)
    write_table(out / "truth" / "lookalikes.csv", looks, Camera)
    write_csv(out / "truth" / "details.csv", details, DETAIL_COLUMNS)
    write_csv(out / "manifest.csv", manifest, MANIFEST_COLUMNS)
    vrng = np.random.default_rng([seed, 999_983])
    cam_rows, count_rows, pool = simulate(vrng, [(sc.pano_id, truth_points(sc)) for sc in scenes],
                                          k=volunteers_per_pano, type_for_building=type_for_building)
    write_volunteers(out / "volunteers", cam_rows, count_rows, pool)
    return CitySummary(out, intersections, sum(1 for sc in scenes if sc.cameras), len(cams), len(looks),
                       len(todo), len(cam_rows))
