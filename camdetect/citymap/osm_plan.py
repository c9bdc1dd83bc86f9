"""``camdetect plan``: read an OSM extract (.osm / .osm.pbf via pyosmium, or Overpass JSON) and write
the intersections as a manifest (docs/CONTRACTS.md columns; image columns stay empty until fetched)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from pathlib import Path

from camdetect.citymap.intersections import Intersection, find_intersections, is_street
from camdetect.durable import atomic_open

MANIFEST_COLUMNS = ["intersection_id", "pano_id", "lat", "lon", "image_path", "kind", "pano_heading",
                    "heading", "pitch", "fov"]
PLAN_COLUMNS = MANIFEST_COLUMNS + ["n_streets", "osm_nodes"]


def read_osm(path: str | os.PathLike) -> tuple[dict[int, tuple[float, float]], list[tuple[dict, list[int]]]]:
    """(nodes, street ways) from an extract; only nodes on street ways are kept (two passes)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: OSM extract not found")
    name = path.name.lower()
    if name.endswith(".json"):
        return _read_overpass(path)
    if not name.endswith((".osm", ".pbf", ".osm.bz2", ".osm.gz")):
        raise ValueError(f"{path}: unknown OSM format (expected .osm, .osm.pbf or Overpass .json)")
    import osmium

    ways: list[tuple[dict, list[int]]] = []
    try:
        for w in osmium.FileProcessor(str(path), osmium.osm.WAY):
            tags = {t.k: t.v for t in w.tags}
            if is_street(tags):
                ways.append((tags, [n.ref for n in w.nodes]))
        wanted = {r for _, refs in ways for r in refs}
        nodes: dict[int, tuple[float, float]] = {}
        for n in osmium.FileProcessor(str(path), osmium.osm.NODE):
            if n.id in wanted and n.location.valid():
                nodes[n.id] = (n.location.lat, n.location.lon)
    except RuntimeError as exc:
        raise ValueError(f"{path}: cannot read OSM data: {str(exc).splitlines()[0]}") from None
    return nodes, ways


def _read_overpass(path: Path) -> tuple[dict[int, tuple[float, float]], list[tuple[dict, list[int]]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: bad JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise ValueError(f"{path}: not Overpass JSON (no 'elements' list)")
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[dict, list[int]]] = []
    for i, el in enumerate(data["elements"]):
        kind = el.get("type")
        try:
            if kind == "node":
                nodes[int(el["id"])] = (float(el["lat"]), float(el["lon"]))
            elif kind == "way":
                refs = [int(r) for r in el.get("nodes", [])]
                for ref, g in zip(refs, el.get("geometry") or []):  # `out geom` gives coordinates inline
                    nodes.setdefault(ref, (float(g["lat"]), float(g["lon"])))
                tags = {str(k): str(v) for k, v in (el.get("tags") or {}).items()}
                if is_street(tags):
                    ways.append((tags, refs))
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{path}: element {i} ({kind} {el.get('id')}) lacks id/lat/lon/nodes") from None
    return nodes, ways


def read_area(path: str | os.PathLike):
    """A shapely (multi)polygon from a GeoJSON file (Feature, FeatureCollection or bare geometry)."""
    from shapely.geometry import shape
    from shapely.ops import unary_union

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: area file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("type") == "FeatureCollection":
            geoms = [shape(f["geometry"]) for f in data["features"]]
        elif data.get("type") == "Feature":
            geoms = [shape(data["geometry"])]
        else:
            geoms = [shape(data)]
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"{path}: not a GeoJSON polygon ({type(exc).__name__})") from None
    area = unary_union([g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    if area.is_empty:
        raise ValueError(f"{path}: no Polygon/MultiPolygon in the area file")
    return area


def write_plan(path: str | os.PathLike, intersections: Iterable[Intersection]) -> int:
    """Write the plan manifest atomically (tmp + rename); returns the row count."""
    n = 0
    with atomic_open(path, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=PLAN_COLUMNS)
        w.writeheader()
        for it in intersections:
            w.writerow({"intersection_id": it.intersection_id, "lat": f"{it.lat:.7f}", "lon": f"{it.lon:.7f}",
                        "n_streets": it.n_streets, "osm_nodes": " ".join(map(str, it.node_ids))})
            n += 1
    return n


def read_plan(path: str | os.PathLike) -> list[tuple[str, float, float]]:
    """(intersection_id, lat, lon) per row of a plan (or any manifest; duplicates by id dropped)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: manifest not found")
    out: list[tuple[str, float, float]] = []
    seen: set[str] = set()
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"intersection_id", "lat", "lon"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}:1: manifest lacks column(s) {', '.join(sorted(missing))}")
        for lineno, rec in enumerate(reader, start=2):
            iid = (rec["intersection_id"] or "").strip()
            if not iid:
                raise ValueError(f"{path}:{lineno}: empty intersection_id")
            try:
                lat, lon = float(rec["lat"]), float(rec["lon"])
            except (TypeError, ValueError):
                raise ValueError(f"{path}:{lineno}: lat/lon are not numbers: {rec['lat']!r}, {rec['lon']!r}") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"{path}:{lineno}: lat/lon out of range: {lat}, {lon}")
            if iid not in seen:
                seen.add(iid)
                out.append((iid, lat, lon))
    return out


def plan_city(osm: str | os.PathLike, out: str | os.PathLike, area: str | os.PathLike | None = None,
              merge_m: float = 13.0) -> list[Intersection]:
    """The whole ``camdetect plan`` command as a function."""
    nodes, ways = read_osm(osm)
    polygon = read_area(area) if area is not None else None
    result = find_intersections(nodes, ways, merge_m=merge_m, area=polygon)
    write_plan(out, result)
    return result
