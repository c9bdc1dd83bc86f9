"""``camdetect plan`` / ``fetch`` / ``locate``: a new city from OpenStreetMap to a camera map."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("plan")
    def plan_cmd(
        osm: Path = typer.Option(..., "--osm", help="OSM extract: .osm, .osm.pbf or Overpass JSON (.json)."),
        out: Path = typer.Option(..., "--out", help="Manifest CSV to write (intersection_id, lat, lon, ...)."),
        area: Path | None = typer.Option(None, "--area", help="GeoJSON polygon to clip to."),
        merge_m: float = typer.Option(13.0, "--merge-m", min=0.0, help="Merge intersections closer than this (m)."),
    ) -> None:
        """Intersections of a city from OpenStreetMap (street nodes shared by >= 2 streets, no motorways).

        Example: camdetect plan --osm city.osm.pbf --out runs/city/plan.csv --area area.geojson
        """
        from camdetect.citymap.osm_plan import plan_city

        result = plan_city(osm, out, area=area, merge_m=merge_m)
        typer.echo(f"{len(result)} intersections -> {out}")

    @app.command("fetch")
    def fetch_cmd(
        manifest: Path = typer.Argument(..., help="Plan manifest from `camdetect plan` (intersection_id, lat, lon)."),
        out: Path = typer.Option(..., "--out", help="Folder for images/, manifest.csv, fetch_state.jsonl, fetch.log."),
        provider: str = typer.Option("mapillary", "--provider", help="mapillary (token: MAPILLARY_ACCESS_TOKEN) | "
                                     "streetview (key: GOOGLE_MAPS_API_KEY)."),
        views: Path | None = typer.Option(None, "--views", help="View plan YAML for streetview (default configs/views/default.yaml)."),
        base_url: str | None = typer.Option(None, "--base-url", help="API base URL (tests, proxies)."),
        radius_m: float | None = typer.Option(None, "--radius-m", help="Search radius (default: streetview 13, mapillary 20)."),
        rate: float = typer.Option(5.0, "--rate", help="Requests per second (token bucket)."),
        burst: int = typer.Option(5, "--burst", min=1, help="Token bucket size."),
        retries: int = typer.Option(5, "--retries", min=0, help="Retries on 429/5xx/network errors."),
        backoff: float = typer.Option(1.0, "--backoff", min=0.0, help="First retry wait (s), doubled each retry."),
        limit: int | None = typer.Option(None, "--limit", min=1, help="Fetch at most N intersections."),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    ) -> None:
        """Download imagery for planned intersections into a scoring manifest; resumable, keys never stored.

        Example: camdetect fetch runs/city/plan.csv --provider mapillary --out runs/city/imagery
        """
        from camdetect.citymap.fetch import HttpConfig, fetch_all
        from camdetect.citymap.osm_plan import read_plan
        from camdetect.citymap.providers import make_provider

        plan = read_plan(manifest)[:limit]
        config = HttpConfig(rate=rate, burst=burst, retries=retries, backoff=backoff)
        prov = make_provider(provider, base_url=base_url, config=config, plan_path=views, radius_m=radius_m)
        summary = fetch_all(prov, plan, out, progress=progress)
        typer.echo(json.dumps(summary.__dict__))
        if summary.failed:
            typer.echo(f"{summary.failed} intersection(s) failed (see {out / 'fetch.log'}); run again to retry", err=True)

    @app.command("locate")
    def locate_cmd(
        suggestions: Path | None = typer.Argument(None, help="Suggestions .jsonl/.csv (scorer output)."),
        out: Path = typer.Option(..., "--out", help="GeoJSON to write."),
        db: str | None = typer.Option(None, "--db", help="Review store URL/SQLite path instead of a file."),
        all_suggestions: bool = typer.Option(False, "--all", help="With --db: include unreviewed suggestions, "
                                             "not only those accepted (outcome yes)."),
        max_range_m: float = typer.Option(40.0, "--max-range-m", min=1.0, help="Max camera distance from a panorama."),
        sigma_deg: float = typer.Option(2.0, "--sigma-deg", min=0.01, help="Assumed bearing noise (deg, 1 sigma)."),
        k_sigma: float = typer.Option(3.0, "--k-sigma", min=0.1, help="Stated uncertainty = k sigma ellipse."),
    ) -> None:
        """Place cameras seen from >= 2 panoramas by intersecting bearings; others become bearing lines.

        Example: camdetect locate --db runs/review.db --out runs/city/cameras.geojson
        """
        from camdetect.citymap.geojson import (
            cameras_geojson,
            read_suggestions,
            suggestions_from_store,
        )
        from camdetect.durable import write_geojson

        if (suggestions is None) == (db is None):
            raise ValueError("give either a suggestions file (.jsonl/.csv) or --db URL")
        rows = read_suggestions(suggestions) if suggestions is not None else suggestions_from_store(
            db, accepted_only=not all_suggestions)
        fc = cameras_geojson(rows, max_range_m=max_range_m, sigma_deg=sigma_deg,
                             k_sigma=k_sigma)
        write_geojson(out, fc)
        located = sum(f["properties"]["camdetect:located"] == "triangulated" for f in fc["features"])
        typer.echo(f"{located} located, {len(fc['features']) - located} bearing-only -> {out}")
