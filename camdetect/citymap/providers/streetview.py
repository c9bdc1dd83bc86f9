"""Google Street View: metadata + Static API (developers.google.com/maps/documentation/streetview).

``GET /maps/api/streetview/metadata?location=lat,lng&radius=13&source=outdoor&key=...`` (free, no quota
charge) -> status OK / ZERO_RESULTS / NOT_FOUND, pano_id, location{lat,lng}, date, copyright; then one
``GET /maps/api/streetview?size=WxH&pano=...&heading=&pitch=&fov=&return_error_code=true&key=...`` per
view of the ViewPlan (size <= 640x640, fov <= 120 on the Static API).

Terms: the Google Maps Platform terms forbid storing or caching Street View imagery beyond what they
allow and forbid deriving data (e.g. extracting map features) from it. Using this provider to build a
camera map may not be permitted; check the current terms and your agreement before running it. The
key comes from GOOGLE_MAPS_API_KEY and is never written anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from camdetect.citymap.fetch import FetchError, HttpClient, HttpConfig
from camdetect.durable import atomic_write_bytes
from camdetect.geometry import ViewPlan, plan_views
from camdetect.retry import TryAgain, exponential, with_retries

DEFAULT_BASE = "https://maps.googleapis.com"
RETRY_STATUSES = ("OVER_QUERY_LIMIT", "UNKNOWN_ERROR")
NO_IMAGERY = ("ZERO_RESULTS", "NOT_FOUND")


@dataclass
class StreetViewProvider:
    key: str
    base_url: str = DEFAULT_BASE
    plan: ViewPlan = field(default_factory=ViewPlan)
    radius_m: float = 13.0
    config: HttpConfig = field(default_factory=HttpConfig)
    name: str = "streetview"

    def __post_init__(self) -> None:
        if self.plan.width > 640 or self.plan.height > 640:
            raise ValueError(f"Street View Static API images are at most 640x640, plan asks {self.plan.width}x{self.plan.height}")
        if self.plan.fov > 120:
            raise ValueError(f"Street View Static API fov is at most 120, plan asks {self.plan.fov}")
        self.http = HttpClient(self.config, secrets=(self.key,))

    @classmethod
    def from_env(cls, base_url: str | None = None, config: HttpConfig | None = None,
                 plan_path: str | Path | None = None, radius_m: float | None = None) -> StreetViewProvider:
        key = os.environ.get("GOOGLE_MAPS_API_KEY", "").strip()
        if not key:
            raise ValueError("GOOGLE_MAPS_API_KEY is not set")
        kw = {"radius_m": radius_m} if radius_m is not None else {}
        return cls(key, base_url or os.environ.get("CAMDETECT_STREETVIEW_URL", DEFAULT_BASE),
                   plan=ViewPlan.from_yaml(plan_path), config=config or HttpConfig(), **kw)

    def metadata(self, lat: float, lon: float) -> dict | None:
        """The nearest outdoor panorama within radius_m, or None (ZERO_RESULTS / NOT_FOUND)."""
        url = f"{self.base_url.rstrip('/')}/maps/api/streetview/metadata"
        params = {"location": f"{lat:.7f},{lon:.7f}", "radius": f"{self.radius_m:g}", "source": "outdoor",
                  "key": self.key}

        def attempt() -> dict | None:
            try:
                meta = self.http.get(url, params=params).json()
            except ValueError:
                raise FetchError(f"{url}: response is not JSON") from None
            status = meta.get("status", "")
            if status == "OK":
                return meta
            if status in NO_IMAGERY:
                return None
            if status in RETRY_STATUSES:
                raise TryAgain(f"status {status}", error=FetchError(f"{url}: status {status}"))
            raise FetchError(f"{url}: status {status}")

        return with_retries(attempt, retries=self.config.retries, wait=exponential(self.config.backoff),
                            max_wait=self.config.max_backoff, sleep=self.http.sleep)

    def fetch(self, intersection_id: str, lat: float, lon: float, out: Path) -> list[dict]:
        meta = self.metadata(lat, lon)
        if meta is None:
            return []
        pano = str(meta["pano_id"])
        plat, plon = float(meta["location"]["lat"]), float(meta["location"]["lng"])
        rows = []
        for view in plan_views(pano, self.plan):
            rel = f"images/streetview/{view.view_id}.jpg"
            path = out / rel
            if not path.is_file():
                params = {"size": f"{view.width}x{view.height}", "pano": pano, "heading": f"{view.heading:g}",
                          "pitch": f"{view.pitch:g}", "fov": f"{view.fov:g}", "return_error_code": "true",
                          "key": self.key}
                resp = self.http.get(f"{self.base_url.rstrip('/')}/maps/api/streetview", params=params,
                                     ok_missing=True)
                if resp is None:
                    continue
                atomic_write_bytes(path, resp.content)
            rows.append({"intersection_id": intersection_id, "pano_id": pano, "lat": round(plat, 7),
                         "lon": round(plon, 7), "image_path": rel, "kind": "view", "pano_heading": "",
                         "heading": view.heading, "pitch": view.pitch, "fov": view.fov,
                         "captured_at": meta.get("date", ""), "attribution": meta.get("copyright", "© Google")})
        return rows
