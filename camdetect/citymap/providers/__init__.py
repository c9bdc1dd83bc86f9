"""Imagery providers for ``camdetect fetch``: each has ``name``, ``http`` (HttpClient) and
``fetch(intersection_id, lat, lon, out_dir) -> list[manifest row dict]``."""

from __future__ import annotations

from pathlib import Path

from camdetect.citymap.fetch import HttpConfig


def make_provider(name: str, base_url: str | None = None, config: HttpConfig | None = None,
                  plan_path: str | Path | None = None, radius_m: float | None = None):
    """A provider by name; keys come from the environment (MAPILLARY_ACCESS_TOKEN, GOOGLE_MAPS_API_KEY)."""
    if name == "mapillary":
        from camdetect.citymap.providers.mapillary import MapillaryProvider

        return MapillaryProvider.from_env(base_url=base_url, config=config, radius_m=radius_m)
    if name == "streetview":
        from camdetect.citymap.providers.streetview import StreetViewProvider

        return StreetViewProvider.from_env(base_url=base_url, config=config, plan_path=plan_path, radius_m=radius_m)
    raise ValueError(f"--provider must be mapillary or streetview, got {name!r}")
