"""Label Studio pre-annotations: one task per image with ``predictions`` (model_version, score).

Follows Label Studio's documented JSON for importing pre-annotated tasks
(https://labelstud.io/guide/predictions): ``data.image`` is the image URL, each prediction has
``model_version``, an overall ``score`` and a ``result`` list of ``rectanglelabels`` regions in
percent of ``original_width`` x ``original_height``, each with its own ``score``. The mount is a
per-region ``choices`` result sharing the region's ``id``. The matching labeling config is written
beside the JSON (``<name>_config.xml``): ``from_name``/``to_name`` in the results must match it.
Tags are grouped into one prediction per annotator (``model_version`` = annotator, or
``--model-version``); human tags carry no score and are written with score 1.0.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import quoteattr

from camdetect.durable import atomic_write_json, atomic_write_text
from camdetect.records import Tag
from camdetect.taxonomy import Taxonomy

from .common import ExportResult, group_images

DEFAULT_URL_PREFIX = "/data/local-files/?d="
LABEL_NAME, MOUNT_NAME, IMAGE_NAME = "label", "mount", "image"


def labeling_config(taxonomy: Taxonomy) -> str:
    """Label Studio labeling config whose names match the exported results."""
    labels = "".join(f"    <Label value={quoteattr(t)}/>\n" for t in taxonomy.types)
    mounts = "".join(f"    <Choice value={quoteattr(m)}/>\n" for m in taxonomy.mounts)
    return (f'<View>\n  <Image name="{IMAGE_NAME}" value="$image" zoom="true"/>\n'
            f'  <RectangleLabels name="{LABEL_NAME}" toName="{IMAGE_NAME}">\n{labels}  </RectangleLabels>\n'
            f'  <Choices name="{MOUNT_NAME}" toName="{IMAGE_NAME}" perRegion="true" choice="single">\n'
            f'{mounts}  </Choices>\n</View>\n')


def _region_id(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:10]


def write(tags: list[Tag], out: Path, *, taxonomy: Taxonomy, images: Path | None = None,
          model_version: str = "", url_prefix: str = DEFAULT_URL_PREFIX, **_: object) -> ExportResult:
    out = Path(out)
    result = ExportResult("labelstudio", str(out))
    tasks = []
    for entry in group_images(tags, images, result, keep_sizeless_negatives=True):
        data = {"image": f"{url_prefix}{entry.key}", "camdetect_image": entry.key}
        if entry.intersection:
            data["intersection"] = entry.intersection
        groups: dict[str, list[Tag]] = defaultdict(list)
        # an empty prediction per annotator who looked and found nothing keeps "seen" through a round trip
        for annotator in ([model_version] if model_version else entry.seen_by):
            groups[annotator]
        for tag in entry.tags:
            groups[model_version or tag.annotator].append(tag)
        predictions = []
        for version, group in sorted(groups.items()):
            res, scores = [], []
            for k, tag in enumerate(group):
                score = float(tag.score) if not math.isnan(tag.score) else 1.0
                scores.append(score)
                rid = _region_id(entry.key, version, k, tag.tag_id)
                value = {"x": 100.0 * tag.x1 / entry.width, "y": 100.0 * tag.y1 / entry.height,
                         "width": 100.0 * (tag.x2 - tag.x1) / entry.width,
                         "height": 100.0 * (tag.y2 - tag.y1) / entry.height, "rotation": 0}
                common = {"id": rid, "from_name": LABEL_NAME, "to_name": IMAGE_NAME,
                          "original_width": entry.width, "original_height": entry.height, "image_rotation": 0}
                res.append({**common, "type": "rectanglelabels", "score": round(score, 5),
                            "value": {**value, "rectanglelabels": [tag.type]}})
                res.append({**common, "from_name": MOUNT_NAME, "type": "choices",
                            "value": {**value, "choices": [tag.mount]}})
            predictions.append({"model_version": version,
                                "score": round(sum(scores) / len(scores), 5) if scores else 0.0, "result": res})
        tasks.append({"data": data, "predictions": predictions})
    atomic_write_json(out, tasks)
    atomic_write_text(out.with_name(out.stem + "_config.xml"), labeling_config(taxonomy))
    return result
