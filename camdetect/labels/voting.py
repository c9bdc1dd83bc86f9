"""Majority votes and the rules that decide whether a candidate camera is kept.

A *candidate* is a cluster of tags from different annotators; ``n_tagged`` annotators tagged it out
of the ``n_seen`` who looked at the image. :class:`KeepRule` turns that (and optionally the
reliability-weighted posterior from Dawid-Skene) into keep / drop.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


def majority_label(labels: Sequence[str], weights: Sequence[float] | None = None,
                   tie_order: Sequence[str] = ()) -> tuple[str, float]:
    """(winning label, its vote share). Ties go to the label earliest in ``tie_order`` (e.g. the most
    frequent class overall), then alphabetically, so the result never depends on input order."""
    if not labels:
        raise ValueError("majority_label needs at least one label")
    votes: Counter = Counter()
    for i, lab in enumerate(labels):
        votes[lab] += 1.0 if weights is None else float(weights[i])
    total = sum(votes.values())
    rank = {lab: i for i, lab in enumerate(tie_order)}
    best = min(votes, key=lambda lab: (-votes[lab], rank.get(lab, len(rank)), lab))
    return best, (votes[best] / total if total > 0 else 1.0 / len(votes))


@dataclass(frozen=True)
class KeepRule:
    """When to keep a candidate camera.

    - ``majority`` (default): strictly more than half of the annotators who saw the image tagged it.
    - ``any``: at least one tag (the union; best recall, worst precision).
    - ``all``: every annotator who saw the image tagged it.
    - ``min:K``: at least K annotators tagged it.
    - ``frac:F``: at least a fraction F of those who saw the image tagged it.
    - ``reliability[:P]``: Dawid-Skene posterior that the camera is real >= P (default 0.5), i.e.
      evidence weighted by each annotator's estimated sensitivity and false-positive rate.
    """

    kind: str = "majority"
    value: float = math.nan

    @classmethod
    def parse(cls, text: str) -> KeepRule:
        name, _, arg = text.strip().lower().partition(":")
        if name in ("majority", "any", "all") and not arg:
            return cls(name)
        try:
            if name == "min":
                k = int(arg)
                if k >= 1:
                    return cls("min", float(k))
            elif name == "frac":
                f = float(arg)
                if 0.0 < f <= 1.0:
                    return cls("frac", f)
            elif name == "reliability":
                p = float(arg) if arg else 0.5
                if 0.0 <= p <= 1.0:
                    return cls("reliability", p)
        except ValueError:
            pass
        raise ValueError(f"bad keep rule {text!r}: use majority, any, all, min:K, frac:F or reliability[:P]")

    def keep(self, n_tagged: int, n_seen: int, posterior: float = math.nan) -> bool:
        n_seen = max(n_seen, n_tagged)
        if self.kind == "majority":
            return n_tagged * 2 > n_seen
        if self.kind == "any":
            return n_tagged >= 1
        if self.kind == "all":
            return n_tagged >= n_seen and n_tagged >= 1
        if self.kind == "min":
            return n_tagged >= self.value
        if self.kind == "frac":
            return n_seen > 0 and n_tagged / n_seen >= self.value - 1e-12
        if self.kind == "reliability":
            if math.isnan(posterior):
                raise ValueError("keep rule 'reliability' needs a Dawid-Skene posterior")
            return posterior >= self.value
        raise ValueError(f"unknown keep rule {self.kind!r}")

    def __str__(self) -> str:
        if self.kind in ("majority", "any", "all"):
            return self.kind
        return f"{self.kind}:{self.value:g}"
