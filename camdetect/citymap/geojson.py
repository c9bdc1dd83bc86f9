"""GeoJSON for located cameras: Points with OSM tags (man_made=surveillance ...) for cameras seen
from >= 2 panoramas, LineStrings from the panorama along the bearing for cameras seen once.

``cameras_geojson`` is the entry point for the review app's Leaflet map and ``camdetect locate``;
files are written with :func:`camdetect.durable.write_geojson`.
"""

from __future__ import annotations

import math

from camdetect.citymap.locate import CameraEstimate, LocalPlane, locate_cameras
from camdetect.durable import write_geojson  # noqa: F401 (the one GeoJSON writer; review imports it here)
from camdetect.records import Suggestion, read_suggestions  # noqa: F401 (read_suggestions: re-exported)
from camdetect.taxonomy import load_taxonomy


def _feature(cam: CameraEstimate, taxonomy) -> dict:
    tags = taxonomy.osm_tags(cam.type, cam.mount, direction=cam.direction)
    props = dict(tags)
    props.update({
        "camdetect:type": cam.type, "camdetect:mount": cam.mount, "camdetect:score": round(cam.score, 4),
        "camdetect:panoramas": [r.pano_id for r in cam.rays],
        "camdetect:suggestions": [r.key for r in cam.rays if r.key],
        "camdetect:bearings": [round(r.bearing, 2) for r in cam.rays],
    })
    if cam.located:
        props.update({"camdetect:located": "triangulated", "camdetect:uncertainty_m": round(cam.radius_m, 2),
                      "camdetect:sigma_major_m": round(cam.sigma_major_m, 2),
                      "camdetect:sigma_minor_m": round(cam.sigma_minor_m, 2),
                      "camdetect:ellipse_bearing": round(cam.ellipse_angle, 1),
                      "camdetect:rms_residual_m": round(cam.rms_residual_m, 2)})
        geom = {"type": "Point", "coordinates": [round(cam.lon, 7), round(cam.lat, 7)]}
    else:
        r = cam.rays[0]
        max_range = float(cam.extra.get("max_range_m", 40.0))
        plane = LocalPlane(r.lat, r.lon)
        b = math.radians(r.bearing)
        lat2, lon2 = plane.to_latlon(max_range * math.sin(b), max_range * math.cos(b))
        props.update({"camdetect:located": "bearing", "camdetect:bearing": round(r.bearing, 2),
                      "camdetect:max_range_m": max_range})
        geom = {"type": "LineString", "coordinates": [[round(r.lon, 7), round(r.lat, 7)],
                                                      [round(lon2, 7), round(lat2, 7)]]}
    return {"type": "Feature", "geometry": geom, "properties": props}


def cameras_geojson(suggestions: list[Suggestion], max_range_m: float = 40.0, sigma_deg: float = 2.0,
                    k_sigma: float = 3.0, taxonomy_path: str | None = None) -> dict:
    """FeatureCollection of cameras located from ``suggestions`` (accepted ones, typically)."""
    taxonomy = load_taxonomy(taxonomy_path)
    cams = locate_cameras(suggestions, max_range_m=max_range_m, sigma_deg=sigma_deg, k_sigma=k_sigma)
    return {"type": "FeatureCollection", "features": [_feature(c, taxonomy) for c in cams],
            "properties": {"max_range_m": max_range_m, "bearing_sigma_deg": sigma_deg, "k_sigma": k_sigma}}


def suggestions_from_store(url: str, accepted_only: bool = True) -> list[Suggestion]:
    """Suggestion rows from the review store (camdetect.store); by default only those reviewers
    retired as "yes" (outcome), so the map shows confirmed cameras."""
    from dataclasses import fields

    from sqlalchemy import select

    from camdetect.store import Store
    from camdetect.store.models import SuggestionRow

    names = [f.name for f in fields(Suggestion)]
    store = Store.open(url, migrate=False)
    try:
        with store.read() as s:
            q = select(SuggestionRow)
            if accepted_only:
                q = q.where(SuggestionRow.outcome == "yes")
            rows = list(s.scalars(q.order_by(SuggestionRow.key)))
            return [Suggestion.from_dict({n: getattr(r, n) for n in names}) for r in rows]
    finally:
        store.close()
