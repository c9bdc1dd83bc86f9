"""Label exporters: the tag table to COCO JSON, a YOLO folder, or Label Studio pre-annotations.

    from camdetect.labels.exporters import export_labels
    print(export_labels("coco", tags, "out/cameras.json").report())
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from camdetect.records import Tag
from camdetect.taxonomy import Taxonomy, load_taxonomy

from .common import ExportResult

# format name -> module with ``write(tags, out, *, taxonomy, images=None, **options) -> ExportResult``
FORMATS = {"coco": "coco", "yolo": "yolo", "labelstudio": "labelstudio"}


def export_labels(fmt: str, tags: list[Tag], out: str | os.PathLike, *, images: str | os.PathLike | None = None,
                  taxonomy: Taxonomy | None = None, **options: object) -> ExportResult:
    """Write box tags in ``fmt``; point tags and images of unknown size are counted, not written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    if images is not None and not Path(images).is_dir():
        raise FileNotFoundError(f"{images}: --images folder not found")
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    return module.write(list(tags), Path(out), taxonomy=taxonomy or load_taxonomy(),
                        images=Path(images) if images is not None else None, **options)


__all__ = ["FORMATS", "ExportResult", "export_labels"]
