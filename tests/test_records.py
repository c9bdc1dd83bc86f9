"""Core records: tables round-trip exactly, NaN and booleans included; bad rows name file and line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from camdetect.records import Camera, Detections, Suggestion, Tag, View, read_table, write_table


def test_tag_table_round_trip(tmp_path):
    rows = [
        Tag(source="decoders", image="i1", annotator="v1", heading=12.5, pitch=8.25, type="dome"),
        Tag(source="voc", image="a.jpg", annotator="x", x1=1, y1=2, x2=30.5, y2=40, image_width=416,
            image_height=416, weak=True, mount="building"),
        Tag(source="decoders", image="i2", annotator="v2", kind="seen"),
    ]
    path = tmp_path / "tags.csv"
    assert write_table(path, rows, Tag) == 3
    back = read_table(path, Tag)
    assert back[0].heading == 12.5 and back[0].is_point and math.isnan(back[0].x1)
    assert back[1].box == (1.0, 2.0, 30.5, 40.0) and back[1].weak is True and not back[1].is_point
    assert back[2].kind == "seen"


def test_bad_row_names_file_and_line(tmp_path):
    path = tmp_path / "cams.csv"
    write_table(path, [Camera(camera_id="c1", image="p")], Camera)
    path.write_text(path.read_text() + "c2,p,,notanumber\n")
    with pytest.raises(ValueError, match=r"cams\.csv:3: bad Camera row"):
        read_table(path, Camera)


@pytest.mark.parametrize("column, value, problem", [
    ("heading", "north", "heading: could not convert string to float: 'north'"),
    ("n_tags", "three", "n_tags: could not convert string to float: 'three'"),
    ("n_tags", "2.5", "n_tags: expected an integer, got '2.5'"),
    ("weak", "maybe", "weak: expected 1/0 or true/false, got 'maybe'"),
])
def test_a_wrong_type_in_a_column_is_one_line_naming_file_line_and_column(tmp_path, column, value, problem):
    path = tmp_path / "cams.csv"
    write_table(path, [Camera(camera_id="c1", image="p"), Camera(camera_id="c2", image="p")], Camera)
    header, first, second = path.read_text().splitlines()
    cells = second.split(",")
    cells[header.split(",").index(column)] = value
    path.write_text("\n".join([header, first, ",".join(cells)]) + "\n")
    with pytest.raises(ValueError) as err:
        read_table(path, Camera)
    assert str(err.value) == f"{path}:3: bad Camera row: {problem}"


def test_table_flags_and_whole_floats_read_as_before(tmp_path):
    path = tmp_path / "cams.csv"
    write_table(path, [Camera(camera_id="c1", image="p")], Camera)
    header, first = path.read_text().splitlines()
    rows = []
    for weak, n in (("True", "3.0"), ("false", "2"), ("", "")):
        cells = first.split(",")
        cells[header.split(",").index("weak")], cells[header.split(",").index("n_tags")] = weak, n
        rows.append(",".join(cells))
    path.write_text("\n".join([header, *rows]) + "\n")
    assert [(c.weak, c.n_tags) for c in read_table(path, Camera)] == [(True, 3), (False, 2), (False, 0)]


def test_detections_concat_and_index():
    a = Detections(np.array([[0, 0, 10, 10]], np.float32), np.array([0.9], np.float32), np.array([1]))
    b = Detections(np.array([[5, 5, 8, 8], [1, 1, 2, 2]], np.float32), np.array([0.2, 0.5], np.float32),
                   np.array([0, 0]))
    both = Detections.concat([a, b])
    assert len(both) == 3 and both.class_ids.tolist() == [1, 0, 0]
    assert len(both[both.scores > 0.4]) == 2
    assert len(Detections.concat([])) == 0


def test_view_id_is_stable():
    v = View("pano", 359.5, 12.0, 50.0, 640, 640)
    assert v.view_id == View("pano", 359.5, 12.0, 50.0, 640, 640).view_id
    assert v.view_id != View("pano", 0.5, 12.0, 50.0, 640, 640).view_id


def test_numpy_scalars_are_written_as_plain_numbers(tmp_path):
    path = tmp_path / "t.csv"
    write_table(path, [Tag(source="s", image="i", annotator="a", x1=np.float64(1.23456), y1=np.float32(2),
                           image_width=np.int64(640), weak=np.bool_(True))], Tag)
    assert "np." not in path.read_text()
    back = read_table(path, Tag)[0]
    assert back.x1 == 1.2346 and back.image_width == 640 and back.weak is True


def _suggestion(**kw) -> Suggestion:
    base = dict(key="k1", intersection="I", pano_id="P", image_path="v.jpg", view_heading=90.0, view_pitch=10.0,
                view_fov=60.0, image_width=640, image_height=480, x1=1.0, y1=2.0, x2=3.0, y2=4.0, score=0.5,
                type="dome")
    return Suggestion(**{**base, **kw})


def test_suggestion_codec_round_trips_through_json_with_nan_as_null():
    s = _suggestion(lat=40.7, mount_score=0.75)
    text = json.dumps(s.to_json_dict(), allow_nan=False)  # JSON has no NaN: NaN fields are null
    back = Suggestion.from_dict(json.loads(text))
    assert json.loads(text)["heading"] is None and math.isnan(back.heading) and math.isnan(back.type_score)
    assert back.to_json_dict() == s.to_json_dict()


@pytest.mark.parametrize("rec, expect", [
    ({"x1": None}, "nan x1"),  # null in any float field reads as NaN
    ({"view_fov": None, "lat": None}, "nan view_fov"),
    ({"done": True, "n": 3}, "ok"),  # unknown keys (marker rows, newer writers) are ignored
    ({"mount_score": 0.9}, "ok"),
])
def test_suggestion_from_dict_nan_rule(rec, expect):
    d = {**_suggestion().as_dict(), **rec}
    s = Suggestion.from_dict(d)
    if expect.startswith("nan"):
        assert math.isnan(getattr(s, expect.split()[1]))
    else:
        assert s.key == "k1"


def test_suggestion_from_dict_missing_field_is_one_line_error():
    with pytest.raises(ValueError, match="missing intersection, pano_id"):
        Suggestion.from_dict({"key": "x", "image_path": "v.jpg", "view_heading": 0, "view_pitch": 0, "view_fov": 90,
                              "image_width": 1, "image_height": 1, "x1": 0, "y1": 0, "x2": 1, "y2": 1,
                              "score": 0.1, "type": "dome"})
