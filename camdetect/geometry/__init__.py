"""Panorama geometry: equirectangular <-> perspective views, (heading, pitch) <-> pixels, boxes between
views and the panorama (seam-aware), Street View zoom <-> FOV, and the per-intersection view plan.

Conventions are in docs/CONTRACTS.md and docs/geometry.md (continuous pixel coordinates: pixel i's
centre is at i + 0.5; panorama centre column = pano_heading; row 0 = pitch +90).
"""

from camdetect.geometry.boxes import (
    clip_box,
    enclosing_pano_box,
    enclosing_view_box,
    pano_box_to_sphere,
    pano_box_to_view_box,
    sphere_box_to_view,
    sphere_boxes_to_view,
    sphere_to_pano_box,
    view_box_to_pano_box,
    view_box_to_sphere,
)
from camdetect.geometry.cut import clear_map_cache, cut_view, remap_maps, supersample_factor, view_maps
from camdetect.geometry.planner import ViewPlan, best_view, best_views, plan_views
from camdetect.geometry.projection import (
    angles_to_pano,
    angles_to_vector,
    angles_to_view,
    angular_distance,
    focal_px,
    heading_difference,
    pano_to_angles,
    vertical_fov,
    view_to_angles,
    wrap_heading,
)
from camdetect.geometry.zoom import fov_to_zoom, zoom_to_fov

__all__ = [
    "ViewPlan",
    "angles_to_pano",
    "angles_to_vector",
    "angles_to_view",
    "angular_distance",
    "best_view",
    "best_views",
    "clear_map_cache",
    "clip_box",
    "cut_view",
    "enclosing_pano_box",
    "enclosing_view_box",
    "focal_px",
    "fov_to_zoom",
    "heading_difference",
    "pano_box_to_sphere",
    "pano_box_to_view_box",
    "pano_to_angles",
    "plan_views",
    "remap_maps",
    "sphere_box_to_view",
    "sphere_boxes_to_view",
    "sphere_to_pano_box",
    "supersample_factor",
    "vertical_fov",
    "view_box_to_pano_box",
    "view_box_to_sphere",
    "view_maps",
    "view_to_angles",
    "wrap_heading",
    "zoom_to_fov",
]
