"""Every importer on its hand-made fixture: what comes through, with which geometry and labels."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from camdetect.labels.importers import FORMATS, import_labels

FIXTURES = Path(__file__).parent / "fixtures"
SOURCES = {
    "decoders": FIXTURES / "decoders",
    "stanford": FIXTURES / "stanford",
    "coco": FIXTURES / "coco" / "cameras.json",
    "yolo": FIXTURES / "yolo",
    "voc": FIXTURES / "voc",
    "labelstudio": FIXTURES / "labelstudio" / "export.json",
    "cvat": FIXTURES / "cvat" / "annotations.xml",
}

# format, tags, seen rows, images, types, clipped boxes
EXPECTED = [
    ("decoders", 7, 9, 3, {"dome": 2, "bullet": 1, "unknown": 4}, 0),
    ("stanford", 3, 3, 3, {"bullet": 2, "dome": 1}, 0),
    ("coco", 4, 4, 3, {"dome": 2, "bullet": 1, "unknown": 1}, 1),
    ("yolo", 2, 3, 3, {"dome": 1, "bullet": 1}, 0),
    ("voc", 2, 2, 2, {"dome": 1, "bullet": 1}, 1),
    ("labelstudio", 3, 4, 2, {"dome": 2, "bullet": 1}, 0),
    ("cvat", 3, 3, 3, {"dome": 2, "bullet": 1}, 1),
]


def test_every_format_has_a_fixture():
    assert set(SOURCES) == set(FORMATS)


@pytest.mark.parametrize("fmt,n_tags,n_seen,n_images,types,clipped", EXPECTED)
def test_fixture_imports_strict(fmt, n_tags, n_seen, n_images, types, clipped):
    result = import_labels(fmt, SOURCES[fmt], strict=True)
    assert (result.n_tags, result.n_seen) == (n_tags, n_seen)
    assert len({t.image for t in result.tags}) == n_images
    assert Counter(t.type for t in result.tags if t.kind == "tag") == types
    assert result.counts.get("clipped boxes", 0) == clipped
    assert result.warnings.total == 0
    # every tagger is also recorded as having seen the image
    seen = {(t.image, t.annotator) for t in result.tags if t.kind == "seen"}
    assert {(t.image, t.annotator) for t in result.tags if t.kind == "tag"} <= seen
    for tag in result.tags:
        assert tag.source == fmt
        if tag.kind == "tag" and not tag.is_point:
            assert 0 <= tag.x1 < tag.x2 <= tag.image_width and 0 <= tag.y1 < tag.y2 <= tag.image_height


def test_decoders_points_mounts_and_silent_volunteers():
    result = import_labels("decoders", SOURCES["decoders"], strict=True)
    tags = [t for t in result.tags if t.kind == "tag"]
    assert all(t.is_point and t.intersection == t.image for t in tags)
    first = tags[0]
    assert (first.heading, first.pitch, first.type, first.mount) == (212.41, 14.2, "dome", "street_furniture")
    assert first.view_fov == pytest.approx(180 / 2 ** 1.6, rel=1e-3)  # Street View zoom -> FOV
    building = [t for t in tags if t.raw_mount == "building"]
    assert building and all(t.mount == "building" and t.type == "unknown" for t in building)
    assert {t.type for t in tags if "Bullet" in t.raw_type or t.raw_type == "bullet"} == {"bullet"}
    # AXkG2KnD2iuwklCl-p8g tagged nothing but looked: only counts.csv knows
    silent = [t for t in result.tags if t.annotator == "AXkG2KnD2iuwklCl-p8g"]
    assert [t.kind for t in silent] == ["seen"] and silent[0].image == "AXjK_--dgxjkLnQCdqZ9"
    # intersection AXjK_--KLVwDtjXR1esd: three volunteers, no camera
    empty = [t for t in result.tags if t.image == "AXjK_--KLVwDtjXR1esd"]
    assert len(empty) == 3 and all(t.kind == "seen" for t in empty)


def test_decoders_without_counts_warns(tmp_path):
    (tmp_path / "cameras.csv").write_bytes((SOURCES["decoders"] / "cameras.csv").read_bytes())
    result = import_labels("decoders", tmp_path / "cameras.csv")
    assert result.n_tags == 7 and result.n_seen == 4  # only the taggers are known
    assert result.warnings.counts["missing file"] == 1
    with pytest.raises(ValueError, match="counts.csv not found"):
        import_labels("decoders", tmp_path, strict=True)


def test_stanford_keeps_view_geometry():
    result = import_labels("stanford", SOURCES["stanford"], strict=True)
    by_image = {t.image: t for t in result.tags if t.kind == "tag"}
    tag = by_image["nEOdMbry0GAKtuxaZltq1A_176.jpg"]
    assert tag.intersection == "nEOdMbry0GAKtuxaZltq1A" and tag.box == (511, 172, 516, 180)
    assert (tag.view_heading, tag.view_pitch, tag.view_fov, tag.image_width, tag.image_height) == (176, 0, 90, 640, 640)
    assert tag.raw_type == "Directed Camera" and tag.type == "bullet"
    # the zero-height Stanford box (388, 244, 389, 244) is kept as a one-pixel box and counted
    assert result.counts["zero-size boxes widened to 1 px"] == 1
    negatives = [t for t in result.tags if t.image == "P8-l8zkFvG1vupCLgUo3ZA_142.jpg"]
    assert [t.kind for t in negatives] == ["seen"] and negatives[0].view_heading == 142


@pytest.mark.parametrize("fmt,image,annotator,mount,detail", [
    ("coco", "corner_a.jpg", "alice", "street_furniture", "streetlight"),
    ("voc", "corner_a.jpg", "voc", "street_furniture", "traffic_signal"),
    ("labelstudio", "city/corner_a.jpg", "alice@example.org", "building", ""),
    ("cvat", "corner_a.jpg", "bob", "street_furniture", ""),
])
def test_mount_attributes_and_annotators(fmt, image, annotator, mount, detail):
    tags = [t for t in import_labels(fmt, SOURCES[fmt], strict=True).tags if t.kind == "tag" and t.image == image]
    assert any(t.annotator == annotator and t.mount == mount and t.mount_detail == detail for t in tags), tags


def test_labelstudio_annotations_predictions_and_rotation():
    result = import_labels("labelstudio", SOURCES["labelstudio"], strict=True)
    tags = {t.tag_id: t for t in result.tags if t.kind == "tag"}
    assert tags["r1"].box == pytest.approx((100, 48, 116, 60))  # 15.625% of 640 ...
    assert tags["r2"].box == pytest.approx((305.6, 96, 320, 108.8))  # rotated 90 deg about the top-left corner
    assert tags["p1"].annotator == "yolo11n-v1" and tags["p1"].score == pytest.approx(0.91)
    assert math.isnan(tags["r1"].score)
    seen = {(t.image, t.annotator) for t in result.tags if t.kind == "seen"}
    assert ("city/corner_a.jpg", "7") in seen  # an empty annotation still means "looked"
    assert not any(a == "8" for _, a in seen)  # a cancelled one does not
    assert ("5f2c1d-corner_b.jpg", "alice@example.org") in seen
    assert result.counts["cancelled annotations"] == 1


def test_yolo_reads_sizes_from_images_and_keeps_negatives():
    result = import_labels("yolo", SOURCES["yolo"], strict=True)
    tag = next(t for t in result.tags if t.kind == "tag" and t.type == "dome")
    assert (tag.image, tag.image_width, tag.image_height) == ("train/corner_a.png", 64, 48)
    assert tag.box == pytest.approx((28.8, 19.2, 35.2, 28.8))
    assert {t.image for t in result.tags if t.kind == "seen"} == {
        "train/corner_a.png", "train/empty_street.jpg", "val/night.png"}


def test_cvat_skips_other_shapes():
    result = import_labels("cvat", SOURCES["cvat"], strict=True)
    assert result.counts["skipped points shapes"] == 1
    assert "sub/corner_c.jpg" in {t.image for t in result.tags}


def test_report_names_counts_and_warnings():
    text = import_labels("coco", SOURCES["coco"]).report()
    assert "4 tags" in text and "clipped boxes 1" in text and "warnings (0)" in text


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_missing_source_is_file_not_found(tmp_path, fmt):
    with pytest.raises(FileNotFoundError):
        import_labels(fmt, tmp_path / "nope")


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown label format"):
        import_labels("pascal", SOURCES["voc"])


@pytest.mark.parametrize("data,key", [
    ({"image": "/data/local-files/?d=city/corner%20a.jpg"}, "city/corner a.jpg"),
    ({"image": "/data/upload/3/8f2a4b1c-corner_b.jpg"}, "corner_b.jpg"),
    ({"image": "https://example.org/media/upload/3/5f2c1d-corner_b.jpg"}, "5f2c1d-corner_b.jpg"),
    ({"image": "s3://bucket/x/y.png", "camdetect_image": "y/key.png"}, "y/key.png"),
    ({"img": "https://example.org/a.jpg?sig=1"}, "a.jpg"),
])
def test_labelstudio_image_keys(data, key):
    from camdetect.labels.importers.labelstudio import image_key

    assert image_key(data) == key
