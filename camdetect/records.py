"""Core records shared by every stage: View, Tag, Camera, Detections, Suggestion.

Typed dataclasses with numpy arrays inside where there are many of something (Detections), plain
fields where a record is one row of a table (Tag, Camera, Suggestion). Tables are CSV files with a
fixed header (:data:`TAG_COLUMNS`, :data:`CAMERA_COLUMNS`) so they open in a spreadsheet and diff in
git; :func:`write_table` / :func:`read_table` are the only readers and writers.

Angles are degrees. ``heading`` is clockwise from north (0..360), ``pitch`` is up from the horizon
(-90..90). Pixel boxes are ``x1, y1, x2, y2`` in the pixel grid of the image they live on.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypeVar

import numpy as np

from camdetect.durable import atomic_open

T = TypeVar("T")


@dataclass(frozen=True)
class View:
    """One perspective crop of a panorama (or a plain photo when ``pano_id`` is an image id)."""

    pano_id: str
    heading: float
    pitch: float
    fov: float  # horizontal field of view, degrees
    width: int
    height: int

    @property
    def view_id(self) -> str:
        return f"{self.pano_id}_h{self.heading:06.2f}_p{self.pitch:+06.2f}_f{self.fov:05.1f}_{self.width}x{self.height}"


@dataclass
class Tag:
    """One annotator's mark on one camera: a point on the sphere or a box on an image."""

    source: str  # decoders, stanford, coco, yolo, voc, labelstudio, cvat, review, synth
    image: str  # panorama id or image key (relative path / file name)
    annotator: str
    tag_id: str = ""
    # "tag": a mark on a camera. "seen": the annotator looked at the image (and may have tagged
    # nothing) -- consensus needs who saw an image, not only who tagged something on it.
    kind: str = "tag"
    type: str = "unknown"
    mount: str = "other"
    mount_detail: str = ""
    # point on the sphere (Decoders-style); NaN when the tag is a box
    heading: float = math.nan
    pitch: float = math.nan
    # box on the image (pixels); NaN when the tag is a point
    x1: float = math.nan
    y1: float = math.nan
    x2: float = math.nan
    y2: float = math.nan
    image_width: int = 0
    image_height: int = 0
    # the view the box lives on, when the image is a view of a panorama (NaN otherwise)
    view_heading: float = math.nan
    view_pitch: float = math.nan
    view_fov: float = math.nan
    intersection: str = ""
    time: str = ""
    raw_type: str = ""
    raw_mount: str = ""
    score: float = math.nan  # model score for predictions; NaN for human tags
    weak: bool = False  # True when the box was derived from a point with a size prior

    @property
    def is_point(self) -> bool:
        return math.isnan(self.x1) and not math.isnan(self.heading)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)


@dataclass
class Camera:
    """The consensus of tags on one physical camera."""

    camera_id: str
    image: str
    intersection: str = ""
    heading: float = math.nan
    pitch: float = math.nan
    x1: float = math.nan
    y1: float = math.nan
    x2: float = math.nan
    y2: float = math.nan
    image_width: int = 0
    image_height: int = 0
    view_heading: float = math.nan
    view_pitch: float = math.nan
    view_fov: float = math.nan
    type: str = "unknown"
    mount: str = "other"
    mount_detail: str = ""
    n_tags: int = 0
    n_annotators: int = 0  # annotators who saw the image
    agreement: str = ""  # Unanimous | 2 vs 1 | All disagree (Amnesty's wording), or "k of n"
    confidence: float = math.nan
    type_confidence: float = math.nan
    mount_confidence: float = math.nan
    weak: bool = False
    annotators: str = ""  # ';'-joined annotator ids that tagged it


TAG_COLUMNS = [f.name for f in fields(Tag)]
CAMERA_COLUMNS = [f.name for f in fields(Camera)]


def _parse(value: str, typ: object) -> object:
    typ = str(typ)
    if "float" in typ:
        return math.nan if value in ("", "nan", "NaN", "None") else float(value)
    if "int" in typ:
        if value == "":
            return 0
        number = float(value)  # "3.0" (a float column written by pandas) is 3
        if not number.is_integer():
            raise ValueError(f"expected an integer, got {value!r}")
        return int(number)
    if "bool" in typ:
        flag = value.strip().lower()
        if flag not in _TRUE + _FALSE:
            raise ValueError(f"expected 1/0 or true/false, got {value!r}")
        return flag in _TRUE
    return value


_TRUE, _FALSE = ("1", "true", "yes"), ("0", "false", "no", "")


def _format(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else repr(round(float(value), 4))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def write_table(path: str | os.PathLike, rows: Iterable[T], cls: type[T]) -> int:
    """Write dataclass rows as CSV with the class's field names as header; returns the row count."""
    names = [f.name for f in fields(cls)]
    n = 0
    with atomic_open(path, newline="") as fh:  # a reader never sees half a table
        w = csv.writer(fh)
        w.writerow(names)
        for row in rows:
            w.writerow([_format(getattr(row, name)) for name in names])
            n += 1
    return n


def iter_table(path: str | os.PathLike, cls: type[T]) -> Iterator[T]:
    """Read rows written by :func:`write_table`; unknown columns are ignored, missing ones defaulted."""
    path = Path(path)
    types = {f.name: f.type for f in fields(cls)}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        for lineno, rec in enumerate(reader, start=2):
            kw = {}
            for k, v in rec.items():
                if k in types and v is not None:
                    try:
                        kw[k] = _parse(v, types[k])
                    except ValueError as exc:
                        raise ValueError(f"{path}:{lineno}: bad {cls.__name__} row: {k}: {exc}") from None
            try:
                yield cls(**kw)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{lineno}: bad {cls.__name__} row: {exc}") from None


def read_table(path: str | os.PathLike, cls: type[T]) -> list[T]:
    return list(iter_table(path, cls))


@dataclass
class Detections:
    """Boxes on one image: ``xyxy`` (N, 4) float32 pixels, ``scores`` (N,), ``class_ids`` (N,)."""

    xyxy: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    scores: np.ndarray = field(default_factory=lambda: np.zeros((0,), np.float32))
    class_ids: np.ndarray = field(default_factory=lambda: np.zeros((0,), np.int64))

    def __len__(self) -> int:
        return int(self.xyxy.shape[0])

    def __getitem__(self, index) -> Detections:
        return Detections(self.xyxy[index].reshape(-1, 4), np.atleast_1d(self.scores[index]),
                          np.atleast_1d(self.class_ids[index]))

    @classmethod
    def concat(cls, items: Iterable[Detections]) -> Detections:
        items = list(items)
        if not items:
            return cls()
        return cls(np.concatenate([d.xyxy for d in items]).astype(np.float32),
                   np.concatenate([d.scores for d in items]).astype(np.float32),
                   np.concatenate([d.class_ids for d in items]).astype(np.int64))


@dataclass
class Suggestion:
    """A model detection waiting for review; the row the scorer writes into the review store.

    ``key`` is deterministic (model + image + box rounded) so re-running a batch never duplicates.
    """

    key: str
    intersection: str
    pano_id: str
    image_path: str  # the view/image the box lives on
    view_heading: float
    view_pitch: float
    view_fov: float
    image_width: int
    image_height: int
    x1: float
    y1: float
    x2: float
    y2: float
    score: float
    type: str
    mount: str = "other"
    type_score: float = math.nan
    mount_score: float = math.nan
    heading: float = math.nan  # bearing of the camera from the panorama position
    pitch: float = math.nan
    lat: float = math.nan  # panorama position when known
    lon: float = math.nan
    model: str = ""
    created: str = ""

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    # -- the one Suggestion codec (JSONL logs, Ray batches, GeoJSON/locate readers, the review store) --
    # NaN rule: JSON has no NaN, so a NaN float is written as null; reading, a float field that is
    # null (or absent, where it has a default) is NaN. Unknown keys are ignored (marker rows, newer
    # writers); a missing field without a default is a ValueError.

    def to_json_dict(self) -> dict:
        """The fields as a JSON-ready dict, NaN floats as None."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, rec: dict) -> Suggestion:
        """Decode a dict (a JSONL line, a Ray row, a store row's columns): see the NaN rule above."""
        kw = {k: (math.nan if v is None and k in _SUGGESTION_FLOATS else v)
              for k, v in rec.items() if k in _SUGGESTION_FIELDS}
        missing = [f.name for f in fields(cls) if f.name not in kw and f.default is dataclasses.MISSING]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        return cls(**kw)


_SUGGESTION_FIELDS = frozenset(f.name for f in fields(Suggestion))
_SUGGESTION_FLOATS = frozenset(f.name for f in fields(Suggestion) if "float" in str(f.type))


def iter_jsonl(path: str | os.PathLike, what: str = "a JSON object per line") -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line of a JSONL file; a line that is not JSON or not an
    object is a one-line ValueError naming the file and line (``what`` says what the line should be)."""
    import json

    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for lineno, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                rec = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise ValueError(f"{path}:{lineno}: expected {what}")
            yield lineno, rec


def read_suggestions(path: str | os.PathLike) -> list[Suggestion]:
    """Suggestion rows from JSONL (one object per line, decoded by :meth:`Suggestion.from_dict`) or CSV
    (records table)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: suggestions file not found")
    if path.suffix.lower() == ".csv":
        return read_table(path, Suggestion)
    out = []
    for lineno, rec in iter_jsonl(path, "a JSON object (one Suggestion per line)"):
        try:
            out.append(Suggestion.from_dict(rec))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{lineno}: not a Suggestion row: {exc}") from None
    return out
