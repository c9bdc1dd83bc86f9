"""Train/val/test splits grouped so that nothing leaks: one intersection (and, with coordinates, one
spatial block of intersections) always lands in one split.

Views of one panorama overlap, and neighbouring intersections share buildings and cameras, so a random
split by image would score memorised cameras. Groups are shuffled with the seed and assigned greedily
to the split furthest below its target share of *items* (views), which keeps shares close to the
targets even with few, unequal groups.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from camdetect.geometry.earth import M_PER_DEG_LAT, m_per_deg_lon

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class SplitPlan:
    """Target shares and the spatial block size (metres; 0 disables spatial blocks)."""

    train: float = 0.7
    val: float = 0.15
    test: float = 0.15
    block_m: float = 250.0
    seed: int = 0

    def __post_init__(self) -> None:
        shares = (self.train, self.val, self.test)
        if any(s < 0 for s in shares) or not math.isclose(sum(shares), 1.0, abs_tol=1e-6):
            raise ValueError(f"split shares must be >= 0 and sum to 1, got {shares}")

    @property
    def shares(self) -> dict[str, float]:
        return {"train": self.train, "val": self.val, "test": self.test}


def spatial_block(lat: float, lon: float, block_m: float) -> str:
    """Id of the ~block_m x block_m square containing (lat, lon); '' without coordinates."""
    if block_m <= 0 or not (math.isfinite(lat) and math.isfinite(lon)):
        return ""
    dy = block_m / M_PER_DEG_LAT
    dx = block_m / max(m_per_deg_lon(lat), M_PER_DEG_LAT * 1e-6)
    return f"blk{math.floor(lat / dy)}_{math.floor(lon / dx)}"


def group_key(intersection: str, lat: float = math.nan, lon: float = math.nan, block_m: float = 250.0) -> str:
    """The split group of an intersection: its spatial block when coordinates exist, else itself."""
    return spatial_block(lat, lon, block_m) or f"int:{intersection}"


def _greedy(groups: list[str], sizes: dict[str, float], shares: dict[str, float], out: dict[str, str],
            counts: Counter) -> None:
    """Each group (in order) to the split furthest below its target share of the summed size so far."""
    total = sum(counts.values())
    for g in groups:
        n = sizes[g]
        total += n
        split = max(shares, key=lambda s: (shares[s] * total - counts[s], shares[s]))
        out[g] = split
        counts[split] += n


def assign_splits(group_sizes: dict[str, float], plan: SplitPlan = SplitPlan(),
                  empty_sizes: dict[str, float] | None = None) -> dict[str, str]:
    """group -> split, balancing the summed size (e.g. positive images) per split against the shares.

    Deterministic for a seed. With enough non-empty groups no split with a non-zero share is empty:
    each first gets one non-empty group (largest share first), then groups go greedily to the split
    furthest below its target. Groups of size 0 (no positives: camera-less intersections) are shared out
    in a second pass by their own ``empty_sizes`` (e.g. their images; default 1 each): balanced by
    positives alone they would all go to whichever split was short when they came (a demo city once
    had 39 % of its camera-less intersections in a 15 % val split).
    """
    groups = sorted(group_sizes)
    random.Random(plan.seed).shuffle(groups)
    shares = {s: v for s, v in plan.shares.items() if v > 0}
    counts: Counter = Counter()
    out: dict[str, str] = {}
    nonempty = [g for g in groups if group_sizes[g] > 0]
    for split, g in zip(sorted(shares, key=lambda s: -shares[s]), nonempty):
        out[g] = split
        counts[split] += group_sizes[g]
    _greedy([g for g in nonempty if g not in out], group_sizes, shares, out, counts)
    empty = [g for g in groups if g not in out]
    weights = {g: float((empty_sizes or {}).get(g, 1.0)) for g in empty}
    _greedy(empty, weights, shares, out, Counter())
    return out


def splits_file(dataset: Path) -> Path:
    """splits.csv (every intersection; written since --splits-from exists), else views.csv (kept views only)."""
    full = Path(dataset) / "splits.csv"
    return full if full.is_file() else Path(dataset) / "views.csv"


def splits_of_dataset(dataset: Path) -> dict[str, str]:
    """intersection -> split of a built dataset: another dataset of the same city built with other labels can
    then keep every intersection in the same split, so both are measured on the same held-out intersections
    (the split otherwise balances positives, which depend on the labels)."""
    import csv

    path = splits_file(dataset)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no splits.csv or views.csv (--splits-from wants a dataset built by "
                                "camdetect dataset build)")
    out: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            inter, split = row.get("intersection", ""), row.get("split", "")
            if split not in SPLITS:
                raise ValueError(f"{path}: a row without a split of train/val/test")
            if out.setdefault(inter, split) != split:
                raise ValueError(f"{path}: intersection {inter} is in two splits")
    return out
