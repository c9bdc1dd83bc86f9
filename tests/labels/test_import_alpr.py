"""Licence-plate readers (taxonomy type ``alpr``) come through every importer, under the names each
tool's users give them, and through every exporter and back."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from camdetect.labels.exporters import FORMATS as EXPORT_FORMATS
from camdetect.labels.exporters import export_labels
from camdetect.labels.importers import FORMATS, import_labels
from camdetect.records import Tag

FIXTURES = Path(__file__).parent / "fixtures"

# format, fixture (file or folder), file to edit, (old text, new text) pairs, path given to the importer,
# expected type counts: each fixture's bullet (or Directed) label renamed to an ALPR name
CASES = [
    ("decoders", "decoders", "cameras.csv",
     [(",bullet,street_light", ",LPR,street_light"), ("Bullet camera on", "Licence plate reader on")],
     ".", {"dome": 2, "alpr": 1, "unknown": 4}),
    ("stanford", "stanford", "info.yaml", [("Directed Camera", "License Plate Reader")], ".",
     {"alpr": 2, "dome": 1}),
    ("coco", "coco", "cameras.json", [('"name": "bullet"', '"name": "Flock Safety"')], "cameras.json",
     {"dome": 2, "alpr": 1, "unknown": 1}),
    ("yolo", "yolo", "data.yaml", [("1: bullet", "1: ANPR")], ".", {"dome": 1, "alpr": 1}),
    ("voc", "voc", "corner_a.xml", [("<name>Directed Camera</name>", "<name>ALPR camera</name>")], ".",
     {"dome": 1, "alpr": 1}),
    ("labelstudio", "labelstudio", "export.json", [('["bullet"]', '["license plate recognition"]')],
     "export.json", {"dome": 2, "alpr": 1}),
    ("cvat", "cvat", "annotations.xml", [("bullet", "plate reader")], "annotations.xml",
     {"dome": 2, "alpr": 1}),
]


def test_every_importer_is_covered():
    assert {c[0] for c in CASES} == set(FORMATS)


@pytest.mark.parametrize("fmt,fixture,edit,replacements,source,types", CASES, ids=[c[0] for c in CASES])
def test_importer_maps_alpr_names(tmp_path, fmt, fixture, edit, replacements, source, types):
    root = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, root)
    text = (root / edit).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, (edit, old)
        text = text.replace(old, new)
    (root / edit).write_text(text, encoding="utf-8")
    result = import_labels(fmt, root / source, strict=True)  # strict: an unmapped name would raise
    assert Counter(t.type for t in result.tags if t.kind == "tag") == types
    assert result.warnings.total == 0
    assert "alpr 1" in result.report() or "alpr 2" in result.report()


def _alpr_tags() -> list[Tag]:
    tags = [Tag(source="t", image="pole.jpg", annotator="a", kind="seen", image_width=640, image_height=480)]
    for i, (typ, box) in enumerate([("alpr", (100, 50, 120, 62)), ("dome", (300, 80, 312, 92)),
                                    ("unknown", (400, 80, 410, 90)), ("bullet", (10, 10, 30, 20))]):
        tags.append(Tag(source="t", image="pole.jpg", annotator="a", tag_id=str(i), type=typ, mount="street_furniture",
                        x1=box[0], y1=box[1], x2=box[2], y2=box[3], image_width=640, image_height=480))
    return tags


@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_alpr_survives_export_and_import(tmp_path, fmt):
    tags = _alpr_tags()
    out = tmp_path / ("yolo_out" if fmt == "yolo" else f"{fmt}.json")
    export_labels(fmt, tags, out)
    back = import_labels(fmt, out, strict=True)
    assert sorted((t.type, round(t.x1, 1)) for t in back.tags if t.kind == "tag") == \
        sorted((t.type, round(t.x1, 1)) for t in tags if t.kind == "tag")


def test_yolo_export_class_ids_keep_detector_order(tmp_path):
    """dome 0, bullet 1, alpr 2 (the detector's classes), then the other types (unknown 3)."""
    import yaml

    export_labels("yolo", _alpr_tags(), tmp_path / "out")
    data = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
    assert data["names"] == {0: "dome", 1: "bullet", 2: "alpr", 3: "unknown"}
    lines = (tmp_path / "out" / "labels" / "pole.txt").read_text().split("\n")
    assert sorted(int(line.split()[0]) for line in lines if line) == [0, 1, 2, 3]


def test_coco_export_keeps_category_ids_of_the_first_three_types(tmp_path):
    import json

    export_labels("coco", _alpr_tags(), tmp_path / "c.json")
    cats = {c["name"]: c["id"] for c in json.loads((tmp_path / "c.json").read_text())["categories"]}
    assert cats == {"dome": 1, "bullet": 2, "unknown": 3, "alpr": 4}
