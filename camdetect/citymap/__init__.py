"""New cities: plan intersections from OpenStreetMap, fetch imagery, locate cameras on a map (issue 8)."""

from camdetect.citymap.geojson import cameras_geojson
from camdetect.citymap.intersections import Intersection, find_intersections
from camdetect.citymap.locate import CameraEstimate, locate_cameras, triangulate

__all__ = [
           "CameraEstimate",
           "Intersection",
           "cameras_geojson",
           "find_intersections",
           "locate_cameras",
           "triangulate",
]
