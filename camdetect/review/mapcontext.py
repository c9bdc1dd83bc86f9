"""What the coordinator map draws under the cameras: a tile layer when one is configured (online),
else the city plan as a light vector layer (offline context).

- Tiles: ``ReviewConfig.tiles`` is a Leaflet URL template (``https://tile.openstreetmap.org/{z}/{x}/{y}.png``);
  the page's Content-Security-Policy then allows images from that host only (:func:`tile_origin`).
- Plan: the store's intersections (lat/lon, always), plus ``ReviewConfig.plan``: a GeoJSON file (points:
  intersections; lines: streets) or the plan CSV ``camdetect plan`` writes (``lat``/``lon`` columns).

    fc = context_geojson(store, Path("runs/city/streets.geojson"))
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

from camdetect.store import Store
from camdetect.store.models import Intersection

MAX_FEATURES = 50_000  # a city district; beyond that the browser would crawl
KEEP_GEOMETRIES = {"Point", "MultiPoint", "LineString", "MultiLineString"}
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
_HOST_RE = re.compile(r"^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$")


def tile_origin(url: str) -> str:
    """The CSP source for a tile URL template: ``https://{s}.tile.example.org/{z}/{x}/{y}.png`` ->
    ``https://*.tile.example.org``. ValueError when it is not an http(s) URL with {z}, {x} and {y}."""
    parts = urlsplit(url)
    host = parts.netloc.replace("{s}", "*")
    if parts.scheme not in ("http", "https") or not _HOST_RE.match(host) or host.count("*") > 1:
        raise ValueError(f"--tiles must be an http(s) URL template on one host, got {url!r}")
    if not all(k in url for k in ("{z}", "{x}", "{y}")):
        raise ValueError(f"--tiles needs {{z}}, {{x}} and {{y}} in the URL, got {url!r}")
    return f"{parts.scheme}://{host}"


def default_attribution(url: str) -> str:
    return OSM_ATTRIBUTION if "openstreetmap" in url.lower() else ""


def _point(lon: float, lat: float, name: str) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": name, "kind": "intersection"}}


def read_plan(path: Path) -> list[dict]:
    """Features of a plan file: GeoJSON points/lines (properties reduced to a name) or a plan CSV."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: --plan file not found")
    if path.suffix.lower() == ".csv":
        out, seen = [], set()
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                try:
                    lat, lon = float(row["lat"]), float(row["lon"])
                except (KeyError, TypeError, ValueError):
                    continue
                name = row.get("intersection_id") or ""
                if (name, lat, lon) not in seen:
                    seen.add((name, lat, lon))
                    out.append(_point(lon, lat, name))
        return out[:MAX_FEATURES]
    if path.suffix.lower() not in (".geojson", ".json"):
        raise ValueError(f"{path}: --plan must be .geojson/.json or a plan .csv")
    data = json.loads(path.read_text(encoding="utf-8"))
    feats = data.get("features", []) if isinstance(data, dict) else []
    out = []
    for f in feats:
        geom = (f or {}).get("geometry") or {}
        if geom.get("type") not in KEEP_GEOMETRIES:
            continue
        props = f.get("properties") or {}
        kind = "intersection" if "Point" in geom["type"] else "street"
        name = str(props.get("name") or props.get("intersection_id") or "")[:200]
        out.append({"type": "Feature", "geometry": {"type": geom["type"], "coordinates": geom.get("coordinates")},
                    "properties": {"name": name, "kind": kind}})
    return out[:MAX_FEATURES]


def context_geojson(store: Store, plan: list[dict] | None = None) -> dict:
    """The store's intersections plus the plan's features, as one FeatureCollection."""
    with store.read() as s:
        rows = s.execute(select(Intersection.name, Intersection.lat, Intersection.lon)
                         .where(Intersection.lat.is_not(None), Intersection.lon.is_not(None))
                         .limit(MAX_FEATURES)).all()
    feats = [_point(lon, lat, name) for name, lat, lon in rows]
    return {"type": "FeatureCollection", "features": feats + list(plan or [])}
