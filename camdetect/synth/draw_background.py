"""Sky, facades and street surface of a panorama, ray-cast per pixel (vectorised numpy).

Each panorama column is one horizontal ray from the car (:func:`layout.ray_hit` gives the facade
distance ``t``, face and position ``s`` along it); each row is a pitch, so a facade pixel sits at
height ``z = cam_h + t * tan(pitch)`` on its building and a ground pixel at distance
``cam_h / tan(-pitch)``. The procedural textures are functions of those world coordinates, so
windows, markings and kerbs keep their real sizes and bend exactly as in a real equirectangular
panorama. Ground and sky are computed at half resolution (nothing small lives there).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from camdetect.geometry import pano_to_angles
from camdetect.synth.layout import FAR, Layout, ray_hit


@dataclass
class Light:
    """Scene lighting: sun direction (world heading, elevation), strengths and colour casts."""

    sun_az: float
    sun_el: float
    sun: float  # direct strength (0 when overcast)
    ambient: float
    sky_top: tuple[float, float, float]
    sky_horizon: tuple[float, float, float]
    cloud: float  # cloud cover 0..1
    haze: tuple[float, float, float]

    @classmethod
    def sample(cls, rng: np.random.Generator) -> Light:
        overcast = rng.random() < 0.3
        top = (0.25, 0.45, 0.80) if not overcast else (0.62, 0.65, 0.70)
        hor = (0.72, 0.80, 0.90) if not overcast else (0.80, 0.81, 0.83)
        return cls(sun_az=float(rng.uniform(0, 360)), sun_el=float(rng.uniform(18, 65)),
                   sun=0.0 if overcast else float(rng.uniform(0.45, 0.7)),
                   ambient=float(rng.uniform(0.55, 0.7)) if not overcast else float(rng.uniform(0.8, 0.95)),
                   sky_top=tuple(np.clip(np.array(top) + rng.normal(0, 0.04, 3), 0, 1)),
                   sky_horizon=tuple(np.clip(np.array(hor) + rng.normal(0, 0.03, 3), 0, 1)),
                   cloud=float(rng.uniform(0.1, 0.5)) if not overcast else 0.9,
                   haze=tuple(np.clip(np.array(hor) * 0.95, 0, 1)))

    def face_shade(self, normal_heading: np.ndarray) -> np.ndarray:
        """Brightness of a vertical surface whose outward normal points at ``normal_heading``."""
        c = np.cos(np.radians(normal_heading - self.sun_az)) * np.cos(np.radians(self.sun_el))
        return self.ambient + self.sun * np.maximum(c, 0.0)


def pixel_angles(W: int, H: int) -> tuple[np.ndarray, np.ndarray]:
    """Heading of every column centre and pitch of every row centre (pano_heading = 0)."""
    heading, _ = pano_to_angles(np.arange(W) + 0.5, np.zeros(W), W, H)
    _, pitch = pano_to_angles(np.zeros(H), np.arange(H) + 0.5, W, H)
    return np.asarray(heading, np.float64), np.asarray(pitch, np.float64)


def value_noise(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int],
                octaves: int = 3) -> np.ndarray:
    """Smooth noise in [0, 1]: a few octaves of bicubically upsampled random grids."""
    out = np.zeros(shape, np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        gh, gw = cells[0] * 2 ** o + 1, cells[1] * 2 ** o + 1
        g = rng.random((gh, gw)).astype(np.float32)
        out += amp * cv2.resize(g, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    return np.clip(out / total, 0, 1)


def _sky(light: Light, rng, heading, pitch) -> np.ndarray:
    h, w = pitch.size, heading.size
    heading, pitch = heading.astype(np.float32), pitch.astype(np.float32)
    p = np.clip(pitch / 90.0, 0, 1)[:, None, None]
    top, hor = np.array(light.sky_top, np.float32), np.array(light.sky_horizon, np.float32)
    sky = hor + (top - hor) * (p ** 0.6)
    sky = np.broadcast_to(sky, (h, w, 3)).copy()
    # Sun glow
    d = np.cos(np.radians(heading[None, :] - light.sun_az)) * np.cos(np.radians(pitch[:, None])) * \
        np.cos(np.radians(light.sun_el)) + np.sin(np.radians(pitch[:, None])) * np.sin(np.radians(light.sun_el))
    sky += (light.sun * 0.5 * np.clip(d, 0, 1) ** 40)[..., None]
    n = value_noise(rng, (h, w), (3, 12), octaves=4)
    cover = np.clip((n - (1.0 - light.cloud)) * 4.0, 0, 1) * (0.4 + 0.6 * np.clip(pitch[:, None] / 8.0, 0, 1))
    cloud_col = 0.92 - 0.25 * value_noise(rng, (h, w), (6, 24), octaves=2)
    return sky * (1 - cover[..., None]) + (cloud_col * cover)[..., None]


def _ground(lay: Layout, light: Light, rng, heading, pitch, t_col, noise_tex) -> np.ndarray:
    """Road, kerbs, sidewalks and markings for rows below the horizon (pitch < 0)."""
    dx, dy = (a.astype(np.float32) for a in lay.local_dirs(heading))
    r = (lay.cam_h / np.tan(np.radians(-pitch))).astype(np.float32)[:, None]  # (h, 1)
    gx = np.float32(lay.car[0]) + r * dx[None, :]
    gy = np.float32(lay.car[1]) + r * dy[None, :]
    ax, ay = np.abs(gx), np.abs(gy)
    road = (ax < lay.wa) | (ay < lay.wb)
    kerb = ~road & (((ax < lay.wa + 0.25) & (ay > lay.wb)) | ((ay < lay.wb + 0.25) & (ax > lay.wa)))
    n = noise_tex[(np.mod(gy * 7, 255)).astype(np.int32), (np.mod(gx * 7, 255)).astype(np.int32)]
    asphalt = np.array([0.30, 0.30, 0.31], np.float32)
    walk = np.array([0.62, 0.60, 0.56], np.float32)
    col = np.where(road[..., None], asphalt, walk) * (0.85 + 0.3 * n[..., None])
    # sidewalk slabs
    slab = ~road & ((np.mod(gx, 1.5) < 0.05) | (np.mod(gy, 1.5) < 0.05))
    col[slab] *= 0.8
    col[kerb] = np.array([0.72, 0.71, 0.68])
    white = np.array([0.88, 0.88, 0.85], np.float32)
    yellow = np.array([0.85, 0.70, 0.15], np.float32)
    # crosswalks (zebra) across street A just outside street B, and across B outside A
    zebra_a = (ax < lay.wa) & (ay > lay.wb + 0.6) & (ay < lay.wb + 3.6) & (np.mod(gx, 1.2) < 0.6)
    zebra_b = (ay < lay.wb) & (ax > lay.wa + 0.6) & (ax < lay.wa + 3.6) & (np.mod(gy, 1.2) < 0.6)
    stop_a = (ax < lay.wa) & (np.abs(ay - lay.wb - 4.2) < 0.2)
    stop_b = (ay < lay.wb) & (np.abs(ax - lay.wa - 4.2) < 0.2)
    centre_a = (np.abs(ax - 0.18) < 0.07) & (ay > lay.wb + 4.4)
    centre_b = (np.abs(ay - 0.18) < 0.07) & (ax > lay.wa + 4.4)
    lane_a = (np.abs(ax - lay.wa / 2) < 0.07) & (ay > lay.wb + 4.4) & (np.mod(gy, 9) < 3)
    lane_b = (np.abs(ay - lay.wb / 2) < 0.07) & (ax > lay.wa + 4.4) & (np.mod(gx, 9) < 3)
    wear = (0.75 + 0.25 * n)[..., None]
    for m, c in ((zebra_a | zebra_b | stop_a | stop_b | lane_a | lane_b, white), (centre_a | centre_b, yellow)):
        col = np.where(m[..., None], c * wear, col)
    # shadows of the blocks (each quadrant treated as its median building height)
    if light.sun > 0:
        ux, uy = lay.local_dirs(np.array([light.sun_az]))
        tan_el = np.tan(np.radians(light.sun_el))
        shadow = np.zeros(road.shape, bool)
        for (sx, sy), hq in _quadrant_heights(lay).items():
            for L in (1.5, 5.0, 12.0, 28.0):
                if hq < L * tan_el:
                    break
                qx, qy = gx + ux[0] * L, gy + uy[0] * L
                shadow |= (sx * qx > lay.ba) & (sy * qy > lay.bb)
        col = col * np.where(shadow, light.ambient, light.ambient + light.sun * np.sin(np.radians(light.sun_el)))[..., None]
    else:
        col = col * light.ambient
    # far ground fades into haze; beyond a facade the ray is hidden anyway
    fade = 1.0 - np.exp(-r / 250.0)
    col = col * (1 - fade[..., None]) + np.array(light.haze, np.float32) * fade[..., None] * 0.8
    # the Street View car at the nadir: a dark blurred blob
    car = np.clip((-pitch[:, None] - 70.0) / 12.0, 0, 1)
    col = col * (1 - car[..., None]) + np.array([0.12, 0.12, 0.13], np.float32) * car[..., None]
    return col


def _quadrant_heights(lay: Layout) -> dict:
    out = {}
    for f in lay.faces:
        out.setdefault((f.sx, f.sy), []).extend(b.height for b in f.buildings[:4])
    return {k: float(np.median(v)) for k, v in out.items()}


def _building_params(lay: Layout, face: np.ndarray, s: np.ndarray) -> dict[str, np.ndarray]:
    """Per-column parameters of the building each column's ray hits."""
    n = face.size
    keys = ("height", "floor_h", "bay", "win_w", "win_h", "ground_h", "shop", "awning", "brick", "s0", "s1")
    cols = ("wall", "sign", "awning_col", "frame")
    # columns that hit no block (distant skyline) keep these neutral defaults
    defaults = {"floor_h": 3.2, "bay": 2.5, "win_w": 0.5, "win_h": 1.5, "ground_h": 4.0, "s1": 1e9}
    out = {k: np.full(n, defaults.get(k, 0.0), np.float32) for k in keys}
    out.update({k: np.zeros((n, 3), np.float32) for k in cols})
    out["bid"] = np.zeros(n, np.int64)
    base = 0
    for i, f in enumerate(lay.faces):
        m = face == i
        if m.any():
            j = np.clip(np.searchsorted(f.breaks(), s[m], side="right"), 0, len(f.buildings) - 1)
            for k in keys:
                out[k][m] = np.array([float(getattr(b, k)) for b in f.buildings], np.float32)[j]
            for k in cols:
                out[k][m] = np.array([getattr(b, k) for b in f.buildings], np.float32)[j]
            out["bid"][m] = base + j
        base += len(f.buildings)
    return out


def _weather_tex(rng) -> np.ndarray:
    return value_noise(rng, (256, 256), (8, 8), octaves=3)


# facade materials: index into a per-column palette (one gather instead of many masked writes)
WALL, GLASS, FRAME, SHOPGLASS, SIGN, LETTERS, AWNING, DOOR = range(8)


def _facades(lay: Layout, light: Light, rng, heading, pitch, t, face, s, skyline_h) -> tuple:
    """Facade colour for every pixel on a building; returns (mask, colours of masked pixels)."""
    W = heading.size
    hit = face >= 0
    tt = np.where(hit, t, FAR).astype(np.float32)
    bp = _building_params(lay, face, s)
    height = np.where(hit, bp["height"], skyline_h).astype(np.float32)
    tanp = np.tan(np.radians(pitch)).astype(np.float32)
    z = np.float32(lay.cam_h) + tt[None, :] * tanp[:, None]
    mask = (z >= 0) & (z <= height[None, :])
    rows, cols = np.nonzero(mask)
    zz = z[rows, cols]
    # per-column quantities, then gathered per pixel
    sl_col = (s - bp["s0"]).astype(np.float32)
    width_col = (bp["s1"] - bp["s0"]).astype(np.float32)
    sl = sl_col[cols]
    bw = width_col[cols]
    gh = bp["ground_h"][cols]
    hgt = bp["height"][cols]
    bay = bp["bay"][cols]
    floor_h = bp["floor_h"][cols]
    win_h = bp["win_h"][cols]
    margin = ((1 - bp["win_w"]) / 2)[cols]
    is_shop = bp["shop"][cols] > 0
    upper = zz >= gh
    fz = np.mod(zz - gh, floor_h)
    bay_phase = np.mod(sl, bay) / bay
    inner = (sl > 0.6) & (sl < bw - 0.6) & (zz < hgt - 1.0)
    in_bay = (bay_phase > margin) & (bay_phase < 1 - margin)
    near_bay = (bay_phase > margin - 0.04) & (bay_phase < 1 - margin + 0.04)
    in_win = upper & inner & in_bay & (fz > 0.9) & (fz < 0.9 + win_h)
    frame = upper & inner & near_bay & (fz > 0.82) & (fz < 0.98 + win_h) & ~in_win
    mat = np.zeros(zz.shape, np.uint8)
    mat[frame] = FRAME
    mat[in_win] = GLASS
    low = ~upper
    shop = is_shop & low
    mat[shop & (zz > 0.5) & (zz < gh - 1.15) & (np.mod(sl, 2.4) > 0.12)] = SHOPGLASS
    sign = shop & (zz > gh - 1.0) & (zz < gh - 0.25)
    mat[sign] = SIGN
    mat[sign & (np.abs(zz - (gh - 0.62)) < 0.17) & (np.mod(sl * 3.1, 1.0) < 0.55) &
        (np.abs(sl - bw / 2) < bw * 0.3)] = LETTERS
    awn = (bp["awning"][cols] > 0) & (zz > gh - 1.7) & (zz < gh - 1.0) & (sl > 0.8) & (sl < bw - 0.8)
    mat[awn] = AWNING
    mat[low & ~is_shop & (np.abs(sl - bw / 2) < 0.6) & (zz < 2.3)] = DOOR
    # scalar modulation: brick courses, awning stripes and hem, cornice, per-window variation
    f = np.ones(zz.shape, np.float32)
    f[(mat == WALL) & (bp["brick"][cols] > 0) & (np.mod(zz, 0.32) < 0.05)] = 0.92
    f[awn] = (0.75 + 0.25 * (np.mod(sl[awn], 0.8) < 0.4)) * (1.0 - 0.35 * ((zz[awn] - (gh[awn] - 1.7)) < 0.12))
    f[(zz > hgt - 0.45) & (zz < hgt - 0.2)] *= 0.7
    f[in_win & (fz > 0.9 + win_h * 0.82)] *= 0.55  # window reveal: the lintel's shadow on the glass
    f[upper & ~in_win & ~frame & (fz < 0.14)] *= 0.88  # string course between floors
    # weathering: soft stains in facade coordinates (metres), and a darker band at street level
    tex = _weather_tex(rng)
    f *= 0.88 + 0.24 * tex[(np.mod(zz * 2.0, 256)).astype(np.int32), (np.mod(sl * 2.0 + bp["bid"][cols] * 37, 256)).astype(np.int32)]
    f[zz < 0.5] *= 0.8
    glassy = (mat == GLASS) | (mat == SHOPGLASS)
    win_id = np.floor(sl[glassy] / bay[glassy]) * 31 + np.floor((zz[glassy] - gh[glassy]) / floor_h[glassy]) * 17 \
        + bp["bid"][cols[glassy]] * 7
    wv = np.mod(np.sin(win_id) * 43758.5453, 1.0).astype(np.float32)
    add = np.zeros(zz.shape, np.float32)
    g_win = mat[glassy] == GLASS
    add[glassy] = np.where(g_win, 0.25 * wv * (fz[glassy] - 0.9) / win_h[glassy], 0.3 * wv)
    # palette per column, pre-multiplied by that column's light and haze
    n = W
    pal = np.zeros((n, 8, 3), np.float32)
    pal[:, WALL] = bp["wall"]
    pal[:, GLASS] = (0.16, 0.19, 0.23)
    pal[:, FRAME] = bp["frame"]
    pal[:, SHOPGLASS] = (0.10, 0.12, 0.14)
    pal[:, SIGN] = bp["sign"]
    pal[:, LETTERS] = 1.0 - bp["sign"] * 0.8
    pal[:, AWNING] = bp["awning_col"]
    pal[:, DOOR] = (0.22, 0.15, 0.10)
    normal = lay.to_world_heading(np.array([fc.normal_alpha() for fc in lay.faces] + [0.0]))[face]
    shade = np.where(hit, light.face_shade(normal), light.ambient * 1.05).astype(np.float32)
    fade = np.where(hit, 1.0 - np.exp(-tt / 300.0), 0.75).astype(np.float32)
    keep = shade * (1 - fade)
    pal *= keep[:, None, None]
    haze = np.array(light.haze, np.float32)[None, :] * fade[:, None]
    sky = np.array(light.sky_horizon, np.float32)
    col = pal[cols, mat] * f[:, None]
    col += (add * keep[cols])[:, None] * sky
    col += haze[cols]
    return mask, col


def render_background(lay: Layout, light: Light, rng: np.random.Generator, W: int, H: int) -> np.ndarray:
    """The panorama without street furniture: float32 RGB in [0, 1], shape (H, W, 3)."""
    heading, pitch = pixel_angles(W, H)
    t, face, s = ray_hit(lay, heading)
    bins = rng.uniform(8, 45, 90)
    skyline_h = bins[(heading / 4).astype(int) % 90] * (0.7 + 0.3 * np.cos(np.radians(heading * 7)))
    img = np.empty((H, W, 3), np.float32)
    half = H // 2
    # sky and ground at half resolution, upsampled
    hs, ps = pixel_angles(W // 2, H // 2)
    sky = _sky(light, rng, hs, ps[: H // 4])
    img[:half] = cv2.resize(sky, (W, half), interpolation=cv2.INTER_LINEAR)
    noise_tex = rng.random((256, 256)).astype(np.float32)
    noise_tex = cv2.GaussianBlur(noise_tex, (0, 0), 1.0)
    ground = _ground(lay, light, rng, hs, ps[H // 4:], None, noise_tex)
    img[half:] = cv2.resize(ground.astype(np.float32), (W, H - half), interpolation=cv2.INTER_LINEAR)
    mask, col = _facades(lay, light, rng, heading, pitch, t, face, s, skyline_h)
    img[mask] = col
    return img
