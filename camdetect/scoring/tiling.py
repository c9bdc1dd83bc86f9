"""SAHI-style tiled scoring of large views, but batched: tiles (plus one whole-image pass) go through
the same ORT batch as everything else, then boxes are shifted back and merged. The tiles are
``camdetect.geometry.tiles.tile_windows``: the windows dataset building cut the training tiles with.

Merging uses class-aware NMS on intersection-over-smaller (IoS): a camera cut by a tile border
leaves a partial box inside the whole one, which IoU would keep as a duplicate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from camdetect.geometry.overlap import greedy_nms
from camdetect.geometry.tiles import DEFAULT_OVERLAP, tile_windows
from camdetect.records import Detections
from camdetect.scoring.mode_spec import mode_spec_label, parse_mode_spec

MERGE_IOS = 0.6


def tile_size_for(width: int, height: int, imgsz: int, tile: int, train_tile: int = 0) -> int:
    """Tile side for an image: ``tile`` > 0 forces it, 0 disables tiling, < 0 (auto): the tile size the
    model was trained on (``train_tile``, from its metadata: cameras must keep the pixel size they had in
    training) for images larger than it; without one, ``imgsz`` tiles for images more than twice the
    network input."""
    if tile == 0:
        return 0
    if tile > 0:
        return tile if max(width, height) > tile else 0
    if train_tile > 0:
        return train_tile if max(width, height) > train_tile else 0
    return imgsz if max(width, height) > 2 * imgsz else 0


def shift(det: Detections, x0: float, y0: float) -> Detections:
    if not len(det):
        return det
    xyxy = det.xyxy.copy()
    xyxy[:, [0, 2]] += x0
    xyxy[:, [1, 3]] += y0
    return Detections(xyxy, det.scores, det.class_ids)


def ios_nms(det: Detections, thresh: float = MERGE_IOS, agnostic: bool = False) -> Detections:
    """Greedy suppression by intersection over the smaller box, within a class (``agnostic``: across classes)."""
    if len(det) < 2:
        return det
    return det[greedy_nms(det.xyxy, det.scores, thresh, None if agnostic else det.class_ids, metric="ios")]


def merge_tiles(parts: list[Detections], origins: list[tuple[int, int]], thresh: float = MERGE_IOS,
                agnostic: bool = False) -> Detections:
    """Shift each tile's detections by its origin and merge duplicates across tiles."""
    return ios_nms(Detections.concat(shift(d, x, y) for d, (x, y) in zip(parts, origins)), thresh, agnostic)


# -- layouts (issue 14, item 2): which network inputs a view becomes --------------------------------------------
LAYOUT_MODES = ("tiles", "whole")
AUTO = "auto"
# `--layout auto` (the default): views cut from panoramas fed whole at their own 640 px (one input per view,
# 2.4x faster than 3 x 3 tiles + whole at the same recall on two synthetic cities, docs/scoring.md "Tile
# layout"); photos and other views tiled (a 4000 px photo shrunk to one input would lose its small cameras).
AUTO_PANORAMA, AUTO_VIEW = "whole:size=640", "tiles"
DEFAULT_LAYOUT = AUTO


@dataclass(frozen=True)
class TileLayout:
    """How one view becomes network inputs (``camdetect score --layout``).

    * ``tiles`` (default): tiles of the tile side (``tile_size_for``: the model's training tile) laid out by
      ``geometry.tiles.tile_windows`` with at least ``overlap`` between neighbours, plus (``whole=1``) one
      pass of the whole view letterboxed to the network input, which catches objects bigger than a tile.
      ``top_rows=N`` keeps only the N top tile rows (cameras hang above eye level; the whole pass still
      sees the rest). ``tile=N`` sets the tile side (0: the scorer's rule); a tile larger than the network
      input is letterboxed down to it. On a 640 px view with 320 px tiles: ``overlap=0.2`` is the 3 x 3 grid
      (starts 0, 160, 320), ``overlap=0`` the 2 x 2 grid (0, 320: no overlap, a camera on the middle lines is
      cut); ``tile=352,overlap=0.1`` a 2 x 2 grid of 352 px tiles (0, 288: 64 px overlap) shown at 320 px.
    * ``whole``: the whole view only, letterboxed to ``size`` (0 = the model's input; a larger side needs a
      model exported with dynamic height/width: a 640 px view at ``size=640`` is fed at its own pixels).

    A unit whose pixels already have the network input's size is fed as is (no resize, no padding:
    ``letterbox.to_blob``).
    """

    mode: str = "tiles"
    overlap: float = DEFAULT_OVERLAP
    whole: bool = True
    top_rows: int = 0  # 0 = every tile row
    size: int = 0  # whole-view pass input side; 0 = the model's input size
    tile: int = 0  # tile side; 0 = the scorer's rule (tiling.tile_size_for: the model's training tile)

    def __post_init__(self) -> None:
        if self.mode not in LAYOUT_MODES:
            raise ValueError(f"--layout must be one of {', '.join(LAYOUT_MODES)}, got {self.mode!r}")
        if not 0 <= self.overlap < 1:
            raise ValueError(f"--layout: overlap must be in [0, 1), got {self.overlap}")
        if self.top_rows < 0 or self.size < 0 or self.tile < 0:
            raise ValueError("--layout: top_rows, size and tile must be >= 0")
        if self.size and self.size % 32:
            raise ValueError(f"--layout: size must be a multiple of 32 (the network stride), got {self.size}")

    @classmethod
    def parse(cls, spec: TileLayout | str | dict | None) -> TileLayout:
        """``MODE`` or ``MODE:key=value,...`` (``tiles:overlap=0``, ``tiles:top_rows=2``, ``whole:size=640``),
        a dict of fields, or a layout; None is the default."""
        return parse_mode_spec(cls, spec, "--layout", lambda key, value: float(value) if key == "overlap"
                               else bool(int(value)) if key == "whole" else int(value))

    @property
    def label(self) -> str:
        """The spec that rebuilds this layout (mode, then the fields that differ from the defaults)."""
        return mode_spec_label(self, lambda v: f"{int(v) if isinstance(v, bool) else v:g}")

    def to_json(self) -> dict:
        return {"spec": self.label, **asdict(self)}

    def whole_input(self, imgsz: tuple[int, int]) -> tuple[int, int]:
        """Network input (h, w) of the whole-view pass."""
        return (self.size, self.size) if self.size else tuple(imgsz)

    def windows(self, width: int, height: int, tile: int) -> list[tuple[int, int, int, int]]:
        """The tile windows of a ``width`` x ``height`` view (``tile`` 0: none)."""
        if self.mode != "tiles" or not tile:
            return []
        windows = tile_windows(width, height, tile, self.overlap)
        if self.top_rows:
            rows = sorted({w[1] for w in windows})[: self.top_rows]
            windows = [w for w in windows if w[1] in rows]
        return windows

    def has_whole_pass(self, tiled: bool) -> bool:
        """Whether the whole view is a unit (always when the view is not tiled)."""
        return self.mode == "whole" or self.whole or not tiled


@dataclass(frozen=True)
class KindLayouts:
    """The layout for each input kind (``camdetect score --layout``): ``auto`` = ``AUTO_PANORAMA`` for views cut
    from panoramas, ``AUTO_VIEW`` for photos and views; any other spec is one layout for both. ``spec`` is what
    the user asked for (the report prints it; pasting it back rebuilds this)."""

    panorama: TileLayout
    view: TileLayout
    spec: str

    @classmethod
    def parse(cls, spec: KindLayouts | TileLayout | str | dict | None) -> KindLayouts:
        if isinstance(spec, KindLayouts):
            return spec
        if spec is None or spec == AUTO:
            return cls(TileLayout.parse(AUTO_PANORAMA), TileLayout.parse(AUTO_VIEW), AUTO)
        one = TileLayout.parse(spec)
        return cls(one, one, one.label)

    def for_kind(self, kind: str) -> TileLayout:
        return self.panorama if kind == "panorama" else self.view

    def without_sizes(self) -> KindLayouts:
        """``auto`` for a model with a fixed input size: its panorama layout (a larger whole pass) becomes the
        view layout; an explicit layout is left as it is (the scorer refuses it in one line)."""
        return KindLayouts(self.view, self.view, self.spec) if self.spec == AUTO else self

    def to_json(self) -> dict:
        return {"spec": self.spec, "panorama": self.panorama.to_json(), "view": self.view.to_json()}
