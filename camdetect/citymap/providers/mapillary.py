"""Mapillary API v4 (https://www.mapillary.com/developer/api-documentation): open street imagery,
CC BY-SA 4.0. ``GET graph.mapillary.com/images?bbox=minlon,minlat,maxlon,maxlat&fields=...`` with the
token in the ``Authorization: OAuth <token>`` header (never in the URL), then the image's signed
``thumb_2048_url`` (no token sent to the CDN).

Per intersection: the nearest 360 image within ``radius_m`` becomes one ``kind=panorama`` row
(pano_heading = computed_compass_angle, the direction of the image centre); without one, up to
``max_images`` nearest perspective images become ``kind=view`` rows (heading = compass angle, pitch 0,
fov from camera_parameters' focal length, normalised by the larger image side).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from camdetect.citymap.fetch import FetchError, HttpClient, HttpConfig
from camdetect.durable import atomic_write_bytes
from camdetect.geometry.earth import EARTH_RADIUS_M, haversine_m

DEFAULT_BASE = "https://graph.mapillary.com"
FIELDS = "id,thumb_2048_url,computed_compass_angle,compass_angle,computed_geometry,geometry,is_pano,camera_parameters,width,height,captured_at,creator"
ATTRIBUTION = "Mapillary, CC BY-SA 4.0"


@dataclass
class MapillaryProvider:
    token: str
    base_url: str = DEFAULT_BASE
    radius_m: float = 20.0
    max_images: int = 4
    config: HttpConfig = field(default_factory=HttpConfig)
    name: str = "mapillary"

    def __post_init__(self) -> None:
        self.http = HttpClient(self.config, secrets=(self.token,))

    @classmethod
    def from_env(cls, base_url: str | None = None, config: HttpConfig | None = None,
                 radius_m: float | None = None) -> MapillaryProvider:
        token = os.environ.get("MAPILLARY_ACCESS_TOKEN", "").strip()
        if not token:
            raise ValueError("MAPILLARY_ACCESS_TOKEN is not set (get a client token at mapillary.com/dashboard/developers)")
        kw = {"radius_m": radius_m} if radius_m is not None else {}
        return cls(token, base_url or os.environ.get("CAMDETECT_MAPILLARY_URL", DEFAULT_BASE),
                   config=config or HttpConfig(), **kw)

    def search(self, lat: float, lon: float) -> list[dict]:
        """Images within ``radius_m``, nearest first, each with ``_dist``/``_lat``/``_lon``."""
        dlat = math.degrees(self.radius_m / EARTH_RADIUS_M)
        dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
        params = {"fields": FIELDS, "bbox": f"{lon - dlon:.7f},{lat - dlat:.7f},{lon + dlon:.7f},{lat + dlat:.7f}",
                  "limit": "100"}
        resp = self.http.get(f"{self.base_url.rstrip('/')}/images", params=params,
                             headers={"Authorization": f"OAuth {self.token}"})
        try:
            data = resp.json().get("data", [])
        except ValueError:
            raise FetchError(f"{self.base_url}/images: response is not JSON") from None
        out = []
        for img in data:
            geom = img.get("computed_geometry") or img.get("geometry") or {}
            try:
                ilon, ilat = (float(v) for v in geom["coordinates"][:2])
            except (KeyError, TypeError, ValueError):
                continue
            dist = haversine_m(lat, lon, ilat, ilon)
            if dist <= self.radius_m and img.get("thumb_2048_url"):
                out.append({**img, "_dist": dist, "_lat": ilat, "_lon": ilon})
        return sorted(out, key=lambda i: (i["_dist"], str(i.get("id"))))

    def fetch(self, intersection_id: str, lat: float, lon: float, out: Path) -> list[dict]:
        images = self.search(lat, lon)
        panos = [i for i in images if i.get("is_pano")]
        chosen = panos[:1] or [i for i in images if not i.get("is_pano")][: self.max_images]
        rows = []
        for img in chosen:
            rel = f"images/mapillary/{img['id']}.jpg"
            path = out / rel
            if not path.is_file():
                resp = self.http.get(img["thumb_2048_url"], ok_missing=True)
                if resp is None:
                    continue  # image vanished between search and download
                atomic_write_bytes(path, resp.content)
            angle = img.get("computed_compass_angle", img.get("compass_angle"))
            angle = float(angle) % 360 if angle is not None else 0.0
            row = {"intersection_id": intersection_id, "pano_id": str(img["id"]), "lat": round(img["_lat"], 7),
                   "lon": round(img["_lon"], 7), "image_path": rel, "captured_at": img.get("captured_at", ""),
                   "attribution": ATTRIBUTION}
            if img.get("is_pano"):
                row.update(kind="panorama", pano_heading=round(angle, 2))
            else:
                focal = (img.get("camera_parameters") or [None])[0]
                fov = math.degrees(2 * math.atan(0.5 / float(focal))) if focal else 60.0
                w, h = img.get("width"), img.get("height")
                if focal and w and h and h > w:  # focal is normalised by the larger side
                    fov = math.degrees(2 * math.atan(0.5 * w / h / float(focal)))
                row.update(kind="view", heading=round(angle, 2), pitch=0.0, fov=round(fov, 2))
            rows.append(row)
        return rows
