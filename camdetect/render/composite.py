"""Composites: rendered cameras and look-alikes pasted onto real backgrounds -> an ultralytics dataset.

Per tile: a random crop of a real background (scaled so cameras land at 4-220 px of a 320 px tile),
0-3 cameras and 0-3 look-alikes placed above eye level, preferring structure (edges of poles, facades)
to empty sky, each harmonised to the photo (``harmonise.py``), sometimes partly hidden by a wire or a
blob of the photo's own texture, then noise and JPEG over the whole tile. Look-alikes are pasted the
same way and left unlabelled, so the only thing that separates a labelled paste from an unlabelled
one is what the object looks like. ``--include`` adds an existing dataset (the synthetic city's tiles)
as it is, class ids remapped by name. Splits are by background image, so val never shares a photo
with train. Tile ``i`` depends only on (seed, i): a killed run resumes and gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import yaml

from camdetect.dataset.merge import include_dataset
from camdetect.dataset.sources import IMAGE_SUFFIXES
from camdetect.durable import atomic_write_json
from camdetect.labels.exporters.yolo import write_yolo_labels, yolo_line
from camdetect.render.hard_negatives import HardNegative, crop_around_negative, read_negatives
from camdetect.render.harmonise import (
    CameraPipeline,
    Look,
    continue_cut,
    cuts_cleanly,
    finish,
    occlude,
    paste,
    prepare_sprite,
    to_linear,
)
from camdetect.render.photo_light import light_key
from camdetect.render.sprites import Sprite, load_sprite

LOOKALIKE_SIZES = ("frame", "true")
CAMERA_METRES = (0.12, 0.35)  # a camera's longest visible side (CAMERAS.md: domes 10-25 cm, bullets 15-35 cm)
NO_LOOK = Look(1.0, np.ones(3, np.float32))  # --no-harmonise: the sprite's own exposure and colour


@dataclass
class CompositeOptions:
    tiles: int = 2000
    tile: int = 320
    val_share: float = 0.15
    seed: int = 0
    cameras_per_tile: tuple[int, int] = (1, 3)
    decoys_per_tile: tuple[int, int] = (0, 3)
    empty_share: float = 0.25  # tiles with look-alikes only
    small_share: float = 0.5  # cameras of 4-24 px (Street View sizes); the rest 24-220 px
    occlusion: float = 0.25
    harmonise: bool = True  # off: plain paste (no exposure / colour match, no blur): for the ablation
    decoys: bool = True
    jpeg: tuple[int, int] = (40, 95)
    # Largest enlargement of a sprite when pasted: a camera pasted at 200 px from a 50-px render is a blurred
    # blob, unlike any real close-up. > 0: each paste draws among the sprites rendered at least
    # size / max_upscale (the largest ones when none is), so close-ups come from large renders; 0: any sprite
    # at any size (the draw of the v2-v4 datasets, kept byte for byte).
    max_upscale: float = 0.0
    # How big a look-alike is pasted. "frame": its frame 2-4x the size a camera would have (the v2-v5 draw, byte
    # for byte: lamps, globes and slabs often fill the tile). "true": true to size in metres next to a camera of
    # the drawn pixel size (a 0.8 m lamp head is ~4x a 0.2 m dome), which needs sprites whose sidecar stores
    # ``frame_m`` (rendered by this version); real false alarms are small, distant things, not tile-filling ones.
    lookalike_size: str = "frame"
    # Mined false alarms (render/hard_negatives.py, `render mine-negatives`): on this share of tiles the background
    # crop holds one of them whole, so real confusers are seen as negatives far more often than a random crop
    # shows them. "" = none (no extra random draws: older datasets stay byte for byte).
    hard_negatives: str = ""
    hard_share: float = 0.0
    # Structures the sprite frame cuts (poles, mast arms) carried on to the tile's edge (harmonise.continue_cut)
    # instead of fading out at the sprite's edge, for sprites whose cuts all cross a side away from its corners
    # (harmonise.cuts_cleanly; the rest fade as before). No random draws: False keeps older datasets byte for byte.
    continue_mounts: bool = False
    # Share of background crops taken at the scorer's own scale (one tile of photo pixels, not shrunk), as the
    # scorer's native tiles see a street; the rest keep the log-uniform side (tile .. the short side), which
    # shrinks most crops 1-4x, so real lamps, windows and holes at the sizes pasted cameras have are rare negatives.
    # Decided on its own random stream: 0 keeps older datasets byte for byte, and > 0 keeps every draw of the main
    # stream (background, crop place, sprites, sizes), though pastes land elsewhere (places follow the crop's edges).
    native_share: float = 0.0
    # Share of pastes that take a sprite lit by the tile's own background photo (``render sprites --light-photos``,
    # photo_light.py) where the library has one for that photo, so shading and reflections agree with the street;
    # the rest (and backgrounds without such sprites) draw from the whole library as before. Its own random stream:
    # 0 keeps older datasets byte for byte, and > 0 keeps every draw of the main stream.
    match_light: float = 0.0
    # Share of tiles passed through a simulated street camera after pasting (harmonise.CameraPipeline: Bayer sensor
    # noise, demosaicing, unsharp mask), so rendered edges get the fringes and halos real objects in the photos have.
    # Its own random stream: 0 keeps older datasets byte for byte, and > 0 keeps every draw of the main stream.
    camera_pipeline: float = 0.0
    workers: int = 1

    def __post_init__(self) -> None:
        if self.lookalike_size not in LOOKALIKE_SIZES:
            raise ValueError(f"lookalike_size must be one of {', '.join(LOOKALIKE_SIZES)}, not {self.lookalike_size!r}")
        if not 0 <= self.hard_share <= 1 or (self.hard_share > 0) != bool(self.hard_negatives):
            raise ValueError("hard_share must be in [0, 1], and > 0 exactly when a hard-negatives file is given")
        if not 0 <= self.native_share <= 1:
            raise ValueError(f"native_share must be in [0, 1], not {self.native_share}")
        if not 0 <= self.match_light <= 1:
            raise ValueError(f"match_light must be in [0, 1], not {self.match_light}")
        if not 0 <= self.camera_pipeline <= 1:
            raise ValueError(f"camera_pipeline must be in [0, 1], not {self.camera_pipeline}")


@dataclass(frozen=True)
class BackgroundSet:
    """The background images of one root and how often a tile draws from that root."""

    root: Path
    files: tuple[Path, ...]
    weight: float = 1.0


def parse_root(text: str) -> tuple[Path, float]:
    """``FOLDER`` or ``FOLDER=WEIGHT`` (a root's share of tiles relative to the other roots)."""
    head, sep, tail = str(text).rpartition("=")
    if sep:
        try:
            weight = float(tail)
        except ValueError:
            return Path(text), 1.0
        if weight <= 0:
            raise ValueError(f"{text}: background weight must be positive")
        return Path(head), weight
    return Path(text), 1.0


def list_backgrounds(roots: list, exclude: list[str] = ()) -> list[BackgroundSet]:
    """Every image under each root (sorted, so the list is the same on every machine), minus excludes. The
    real-camera evaluation set (``evaluate.real_images.REAL_SET``) is never a background, as it never calibrates
    (export/calibration.py): a root inside it is refused, a root that holds it skips it."""
    from camdetect.evaluate.real_images import REAL_SET  # the evaluation code owns the name

    out: list[BackgroundSet] = []
    for item in roots:
        root, weight = parse_root(item) if not isinstance(item, Path) else (item, 1.0)
        if REAL_SET in root.resolve().parts:
            raise ValueError(f"{root}: {REAL_SET} is for evaluation only, never a background")
        if not root.exists():
            raise FileNotFoundError(f"{root}: background folder does not exist")
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        files = [p for p in files if not any(x and x in p.as_posix() for x in exclude)
                 and REAL_SET not in p.relative_to(root).parts[:-1]]
        if files:
            out.append(BackgroundSet(root, tuple(files), weight))
    if not out:
        raise ValueError(f"{', '.join(map(str, roots))}: no background images")
    return out


def _draw_background(sets: list[BackgroundSet], rng: np.random.Generator) -> Path:
    w = np.array([s.weight for s in sets], float)
    chosen = sets[int(rng.choice(len(sets), p=w / w.sum()))]
    return chosen.files[int(rng.integers(len(chosen.files)))]


def split_of(path: Path, val_share: float) -> str:
    """Deterministic split by the background's file name (its sequence-free stem)."""
    h = int(hashlib.sha1(path.name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "val" if h < val_share else "train"


def sprite_dirs_of(sprite_dir) -> tuple[str, ...]:
    """One folder or several (``--sprites`` is repeatable) as the hashable key of the library cache."""
    dirs = [sprite_dir] if isinstance(sprite_dir, (str, Path)) else list(sprite_dir)
    return tuple(str(d) for d in dirs)


@lru_cache(maxsize=1)
def _library(sprite_dirs: tuple[str, ...]) -> tuple[list[Sprite], list[Sprite]]:
    cams, decoys = [], []
    for sprite_dir in sprite_dirs:
        for side in sorted(Path(sprite_dir).glob("*.json")):
            png = side.with_suffix(".png")
            if not png.is_file():
                continue
            s = load_sprite(png)
            (cams if s.meta.type else decoys).append(s)
    if not cams:
        raise ValueError(f"{', '.join(sprite_dirs)}: no camera sprites (run camdetect render sprites first)")
    return cams, decoys


def rendered_size(sp: Sprite, is_cam: bool) -> float:
    """What a paste scales: the camera box's longest side for a camera, the frame for a look-alike."""
    if is_cam:
        bx1, by1, bx2, by2 = sp.meta.box
        return float(max(bx2 - bx1, by2 - by1))
    return float(sp.meta.size)


@lru_cache(maxsize=2)
def _rendered_sizes(sprite_dirs: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """rendered_size of every camera and look-alike of the library, computed once, not per paste."""
    cams, decoys = _library(sprite_dirs)
    return (np.array([rendered_size(sp, True) for sp in cams]), np.array([rendered_size(sp, False) for sp in decoys]))


def pick_sprite(pool: list[Sprite], sizes: np.ndarray, need: float, max_upscale: float,
                rng: np.random.Generator) -> Sprite:
    """A sprite rendered at least ``need / max_upscale`` px (``sizes``: each one's rendered_size); the largest few
    when the library has none."""
    ok = np.flatnonzero(sizes * max_upscale >= need)
    if not len(ok):
        ok = np.argsort(-sizes, kind="stable")[:max(1, len(pool) // 20)]
    return pool[int(ok[int(rng.integers(len(ok)))])]


@lru_cache(maxsize=2)
def _lit_by(sprite_dirs: tuple[str, ...]) -> dict[tuple[str, bool], list[int]]:
    """(light key, is camera) -> indices into the library's cameras or look-alikes lit by that photo."""
    out: dict[tuple[str, bool], list[int]] = {}
    for is_cam, pool in zip((True, False), _library(sprite_dirs)):
        for i, sp in enumerate(pool):
            if sp.meta.light:
                out.setdefault((sp.meta.light, is_cam), []).append(i)
    return out


def match_light(sp: Sprite, pool: list[Sprite], own: list[int], opts: CompositeOptions,
                mrng: np.random.Generator | None, sizes: np.ndarray | None = None, need: float = 0.0) -> Sprite:
    """A sprite of ``pool`` lit by the tile's photo (indices ``own``) instead of ``sp``, on a share ``match_light`` of
    pastes (draws on ``mrng`` only); with ``sizes`` (the pool's rendered sizes, for ``max_upscale``) one rendered
    large enough for ``need`` px."""
    if not own or mrng is None or mrng.random() >= opts.match_light:
        return sp
    if sizes is not None:
        return pick_sprite([pool[i] for i in own], sizes[own], need, opts.max_upscale, mrng)
    return pool[own[int(mrng.integers(len(own)))]]


@lru_cache(maxsize=2)
def sized_decoys(sprite_dirs: tuple[str, ...]) -> list[Sprite]:
    """The library's look-alikes whose sidecar says how many metres their frame spans (``frame_m``)."""
    return [d for d in _library(sprite_dirs)[1] if d.meta.frame_m > 0]


def true_frame(rng: np.random.Generator, sp: Sprite, opts: CompositeOptions) -> float:
    """A look-alike's frame in px, true to size next to a camera drawn as usual: px per metre = the camera's
    drawn pixel size / its size in metres."""
    px_per_m = _camera_size(rng, opts.small_share) / float(rng.uniform(*CAMERA_METRES))
    return _capped(sp.meta.frame_m * px_per_m, opts)


@lru_cache(maxsize=2)
def _negatives(path: str) -> tuple[HardNegative, ...]:
    return tuple(read_negatives(Path(path)))


@lru_cache(maxsize=64)
def _background(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"{path}: not a readable image")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)  # tiles are built in RGB, like the sprites


def high_square(img: np.ndarray, lo: int, hi: int, rng: np.random.Generator, native: bool = False) -> np.ndarray:
    """A square crop of side log-uniform in [lo, hi] (both capped at the short side), or of side lo when
    ``native`` (the side is drawn either way, so the stream of draws is the same), anywhere across and biased to
    the top (cameras hang above eye level)."""
    H, W = img.shape[:2]
    side_max = min(H, W)
    side = int(round(math.exp(rng.uniform(math.log(min(lo, side_max)), math.log(min(hi, side_max))))))
    if native:
        side = min(lo, side_max)
    x = int(rng.integers(0, W - side + 1))
    y = int(min(H - side, abs(rng.normal(0, 0.35)) * (H - side)))
    return img[y:y + side, x:x + side]


def _crop(bg: np.ndarray, size: int, rng: np.random.Generator, native: bool = False) -> np.ndarray:
    return flip_and_fit(high_square(bg, size, min(bg.shape[:2]), rng, native), size, rng)


def native_crop(opts: CompositeOptions, index: int) -> bool:
    """Whether tile ``index`` crops its background at the scorer's scale: its own stream, so that the main
    stream (background, sprites, sizes) draws the same with or without ``native_share``."""
    return opts.native_share > 0 and float(np.random.default_rng([opts.seed, index, 1]).random()) < opts.native_share


def flip_and_fit(crop: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A square background crop mirrored half the time and resized to the tile side (area-averaged when shrunk)."""
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return fit_square(crop, size)


def fit_square(crop: np.ndarray, size: int) -> np.ndarray:
    """A square crop resized to the tile side: area-averaged when shrunk, linear when enlarged."""
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_LINEAR)


def _where(lin: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """A point above the bottom fifth, drawn towards structure (edges) more than empty sky or road."""
    H, W = lin.shape[:2]
    if rng.random() < 0.35:
        return float(rng.uniform(0, W)), float(rng.uniform(0, 0.8 * H))
    g = cv2.GaussianBlur(lin.mean(axis=2), (0, 0), 1.0)
    mag = np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0)) + 0.5 * np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1))
    mag = cv2.GaussianBlur(mag, (0, 0), 6.0)
    mag[int(0.8 * H):] = 0
    p = mag.ravel() + 1e-9
    k = int(rng.choice(p.size, p=p / p.sum()))
    return float(k % W), float(k // W)


def _frame(rng: np.random.Generator, is_cam: bool, opts: CompositeOptions) -> float:
    """What a paste scales to: a camera's box side, or a look-alike's frame as big as a camera's frame would be
    in its place (the camera ~1/4-1/2 of it)."""
    size = _camera_size(rng, opts.small_share)
    return size if is_cam else _capped(size * float(rng.uniform(2.0, 4.0)), opts)


def _capped(frame: float, opts: CompositeOptions) -> float:
    """A look-alike's frame is at most 1.5 tiles: larger pastes only show a crop of it."""
    return min(frame, 1.5 * opts.tile)


def _camera_size(rng: np.random.Generator, small_share: float) -> float:
    if rng.random() < small_share:
        return float(math.exp(rng.uniform(math.log(4), math.log(24))))
    return float(math.exp(rng.uniform(math.log(24), math.log(220))))


@dataclass
class TileRecord:
    name: str
    split: str
    background: str
    boxes: list[list[float]] = field(default_factory=list)  # x1, y1, x2, y2 in tile pixels
    classes: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)
    upscales: list[float] = field(default_factory=list)  # per labelled camera: paste size / rendered size
    decoy_frames: list[float] = field(default_factory=list)  # per look-alike: its frame's side in tile px
    hard_negative: float | None = None  # the mined false alarm's score when the crop was built around one
    photo_lit: int = 0  # pastes whose sprite was lit by this tile's background photo (match_light)
    camera_pipeline: bool = False  # passed through a simulated street camera (CompositeOptions.camera_pipeline)


def compose_tile(index: int, backgrounds: list[BackgroundSet], sprite_dir: Path | list[Path], opts: CompositeOptions) -> tuple[np.ndarray, TileRecord]:
    rng = np.random.default_rng([opts.seed, index])
    dirs = sprite_dirs_of(sprite_dir)
    cams, decoys = _library(dirs)
    true_size = opts.lookalike_size == "true"
    if true_size:
        decoys = sized_decoys(dirs)
    negs = _negatives(opts.hard_negatives) if opts.hard_negatives else ()
    neg = negs[int(rng.integers(len(negs)))] if negs and rng.random() < opts.hard_share else None
    if neg is not None:  # a crop that holds a mined false alarm whole
        bg_path = Path(neg.path)
        lin = to_linear(crop_around_negative(_background(str(bg_path)), neg, opts.tile, rng))
    else:
        bg_path = _draw_background(backgrounds, rng)
        lin = to_linear(_crop(_background(str(bg_path)), opts.tile, rng, native_crop(opts, index)))
    look = Look.of(lin)
    mrng = np.random.default_rng([opts.seed, index, 2]) if opts.match_light > 0 else None
    lit = _lit_by(dirs) if mrng is not None else {}
    key = light_key(bg_path)
    rec = TileRecord(f"c{opts.seed}_{index:06d}", split_of(bg_path, opts.val_share), bg_path.as_posix(),
                     hard_negative=None if neg is None else neg.score)
    n_cam = 0 if rng.random() < opts.empty_share else int(rng.integers(opts.cameras_per_tile[0], opts.cameras_per_tile[1] + 1))
    n_decoy = int(rng.integers(opts.decoys_per_tile[0], opts.decoys_per_tile[1] + 1)) if (opts.decoys and decoys) else 0
    if n_cam == 0 and opts.decoys and decoys:
        n_decoy = max(1, n_decoy)
    order = [True] * n_cam + [False] * n_decoy
    rng.shuffle(order)
    for is_cam in order:
        pool = cams if is_cam else decoys
        own = lit.get((key, is_cam), [])
        if true_size and not is_cam:  # any look-alike, then its size in metres (not matched: the pool is the sized one)
            sp = pool[int(rng.integers(len(pool)))]
            frame = true_frame(rng, sp, opts)
        elif opts.max_upscale > 0:  # size first, then a sprite rendered large enough for it
            frame = _frame(rng, is_cam, opts)
            sizes = _rendered_sizes(dirs)[0 if is_cam else 1]
            sp = match_light(pick_sprite(pool, sizes, frame, opts.max_upscale, rng), pool, own, opts, mrng, sizes, frame)
        else:  # the v2-v4 draw, in its order: any sprite, then its size
            sp = match_light(pool[int(rng.integers(len(pool)))], pool, own, opts, mrng)
            frame = _frame(rng, is_cam, opts)
        own_light = int(sp.meta.light == key)
        scale = frame / rendered_size(sp, is_cam)
        if is_cam:
            bx1, by1, bx2, by2 = sp.meta.box
        else:
            bx1 = by1 = 0.25 * sp.meta.size
            bx2 = by2 = 0.75 * sp.meta.size
        blur = float(rng.uniform(0.0, 0.9)) if opts.harmonise else 0.0
        carry = opts.continue_mounts and cuts_cleanly(sp.rgba)
        img = prepare_sprite(sp.rgba, scale, look if opts.harmonise else NO_LOOK, rng, blur, fade=not carry)
        cx, cy = _where(lin, rng)
        ox = int(round(cx - (bx1 + bx2) / 2 * scale))
        oy = int(round(cy - (by1 + by2) / 2 * scale))
        paste(lin, img, ox, oy)
        if carry:
            continue_cut(lin, img, ox, oy)
        box = (ox + bx1 * scale, oy + by1 * scale, ox + bx2 * scale, oy + by2 * scale)
        if opts.occlusion and rng.random() < opts.occlusion:
            occlude(lin, rng, box)
        if not is_cam:
            rec.photo_lit += own_light
            rec.decoys.append(sp.meta.kind)
            rec.decoy_frames.append(round(frame, 1))
            continue
        full = (box[2] - box[0]) * (box[3] - box[1])
        c = (max(0.0, box[0]), max(0.0, box[1]), min(float(opts.tile), box[2]), min(float(opts.tile), box[3]))
        if c[2] - c[0] < 3 or c[3] - c[1] < 3 or (c[2] - c[0]) * (c[3] - c[1]) < 0.6 * full:
            continue  # mostly off the tile: an unlabelled fragment would teach "ignore cameras", so drop the label
        rec.boxes.append([round(v, 2) for v in c])
        rec.classes.append(str(sp.meta.type))
        rec.kinds.append(sp.meta.kind)
        rec.upscales.append(round(scale, 3))
        rec.photo_lit += own_light
    crng = np.random.default_rng([opts.seed, index, 3]) if opts.camera_pipeline > 0 else None
    camera = CameraPipeline.draw(crng) if crng is not None and crng.random() < opts.camera_pipeline else None
    rec.camera_pipeline = camera is not None
    return finish(lin, rng, opts.jpeg, camera), rec


def _write_tile(args) -> dict:
    index, backgrounds, sprite_dir, opts, out, names = args
    name = f"c{opts.seed}_{index:06d}"
    for split in ("train", "val"):
        if (out / "labels" / split / f"{name}.txt").is_file():
            meta = out / "meta" / f"{name}.json"
            if meta.is_file():
                return json.loads(meta.read_text(encoding="utf-8"))
    img, rec = compose_tile(index, backgrounds, sprite_dir, opts)
    (out / "images" / rec.split).mkdir(parents=True, exist_ok=True)
    (out / "labels" / rec.split).mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out / "images" / rec.split / f"{name}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    T = float(opts.tile)
    lines = [yolo_line(names.index(c) if c in names else names.index("bullet"), b, T, T)  # alpr before the taxonomy
             for b, c in zip(rec.boxes, rec.classes)]
    doc = asdict(rec)
    atomic_write_json(out / "meta" / f"{name}.json", doc)
    write_yolo_labels(out / "labels" / rec.split / f"{name}.txt", lines)  # last: the tile is done
    return doc


def build_composites(out: Path, backgrounds: list[BackgroundSet], sprite_dir: Path | list[Path], opts: CompositeOptions,
                     names: list[str], include: list[Path] = (), command: str = "", progress: bool = True) -> dict:
    """Write ``out`` as an ultralytics dataset (data.yaml, images/, labels/) plus meta/, card.md and
    contact_sheet.png. Re-running resumes: finished tiles are kept."""
    out.mkdir(parents=True, exist_ok=True)
    dirs = sprite_dirs_of(sprite_dir)
    _, decoys = _library(dirs)  # fail early, in the parent, on an empty or bad library
    if opts.decoys and opts.lookalike_size == "true" and decoys and not sized_decoys(dirs):
        raise ValueError(f"{', '.join(dirs)}: no look-alike sprite stores its size in metres (frame_m); render them "
                         "again with this version or use --lookalike-size frame")
    if opts.hard_negatives:  # only where the composites may draw: never a held-out or excluded photo
        allowed = {str(f) for b in backgrounds for f in b.files}
        for n in _negatives(opts.hard_negatives):
            if n.path not in allowed:
                raise ValueError(f"{opts.hard_negatives}: hard negative on {n.path}, which is not among the "
                                 "backgrounds (held out or excluded?)")
    jobs = [(i, backgrounds, sprite_dir, opts, out, names) for i in range(opts.tiles)]
    records: list[dict] = []
    if opts.workers > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(opts.workers) as pool:
            it = pool.imap(_write_tile, jobs, chunksize=8)
            records = list(_progress(it, len(jobs), progress))
    else:
        records = list(_progress(map(_write_tile, jobs), len(jobs), progress))
    included = {str(p): dict(include_dataset(p, out, names)) for p in include}
    (out / "data.yaml").write_text("# written by camdetect render composite; no `path:` key so the folder can move\n"
                                   + yaml.safe_dump({"train": "images/train", "val": "images/val",
                                                     "names": list(names)}, sort_keys=False), encoding="utf-8")
    from camdetect.render.card import write_card

    summary = write_card(out, records, opts, names, included, command, backgrounds, sprite_dirs_of(sprite_dir))
    return summary


def _progress(it, total: int, enabled: bool):
    if not enabled:
        yield from it
        return
    from tqdm import tqdm

    yield from tqdm(it, total=total, desc="composites", unit="tile")
