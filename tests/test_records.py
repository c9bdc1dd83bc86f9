"""Core records: tables round-trip exactly, NaN and booleans included; bad rows name file and line."""

from __future__ import annotations

import math

import numpy as np
import pytest

from camdetect.records import Camera, Detections, Tag, View, read_table, write_table


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
