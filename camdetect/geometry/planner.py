"""Which perspective views to cut from an intersection panorama: :class:`ViewPlan` and :func:`plan_views`.

A plan is a ring of ``n_headings`` views, evenly spaced from ``heading_offset`` (world headings,
clockwise from north), all at one ``pitch`` and ``fov``. Cameras hang above eye level, so the ring is
pitched up; the FOV is narrower than Street View's usual 90 deg so that cameras are not tiny
(``camdetect geometry plan --report`` prints the numbers behind configs/views/default.yaml).

``upper_headings`` > 0 adds a second ring at ``upper_pitch`` (same FOV and size, headings offset by half a step):
the first ring (-9..+39 deg by default) cannot see a camera right overhead at close range (1.3 % of Stanford's,
2 of 76 in the demo city), and no detector finds what no view shows (configs/views/two-rings.yaml, docs/geometry.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field

from camdetect.configs import ConfigError, PositiveInt, Real, StrictModel, load_model
from camdetect.geometry.projection import angles_to_view, angular_distance
from camdetect.records import View

DEFAULT_PLAN_PATH = Path(__file__).resolve().parents[2] / "configs" / "views" / "default.yaml"


class ViewPlanFile(StrictModel):
    """A view plan file (configs/views/NAME.yaml) -> :class:`ViewPlan`; keys left out keep its defaults."""

    n_headings: PositiveInt = None
    heading_offset: Annotated[Real, Field(ge=-360.0, le=360.0)] = None
    pitch: Annotated[Real, Field(ge=-90.0, le=90.0)] = None
    fov: Annotated[Real, Field(gt=0.0, lt=180.0)] = None
    width: PositiveInt = None
    height: PositiveInt = None
    upper_headings: Annotated[int, Field(ge=0)] = None
    upper_pitch: Annotated[Real, Field(ge=-90.0, le=90.0)] = None


@dataclass(frozen=True)
class ViewPlan:
    """A ring of views per panorama (and an optional upper ring). Defaults equal configs/views/default.yaml."""

    n_headings: int = 10
    heading_offset: float = 0.0
    pitch: float = 15.0
    fov: float = 48.0
    width: int = 640
    height: int = 640
    upper_headings: int = 0  # views of the second ring (0: none)
    upper_pitch: float = 57.0

    def __post_init__(self) -> None:
        problems = []
        if int(self.n_headings) < 1:
            problems.append(f"n_headings must be >= 1, got {self.n_headings}")
        if not 0 < float(self.fov) < 180:
            problems.append(f"fov must be in (0, 180), got {self.fov}")
        if not -90 <= float(self.pitch) <= 90:
            problems.append(f"pitch must be in [-90, 90], got {self.pitch}")
        if int(self.upper_headings) < 0:
            problems.append(f"upper_headings must be >= 0, got {self.upper_headings}")
        if int(self.upper_headings) and not -90 <= float(self.upper_pitch) <= 90:
            problems.append(f"upper_pitch must be in [-90, 90], got {self.upper_pitch}")
        if int(self.width) < 1 or int(self.height) < 1:
            problems.append(f"size must be positive, got {self.width}x{self.height}")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def headings(self) -> list[float]:
        step = 360.0 / int(self.n_headings)
        return [float((self.heading_offset + i * step) % 360.0) for i in range(int(self.n_headings))]

    @property
    def angles(self) -> list[tuple[float, float]]:
        """(heading, pitch) of every view: the ring, then the upper ring offset by half its step."""
        out = [(h, float(self.pitch)) for h in self.headings]
        n = int(self.upper_headings)
        if n:
            step = 360.0 / n
            out += [(float((self.heading_offset + (i + 0.5) * step) % 360.0), float(self.upper_pitch)) for i in range(n)]
        return out

    @property
    def views_per_pano(self) -> int:
        return int(self.n_headings) + int(self.upper_headings)

    def upper_text(self) -> str:
        """`` + N at pitch P`` for a plan with an upper ring, else "" (appended where a plan is described)."""
        return f" + {self.upper_headings} at pitch {self.upper_pitch:g}" if self.upper_headings else ""

    @property
    def overlap(self) -> float:
        """Degrees shared by neighbouring views at the horizon (negative: gaps between views)."""
        return float(self.fov) - 360.0 / int(self.n_headings)

    @classmethod
    def from_yaml(cls, path: str | Path | None = None) -> ViewPlan:
        """Load a plan; keys are the field names. None loads configs/views/default.yaml."""
        path = Path(path) if path is not None else DEFAULT_PLAN_PATH
        if not path.is_file() and path == DEFAULT_PLAN_PATH:
            return cls()  # installed without the configs folder: same values as the file
        checked = load_model(path, ViewPlanFile, "view plan").present()
        try:
            return cls(**{k: v if k in ("n_headings", "width", "height", "upper_headings") else float(v)
                          for k, v in checked.items()})
        except ValueError as exc:  # __post_init__'s checks, should the file model ever miss one
            raise ConfigError(f"{path}: bad view plan: {exc}") from None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def plan_views(pano_id: str, plan: ViewPlan | None = None) -> list[View]:
    """The views of ``plan`` (default: configs/views/default.yaml) for one panorama: the ring in heading order, then
    the upper ring's."""
    plan = plan if plan is not None else ViewPlan.from_yaml()
    return [View(pano_id, h, p, float(plan.fov), int(plan.width), int(plan.height)) for h, p in plan.angles]


def best_views(views: list[View], heading, pitch) -> np.ndarray:
    """Per direction (arrays of degrees), the index of the view whose centre is angularly closest among the views
    whose image contains it, or -1 when no view sees it (ties: the first view)."""
    heading, pitch = np.asarray(heading, float), np.asarray(pitch, float)
    best = np.full(heading.shape, -1)
    best_d = np.full(heading.shape, np.inf)
    for i, v in enumerate(views):
        x, y, front = angles_to_view(v, heading, pitch)
        inside = front & (x >= 0) & (x <= v.width) & (y >= 0) & (y <= v.height)
        d = angular_distance(v.heading, v.pitch, heading, pitch)
        better = inside & (d < best_d)
        best[better], best_d[better] = i, d[better]
    return best


def best_view(views: list[View], heading: float, pitch: float) -> int | None:
    """Index of the view whose centre is angularly closest to (heading, pitch) among views whose image
    contains that direction; None when no view sees it. Use it to assign a camera to one view."""
    i = int(best_views(views, [heading], [pitch])[0])
    return None if i < 0 else i
