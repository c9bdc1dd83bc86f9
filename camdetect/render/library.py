"""Render a sprite library in parallel: ``DIR/ID.png`` + ``DIR/ID.json`` per sprite, resumable.

Sprite ``i`` is fixed by (seed, i): its kind (cameras and look-alikes in the given share), its HDR
map and its size, so a killed run re-renders only what was in flight and gives the same library.
With ``light_photos`` the maps are built from background photos (``photo_light.py``) instead of the
HDR skies, and each sprite's sidecar names the photo (``light``), for composites to paste it there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from camdetect.render.kinds import ALL_KINDS, CAMERA_KINDS, DECOY_KINDS, OPT_IN_KINDS


@dataclass
class LibraryOptions:
    count: int = 600
    seed: int = 0
    size: int = 160
    large_share: float = 0.2  # rendered at 2x size, for cameras pasted large
    spp: int = 32
    decoy_share: float = 0.35
    kinds: tuple[str, ...] = ()  # empty: all
    workers: int = 1
    weathering: float = 0.0  # share of sprites with grime textures (materials.weather); 0: none, as before
    rounding: float = 0.0  # share of sprites whose boxes get rounded edges (parts.rounded); 0: none, as before
    # Background photos (folders or files, FOLDER=WEIGHT accepted and the weight ignored) to build the light from,
    # one map per photo, instead of the HDR skies; paths containing a ``light_exclude`` string are skipped.
    light_photos: tuple[str, ...] = ()
    light_exclude: tuple[str, ...] = ()


def list_hdris(root: Path) -> list[Path]:
    files = sorted(p for p in root.glob("*") if p.suffix.lower() in (".hdr", ".exr"))
    if not files:
        raise FileNotFoundError(f"{root}: no .hdr or .exr environment maps")
    return files


def plan_job(i: int, opts: LibraryOptions, hdris: list[Path]) -> tuple[str, str, int, int]:
    """(kind, hdri, size, seed) of sprite ``i``."""
    rng = np.random.default_rng([opts.seed, i, 7])
    kinds = [k for k in opts.kinds if k in ALL_KINDS] if opts.kinds else None
    if kinds:
        kind = kinds[int(rng.integers(len(kinds)))]
    else:
        pool = [k for k in (DECOY_KINDS if rng.random() < opts.decoy_share else CAMERA_KINDS) if k not in OPT_IN_KINDS]
        kind = pool[int(rng.integers(len(pool)))]
    size = opts.size * 2 if rng.random() < opts.large_share else opts.size
    return kind, str(hdris[int(rng.integers(len(hdris)))]), size, int(rng.integers(2**31 - 1))


def _render_one(args) -> tuple[str, str]:
    from camdetect.render.sprites import render_sprite, save_sprite

    i, opts, hdris, out, lights = args
    sid = f"s{opts.seed}_{i:06d}"
    if (out / f"{sid}.json").is_file() and (out / f"{sid}.png").is_file():
        return sid, "resumed"
    kind, hdri, size, seed = plan_job(i, opts, hdris)
    try:
        sprite = render_sprite(kind, hdri, seed, size=size, spp=opts.spp, sprite_id=sid, weathering=opts.weathering,
                               rounding=opts.rounding)
    except RuntimeError:
        return sid, "no_view"
    if hdri in lights:
        sprite.meta = replace(sprite.meta, light=lights[hdri])
    save_sprite(sprite, out)
    return sid, kind


def render_library(out: Path, hdri_dir: Path, opts: LibraryOptions, progress: bool = True) -> Counter:
    unknown = [k for k in opts.kinds if k not in ALL_KINDS]
    if unknown:
        raise ValueError(f"unknown kind(s) {unknown} (known: {', '.join(ALL_KINDS)})")
    lights: dict[str, str] = {}
    if opts.light_photos:
        hdris, lights = photo_maps(opts.light_photos, opts.light_exclude, out / "env")
    else:
        hdris = list_hdris(hdri_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(i, opts, hdris, out, lights) for i in range(opts.count)]
    return run_sprite_jobs(_render_one, jobs, opts.workers, progress, "sprites")


def photo_maps(photos: tuple[str, ...], exclude: tuple[str, ...], env_dir: Path) -> tuple[list[Path], dict[str, str]]:
    """One environment map per background photo (kept across runs) and, per map, the photo's light key. Photos
    are listed as composites list backgrounds, so the evaluation-only set is refused the same way."""
    from camdetect.render.composite import list_backgrounds
    from camdetect.render.photo_light import light_key, write_envmap

    files = [f for bg in list_backgrounds(list(photos), list(exclude)) for f in bg.files]
    maps = [write_envmap(f, env_dir) for f in files]
    return maps, {str(m): light_key(f) for m, f in zip(maps, files)}


def run_sprite_jobs(fn, jobs: list, workers: int, progress: bool, desc: str, chunksize: int = 1) -> Counter:
    """Run ``fn(job) -> (index, what)`` over ``jobs`` (in spawned processes when ``workers`` > 1) and count
    the ``what`` answers (written, resumed, skipped...): the one loop of every sprite library."""
    counts: Counter = Counter()
    if workers > 1:
        import multiprocessing as mp

        pool = mp.get_context("spawn").Pool(workers)
        it = pool.imap_unordered(fn, jobs, chunksize=chunksize)
    else:
        pool, it = None, map(fn, jobs)
    try:
        if progress:
            from tqdm import tqdm

            it = tqdm(it, total=len(jobs), desc=desc, unit="sprite")
        for _, what in it:
            counts[what] += 1
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return counts
