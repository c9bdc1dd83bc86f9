"""Rebuild the review app's onboarding images from camdetect's own synthetic city (no real photos).

- ``camdetect/review/static/guide/<kind>.png``: the field guide's close-ups, one per camera kind and
  look-alike, drawn by the city's own 2-D renderer (``camdetect.render.drawn``: the object with its pole,
  arm or bracket, on the scene's sky colour), 128 px, colours quantised so each PNG is a few KB;
- ``camdetect/review/practice_builtin.json``: the built-in practice set: views cut from rendered city
  panoramas (``synth.render.render_scene`` + ``geometry.cut_view``) around a true camera or a look-alike,
  with the truth box and the answer. Base64 JPEGs inside JSON because the package data globs ship
  ``*.json`` and ``*.png``, not ``*.jpg``.

Deterministic for a given --seed. Takes about a minute on one core:

    nice -n 19 .venv/bin/python scripts/make_review_images.py
"""

from __future__ import annotations

import argparse
import base64
from pathlib import Path

import cv2
import numpy as np

from camdetect.durable import atomic_write_bytes, atomic_write_json
from camdetect.render import drawn
from camdetect.review.practice import VIEW_H, VIEW_W, cut_item
from camdetect.synth.render import render_scene
from camdetect.synth.scene import build_scene, project_sprite

ROOT = Path(__file__).resolve().parents[1]
GUIDE_DIR = ROOT / "camdetect/review/static/guide"
PRACTICE_JSON = ROOT / "camdetect/review/practice_builtin.json"
# field guide: (file name, fine sprite kind, look-alike?, extra test on the placed object)
GUIDE = [("dome", "dome", False), ("ptz", "ptz", False), ("bullet", "bullet", False), ("alpr", "bullet", False),
         ("argus_box", "argus_box", True)] + [(k, k, True) for k in drawn.DECOY_KINDS if k != "argus_box"]
# practice: (fine kind, look-alike?) in the order they are looked for; several of the common ones
PRACTICE = [("dome", False), ("bullet", False), ("ptz", False), ("bullet", False), ("dome", False), ("bullet", False),
            ("lamp_cobra", True), ("lamp_globe", True), ("signal_head", True), ("dish", True), ("sign_edge", True),
            ("pir_sensor", True), ("wall_light", True), ("smoke_detector", True)]
PANO_W = 4096


def _lpr(target) -> bool:
    return target.placement == "lpr"


def find(kind: str, decoy: bool, seed: int, skip: int = 0, lpr: bool | None = None):
    """(scene, placed object, scene seed) of the ``skip``-th object of this fine kind in the city."""
    seen = 0
    for k in range(5000):
        scene = build_scene(np.random.default_rng([seed, k]), f"guide{seed}_{k}")
        pool = scene.lookalikes if decoy else scene.cameras
        for p in pool:
            if p.sprite.kind != kind or (lpr is not None and _lpr(p) != lpr):
                continue
            if seen == skip:
                return scene, p, k
            seen += 1
    raise RuntimeError(f"no {kind} in 5000 scenes")


def guide_png(scene, target, decoy: bool, seed: int, size: int = 128) -> bytes | None:
    sprite = drawn._draw(scene, target, decoy, size, seed)
    if sprite is None:
        return None
    rgba = sprite.rgba
    lt = scene.light
    sky = 0.5 * (np.mean(np.array(lt.sky_top) ** 2.2) + np.mean(np.array(lt.sky_horizon) ** 2.2))
    a = rgba[..., 3:4]
    display = np.where(a > 1e-4, (rgba[..., :3] * sky / np.maximum(a, 1e-6)).clip(0, 1) ** (1 / 2.2), 0)
    top, hor = np.array(lt.sky_top), np.array(lt.sky_horizon)
    t = np.linspace(0, 1, size)[:, None, None]
    bg = top * (1 - t) + hor * t  # the scene's own sky, top to horizon
    rgb = display * a + bg * (1 - a)
    rgb = (np.round(rgb * 31) / 31 * 255).astype(np.uint8)  # 32 levels per channel: flat drawings compress well
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    assert ok
    return buf.tobytes()


def practice_item(scene, target, decoy: bool, rng: np.random.Generator) -> dict | None:
    """A view around the object, cut from the rendered panorama (``practice.cut_item``), with its box."""
    pr = project_sprite(scene.layout, target.sprite, PANO_W, PANO_W // 2)
    if pr.dist > 35:
        return None
    pano = render_scene(scene, PANO_W, PANO_W // 2, np.random.default_rng(1))
    got = cut_item((pano.clip(0, 1) * 255).astype(np.uint8), pr.box, rng)
    if got is None:
        return None
    jpeg, box = got
    return {"kind": target.sprite.kind, "answer": "no" if decoy else "yes",
            "type": None if decoy else target.type, "mount": None if decoy else target.mount,
            "box": box, "width": VIEW_W, "height": VIEW_H,
            "image_jpeg_b64": base64.b64encode(jpeg).decode("ascii")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    GUIDE_DIR.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, kind, decoy in GUIDE:
        lpr = (name == "alpr") if kind == "bullet" else None
        for skip in range(20):
            scene, target, k = find(kind, decoy, args.seed, skip, lpr)
            png = guide_png(scene, target, decoy, k)
            if png is not None:
                break
        atomic_write_bytes(GUIDE_DIR / f"{name}.png", png)
        total += len(png)
        print(f"guide {name}: {len(png)} bytes")
    rng = np.random.default_rng(args.seed)
    items, used = [], {}
    for kind, decoy in PRACTICE:
        for _ in range(20):
            skip = used.get(kind, 0)
            used[kind] = skip + 1
            scene, target, _k = find(kind, decoy, args.seed + 1, skip, lpr=False if kind == "bullet" else None)
            item = practice_item(scene, target, decoy, rng)
            if item is not None:
                item["key"] = f"builtin:{args.seed}:{kind}:{skip}"
                items.append(item)
                print(f"practice {item['key']}: {item['answer']} box {item['box']}")
                break
    atomic_write_json(PRACTICE_JSON, {"seed": args.seed, "source": "camdetect synthetic city (scripts/make_review_images.py)",
                                      "items": items}, indent=None)
    size = PRACTICE_JSON.stat().st_size
    print(f"guide images: {total} bytes; practice set: {len(items)} items, {size} bytes")


if __name__ == "__main__":
    main()
