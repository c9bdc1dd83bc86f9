"""Format name -> importer module. Each module has ``read(src: Path, ctx: ImportContext) -> None``."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from camdetect.taxonomy import Taxonomy, load_taxonomy

from .common import ImportContext, ImportResult

# format name -> module in this package (imported on use, so one broken format never hides the others)
FORMATS: dict[str, str] = {
    "decoders": "decoders",
    "stanford": "stanford",
    "coco": "coco",
    "yolo": "yolo",
    "voc": "voc",
    "labelstudio": "labelstudio",
    "cvat": "cvat",
}


def import_labels(fmt: str, src: str | os.PathLike, *, strict: bool = False, annotator: str = "",
                  taxonomy: Taxonomy | None = None) -> ImportResult:
    """Read labels in format ``fmt`` from ``src`` into Tag rows (``kind`` "tag" and "seen").

    Strict: the first problem raises a one-line ValueError naming file, line and problem. Lenient:
    problems are counted in ``result.warnings``. A missing SRC raises FileNotFoundError in both.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown label format {fmt!r}; choose from {', '.join(FORMATS)}")
    src = Path(src)
    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file or folder")
    module = importlib.import_module(f"{__package__}.{FORMATS[fmt]}")
    ctx = ImportContext(fmt=fmt, strict=strict, annotator=annotator, taxonomy=taxonomy or load_taxonomy())
    module.read(src, ctx)
    return ctx.result(src)
