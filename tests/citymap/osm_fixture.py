"""A small synthetic OSM extract: 3x3 residential grid (100 m spacing), a motorway + link crossing
it, a footway and a service road, and a stub street meeting the grid 5 m from a corner (merged at 13 m).

Expected: 9 intersections with merging, 10 with --merge-m 0; 6 inside the west-half area polygon."""

from __future__ import annotations

import json
from pathlib import Path

from camdetect.geometry.earth import M_PER_DEG_LAT, m_per_deg_lon

LAT0, LON0 = 52.5, 13.4
DLAT = 100 / M_PER_DEG_LAT  # 100 m
DLON = 100 / m_per_deg_lon(LAT0)


def build() -> tuple[dict[int, tuple[float, float]], list[tuple[int, dict, list[int]]]]:
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, dict, list[int]]] = []
    grid = {}
    nid = 1
    for r in range(3):
        for c in range(3):
            nodes[nid] = (LAT0 + r * DLAT, LON0 + c * DLON)
            grid[r, c] = nid
            nid += 1
    # midpoints between corners on row 1 so the motorway/footway can share a node with the street
    nodes[100] = (LAT0 + 1 * DLAT, LON0 + 0.5 * DLON)  # on row 1, crossed by the motorway
    nodes[101] = (LAT0 + 1 * DLAT, LON0 + 1.5 * DLON)  # on row 1, crossed by a footway
    nodes[102] = (LAT0 + 2 * DLAT, LON0 + 1.5 * DLON)  # on row 2, a service road joins
    nodes[103] = (LAT0 + 0 * DLAT, LON0 + 0.05 * DLON)  # on row 0, 5 m east of corner (0,0): stub joins
    wid = 1000
    for r in range(3):
        refs = [grid[r, 0], grid[r, 1], grid[r, 2]]
        if r == 1:
            refs = [grid[1, 0], 100, grid[1, 1], 101, grid[1, 2]]
        if r == 2:
            refs = [grid[2, 0], grid[2, 1], 102, grid[2, 2]]
        if r == 0:
            refs = [grid[0, 0], 103, grid[0, 1], grid[0, 2]]
        ways.append((wid, {"highway": "residential", "name": f"Row {r}"}, refs)); wid += 1
    for c in range(3):
        ways.append((wid, {"highway": "tertiary", "name": f"Col {c}"}, [grid[0, c], grid[1, c], grid[2, c]])); wid += 1
    nodes[200], nodes[201] = (LAT0 - DLAT, LON0 + 0.5 * DLON), (LAT0 + 3 * DLAT, LON0 + 0.5 * DLON)
    nodes[202] = (LAT0 + 3 * DLAT, LON0 + 1.0 * DLON)
    ways.append((wid, {"highway": "motorway", "ref": "A1"}, [200, 100, 201])); wid += 1
    ways.append((wid, {"highway": "motorway_link"}, [201, 202])); wid += 1
    nodes[210], nodes[211] = (LAT0 + 0.5 * DLAT, LON0 + 1.5 * DLON), (LAT0 + 1.5 * DLAT, LON0 + 1.5 * DLON)
    ways.append((wid, {"highway": "footway"}, [210, 101, 211])); wid += 1
    nodes[212] = (LAT0 + 2.5 * DLAT, LON0 + 1.5 * DLON)
    ways.append((wid, {"highway": "service"}, [102, 212])); wid += 1
    nodes[213] = (LAT0 - 0.5 * DLAT, LON0 + 0.05 * DLON)
    ways.append((wid, {"highway": "residential", "name": "Stub"}, [213, 103])); wid += 1
    return nodes, ways


def write_osm_xml(path: Path) -> Path:
    nodes, ways = build()
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="camdetect-tests">']
    for n, (lat, lon) in sorted(nodes.items()):
        lines.append(f'  <node id="{n}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, tags, refs in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_pbf(xml_path: Path, pbf_path: Path) -> Path:
    import osmium

    writer = osmium.SimpleWriter(str(pbf_path))
    try:
        for obj in osmium.FileProcessor(str(xml_path)):
            writer.add(obj)
    finally:
        writer.close()
    return pbf_path


def write_overpass(path: Path) -> Path:
    nodes, ways = build()
    elements = [{"type": "node", "id": n, "lat": lat, "lon": lon} for n, (lat, lon) in sorted(nodes.items())]
    elements += [{"type": "way", "id": wid, "nodes": refs, "tags": tags} for wid, tags, refs in ways]
    path.write_text(json.dumps({"version": 0.6, "elements": elements}), encoding="utf-8")
    return path


def write_area_west(path: Path) -> Path:
    """Polygon covering grid columns 0 and 1 (not 2)."""
    w, e = LON0 - 0.5 * DLON, LON0 + 1.5 * DLON
    s, n = LAT0 - 0.5 * DLAT, LAT0 + 2.5 * DLAT
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                    "geometry": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}}]}))
    return path
