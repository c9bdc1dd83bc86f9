"""Street View POV zoom <-> horizontal field of view.

Decoders-style volunteer tags store the Street View ``Pov.zoom`` the volunteer was looking with; the
Street View Static API and our views use a field of view instead.

``fov = 180 / 2 ** zoom`` (zoom 0 = 180 deg, 1 = 90, 2 = 45, 3 = 22.5): the table in Google's Street View
documentation for the Maps JavaScript API (zoom levels select a field of view, "zoom level 0 = 180
degrees", halving per level), the formula in wide use, e.g. B. McPherson, "Convert field of view to
zoom and back again" (ramblings.mcpher.com, Desktop Liberation), and answers on Stack Overflow.

The same source notes the empirical fit ``fov = 2 atan(2 ** (1 - zoom))`` (127, 90, 53, 28, 14 deg for
zoom 0..4) matches the rendered imagery a little better; it is what a pinhole camera whose focal length
doubles per zoom level gives. Pass ``model="tan"`` to use it; both agree at zoom 1 (90 deg).
"""

from __future__ import annotations

import numpy as np

MODELS = ("google", "tan")


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise ValueError(f"unknown zoom model {model!r}; expected one of {', '.join(MODELS)}")


def zoom_to_fov(zoom, model: str = "google"):
    """Horizontal FOV in degrees for Street View zoom level(s) (vectorised)."""
    _check_model(model)
    z = np.asarray(zoom, np.float64)
    fov = 180.0 / np.power(2.0, z) if model == "google" else np.degrees(2.0 * np.arctan(np.power(2.0, 1.0 - z)))
    return float(fov) if fov.ndim == 0 else fov


def fov_to_zoom(fov, model: str = "google"):
    """Street View zoom level(s) for a horizontal FOV in degrees, (0, 180]; inverse of :func:`zoom_to_fov`."""
    _check_model(model)
    f = np.asarray(fov, np.float64)
    if np.any(~(f > 0)) or np.any(f > 180):
        raise ValueError(f"fov must be in (0, 180] degrees, got {fov}")
    z = np.log2(180.0 / f) if model == "google" else 1.0 - np.log2(np.tan(np.radians(f) / 2.0))
    return float(z) if z.ndim == 0 else z
