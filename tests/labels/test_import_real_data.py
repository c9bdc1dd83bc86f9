"""Importers on real third-party label files in ../shared/data (skipped when absent)."""

from __future__ import annotations

from collections import Counter

import pytest

from camdetect.labels.importers import import_labels
from tests.conftest import shared_path


def test_stanford_meta_all_boxes_come_through():
    src = shared_path("stanford-surveilling-surveillance", "meta.csv")
    result = import_labels("stanford", src, strict=True)
    tags = [t for t in result.tags if t.kind == "tag"]
    assert len(tags) == 2021
    assert Counter(t.raw_type for t in tags) == {"Directed Camera": 954, "Dome Camera": 1067}
    assert Counter(t.type for t in tags) == {"bullet": 954, "dome": 1067}
    seen = [t for t in result.tags if t.kind == "seen"]
    assert len(seen) == 3155 and len({t.image for t in seen}) == 3155
    for t in result.tags:  # the view geometry survives: panoid + heading, pitch 0, fov 90, 640x640
        assert (t.view_pitch, t.view_fov, t.image_width, t.image_height) == (0.0, 90.0, 640, 640)
        assert t.image.startswith(t.intersection + "_") and 0 <= t.view_heading < 360
        if t.kind == "tag":
            assert 0 <= t.x1 < t.x2 <= 640 and 0 <= t.y1 < t.y2 <= 640
    assert result.warnings.total == 0


def test_open_images_voc_boxes_past_border_are_clipped_and_counted():
    src = shared_path("open-images-cameras-voc")
    result = import_labels("voc", src, strict=True)
    tags = [t for t in result.tags if t.kind == "tag"]
    assert len(tags) == 3113 and result.n_seen == 2400
    assert result.counts["clipped boxes"] == 217  # e.g. ymax 417 on a 416 image
    assert all(0 <= t.x1 < t.x2 <= 416 and 0 <= t.y1 < t.y2 <= 416 for t in tags)
    assert {t.image.split("/")[0] for t in tags} == {"train", "valid", "test"}
    assert {t.raw_type for t in tags} == {"Camera"} and {t.type for t in tags} == {"unknown"}


@pytest.mark.parametrize("fmt", ["coco", "yolo", "labelstudio"])
def test_real_stanford_round_trip(tmp_path, fmt):
    from camdetect.labels.exporters import export_labels

    result = import_labels("stanford", shared_path("stanford-surveilling-surveillance", "meta.csv"), strict=True)
    out = tmp_path / ("out" if fmt == "yolo" else "out.json")
    export_labels(fmt, result.tags, out)
    back = import_labels(fmt, out, strict=True)

    def boxes(tags):
        return Counter((t.image, t.type, *(round(v, 2) for v in t.box)) for t in tags if t.kind == "tag")

    assert boxes(back.tags) == boxes(result.tags)
    assert back.n_seen == 3155
