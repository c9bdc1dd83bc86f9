"""Simulated yes/no verification of consensus candidates on a synthetic city (demo and benchmarks).

Each call answers "is this a camera?" about one candidate as a volunteer drawn from a pool of the synthetic
crowd (:func:`camdetect.synth.volunteers.make_pool`) would: :func:`~camdetect.synth.volunteers.verify_answer`,
the rule the demo's review round answers with, where "a camera" means within ``match_deg`` of a truth camera
on the candidate's image. The real thing is a review task in the app; this stands in for it where the truth
is known.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np

from camdetect.records import Camera

from .consensus import Candidate, _camera
from .evaluate_consensus import match_image


def crowd_verifier(truth: Iterable[Camera], seed: int = 0, pool_size: int = 200,
                   match_deg: float = 3.0) -> Callable[[Candidate], str]:
    from camdetect.synth.volunteers import make_pool, verify_answer

    by_image: dict[str, list[Camera]] = defaultdict(list)
    for c in truth:
        by_image[c.image].append(c)
    rng = np.random.default_rng([seed, 12])
    pool = make_pool(rng, pool_size)

    truth_of: dict[int, tuple[Candidate, bool]] = {}  # id -> (the candidate, kept alive; is it a camera)

    def ask(c: Candidate) -> str:
        if id(c) not in truth_of:  # a candidate is asked 3-5 times: match it to the truth once
            truth_of[id(c)] = (c, bool(match_image([_camera(c, "unknown", "other", {})], by_image.get(c.image, []),
                                                   match_deg)))
        return verify_answer(rng, pool[int(rng.integers(len(pool)))], truth_of[id(c)][1])

    return ask


__all__ = ["crowd_verifier"]
