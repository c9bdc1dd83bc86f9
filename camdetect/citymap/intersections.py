"""Street intersections from OSM nodes and ways: pure logic, no file formats (see osm_plan.py).

An intersection is a node shared by two or more *street* ways (motorways and their links excluded,
they have no street furniture a pedestrian survey can see). Points closer than ``merge_m`` (13 m, as
in Amnesty's Decode Surveillance NYC) are merged: dual carriageways and slightly offset junctions
otherwise produce several "intersections" for one crossing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from camdetect.geometry.earth import M_PER_DEG_LAT, haversine_m, m_per_deg_lon

# highway=* values that count as streets (links of street classes included, motorways excluded).
STREET_KINDS = frozenset({
    "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link", "tertiary",
    "tertiary_link", "unclassified", "residential", "living_street", "pedestrian", "road",
})
EXCLUDED_KINDS = frozenset({"motorway", "motorway_link"})


@dataclass(frozen=True)
class Intersection:
    """One planned intersection; ``node_ids`` are the OSM nodes merged into it (first = id source)."""

    intersection_id: str
    lat: float
    lon: float
    node_ids: tuple[int, ...]
    n_streets: int


def is_street(tags: Mapping[str, str]) -> bool:
    """True for ways that are streets by our definition (STREET_KINDS, not area=yes)."""
    kind = tags.get("highway", "")
    return kind in STREET_KINDS and kind not in EXCLUDED_KINDS and tags.get("area") != "yes"


def shared_street_nodes(ways: Iterable[tuple[Mapping[str, str], Sequence[int]]]) -> dict[int, int]:
    """node id -> number of distinct street ways through it, for nodes on >= 2 street ways."""
    count: dict[int, int] = {}
    for tags, refs in ways:
        if not is_street(tags):
            continue
        for ref in set(refs):
            count[ref] = count.get(ref, 0) + 1
    return {n: c for n, c in count.items() if c >= 2}


def merge_close(points: list[tuple[int, float, float, int]], merge_m: float) -> list[list[tuple[int, float, float, int]]]:
    """Single-linkage clusters of (node_id, lat, lon, n) closer than ``merge_m`` metres (union-find,
    grid-bucketed so a city of 100k nodes stays fast)."""
    parent = list(range(len(points)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if merge_m > 0 and points:
        lat0 = sum(p[1] for p in points) / len(points)
        ky, kx = M_PER_DEG_LAT, m_per_deg_lon(lat0)
        size = max(merge_m, 1.0)  # cells >= merge_m: neighbours within one cell cover every close pair
        cell: dict[tuple[int, int], list[int]] = {}
        for i, (_, lat, lon, _) in enumerate(points):
            cell.setdefault((math.floor(lat * ky / size), math.floor(lon * kx / size)), []).append(i)
        for (cy, cx), members in cell.items():
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    for j in cell.get((cy + dy, cx + dx), ()):
                        for i in members:
                            if i < j and haversine_m(points[i][1], points[i][2], points[j][1], points[j][2]) < merge_m:
                                parent[find(i)] = find(j)
    groups: dict[int, list[tuple[int, float, float, int]]] = {}
    for i, p in enumerate(points):
        groups.setdefault(find(i), []).append(p)
    return list(groups.values())


def find_intersections(nodes: Mapping[int, tuple[float, float]],
                       ways: Iterable[tuple[Mapping[str, str], Sequence[int]]],
                       merge_m: float = 13.0, area=None, id_prefix: str = "osm-") -> list[Intersection]:
    """Intersections from ``nodes`` (id -> (lat, lon)) and ``ways`` ((tags, node refs)).

    ``area`` is an optional shapely (multi)polygon in lon/lat; intersections are clipped to it after
    merging. Ids are ``<prefix><smallest node id>``, stable across runs; output sorted by id.
    """
    if merge_m < 0:
        raise ValueError(f"merge_m must be >= 0, got {merge_m}")
    shared = shared_street_nodes(ways)
    points = [(n, nodes[n][0], nodes[n][1], c) for n, c in sorted(shared.items()) if n in nodes]
    out: list[Intersection] = []
    for group in merge_close(points, merge_m):
        group.sort()
        lat = sum(p[1] for p in group) / len(group)
        lon = sum(p[2] for p in group) / len(group)
        if area is not None:
            from shapely.geometry import Point

            if not area.covers(Point(lon, lat)):
                continue
        out.append(Intersection(f"{id_prefix}{group[0][0]}", round(lat, 7), round(lon, 7),
                                tuple(p[0] for p in group), max(p[3] for p in group)))
    return sorted(out, key=lambda i: i.intersection_id)
