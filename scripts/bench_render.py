#!/usr/bin/env python
"""Renderer comparison (issue 11: "pick by a measured comparison"): the same sprite scenes rendered by Mitsuba 3
(the renderer camdetect uses) and by Blender's Cycles, seconds per sprite and a side-by-side picture.

Each scene is what ``camdetect render sprites`` draws for (kind, seed): the parametric model, its materials, the HDR
map and its rotation and the first viewpoint render_sprite tries. Only the beauty pass is timed on both sides (the
mask pass that gives the box is Mitsuba-only and cheap). Cycles runs in its own Python (``--blender-python``, a
virtualenv with ``bpy``; scripts/render_cycles.py), because bpy pins its own Python and numpy; without it the table
has the Mitsuba rows only.

    python scripts/bench_render.py --blender-python .venv-bpy/bin/python --out runs/bench/render

Writes OUT/bench_render.json and OUT/bench_render.png (per scene: Mitsuba left, Cycles right, over grey).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KINDS = ("dome_flush", "dome_pendant", "bullet", "box_camera", "alpr_box", "alpr_flock")


def scene_spec(kind: str, seed: int, hdri: str, size: int, spp: int) -> tuple[dict, object, dict, object]:
    """(spec for Cycles, model, Mitsuba materials, viewpoint) of render_sprite's first viewpoint for (kind, seed): its
    draws in its order (no rounding, no weathering)."""
    from camdetect.render.kinds import build
    from camdetect.render.materials import palette
    from camdetect.render.sprites import _framing, draw_viewpoint

    rng = np.random.default_rng(seed)
    model = build(kind, rng)
    mats = palette(rng, kind)
    centre, radius = _framing(model)
    vp = draw_viewpoint(rng, centre, radius)
    used = {p.material for p in model.parts}
    spec = {"id": f"{kind}-{seed}", "kind": kind, "hdri": hdri, "env_rot": vp.env_rot, "elevation": vp.elevation,
            "azimuth": vp.azimuth, "origin": vp.origin.tolist(), "target": vp.target.tolist(), "fov": vp.fov,
            "size": size, "spp": spp,
            "materials": {k: v for k, v in mats.items() if k in used},
            "parts": [{"shape": p.shape, "matrix": np.asarray(p.matrix).tolist(), "material": p.material}
                      for p in model.parts]}
    return spec, model, mats, vp


def render_mitsuba(spec: dict, model, mats: dict, vp) -> tuple[np.ndarray, float, float]:
    """Beauty pass as render_sprite does it: (rgba, seconds to load the scene, seconds to render)."""
    from camdetect.render.sprites import _mitsuba, _scene

    mi = _mitsuba()
    t0 = time.perf_counter()
    scene = mi.load_dict(_scene(mi, model, mats, spec["hdri"], vp, spec["size"], spec["spp"], False))
    t1 = time.perf_counter()
    rgba = np.array(mi.render(scene, seed=1), np.float32)
    return rgba, t1 - t0, time.perf_counter() - t1


def to_srgb(rgba: np.ndarray, sky: float, grey: float = 0.5) -> np.ndarray:
    """Premultiplied linear RGBA, divided by the map's sky radiance, over grey, as 8-bit sRGB."""
    rgb = rgba[..., :3] / sky + (1 - rgba[..., 3:4]) * grey
    rgb = np.clip(rgb, 0, 1)
    srgb = np.where(rgb <= 0.0031308, 12.92 * rgb, 1.055 * rgb ** (1 / 2.4) - 0.055)
    return (srgb * 255 + 0.5).astype(np.uint8)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hdri", default="../shared/data/hdri-outdoor", help="an HDR map or a folder of them")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--spp", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="Cycles threads (Mitsuba uses every core)")
    ap.add_argument("--blender-python", default="", help="a Python with bpy (e.g. .venv-bpy/bin/python)")
    ap.add_argument("--out", type=Path, default=Path("runs/bench/render"))
    a = ap.parse_args()
    hdri_root = Path(a.hdri)
    maps = sorted(p for p in hdri_root.glob("*") if p.suffix.lower() in (".hdr", ".exr")) if hdri_root.is_dir() \
        else [hdri_root]
    if not maps or not maps[0].is_file():
        print(f"no HDR maps at {hdri_root}: nothing to compare (needs ../shared/data/hdri-outdoor)")
        return 0
    from camdetect.render.sprites import sky_radiance

    a.out.mkdir(parents=True, exist_ok=True)
    specs, rows = [], []
    for i, (kind, seed) in enumerate((k, s) for k in a.kinds.split(",") for s in a.seeds):
        hdri = str(maps[(i * 7) % len(maps)].resolve())
        spec, model, mats, vp = scene_spec(kind, seed, hdri, a.size, a.spp)
        rgba, load_s, render_s = render_mitsuba(spec, model, mats, vp)
        np.save(a.out / f"{spec['id']}-mitsuba.npy", rgba)
        specs.append(spec)
        rows.append({"id": spec["id"], "kind": kind, "hdri": Path(hdri).name, "sky": sky_radiance(hdri),
                     "mitsuba_load_s": round(load_s, 3), "mitsuba_render_s": round(render_s, 3)})
    (a.out / "scenes.json").write_text(json.dumps(specs))
    cycles = {}
    if a.blender_python:
        r = subprocess.run([a.blender_python, str(Path(__file__).with_name("render_cycles.py")),
                            str(a.out / "scenes.json"), str(a.out / "cycles"), "--threads", str(a.threads)],
                           check=False, capture_output=True, text=True)
        if r.returncode != 0:
            last = ((r.stderr or r.stdout).strip().splitlines() or ["no output"])[-1]
            print(f"error: {a.blender_python}: the Cycles side failed: {last}", file=sys.stderr)
            return 2
        cycles = json.loads((a.out / "cycles" / "cycles.json").read_text())
        for row in rows:
            t = cycles["timings"][row["id"]]
            row["cycles_setup_s"], row["cycles_render_s"] = t["setup_s"], t["render_s"]
    cells = []
    for row in rows:
        pair = [to_srgb(np.load(a.out / f"{row['id']}-mitsuba.npy"), row["sky"])]
        if cycles:
            pair.append(to_srgb(np.load(a.out / "cycles" / f"{row['id']}.npy"), row["sky"]))
        cells.append(np.concatenate(pair, axis=1))
    import cv2

    cols = 4
    blank = np.full_like(cells[0], 30)
    grid = [np.concatenate(cells[i:i + cols] + [blank] * (cols - len(cells[i:i + cols])), axis=1)
            for i in range(0, len(cells), cols)]
    cv2.imwrite(str(a.out / "bench_render.png"), cv2.cvtColor(np.concatenate(grid, axis=0), cv2.COLOR_RGB2BGR))
    med = {k: float(np.median([r[k] for r in rows])) for k in rows[0] if k.endswith("_s")}
    summary = {"size": a.size, "spp": a.spp, "cycles_threads": a.threads, "bpy": cycles.get("bpy"),
               "load_avg": os.getloadavg(), "command": "python scripts/bench_render.py " + " ".join(sys.argv[1:]),
               "median": med, "rows": rows}
    (a.out / "bench_render.json").write_text(json.dumps(summary, indent=2))
    print(f"{len(rows)} scenes, {a.size} px, {a.spp} samples per pixel (beauty pass only)")
    print("| scene | HDR map | Mitsuba load s | Mitsuba render s | Cycles setup s | Cycles render s |")
    print("|---|---|---|---|---|---|")
    for r in rows + [{"id": "median", "hdri": "", **med}]:
        print(f"| {r['id']} | {r['hdri']} | {r['mitsuba_load_s']:.3f} | {r['mitsuba_render_s']:.3f} | "
              f"{r.get('cycles_setup_s', float('nan')):.3f} | {r.get('cycles_render_s', float('nan')):.3f} |")
    print(f"wrote {a.out / 'bench_render.json'}, {a.out / 'bench_render.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
