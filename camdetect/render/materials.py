"""Material palettes: one draw per model, as Mitsuba BSDF dictionaries keyed by the parts' material names.

Housings are white, grey, black or beige plastic and painted metal with varied roughness; domes are
smoked or clear dielectric with a dark lens assembly inside; poles are galvanised, painted or wood.
Flock-style readers are dark, Neology-style white (their real colours). :func:`weather` adds dirt: blotchy
grime and specks as a texture over the painted and plastic parts (optional: sprites rendered before it existed
stay as they were).
"""

from __future__ import annotations

import numpy as np

HOUSING_COLOURS = {  # linear reflectance
    "white": (0.78, 0.78, 0.76), "off_white": (0.66, 0.65, 0.6), "light_grey": (0.45, 0.46, 0.47),
    "dark_grey": (0.1, 0.1, 0.11), "black": (0.025, 0.025, 0.028), "beige": (0.58, 0.52, 0.42),
}
HOUSING_WEIGHTS = {"white": 0.32, "off_white": 0.14, "light_grey": 0.16, "dark_grey": 0.14, "black": 0.16, "beige": 0.08}
POLE_COLOURS = {"galvanised": None, "dark_green": (0.03, 0.07, 0.04), "black": (0.025, 0.025, 0.025),
                "grey": (0.3, 0.31, 0.32), "wood": (0.16, 0.1, 0.06), "brown": (0.08, 0.05, 0.03)}
KIND_HOUSING = {"alpr_flock": ("black", "dark_grey"), "alpr_upright": ("black", "black", "dark_grey"),
                "alpr_kidney": ("black", "black", "dark_grey"),
                "alpr_bullet": ("white", "off_white")}


def _rgb(value) -> dict:
    return {"type": "rgb", "value": [float(v) for v in value]}


def _plastic(rgb, alpha: float) -> dict:
    return {"type": "roughplastic", "distribution": "ggx", "alpha": float(alpha), "int_ior": 1.49,
            "diffuse_reflectance": _rgb(rgb)}


def _metal(alpha: float, tint: float = 1.0) -> dict:
    return {"type": "roughconductor", "material": "Al", "distribution": "ggx", "alpha": float(alpha),
            "specular_reflectance": _rgb((tint, tint, tint))}


def _jitter(rng: np.random.Generator, rgb, amount: float = 0.12) -> tuple[float, float, float]:
    """Weathering in colour: fading, dirt and a small hue drift."""
    base = np.asarray(rgb, float) * rng.uniform(1 - amount, 1 + amount)
    base = base * rng.uniform(1 - amount / 2, 1 + amount / 2, size=3)
    return tuple(np.clip(base, 0.005, 0.92))


def palette(rng: np.random.Generator, kind: str) -> dict[str, dict]:
    """BSDFs for every material name a model may use."""
    names = KIND_HOUSING.get(kind)
    if names is None:
        keys = list(HOUSING_WEIGHTS)
        p = np.array([HOUSING_WEIGHTS[k] for k in keys])
        names = (str(rng.choice(keys, p=p / p.sum())),)
    housing = _jitter(rng, HOUSING_COLOURS[str(rng.choice(names))])
    pole_name = str(rng.choice(list(POLE_COLOURS)))
    pole = _metal(rng.uniform(0.15, 0.5), rng.uniform(0.4, 0.7)) if POLE_COLOURS[pole_name] is None \
        else _plastic(_jitter(rng, POLE_COLOURS[pole_name]), rng.uniform(0.2, 0.6))
    bracket = _plastic(housing, rng.uniform(0.1, 0.5)) if rng.random() < 0.6 else _metal(rng.uniform(0.2, 0.5), 0.6)
    smoke_t = float(rng.uniform(0.04, 0.55))
    signal = (0.55, 0.42, 0.02) if rng.random() < 0.4 else (0.03, 0.03, 0.03)
    sign = [(0.5, 0.03, 0.03), (0.03, 0.1, 0.45), (0.75, 0.75, 0.72), (0.6, 0.5, 0.03)][int(rng.integers(4))]
    stone = _jitter(rng, (0.55, 0.5, 0.42) if rng.random() < 0.6 else (0.4, 0.4, 0.4), 0.2)
    return {
        "housing": _plastic(housing, rng.uniform(0.05, 0.45)),
        "smoke": {"type": "dielectric", "int_ior": 1.5, "specular_transmittance": _rgb((smoke_t,) * 3)},
        "inner": {"type": "diffuse", "reflectance": _rgb((0.015, 0.015, 0.015))},
        "lens": _plastic((0.008, 0.008, 0.01), rng.uniform(0.01, 0.05)),
        "ir": _plastic((0.05, 0.012, 0.012), 0.05),
        "led": _plastic((0.02, 0.12, 0.8), 0.05),  # a reader's blue status light
        "bracket": bracket,
        "pole": pole,
        "panel": _plastic((0.01, 0.014, 0.035), 0.02),
        "frame": _metal(0.2, 0.7),
        "cabinet": _plastic(_jitter(rng, HOUSING_COLOURS[str(rng.choice(["light_grey", "beige", "off_white", "dark_grey"]))]),
                            rng.uniform(0.2, 0.5)),
        "milky": _plastic((0.8, 0.8, 0.78), rng.uniform(0.2, 0.5)),
        "lit": {"type": "diffuse", "reflectance": _rgb((0.85, 0.8, 0.7))},  # glass of a lit lamp (sprites.py adds the glow)
        "signal": _plastic(_jitter(rng, signal), 0.3),
        "lamp_red": _plastic((0.18, 0.01, 0.01), 0.05),
        "lamp_off": _plastic((0.03, 0.03, 0.03), 0.05),
        "sign": _plastic(_jitter(rng, sign), 0.4),
        "bird": {"type": "diffuse", "reflectance": _rgb(_jitter(rng, (0.06, 0.05, 0.045), 0.4))},
        "stone": {"type": "diffuse", "reflectance": _rgb(stone)},
        "cable": {"type": "diffuse", "reflectance": _rgb((0.02, 0.02, 0.02))},
    }


def glow(rng: np.random.Generator, sky: float) -> list[float]:
    """Radiance of a lit lamp's glass: warm or cool white, 1.5-8x what a white wall sees under this sky
    (a lamp left on by day reads as a bright blob; at dusk it saturates)."""
    tint = (1.0, 0.82, 0.55) if rng.random() < 0.7 else (0.95, 0.97, 1.0)
    k = float(rng.uniform(1.5, 8.0)) * sky
    return [k * t for t in tint]


WEATHERED = ("housing", "bracket", "cabinet", "pole", "milky", "sign", "signal")


def grime_map(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """Dirt in [0, 1] over a part's (u, v): fractal blotches covering part of the surface plus sparse specks.
    Isotropic on purpose: the primitives' UV directions differ by face, so streaks would run sideways."""
    import cv2

    noise = np.zeros((size, size), np.float32)
    for k, grid in enumerate((3, 6, 12, 24)):
        layer = cv2.resize(rng.random((grid, grid)).astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
        noise += layer * 0.55 ** k
    noise = (noise - noise.min()) / max(1e-6, float(np.ptp(noise)))
    cut = float(rng.uniform(0.35, 0.7))  # share of clean surface
    grime = np.clip((noise - cut) / (1 - cut), 0, 1)
    specks = (rng.random((size, size)) < rng.uniform(0.002, 0.02)).astype(np.float32)
    return np.clip(grime + cv2.GaussianBlur(specks, (0, 0), 0.7) * 3, 0, 1)


def _textured(rgb, grime: np.ndarray, strength: float, tint) -> dict:
    """A bitmap texture (linear, ``raw``) of ``rgb`` darkened and tinted towards dirt by ``grime``."""
    base = np.asarray(rgb, np.float32)[None, None, :]
    dirt = np.asarray(tint, np.float32)[None, None, :]
    g = (strength * grime)[..., None]
    return {"type": "bitmap", "data": (base * (1 - g) + dirt * g * base.mean()).astype(np.float32), "raw": True,
            "filter_type": "bilinear"}


def weather(mats: dict[str, dict], rng: np.random.Generator, strength: float) -> dict[str, dict]:
    """The palette with grime textures on its painted / plastic parts (``diffuse_reflectance``) and metals
    (``specular_reflectance``), each part its own map, brownish-grey dirt at ``strength`` (0-1)."""
    out = dict(mats)
    tint = (0.55, 0.5, 0.42) if rng.random() < 0.6 else (0.35, 0.35, 0.35)
    for name in WEATHERED:
        bsdf = out.get(name)
        if bsdf is None:
            continue
        key = "diffuse_reflectance" if "diffuse_reflectance" in bsdf else "specular_reflectance"
        value = bsdf.get(key)
        if not isinstance(value, dict) or value.get("type") != "rgb":
            continue
        out[name] = {**bsdf, key: _textured(value["value"], grime_map(rng), strength, tint)}
    return out
