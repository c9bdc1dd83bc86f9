"""What every importer shares: strict/lenient problem handling, text decoding, box checks, XML, sizes.

One rule for bad input everywhere: :meth:`ImportContext.problem` raises a one-line ``ValueError``
naming the file, the line (or JSON path) and the problem in strict mode, and otherwise counts it in a
:class:`~camdetect.taxonomy.LabelWarnings` that the import report prints. Importers never raise
anything else for bad content, so ``--strict`` is a reliable gate and lenient mode never crashes.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.parsers import expat

from camdetect.records import Tag
from camdetect.taxonomy import LabelWarnings, Taxonomy, load_taxonomy, where

# Boxes that run past the image border by at most this many pixels are clipped and counted without a
# warning: exporters commonly write 1-based or inclusive corners (Roboflow's VOC export has ymax=417
# on 416-px images). Anything further out is a problem (strict: error; lenient: clipped + warning).
CLIP_TOLERANCE_PX = 2.0
ROUNDING_PX = 1e-3  # smaller overshoots are float rounding (YOLO's 6 decimals): clipped silently

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")

UTF8_BOM = b"\xef\xbb\xbf"


def short(value: object, limit: int = 60) -> str:
    """``repr`` of a raw value, cut to one short line for an error message."""
    text = repr(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class ImportResult:
    """Tags (and seen rows) read from one source, with counted problems and statistics."""

    fmt: str
    src: str
    tags: list[Tag]
    warnings: LabelWarnings
    counts: Counter

    @property
    def n_tags(self) -> int:
        return sum(1 for t in self.tags if t.kind == "tag")

    @property
    def n_seen(self) -> int:
        return sum(1 for t in self.tags if t.kind == "seen")

    def report(self) -> str:
        """Human-readable multi-line summary printed by ``camdetect labels import``."""
        images = len({t.image for t in self.tags})
        annotators = len({t.annotator for t in self.tags})
        by_type = Counter(t.type for t in self.tags if t.kind == "tag")
        lines = [
            (f"{self.fmt}: {self.n_tags} tags and {self.n_seen} seen rows on {images} images "
             f"from {annotators} annotators ({self.src})"),
            "types: " + (", ".join(f"{k} {v}" for k, v in sorted(by_type.items())) or "none"),
        ]
        if self.counts:
            lines.append("counts: " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())))
        lines.append(f"warnings ({self.warnings.total}): {self.warnings.summary()}")
        return "\n".join(lines)


@dataclass
class ImportContext:
    """State of one import: options, the tags read so far, problems and counters."""

    fmt: str
    strict: bool = False
    annotator: str = ""  # default annotator id for formats that carry none
    taxonomy: Taxonomy = field(default_factory=load_taxonomy)
    tags: list[Tag] = field(default_factory=list)
    warnings: LabelWarnings = field(default_factory=LabelWarnings)
    counts: Counter = field(default_factory=Counter)
    _seen: dict = field(default_factory=dict)

    @property
    def default_annotator(self) -> str:
        return self.annotator or self.fmt

    def problem(self, kind: str, path: str | os.PathLike | None, line: int | str | None, message: str) -> None:
        """Strict: raise ``ValueError('file:line: message')``; lenient: count it as a warning."""
        text = f"{where(path, line)}: {message}" if path is not None else message
        text = text.replace("\n", " ")
        if self.strict:
            raise ValueError(text)
        self.warnings.add(kind, text)

    def map_type(self, raw: object, path, line) -> str:
        return self.taxonomy.map_type(raw, path=path, line=line, strict=self.strict, warnings=self.warnings)

    def map_mount(self, raw: object, path, line) -> str:
        return self.taxonomy.map_mount(raw, path=path, line=line, strict=self.strict, warnings=self.warnings)

    def add(self, tag: Tag) -> None:
        """Add a tag; the annotator is recorded as having seen the image."""
        self.tags.append(tag)
        if tag.kind == "tag":
            view = {} if tag.is_point else dict(view_heading=tag.view_heading, view_pitch=tag.view_pitch,
                                                view_fov=tag.view_fov)
            self.seen(tag.image, tag.annotator, intersection=tag.intersection,
                      image_width=tag.image_width, image_height=tag.image_height, **view)

    def seen(self, image: str, annotator: str, **kw: Any) -> None:
        """One ``kind="seen"`` row per (annotator, image), however often it is reported."""
        key = (image, annotator)
        row = self._seen.get(key)
        if row is None:
            row = self._seen[key] = Tag(source=self.fmt, image=image, annotator=annotator, kind="seen", **kw)
            self.tags.append(row)
            return
        for name, value in kw.items():  # fill what an earlier report of the same pair did not know
            old = getattr(row, name)
            if (old in ("", 0) or (isinstance(old, float) and math.isnan(old))) and value not in ("", 0):
                setattr(row, name, value)

    def result(self, src: str | os.PathLike) -> ImportResult:
        # seen rows after the tags of the same source keep the table readable; order is stable
        tags = [t for t in self.tags if t.kind == "tag"] + [t for t in self.tags if t.kind == "seen"]
        return ImportResult(self.fmt, str(src), tags, self.warnings, self.counts)


def progress(items: list, desc: str):
    """A progress bar over many files (hidden for short lists and when stderr is not a terminal)."""
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="file", leave=False, disable=True if len(items) < 200 else None)


def read_text(path: Path, ctx: ImportContext) -> str:
    """Decode a text file as UTF-8. A BOM or non-UTF-8 bytes (e.g. a latin-1 CSV from a spreadsheet)
    are problems: strict mode names the file and line; lenient mode decodes (latin-1 fallback) and counts."""
    data = path.read_bytes()
    if data.startswith(UTF8_BOM):
        ctx.problem("encoding", path, 1, "starts with a UTF-8 byte-order mark (BOM); save as plain UTF-8")
        data = data[len(UTF8_BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        ctx.problem("encoding", path, line,
                    f"not UTF-8 (byte 0x{data[exc.start]:02x}); re-save as UTF-8 (read as latin-1)")
        return data.decode("latin-1")


def load_yaml(path: Path, ctx: ImportContext) -> object | None:
    """Parsed YAML (safe loader), or None after a problem naming the file and line."""
    import yaml

    try:
        return yaml.safe_load(read_text(path, ctx))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        ctx.problem("malformed file", path, mark.line + 1 if mark else None, "malformed YAML")
    except RecursionError:
        ctx.problem("malformed file", path, None, "malformed YAML (nested too deeply)")
    return None


def to_float(value: object) -> float:
    """A finite float or NaN (never raises): raw numbers in label files are often strings or junk."""
    if isinstance(value, bool):
        return math.nan
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def to_size(value: object) -> int:
    """A positive integer image size, or 0 when missing/invalid."""
    f = to_float(value)
    if math.isnan(f) or f <= 0 or f > 1e6 or f != int(f):
        return 0
    return int(f)


def check_box(ctx: ImportContext, path, line, box: tuple[float, float, float, float],
              width: int, height: int) -> tuple[float, float, float, float] | None:
    """Validate an ``xyxy`` pixel box against its image; return it (clipped) or None to skip it."""
    x1, y1, x2, y2 = (to_float(v) for v in box)
    shown = "[" + ", ".join(f"{to_float(v):g}" for v in box) + "]"
    if any(math.isnan(v) for v in (x1, y1, x2, y2)):
        ctx.problem("bad box", path, line, f"box {short(box)} is not four finite numbers")
        return None
    if x2 < x1 or y2 < y1:
        ctx.problem("bad box", path, line, f"box {shown} has negative size (need x1 <= x2 and y1 <= y2)")
        return None
    if x2 == x1 or y2 == y1:
        # Zero-size boxes are one-pixel objects drawn with inclusive corners (Stanford has 5): keep them
        # one pixel wide/tall, inside the image, and count them.
        ctx.counts["zero-size boxes widened to 1 px"] += 1
        if x2 == x1:
            x1, x2 = (x1 - 1.0, x1) if width > 0 and x1 + 1.0 > width else (x1, x1 + 1.0)
        if y2 == y1:
            y1, y2 = (y1 - 1.0, y1) if height > 0 and y1 + 1.0 > height else (y1, y1 + 1.0)
    if width <= 0 or height <= 0:
        return (x1, y1, x2, y2)
    over = max(-x1, -y1, x2 - width, y2 - height)
    if over <= 0:
        return (x1, y1, x2, y2)
    cx1, cy1, cx2, cy2 = max(x1, 0.0), max(y1, 0.0), min(x2, float(width)), min(y2, float(height))
    if over <= ROUNDING_PX:  # rounding of normalised or percent coordinates, not a real overshoot
        return (cx1, cy1, cx2, cy2)
    if cx2 <= cx1 or cy2 <= cy1:
        ctx.problem("box outside image", path, line, f"box {shown} lies outside the {width}x{height} image")
        return None
    if over > CLIP_TOLERANCE_PX:
        ctx.problem("box past border", path, line,
                    f"box {shown} runs {over:g} px past the {width}x{height} image border (clipped)")
    ctx.counts["clipped boxes"] += 1
    return (cx1, cy1, cx2, cy2)


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the image header (PIL reads no pixels); raises ValueError on a bad file."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return int(im.width), int(im.height)
    except FileNotFoundError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ValueError(f"{path}: unreadable image ({type(exc).__name__})") from None


def find_image(folder: Path, stem: str) -> Path | None:
    """The image file named ``stem`` + a known extension in ``folder``, if any."""
    for ext in IMAGE_EXTENSIONS:
        for cand in (folder / f"{stem}{ext}", folder / f"{stem}{ext.upper()}"):
            if cand.is_file():
                return cand
    return None


LINE_ATTR = "{camdetect}line"


class _NoDTD(Exception):
    pass


def parse_xml(path: Path, ctx: ImportContext) -> ET.Element | None:
    """Parse an XML file with expat, recording each element's source line in ``LINE_ATTR``.

    DOCTYPE declarations (entity expansion attacks) are refused. A malformed file is a problem
    (strict: error naming file and line; lenient: warning, returns None).
    """
    data = path.read_bytes()
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()

    def start(tag: str, attrs: dict) -> None:
        attrs = dict(attrs)
        attrs[LINE_ATTR] = str(parser.CurrentLineNumber)
        builder.start(tag, attrs)

    def doctype(*_args: object) -> None:
        raise _NoDTD()

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(data, True)
        root = builder.close()
    except expat.ExpatError as exc:
        ctx.problem("malformed file", path, exc.lineno, f"malformed XML ({expat.ErrorString(exc.code)})")
        return None
    except LookupError as exc:  # <?xml encoding="..."?> that Python does not know
        ctx.problem("encoding", path, 1, f"unknown XML encoding ({short(str(exc))})")
        return None
    except _NoDTD:
        ctx.problem("malformed file", path, parser.CurrentLineNumber, "XML with a DOCTYPE is not accepted")
        return None
    except (AssertionError, IndexError, ValueError) as exc:  # TreeBuilder on a broken document
        ctx.problem("malformed file", path, None, f"malformed XML ({type(exc).__name__})")
        return None
    return root


def xml_line(el: ET.Element) -> int | None:
    value = el.get(LINE_ATTR)
    return int(value) if value else None


def xml_text(el: ET.Element | None, child: str) -> str:
    """Stripped text of ``el/child`` or ''."""
    if el is None:
        return ""
    found = el.find(child)
    return (found.text or "").strip() if found is not None else ""
