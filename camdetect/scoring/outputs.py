"""Where suggestions go: the review store (via a small sink interface), JSONL and GeoJSON.

Crash safety (SIGKILL at any moment, then re-run): for each image the scorer first appends its
suggestions to JSONL (fsync), then writes the view JPEGs, then calls ``record_image`` which commits
the suggestions and the done-mark in ONE transaction. A re-run skips images the store calls done and
redoes the rest; JSONL ignores keys it already holds and drops a torn last line, so neither output
loses or duplicates a suggestion. GeoJSON is rebuilt from JSONL (atomic replace) at the end.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Protocol

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

    return Store.open(url)


class JsonlLog:
    """Append-only suggestions.jsonl with key de-duplication and torn-line repair on open."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.keys: set[str] = set()
        if self.path.exists():
            self._repair()
        self.fh = self.path.open("a", encoding="utf-8")

    def _repair(self) -> None:
        data = self.path.read_bytes()
        good = data if data.endswith(b"\n") or not data else data[: data.rfind(b"\n") + 1]
        if len(good) != len(data):  # a kill mid-write left half a line
            with self.path.open("r+b") as fh:
                fh.truncate(len(good))
        for line in good.decode("utf-8").splitlines():
            if line.strip():
                self.keys.add(json.loads(line)["key"])

    def append(self, suggestions: list[Suggestion]) -> int:
        new = list({s.key: s for s in reversed(suggestions) if s.key not in self.keys}.values())[::-1]
        if not new:
            return 0
        self.fh.write("".join(json.dumps(_clean(s.as_dict())) + "\n" for s in new))
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.keys.update(s.key for s in new)
        return len(new)

    def close(self) -> None:
        self.fh.close()


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a torn last line; JsonlLog repairs it on the next run
    return out


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


def write_geojson(jsonl: str | os.PathLike, out: str | os.PathLike) -> int:
    """Rebuild the GeoJSON FeatureCollection from JSONL (atomic replace); returns the feature count."""
    recs = sorted(read_jsonl(jsonl), key=lambda r: r["key"])
    out = Path(out)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps({"type": "FeatureCollection", "features": [to_feature(r) for r in recs]}),
                   encoding="utf-8")
    os.replace(tmp, out)
    return len(recs)
