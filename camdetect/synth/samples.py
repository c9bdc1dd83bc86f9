"""Sample images of the synthetic city for docs/synth.md (a panorama, zoomed cameras, look-alikes).

Run: ``python -m camdetect.synth.samples docs/img --seed 0``. Crops are cut with
:func:`camdetect.geometry.cut_view` (a real perspective view, as the detector sees it), labelled
with the truth kind and the camera's width in Stanford-equivalent pixels (640 px, 90 degrees).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from camdetect.geometry import cut_view
from camdetect.records import View
from camdetect.synth.city import render_panorama, scene_for, truth_rows
from camdetect.synth.scene import VIEW_PX_PER_DEG, project_sprite

W = 4096


def _decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def _crop(pano: np.ndarray, heading: float, pitch: float, fov: float, size: int = 160) -> np.ndarray:
    return cut_view(pano, View("s", heading, pitch, fov, size, size))


def _label(img: np.ndarray, text: str) -> np.ndarray:
    out = cv2.copyMakeBorder(img, 0, 22, 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    cv2.putText(out, text, (4, out.shape[0] - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
    return out


def _grid(tiles: list[np.ndarray], cols: int) -> np.ndarray:
    h, w = tiles[0].shape[:2]
    rows = (len(tiles) + cols - 1) // cols
    canvas = np.full((rows * (h + 4), cols * (w + 4), 3), 255, np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        canvas[r * (h + 4):r * (h + 4) + h, c * (w + 4):c * (w + 4) + w] = t
    return canvas


def write_samples(out_dir: str | Path, seed: int = 0, per_kind: int = 4) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    want_cams = {k: per_kind for k in ("dome", "ptz", "bullet")}
    want_looks = {k: 1 for k in ("lamp_cobra", "lamp_globe", "signal_head", "preemption_sensor", "traffic_sensor",
                                 "sign_edge", "pir_sensor", "wall_light", "smoke_detector", "dish")}
    cam_tiles: dict[str, list] = {k: [] for k in want_cams}
    look_tiles: list = []
    context_tiles: list = []
    written: list[Path] = []
    first_with_cameras = None
    for i in range(200):
        sc = scene_for(seed, i)
        needed = [c for c in sc.cameras if len(cam_tiles[c.sprite.kind]) < want_cams[c.sprite.kind]]
        looks = [lk for lk in sc.lookalikes if want_looks.get(lk.type, 0) > 0
                 and 0.5 < project_sprite(sc.layout, lk.sprite, W, W // 2).ang_w < 4 and project_sprite(sc.layout, lk.sprite, W, W // 2).dist < 30]
        if not needed and not looks:
            if all(len(v) >= want_cams[k] for k, v in cam_tiles.items()) and not any(want_looks.values()):
                break
            continue
        pano = _decode(render_panorama(seed, i, W))
        if first_with_cameras is None and len(sc.cameras) >= 2:
            first_with_cameras = (sc, pano)
        for c in needed:
            pr = project_sprite(sc.layout, c.sprite, W, W // 2)
            px = pr.ang_w * VIEW_PX_PER_DEG
            tile = _crop(pano, pr.heading, pr.pitch, fov=max(pr.ang_w * 5, 3.0))
            tile = _label(tile, f"{c.sprite.kind} {c.mount[:8]} {px:.0f}px")
            cam_tiles[c.sprite.kind].append(tile)
            if len(context_tiles) < 3:
                v = _crop(pano, pr.heading, pr.pitch, fov=90.0, size=640)
                x, y = 320, 320
                r = max(int(px), 6)
                cv2.rectangle(v, (x - r - 4, y - r - 4), (x + r + 4, y + r + 4), (0, 220, 255), 1)
                context_tiles.append(_label(v, f"640px 90deg view: {c.sprite.kind}, {px:.0f}px wide (boxed)"))
        for lk in looks:
            if want_looks.get(lk.type, 0) <= 0:
                continue
            want_looks[lk.type] -= 1
            pr = project_sprite(sc.layout, lk.sprite, W, W // 2)
            tile = _crop(pano, pr.heading, pr.pitch, fov=max(pr.ang_w * 5, 3.0))
            look_tiles.append(_label(tile, f"{lk.type} {pr.ang_w * VIEW_PX_PER_DEG:.0f}px"))
    tiles = [t for k in ("dome", "ptz", "bullet") for t in cam_tiles[k]]
    if tiles:
        p = out_dir / "synth_cameras.png"
        cv2.imwrite(str(p), _grid(tiles, per_kind))
        written.append(p)
    if look_tiles:
        p = out_dir / "synth_lookalikes.png"
        cv2.imwrite(str(p), _grid(look_tiles, 5))
        written.append(p)
    if context_tiles:
        p = out_dir / "synth_context.png"
        cv2.imwrite(str(p), _grid([cv2.resize(t, (400, 414), interpolation=cv2.INTER_AREA) for t in context_tiles], 3))
        written.append(p)
    if first_with_cameras:
        sc, pano = first_with_cameras
        small = cv2.resize(pano, (1280, 640), interpolation=cv2.INTER_AREA)
        p = out_dir / "synth_panorama.png"
        cv2.imwrite(str(p), small)
        written.append(p)
        cams, looks, _ = truth_rows(sc, 1280, 640)
        ann = small.copy()
        for c in looks:
            cv2.rectangle(ann, (int(c.x1) - 2, int(c.y1) - 2), (int(c.x2) + 2, int(c.y2) + 2), (0, 140, 255), 1)
        for c in cams:
            cv2.rectangle(ann, (int(c.x1) - 4, int(c.y1) - 4), (int(c.x2) + 4, int(c.y2) + 4), (0, 255, 0), 2)
        p = out_dir / "synth_panorama_truth.png"
        cv2.imwrite(str(p), ann)
        written.append(p)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for p in write_samples(args.out, args.seed):
        print(p)


if __name__ == "__main__":
    main()
