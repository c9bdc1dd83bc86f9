"""Which tiles of a view are worth a network pass (issue 14: spend inference where cameras are).

Cameras hang above eye level: Stanford's 2,021 boxes sit at elevations p10/p50/p90 = +3.9 / +12.6 / +27.8
deg (docs/geometry.md). A tile that cannot hold a camera is not sent to the detector; the view's whole
(downscaled) pass always runs, so a big camera is still found. Two rules, neither looks at the truth:

* **geometry** (views with a known pitch and field of view): a tile whose every pixel looks more than
  ``road_below_deg`` below the horizon is road surface; one whose every pixel looks more than
  ``sky_above_deg`` above it is sky far above the buildings. Elevations come from
  ``camdetect.geometry.view_to_angles`` on the tile's border (for a pinhole view without roll the
  extremes of a rectangle lie on its border). Photos without geometry keep every tile.
* **texture** (any image, on the decoded pixels, no model): a camera is a compact object with a visible
  outline, so a tile with fewer than ``min_edge_px`` pixels whose Sobel step contrast reaches
  ``edge_contrast`` grey levels (clear or overcast sky, blank wall, clean asphalt) cannot show one.
  The edge map is computed once per view and counted per tile through an integral image.

``mode``: ``none`` (every tile), ``geometry``, ``geometry+texture`` (``camdetect score``'s default,
``DEFAULT_SPEC``: measured in docs/scoring.md, Tile policy). The policy is recorded in the run's
``summary.json`` (``tile_policy``), with the tiles it skipped per reason (``tiles_skipped``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from camdetect.records import View
from camdetect.scoring.mode_spec import mode_spec_label, parse_mode_spec

MODES = ("none", "geometry", "geometry+texture")
# `camdetect score`'s default: on the held-out synthetic panoramas it kept 100 % of the recall of scoring every
# tile (4 of 4 cameras; 54 of 54 on all 160 c11 panoramas), the same suggestions, docs/scoring.md#tile-policy
DEFAULT_SPEC = "geometry+texture"
BORDER_SAMPLES = 17  # points per tile edge for the elevation range


@dataclass(frozen=True)
class TilePolicy:
    """Tile-skipping settings; ``mode`` picks the rules, the rest are their thresholds (see module doc)."""

    mode: str = "none"
    # Street View's camera is ~2.5 m up and cameras hang at 3-6 m: a camera 10 deg below the horizon would be
    # lower than the car's roof within 3 m of it. Stanford's lowest boxes are ~0 deg.
    road_below_deg: float = 10.0
    # 1.3 % of Stanford's cameras are above +39 deg (right overhead at close range); none above ~+70.
    sky_above_deg: float = 70.0
    edge_contrast: float = 16.0  # grey levels of a step edge that counts
    min_edge_px: int = 16  # a 6 px camera's outline alone gives ~24 edge pixels

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"--skip-tiles must be one of {', '.join(MODES)}, got {self.mode!r}")
        if not (math.isfinite(self.road_below_deg) and math.isfinite(self.sky_above_deg)):
            raise ValueError("tile policy: road_below_deg and sky_above_deg must be finite")
        if not 0 < self.edge_contrast <= 255:
            raise ValueError(f"tile policy: edge_contrast must be in (0, 255], got {self.edge_contrast}")
        if self.min_edge_px < 0:
            raise ValueError(f"tile policy: min_edge_px must be >= 0, got {self.min_edge_px}")

    @classmethod
    def parse(cls, spec: TilePolicy | str | dict | None) -> TilePolicy:
        """``MODE`` or ``MODE:key=value,...`` (e.g. ``geometry+texture:edge_contrast=32``), a dict of fields,
        or a policy; None is ``none``."""
        return parse_mode_spec(cls, spec, "--skip-tiles",
                               lambda key, value: int(value) if key == "min_edge_px" else float(value))

    @property
    def label(self) -> str:
        """The spec that rebuilds this policy (mode, then the thresholds that differ from the defaults)."""
        return mode_spec_label(self)

    @property
    def geometry(self) -> bool:
        return self.mode in ("geometry", "geometry+texture")

    @property
    def texture(self) -> bool:
        return self.mode == "geometry+texture"

    def to_json(self) -> dict:
        return {"spec": self.label, **asdict(self)}

    def decide(self, view: View, image: np.ndarray, windows: list[tuple[int, int, int, int]]) -> list[str]:
        """One entry per window: ``""`` (score it) or why it is skipped (``road``, ``sky``, ``texture``)."""
        out = [""] * len(windows)
        if self.mode == "none" or not windows:
            return out
        if self.geometry and has_geometry(view):
            for i, (x0, y0, x1, y1) in enumerate(windows):
                lo, hi = _cached_range(view.pitch, view.fov, view.width, view.height, (x0, y0, x1, y1),
                                       image.shape[1], image.shape[0])
                if hi < -self.road_below_deg:
                    out[i] = "road"
                elif lo > self.sky_above_deg:
                    out[i] = "sky"
        if self.texture:
            todo = [i for i, r in enumerate(out) if not r]
            if todo:
                counts = edge_counts(image, [windows[i] for i in todo], self.edge_contrast)
                for i, n in zip(todo, counts):
                    if n < self.min_edge_px:
                        out[i] = "texture"
        return out


def has_geometry(view: View) -> bool:
    return all(math.isfinite(v) for v in (view.pitch, view.fov)) and view.fov > 0


def elevation_range(view: View, window: tuple[int, int, int, int], width: int | None = None,
                    height: int | None = None) -> tuple[float, float]:
    """(lowest, highest) elevation in degrees seen by a pixel window of ``view``. ``width``/``height``: the
    pixel size of the image the window is on, when it differs from ``view``'s (scaled the same way)."""
    from camdetect.geometry import view_to_angles

    sx = view.width / width if width else 1.0
    sy = view.height / height if height else 1.0
    x0, y0, x1, y1 = window
    t = np.linspace(0.0, 1.0, BORDER_SAMPLES)
    xs = np.concatenate([x0 + (x1 - x0) * t, x0 + (x1 - x0) * t, np.full_like(t, x0), np.full_like(t, x1)]) * sx
    ys = np.concatenate([np.full_like(t, y0), np.full_like(t, y1), y0 + (y1 - y0) * t, y0 + (y1 - y0) * t]) * sy
    _, pitch = view_to_angles(view, xs, ys)
    pitch = np.asarray(pitch, np.float64)
    lo, hi = float(pitch.min()), float(pitch.max())
    # the zenith / nadir inside the window (a steeply pitched view) is not on its border
    for pole in (90.0, -90.0):
        from camdetect.geometry import angles_to_view

        px, py, front = angles_to_view(view, 0.0, pole)
        if bool(front) and x0 * sx <= float(px) <= x1 * sx and y0 * sy <= float(py) <= y1 * sy:
            lo, hi = min(lo, pole), max(hi, pole)
    return lo, hi


@lru_cache(maxsize=4096)
def _cached_range(pitch: float, fov: float, vw: int, vh: int, window: tuple[int, int, int, int], width: int,
                  height: int) -> tuple[float, float]:
    """Elevations do not depend on the heading: every view of a plan shares one set (9 tiles per view
    would otherwise cost ~4 ms of numpy per view)."""
    return elevation_range(View("", 0.0, pitch, fov, vw, vh), window, width, height)


def edge_map(image: np.ndarray, contrast: float) -> np.ndarray:
    """uint8 0/1 mask of pixels on a step of at least ``contrast`` grey levels (3x3 Sobel: a step of c gives
    4c in the derivative across it)."""
    import cv2

    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    thr = 4.0 * contrast
    dx = cv2.Sobel(gray, cv2.CV_16S, 1, 0, ksize=3)
    dy = cv2.Sobel(gray, cv2.CV_16S, 0, 1, ksize=3)
    if thr <= 255:  # same mask in uint8 (|d| saturated at 255 keeps |d| >= thr), about 2x faster
        mag = cv2.max(cv2.convertScaleAbs(dx), cv2.convertScaleAbs(dy))
        return cv2.threshold(mag, math.ceil(thr) - 1, 1, cv2.THRESH_BINARY)[1]
    return (np.maximum(np.abs(dx), np.abs(dy)) >= thr).astype(np.uint8)


def edge_counts(image: np.ndarray, windows: list[tuple[int, int, int, int]], contrast: float) -> list[int]:
    """Edge pixels inside each window, from one edge map and one integral image of the whole view."""
    import cv2

    integral = cv2.integral(edge_map(image, contrast), sdepth=cv2.CV_32S)
    return [int(integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0])
            for x0, y0, x1, y1 in windows]
