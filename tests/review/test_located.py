"""The review map's cameras: verified cameras placed by camdetect.citymap (bearing intersection)."""

from __future__ import annotations

import math

from camdetect.geometry.earth import M_PER_DEG_LAT
from camdetect.records import Camera
from camdetect.review.exports import Verified, located_geojson
from camdetect.store.models import ViewRow

LAT0, LON0 = 40.7, -74.0


def _view(name: str, pano: str, east_m: float, heading: float) -> ViewRow:
    lon = LON0 + east_m / (M_PER_DEG_LAT * math.cos(math.radians(LAT0)))
    return ViewRow(image_path=name, pano_id=pano, intersection="i1", view_heading=heading, view_pitch=0.0,
                   view_fov=48.0, width=640, height=640, lat=LAT0, lon=lon, spot_rank=0.5)


def _camera(cid: str, image: str, typ: str = "dome") -> Camera:
    # a box centred in the view: the camera's bearing is the view's heading
    return Camera(camera_id=cid, image=image, intersection="i1", x1=310, y1=310, x2=330, y2=330,
                  image_width=640, image_height=640, type=typ, mount="building", confidence=0.9)


def test_two_panoramas_triangulate_one_panorama_is_a_bearing():
    # panoramas A (x=0) and B (x=20 m east); a camera at (10 m east, 10 m north): bearings 45 and 315 deg
    views = {"a.jpg": _view("a.jpg", "A", 0.0, 45.0), "b.jpg": _view("b.jpg", "B", 20.0, 315.0),
             "c.jpg": _view("c.jpg", "C", 200.0, 90.0)}
    cams = [_camera("cam-a", "a.jpg"), _camera("cam-b", "b.jpg"), _camera("cam-c", "c.jpg", "bullet")]
    fc = located_geojson(Verified(cams, [], views))
    points = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
    lines = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    assert len(points) == 1 and len(lines) == 1
    p = points[0]["properties"]
    assert p["man_made"] == "surveillance" and p["camdetect:located"] == "triangulated"
    assert sorted(p["camdetect:suggestions"]) == ["cam-a", "cam-b"]
    lon, lat = points[0]["geometry"]["coordinates"]
    north = (lat - LAT0) * M_PER_DEG_LAT
    east = (lon - LON0) * M_PER_DEG_LAT * math.cos(math.radians(LAT0))
    assert abs(north - 10.0) < 0.3 and abs(east - 10.0) < 0.3
    line = lines[0]["properties"]
    assert line["camdetect:suggestions"] == ["cam-c"] and abs(line["camdetect:bearing"] - 90.0) < 0.5


def test_cameras_without_position_are_left_out():
    view = _view("a.jpg", "A", 0.0, 45.0)
    view.lat = view.lon = None
    assert located_geojson(Verified([_camera("x", "a.jpg")], [], {"a.jpg": view}))["features"] == []
