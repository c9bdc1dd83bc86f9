"""Agreement levels (Amnesty's wording) and Amnesty's per-intersection "median of the counts" rule.

Amnesty's Decode Surveillance note reports, per intersection, whether the three volunteers' camera
counts were *Unanimous*, *2 vs 1* or *All disagree*, and takes the median count as the estimate.
:func:`agreement_level` generalises the wording to any number of answers: ``Unanimous`` when all
agree, ``All disagree`` when no two agree, otherwise ``"a vs b"`` with ``a`` the size of the largest
agreeing group and ``b`` the rest (``2 vs 1`` for three volunteers, ``3 vs 2`` for five).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from camdetect.records import Tag

UNANIMOUS = "Unanimous"
ALL_DISAGREE = "All disagree"


def agreement_level(answers: Sequence[Hashable]) -> str:
    """Amnesty's agreement wording for one question answered by several annotators."""
    n = len(answers)
    if n == 0:
        return ""
    top = Counter(answers).most_common(1)[0][1]
    if top == n:
        return UNANIMOUS
    if top == 1:
        return ALL_DISAGREE
    return f"{top} vs {n - top}"


def agreement_order(levels: Iterable[str]) -> list[str]:
    """Levels sorted for tables and plots: Unanimous, then 'a vs b' by agreement, then All disagree."""
    def key(level: str):
        if level == UNANIMOUS:
            return (0, 0.0)
        if level == ALL_DISAGREE:
            return (2, 0.0)
        a, _, b = level.partition(" vs ")
        try:
            return (1, -int(a) / (int(a) + int(b)))
        except ValueError:
            return (1, 0.0)
    return sorted(set(levels), key=key)


@dataclass
class IntersectionCounts:
    """Each annotator's camera count (by type and mount too) at one intersection."""

    intersection: str
    counts: dict[str, int] = field(default_factory=dict)  # annotator -> n cameras
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)  # annotator -> type -> n
    by_mount: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def n_annotators(self) -> int:
        return len(self.counts)

    @property
    def median(self) -> float:
        return float(statistics.median(self.counts.values())) if self.counts else 0.0

    def median_by(self, attr: str, value: str) -> float:
        """Median over annotators of their count of cameras with ``attr`` (type/mount) == value."""
        table = self.by_type if attr == "type" else self.by_mount
        vals = [table.get(a, {}).get(value, 0) for a in self.counts]
        return float(statistics.median(vals)) if vals else 0.0

    @property
    def agreement(self) -> str:
        return agreement_level(list(self.counts.values()))


def intersection_counts(tags: Iterable[Tag]) -> dict[str, IntersectionCounts]:
    """Per intersection (``Tag.intersection`` or else the image), every annotator's count of tags;
    annotators with a ``seen`` row and no tag count 0 (the rows Amnesty's counts.csv holds)."""
    out: dict[str, IntersectionCounts] = {}
    by_type: dict[tuple[str, str], Counter] = defaultdict(Counter)
    by_mount: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for t in tags:
        key = t.intersection or t.image
        ic = out.setdefault(key, IntersectionCounts(key))
        ic.counts.setdefault(t.annotator, 0)
        if t.kind == "tag":
            ic.counts[t.annotator] += 1
            by_type[(key, t.annotator)][t.type] += 1
            by_mount[(key, t.annotator)][t.mount] += 1
    for (key, ann), c in by_type.items():
        out[key].by_type[ann] = dict(c)
    for (key, ann), c in by_mount.items():
        out[key].by_mount[ann] = dict(c)
    return out
