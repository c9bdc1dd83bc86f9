"""int8 calibration inputs: what the scorer feeds the network, sampled reproducibly from several folders.

A calibration *source* is a folder of images (``DIR``, or ``DIR:N`` for N inputs from it), minus any
sub-folders named in ``exclude`` (held-out sets, e.g. ``opensfm`` and ``geovisio_pypi`` of
``../shared/data/street-backgrounds``). Inputs are cut the way ``camdetect score`` cuts a view for a
tiled model (``scoring.tiling.tile_size_for`` + ``geometry.tiles.tile_windows``): a photo larger than the
model's tile gives one native-resolution tile chosen at random, and every ``whole_every``-th sampled
photo also gives the whole photo (the scorer's whole-view pass, letterboxed down); a photo no larger than
the tile (a composite training tile) is used whole. Files are picked with ``numpy.random.default_rng(seed)``
over the sorted file list, so the same folders and seed give the same inputs.

The real-camera evaluation set (``evaluate.real_images.REAL_SET``) never calibrates: a source inside it is
refused, and a source that holds it (e.g. the whole shared data folder) skips it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

METHODS = ("minmax", "entropy", "percentile")


@dataclass
class CalibSource:
    path: Path
    n: int | None = None  # inputs from this source (None: an equal share of the total)
    exclude: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str | Path, exclude: tuple[str, ...] | list[str] = ()) -> CalibSource:
        """``DIR`` or ``DIR:N``."""
        text = str(spec)
        head, sep, tail = text.rpartition(":")
        if sep and tail.isdigit() and head:
            if int(tail) < 1:
                raise ValueError(f"{text}: calibration count must be >= 1")
            return cls(Path(head), int(tail), tuple(exclude))
        return cls(Path(text), None, tuple(exclude))

    def files(self) -> list[Path]:
        from camdetect.evaluate.real_images import REAL_SET  # the evaluation code owns the name
        from camdetect.scoring.inputs import IMAGE_EXTS

        root = Path(self.path)
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: calibration folder not found")
        if REAL_SET in root.resolve().parts:
            raise ValueError(f"{root}: {REAL_SET} is for evaluation only, never for calibration")
        skip = {*self.exclude, REAL_SET}
        out = []
        for p in sorted(root.rglob("*")):
            rel = p.relative_to(root).parts
            if p.is_file() and p.suffix.lower() in IMAGE_EXTS and not (set(rel[:-1]) & skip):
                out.append(p)
        return out


@dataclass
class CalibSet:
    """The sampled network inputs (BGR uint8) and where each came from."""

    images: list[np.ndarray] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)  # "path" or "path#x0,y0,x1,y1"
    per_source: dict[str, int] = field(default_factory=dict)
    seed: int = 0

    def split(self, n_eval: int) -> tuple[CalibSet, CalibSet]:
        """Deterministic held-out split: every k-th input goes to evaluation (all sources represented)."""
        n = len(self.images)
        n_eval = min(max(0, n_eval), n - 1)
        step = n / n_eval if n_eval else 0
        held = {int(i * step) for i in range(n_eval)} if n_eval else set()
        parts = [CalibSet(seed=self.seed), CalibSet(seed=self.seed)]
        for i, (im, o) in enumerate(zip(self.images, self.origins)):
            part = parts[1] if i in held else parts[0]
            part.images.append(im)
            part.origins.append(o)
        return parts[0], parts[1]

    def summary(self) -> dict:
        return {"inputs": len(self.images), "seed": self.seed, "per_source": dict(self.per_source)}


def sample_calibration(sources: list[CalibSource], n: int, tile: int, imgsz: int, seed: int = 0,
                       whole_every: int = 4) -> CalibSet:
    """About ``n`` inputs (sources with an explicit N give exactly N; the others share the rest equally)."""
    import cv2

    from camdetect.geometry.tiles import tile_windows
    from camdetect.scoring.inputs import decode_image
    from camdetect.scoring.tiling import tile_size_for

    if not sources:
        raise ValueError("int8 calibration needs at least one folder (--calib DIR)")
    fixed = sum(s.n for s in sources if s.n)
    free = [s for s in sources if not s.n]
    share = max(1, (n - fixed) // len(free)) if free else 0
    rng = np.random.default_rng(seed)
    out = CalibSet(seed=seed)
    for src in sources:
        want = src.n or share
        files = src.files()
        if not files:
            raise ValueError(f"{src.path}: no images to calibrate on" + (
                f" (after excluding {', '.join(src.exclude)})" if src.exclude else ""))
        got, k = 0, 0
        order = rng.permutation(len(files))
        while got < want and k < 4 * want + len(files):  # cycle through the files when a folder is small
            path = files[order[k % len(files)]]
            k += 1
            dec = decode_image(path)
            if dec.image is None:
                continue
            im = dec.image
            h, w = im.shape[:2]
            side = tile_size_for(w, h, imgsz, -1, tile)
            if side:
                wins = tile_windows(w, h, side)
                x0, y0, x1, y1 = wins[int(rng.integers(len(wins)))]
                out.images.append(np.ascontiguousarray(im[y0:y1, x0:x1]))
                out.origins.append(f"{path}#{x0},{y0},{x1},{y1}")
                got += 1
                if whole_every and k % whole_every == 0 and got < want:
                    scale = imgsz / max(h, w)  # the whole-view pass: only its letterboxed size matters
                    small = cv2.resize(im, (max(1, round(w * scale)), max(1, round(h * scale))),
                                       interpolation=cv2.INTER_AREA)
                    out.images.append(small)
                    out.origins.append(str(path))
                    got += 1
            else:
                out.images.append(im)
                out.origins.append(str(path))
                got += 1
        out.per_source[str(src.path) + (f" (minus {', '.join(src.exclude)})" if src.exclude else "")] = got
    return out
