"""Where suggestions go: the review store (via a small sink interface), JSONL and GeoJSON.

Crash safety (SIGKILL at any moment, then re-run): for each image the scorer first appends its
suggestions to ``suggestions.jsonl`` (a :class:`camdetect.durable.JsonlLedger` keyed by ``key``:
one fsync per image), then writes the view JPEGs, then calls ``record_image`` which commits the
suggestions and the done-mark in ONE transaction. A re-run skips images the store calls done and
redoes the rest; the ledger ignores keys it already holds and cuts a torn last line, so neither
output loses or duplicates a suggestion. GeoJSON is rebuilt from JSONL (atomic replace) at the end.
"""

from __future__ import annotations

import os
from typing import Protocol

from camdetect.durable import read_jsonl, write_geojson
from camdetect.records import Suggestion
from camdetect.taxonomy import load_taxonomy


class ResultSink(Protocol):
    """The part of the review store (camdetect.store.Store, CONTRACTS) the scorer needs; the Ray
    driver and tests may pass anything with these two methods."""

    def record_image(self, image_key: str, model: str, suggestions: list[Suggestion], meta: dict) -> int: ...

    def done_images(self, model: str) -> set[str]: ...


def open_sink(url: str) -> ResultSink:
    """The review store (camdetect.store.Store: SQLite path/URL or postgresql://...)."""
    from camdetect.store import Store

    return Store.open(url, create=True)  # `camdetect score --db NEW.db` makes the queue on purpose


def to_feature(rec: dict) -> dict:
    """GeoJSON Feature at the panorama position; bearing to the camera and OSM tags in properties."""
    tax = load_taxonomy()
    lat, lon = rec.get("lat"), rec.get("lon")
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
    props = {k: rec.get(k) for k in ("key", "intersection", "pano_id", "image_path", "score", "type", "mount",
                                     "type_score", "mount_score", "model")}
    props["bearing"] = rec.get("heading")
    props["elevation"] = rec.get("pitch")
    props["osm_tags"] = tax.osm_tags(rec.get("type") or "unknown", rec.get("mount") or "other")
    return {"type": "Feature", "geometry": geometry, "properties": props}


def rebuild_geojson(jsonl: str | os.PathLike, out: str | os.PathLike) -> int:
    """Rebuild the GeoJSON FeatureCollection from the suggestions ledger; returns the feature count."""
    recs = sorted(read_jsonl(jsonl), key=lambda r: r["key"])
    return write_geojson(out, {"type": "FeatureCollection", "features": [to_feature(r) for r in recs]}, indent=None)
