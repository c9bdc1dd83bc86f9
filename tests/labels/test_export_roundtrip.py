"""Exporters: export -> import preserves boxes, types (and mounts/annotators/seen where the format can
carry them); hypothesis round trips on random boxes; point tags and sizeless images are counted."""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.labels.exporters import FORMATS, export_labels
from camdetect.labels.importers import import_labels
from camdetect.records import Tag, read_table, write_table

FIXTURES = Path(__file__).parent / "fixtures"
CARRIES_MOUNT = {"coco": True, "labelstudio": True, "yolo": False}


def _out(tmp: Path, fmt: str) -> Path:
    return tmp / ("yolo_out" if fmt == "yolo" else f"{fmt}.json")


def _boxes(tags, mount: bool = False, ndigits: int = 2):
    return Counter((t.image, t.type, *(round(v, ndigits) for v in t.box), *((t.mount,) if mount else ()))
                   for t in tags if t.kind == "tag")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("source,src", [
    ("cvat", "cvat/annotations.xml"), ("coco", "coco/cameras.json"), ("voc", "voc"),
    ("labelstudio", "labelstudio/export.json"), ("stanford", "stanford"),
])
def test_fixture_round_trip(tmp_path, fmt, source, src):
    tags = import_labels(source, FIXTURES / src, strict=True).tags
    result = export_labels(fmt, tags, _out(tmp_path, fmt))
    assert result.n_boxes == sum(1 for t in tags if t.kind == "tag")
    back = import_labels(fmt, _out(tmp_path, fmt), strict=True)
    assert _boxes(back.tags, CARRIES_MOUNT[fmt]) == _boxes(tags, CARRIES_MOUNT[fmt])
    assert back.warnings.total == 0
    # every image survives, including negatives (empty label files / tasks / images entries);
    # only a Label Studio task needs no image size
    kept = [t for t in tags if fmt == "labelstudio" or t.image_width > 0 or
            any(u.image == t.image and u.image_width > 0 for u in tags)]
    assert {t.image for t in back.tags} == {t.image for t in kept}
    if fmt != "yolo":  # COCO seen_by and Label Studio empty predictions keep who looked
        assert {(t.image, t.annotator) for t in back.tags if t.kind == "seen"} == \
            {(t.image, t.annotator) for t in kept if t.kind == "seen"}


_size = st.integers(16, 4000)


@st.composite
def tag_tables(draw):
    tags = []
    for i in range(draw(st.integers(1, 4))):
        w, h = draw(_size), draw(_size)
        image = f"img_{i}.jpg" if draw(st.booleans()) else f"split/img_{i}.png"
        tags.append(Tag(source="synth", image=image, annotator="a", kind="seen", image_width=w, image_height=h))
        for k in range(draw(st.integers(0, 5))):
            x1 = draw(st.floats(0, w - 1, allow_nan=False))
            y1 = draw(st.floats(0, h - 1, allow_nan=False))
            x2 = draw(st.floats(min(x1 + 0.5, w), w, allow_nan=False))
            y2 = draw(st.floats(min(y1 + 0.5, h), h, allow_nan=False))
            tags.append(Tag(source="synth", image=image, annotator=draw(st.sampled_from(["a", "b"])),
                            tag_id=f"{i}-{k}", type=draw(st.sampled_from(["dome", "bullet", "unknown"])),
                            mount=draw(st.sampled_from(["building", "street_furniture", "other"])),
                            x1=x1, y1=y1, x2=x2, y2=y2, image_width=w, image_height=h,
                            score=draw(st.one_of(st.just(math.nan), st.floats(0, 1)))))
    return tags


def _match_within(got: list[tuple], want: list[tuple], tol: float) -> bool:
    """True when the boxes pair up one to one with every coordinate within ``tol`` (a bipartite
    matching by augmenting paths: boxes closer than ``tol`` to each other can't pair wrongly)."""
    if len(got) != len(want):
        return False
    owner: dict[int, int] = {}  # got index -> want index

    def place(i: int, tried: set[int]) -> bool:
        for j, g in enumerate(got):
            if j not in tried and all(abs(p - q) < tol for p, q in zip(g, want[i])):
                tried.add(j)
                if j not in owner or place(owner[j], tried):
                    owner[j] = i
                    return True
        return False

    return all(place(i, set()) for i in range(len(want)))


def _assert_same_boxes(got_tags, want_tags, tol: float = 0.01) -> None:
    """Same (image, type) box lists, coordinates equal within ``tol`` px. Exact or rounded sorting is no
    way to pair boxes: YOLO's six decimals move a coordinate by up to ~0.003 px on a 4000-px image (an x1
    of 0 comes back as 0.0005), which can reorder boxes that share a coordinate."""
    def groups(tags):
        out: dict[tuple[str, str], list[tuple]] = {}
        for t in tags:
            if t.kind == "tag":
                out.setdefault((t.image, t.type), []).append(tuple(t.box))
        return out

    got, want = groups(got_tags), groups(want_tags)
    assert got.keys() == want.keys()
    for key in want:
        assert _match_within(got[key], want[key], tol), (key, sorted(got[key]), sorted(want[key]))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=25, deadline=None)
@given(tags=tag_tables())
def test_round_trip_preserves_random_boxes(fmt, tags):
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "tags.csv"
        write_table(table, tags, Tag)  # through the CSV table, as the CLI does
        rows = read_table(table, Tag)
        export_labels(fmt, rows, _out(Path(tmp), fmt))
        back = import_labels(fmt, _out(Path(tmp), fmt), strict=True)
    _assert_same_boxes(back.tags, rows)
    if fmt in ("coco", "labelstudio"):
        assert Counter((t.image, t.annotator, t.mount) for t in back.tags if t.kind == "tag") == \
            Counter((t.image, t.annotator, t.mount) for t in rows if t.kind == "tag")
    if fmt == "labelstudio":  # human tags carry no score: exported as 1.0
        assert sorted(round(t.score, 4) for t in back.tags if t.kind == "tag") == \
            sorted(1.0 if math.isnan(t.score) else round(t.score, 4) for t in rows if t.kind == "tag")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_round_trip_boxes_sharing_a_corner(tmp_path, fmt):
    """Regression (hypothesis example): two boxes from x=0 on a 1044-px image. YOLO's six decimals bring
    the 0-141 box back at x1=0.000522, so it sorts after the 0-310 box; the round trip is still right."""
    size = dict(image_width=1044, image_height=16)
    tags = [Tag(source="synth", image="split/img_3.png", annotator="a", kind="seen", **size)]
    tags += [Tag(source="synth", image="split/img_3.png", annotator="a", tag_id=f"3-{k}", type="dome",
                 mount="building", x1=0.0, y1=0.0, x2=x2, y2=1.0, **size) for k, x2 in enumerate((141.0, 310.0))]
    export_labels(fmt, tags, _out(tmp_path, fmt))
    back = import_labels(fmt, _out(tmp_path, fmt), strict=True)
    _assert_same_boxes(back.tags, tags)
    assert not _match_within([(0.0005, 0.0, 141.0, 1.0)], [(0.0, 0.0, 310.0, 1.0)], 0.01)
    # pairing is by closeness, not by order: the lists below pair up only crosswise
    assert _match_within([(0.0005, 0.0, 141.0, 1.0), (0.0, 0.0, 310.0, 1.0)],
                         [(0.0, 0.0, 310.0, 1.0), (0.0, 0.0, 141.0, 1.0)], 0.01)


def test_points_and_sizeless_images_are_counted_not_written(tmp_path):
    tags = import_labels("decoders", FIXTURES / "decoders", strict=True).tags
    tags.append(Tag(source="x", image="nosize.jpg", annotator="a", x1=1, y1=1, x2=5, y2=5))
    result = export_labels("coco", tags, tmp_path / "c.json")
    assert result.n_boxes == 0 and result.n_images == 0
    assert result.counts["point tags (no box)"] == 7
    assert result.counts["boxes on images without a size"] == 1
    assert "point tags (no box) 7" in result.report()


def test_yolo_export_with_images_copies_pixels_and_reads_sizes(tmp_path):
    tags = import_labels("yolo", FIXTURES / "yolo", strict=True).tags
    for t in tags:  # forget the sizes: the exporter must read them from --images
        t.image_width = t.image_height = 0
    result = export_labels("yolo", tags, tmp_path / "out", images=FIXTURES / "yolo" / "images")
    assert result.n_images == 3 and result.n_boxes == 2
    assert (tmp_path / "out" / "images" / "train" / "corner_a.png").is_file()
    assert (tmp_path / "out" / "labels" / "train" / "empty_street.txt").read_text() == ""
    import yaml

    data = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
    assert data["names"] == {0: "dome", 1: "bullet", 2: "alpr", 3: "unknown"}
    assert (data["train"], data["val"]) == ("images/train", "images/val")
    (tmp_path / "out" / "image_sizes.csv").unlink()  # sizes now come from the copied images
    back = import_labels("yolo", tmp_path / "out", strict=True)
    assert _boxes(back.tags) == _boxes(import_labels("yolo", FIXTURES / "yolo").tags)


def test_unknown_export_format_and_missing_images(tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        export_labels("voc", [], tmp_path / "x")
    with pytest.raises(FileNotFoundError):
        export_labels("yolo", [], tmp_path / "x", images=tmp_path / "nope")
