"""A tiny drawn city and a dataset built from it, shared by the dataset tests (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from camdetect.dataset.build import BuildOptions, build_dataset
from camdetect.dataset.splits import SplitPlan
from camdetect.dataset.toy_city import make_toy_city
from camdetect.geometry import ViewPlan

PLAN = ViewPlan(n_headings=9, heading_offset=0.0, pitch=12.0, fov=40.0, width=192, height=192)


@pytest.fixture(scope="session")
def toy_city(tmp_path_factory) -> Path:
    return make_toy_city(tmp_path_factory.mktemp("city"), intersections=8, seed=3, point_share=0.25,
                         cameras_per_pano=(1, 4))


@pytest.fixture(scope="session")
def toy_dataset(toy_city, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ds") / "toy"
    build_dataset(out, panoramas=toy_city / "manifest.csv", cameras=toy_city / "truth" / "cameras.csv",
                  opts=BuildOptions(plan=PLAN, split=SplitPlan(block_m=0, seed=0)), progress=False)
    return out
