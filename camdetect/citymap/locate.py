"""Place cameras on the map from bearings seen at panoramas.

Each suggestion is a ray: origin = panorama lat/lon, direction = ``heading`` (bearing of the camera).
Rays of the same type from different panoramas that cross within ``max_range_m`` in front of both
are associated (greedy, nearest crossing first, one ray per panorama per camera) and the camera is
placed by weighted least squares on a local ENU plane (``geometry.earth.LocalPlane``): minimise sum_i (perpendicular distance_i /
sigma_i)^2 with sigma_i = range_i * bearing noise. The covariance (sum_i w_i (I - d_i d_i^T))^-1 is
inflated by the reduced chi-square when there are >= 3 rays and it exceeds 1; the reported
uncertainty is the ``k_sigma`` error ellipse (default 3 sigma) and its semi-major axis in metres.
A camera seen from one panorama is reported as a bearing (see geojson.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from camdetect.geometry.earth import LocalPlane
from camdetect.geometry.same_camera import LOCATE_MIN_DEG
from camdetect.records import Suggestion

MIN_RANGE_M = 2.0  # a camera closer than this to the panorama is a crossing artefact, not a camera


@dataclass(frozen=True)
class Ray:
    """One bearing observation (deduplicated per panorama and type)."""

    pano_id: str
    lat: float
    lon: float
    bearing: float  # degrees clockwise from north
    type: str
    mount: str = "other"
    score: float = 1.0
    key: str = ""


@dataclass
class CameraEstimate:
    """A located camera (``rays`` >= 2) or a bearing-only sighting (one ray; lat/lon = panorama)."""

    type: str
    mount: str
    rays: list[Ray]
    lat: float
    lon: float
    sigma_major_m: float = math.nan  # 1-sigma semi-major axis
    sigma_minor_m: float = math.nan
    ellipse_angle: float = math.nan  # bearing of the major axis, degrees
    radius_m: float = math.nan  # k_sigma * sigma_major_m: the stated uncertainty
    rms_residual_m: float = math.nan
    direction: float | None = None  # camera:direction when known
    score: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def located(self) -> bool:
        return len(self.rays) >= 2


def _dir(bearing_deg) -> np.ndarray:
    b = np.radians(np.asarray(bearing_deg, float))
    return np.stack([np.sin(b), np.cos(b)], -1)


def triangulate(origins: np.ndarray, bearings: np.ndarray, sigma_deg: float = 2.0, k_sigma: float = 3.0,
                iterations: int = 3) -> dict:
    """Least-squares crossing of rays on a plane (metres). Returns point, covariance, ellipse, ranges.

    ``sigma_deg`` is the assumed bearing noise; weights use the range to the current estimate, so the
    solve is iterated (first pass unweighted). Raises ValueError for < 2 rays or parallel rays.
    """
    origins = np.asarray(origins, float).reshape(-1, 2)
    d = _dir(bearings).reshape(-1, 2)
    if len(origins) < 2:
        raise ValueError("triangulate needs at least two rays")
    P = np.eye(2)[None] - d[:, :, None] * d[:, None, :]  # projectors onto each ray's normal
    w = np.ones(len(origins))
    sig = math.radians(sigma_deg)
    point = None
    for _ in range(max(1, iterations)):
        A = (w[:, None, None] * P).sum(0)
        if np.linalg.cond(A) > 1e8:
            raise ValueError("rays are (nearly) parallel: no crossing")
        b = (w[:, None, None] * P @ origins[:, :, None]).sum(0)[:, 0]
        point = np.linalg.solve(A, b)
        ranges = np.maximum(np.einsum("ij,ij->i", point - origins, d), 1.0)
        w = 1.0 / (ranges * sig) ** 2
    A = (w[:, None, None] * P).sum(0)
    cov = np.linalg.inv(A)
    offs = point - origins
    perp = offs[:, 0] * d[:, 1] - offs[:, 1] * d[:, 0]  # signed perpendicular distances
    ranges = np.einsum("ij,ij->i", offs, d)
    n = len(origins)
    chi2 = float((w * perp ** 2).sum())
    if n >= 3 and chi2 / (n - 2) > 1.0:
        cov = cov * (chi2 / (n - 2))
    vals, vecs = np.linalg.eigh(cov)
    major = vecs[:, 1]
    return {
        "point": point, "cov": cov, "ranges": ranges, "residuals": perp,
        "sigma_major": float(math.sqrt(max(vals[1], 0))), "sigma_minor": float(math.sqrt(max(vals[0], 0))),
        "ellipse_angle": float(math.degrees(math.atan2(major[0], major[1])) % 180.0),
        "radius": float(k_sigma * math.sqrt(max(vals[1], 0))),
        "rms": float(math.sqrt((perp ** 2).mean())),
    }


def _crossing(o1, d1, o2, d2) -> tuple[float, float] | None:
    """Ranges (t1, t2) along both rays where they cross, or None when parallel."""
    den = d1[0] * (-d2[1]) - d1[1] * (-d2[0])
    if abs(den) < 1e-9:
        return None
    r = o2 - o1
    t1 = (r[0] * (-d2[1]) - r[1] * (-d2[0])) / den
    t2 = (d1[0] * r[1] - d1[1] * r[0]) / den
    return float(t1), float(t2)


def rays_from_suggestions(suggestions: list[Suggestion], merge_deg: float = LOCATE_MIN_DEG) -> list[Ray]:
    """One ray per camera seen from a panorama: suggestions of one panorama and type within ``merge_deg``
    on the sphere are one camera (``geometry.same_camera``'s rule at its location tolerance; a row without
    pitch counts as on the horizon), the highest-scoring sighting is kept. Rows without lat/lon/heading are
    skipped (they cannot be placed)."""
    from camdetect.geometry.same_camera import group_on_sphere

    by_pano: dict[tuple[str, str], list[Suggestion]] = {}
    for s in suggestions:
        if any(math.isnan(float(v)) for v in (s.lat, s.lon, s.heading)):
            continue
        by_pano.setdefault((s.pano_id, s.type), []).append(s)
    rays: list[Ray] = []
    for (pano, typ), items in sorted(by_pano.items()):
        items = sorted(items, key=lambda s: -s.score)
        pitch = [0.0 if math.isnan(float(s.pitch)) else float(s.pitch) for s in items]
        rep = group_on_sphere([float(s.heading) for s in items], pitch, min_deg=merge_deg)
        kept = [s for i, s in enumerate(items) if rep[i] == i]
        rays += [Ray(pano, s.lat, s.lon, float(s.heading) % 360, typ, s.mount, float(s.score), s.key) for s in kept]
    return rays


def associate(rays: list[Ray], plane: LocalPlane, max_range_m: float = 40.0, sigma_deg: float = 2.0) -> list[list[int]]:
    """Groups of ray indices that see one camera: same type, different panoramas, crossing within
    ``max_range_m`` in front of both. Greedy: crossings that more rays from other panoramas pass
    near (within 3 sigma) go first, then nearest first; this removes the "ghost" crossings two
    cameras seen from the same two panoramas create, *when a third panorama sees them* (with two
    panoramas the pairing is ambiguous and the nearer crossing wins). A group holds at most one ray
    per panorama and every ray must stay within 3 sigma (+0.5 m) of the group's estimate.
    Unpaired rays are singleton groups."""
    gate = 3 * math.radians(sigma_deg)

    def near(k: int, pt: np.ndarray) -> bool:
        off = pt - xy[k]
        t = float(off @ d[k])
        return MIN_RANGE_M <= t <= max_range_m and abs(off[0] * d[k][1] - off[1] * d[k][0]) <= gate * t + 0.5

    xy = plane.to_xy([r.lat for r in rays], [r.lon for r in rays]).reshape(-1, 2)
    d = _dir([r.bearing for r in rays]).reshape(-1, 2)
    pairs = []
    for i in range(len(rays)):
        for j in range(i + 1, len(rays)):
            if rays[i].type != rays[j].type or rays[i].pano_id == rays[j].pano_id:
                continue
            t = _crossing(xy[i], d[i], xy[j], d[j])
            if t is not None and 0 < t[0] <= max_range_m and 0 < t[1] <= max_range_m:
                pt = xy[i] + t[0] * d[i]
                support = sum(1 for k in range(len(rays)) if rays[k].type == rays[i].type
                              and rays[k].pano_id not in (rays[i].pano_id, rays[j].pano_id) and near(k, pt))
                pairs.append((-support, t[0] + t[1], i, j))
    group = list(range(len(rays)))
    members: dict[int, set[int]] = {i: {i} for i in range(len(rays))}
    for _, _, i, j in sorted(pairs):
        gi, gj = group[i], group[j]
        if gi == gj:
            continue
        panos_i = {rays[k].pano_id for k in members[gi]}
        if panos_i & {rays[k].pano_id for k in members[gj]}:
            continue
        merged = sorted(members[gi] | members[gj])
        try:  # the merged group must still cross near every ray, in front of it, within range
            res = triangulate(xy[merged], np.array([rays[k].bearing for k in merged]), sigma_deg=sigma_deg)
        except ValueError:
            continue
        if not all(near(k, res["point"]) for k in merged):
            continue
        for k in members[gj]:
            group[k] = gi
        members[gi] = set(merged)
        del members[gj]
    return [sorted(m) for m in sorted(members.values(), key=min)]


def locate_cameras(suggestions: list[Suggestion], max_range_m: float = 40.0, sigma_deg: float = 2.0,
                   k_sigma: float = 3.0, merge_deg: float = 3.0) -> list[CameraEstimate]:
    """Cameras from scorer suggestions: located ones (>= 2 panoramas) and bearing-only ones."""
    rays = rays_from_suggestions(suggestions, merge_deg)
    if not rays:
        return []
    plane = LocalPlane(float(np.mean([r.lat for r in rays])), float(np.mean([r.lon for r in rays])))
    out: list[CameraEstimate] = []
    for idx in associate(rays, plane, max_range_m, sigma_deg):
        rs = [rays[i] for i in idx]
        best = max(rs, key=lambda r: r.score)
        if len(rs) == 1:
            out.append(CameraEstimate(best.type, best.mount, rs, best.lat, best.lon, score=best.score,
                                      extra={"bearing": round(best.bearing, 2), "max_range_m": max_range_m}))
            continue
        xy = plane.to_xy([r.lat for r in rs], [r.lon for r in rs])
        res = triangulate(xy, np.array([r.bearing for r in rs]), sigma_deg=sigma_deg, k_sigma=k_sigma)
        lat, lon = plane.to_latlon(*res["point"])
        out.append(CameraEstimate(best.type, best.mount, rs, lat, lon, res["sigma_major"], res["sigma_minor"],
                                  res["ellipse_angle"], res["radius"], res["rms"], score=best.score))
    return out
