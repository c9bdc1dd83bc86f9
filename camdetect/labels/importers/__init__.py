"""Label importers: one module per format, all producing :class:`camdetect.records.Tag` rows.

    from camdetect.labels.importers import import_labels
    result = import_labels("voc", "data/voc", strict=False)
    write_table("tags.csv", result.tags, Tag); print(result.report())
"""

from .common import CLIP_TOLERANCE_PX, ImportContext, ImportResult
from .registry import FORMATS, import_labels

__all__ = ["CLIP_TOLERANCE_PX", "FORMATS", "ImportContext", "ImportResult", "import_labels"]
