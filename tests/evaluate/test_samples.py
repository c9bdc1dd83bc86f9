"""Loading truth from the dataset layout and predictions from Suggestion JSONL; alignment."""

from __future__ import annotations

import json

import pytest

from camdetect.evaluate.samples import align, load_dataset_truth, load_suggestions_jsonl
from camdetect.records import Tag, write_table

from .helpers import CLASSES, pred, truth


def test_dataset_truth_keeps_negatives_and_filters_split(tiny_dataset):
    test = load_dataset_truth(tiny_dataset, "test")
    assert len(test) == 4 and all(t.image.startswith("images/test/") for t in test)
    assert len(test[-1]) == 0  # the negative view is kept
    assert {t.intersection for t in test} == {"test-int0", "test-int1"}
    assert len(load_dataset_truth(tiny_dataset, "all")) == 12
    with pytest.raises(ValueError, match="no views in split 'val'"):
        load_dataset_truth(tiny_dataset, "val")


def _tag(image, x, **kw):
    return Tag(source="synth", image=image, annotator="t", x1=x, y1=0, x2=x + 10, y2=10, intersection="I", **kw)


@pytest.mark.parametrize("tags, n_cameras", [
    # tag_id repeated across two views: one physical camera
    ([_tag("v1", 0, tag_id="c1"), _tag("v2", 50, tag_id="c1"), _tag("v2", 0, tag_id="c2")], 2),
    # unique tag ids and no sphere position: each box its own camera
    ([_tag("v1", 0, tag_id="a"), _tag("v2", 50, tag_id="b")], 2),
    # sphere centres 0.2 degrees apart in one panorama: one camera; 30 degrees away: another
    ([_tag("v1", 0, heading=10.0, pitch=5.0), _tag("v2", 50, heading=10.2, pitch=5.0),
      _tag("v2", 0, heading=40.0, pitch=5.0)], 2),
])
def test_physical_cameras(tmp_path, tags, n_cameras):
    write_table(tmp_path / "boxes.csv", tags, Tag)
    truths = load_dataset_truth(tmp_path / "boxes.csv", None)
    assert len({c for t in truths for c in t.camera_ids}) == n_cameras


def test_bad_box_names_file_and_line(tmp_path):
    write_table(tmp_path / "boxes.csv", [_tag("v1", 0), Tag(source="s", image="v2", annotator="t",
                                                            x1=5, y1=5, x2=5, y2=9)], Tag)
    with pytest.raises(ValueError, match=r"boxes.csv:3: empty box"):
        load_dataset_truth(tmp_path / "boxes.csv", None)


def _write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


ROW = {"image_path": "images/test/a.jpg", "x1": 0, "y1": 0, "x2": 10, "y2": 10, "score": 0.9, "type": "bullet"}


def test_suggestions_jsonl_groups_by_image(tmp_path):
    path = _write_jsonl(tmp_path / "p.jsonl", [ROW, {**ROW, "type": "dome", "score": 0.5},
                                               {"image_path": "images/test/b.jpg", "done": True}])
    preds = {p.image: p for p in load_suggestions_jsonl(path, CLASSES)}
    assert len(preds["images/test/a.jpg"]) == 2 and len(preds["images/test/b.jpg"]) == 0
    assert preds["images/test/a.jpg"].dets.class_ids.tolist() == [1, 0]
    assert preds["images/test/a.jpg"].mounts is None  # no mount_score: mount not predicted


@pytest.mark.parametrize("line, message", [
    ("{not json", "p.jsonl:2: not JSON"),
    (json.dumps({"image_path": "x"}), "p.jsonl:2: missing score, x1, x2, y1, y2"),
    (json.dumps({**ROW, "x1": "left"}), "p.jsonl:2: non-numeric box or score"),
    ("[1, 2]", "p.jsonl:2: expected a JSON object"),
])
def test_bad_jsonl_names_file_and_line(tmp_path, line, message):
    path = _write_jsonl(tmp_path / "p.jsonl", [ROW, line])
    with pytest.raises(ValueError, match=message):
        load_suggestions_jsonl(path, CLASSES)


def test_align_by_file_name_and_reports_strays():
    es = align([truth("images/test/a.jpg"), truth("images/test/b.jpg")],
               [pred("media/a.jpg", [[0, 0, 1, 1]], [0.5]), pred("media/zzz.jpg", [[0, 0, 1, 1]], [0.5])], CLASSES)
    assert [len(p) for p in es.preds] == [1, 0]
    assert es.unmatched_prediction_images == 1


def test_align_without_any_overlap_is_an_error():
    with pytest.raises(ValueError, match=r"p.jsonl: none of its 1 prediction images is among the 1 truth images "
                                         r"of boxes.csv .*prediction 'other.jpg' vs truth 'a.jpg'"):
        align([truth("a.jpg")], [pred("other.jpg", [[0, 0, 1, 1]], [0.5])], CLASSES, source="p.jsonl",
              truth_source="boxes.csv")


def test_align_counts_prediction_images_and_names_a_stray():
    es = align([truth("images/test/a.jpg")], [pred("a.jpg", [[0, 0, 1, 1]], [0.5]), pred("b.jpg", [[0, 0, 1, 1]], [0.5])],
               CLASSES)
    assert (es.n_prediction_images, es.unmatched_prediction_images, es.unmatched_example) == (2, 1, "b.jpg")
