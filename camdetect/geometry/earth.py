"""The one Earth model: a sphere with 111,320 m per degree, for metres <-> degrees everywhere.

Every stage takes its constants and conversions from here (synthetic cities, spatial splits, OSM
intersections, Mapillary search, map location), so two stages never disagree on where a point is.

Why this sphere (radius 6,378,166 m, within 30 m of WGS84's equatorial radius): the cities camdetect
surveys lie at mid-latitudes, where the local radius of curvature (sqrt(M N) of the WGS84 ellipsoid) is
6,375 km at 40.7 N (New York), 6,378 km at 45 N and 6,384 km at 52.5 N (Berlin): closer to this than to
the IUGG mean radius (6,371 km, 111,195 m per degree, which citymap used before). Either sphere is
within 0.3 % of the ellipsoid there, the same for every distance in one city. And the synthetic cities
and the spatial train/val/test blocks of every shipped dataset were made with 111,320 m per degree, so
this choice keeps them (and the shipped models' held-out panoramas) unchanged.
"""

from __future__ import annotations

import math

import numpy as np

M_PER_DEG_LAT = 111_320.0  # metres per degree of latitude (and of longitude at the equator)
EARTH_RADIUS_M = M_PER_DEG_LAT * 180.0 / math.pi  # 6,378,166 m


def m_per_deg_lon(lat: float) -> float:
    """Metres per degree of longitude at latitude ``lat``."""
    return M_PER_DEG_LAT * math.cos(math.radians(lat))


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def offset_latlon(lat0: float, lon0: float, east_m: float, north_m: float) -> tuple[float, float]:
    """The point ``east_m`` / ``north_m`` metres from (lat0, lon0) on the local plane there."""
    return lat0 + north_m / M_PER_DEG_LAT, lon0 + east_m / m_per_deg_lon(lat0)


class LocalPlane:
    """Equirectangular east/north metres around (lat0, lon0): < 1 mm error over a few hundred metres."""

    def __init__(self, lat0: float, lon0: float):
        self.lat0, self.lon0 = lat0, lon0
        self.ky = M_PER_DEG_LAT
        self.kx = m_per_deg_lon(lat0)

    def to_xy(self, lat, lon) -> np.ndarray:
        return np.stack([(np.asarray(lon) - self.lon0) * self.kx, (np.asarray(lat) - self.lat0) * self.ky], -1)

    def to_latlon(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / self.ky, self.lon0 + x / self.kx
