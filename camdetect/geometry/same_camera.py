"""The one rule for "these detections are one physical camera" on the sphere of one panorama.

**Rule** (:func:`group_on_sphere`): walk the detections best score first (input order without scores);
each joins the first-made group whose representative (the group's first, best member) lies within

    radius = max(rel * max(its angular size, the representative's), min_deg)

degrees on the sphere (great-circle angle, so the 0/360 seam is no border) and is allowed to share it
(a different ``source``: another view, another annotator); otherwise it makes a new group. The
representative stands for the group.

**Tolerances per stage** (the rule is the same; what a stage knows about its detections is not):

| stage | rel | min_deg | may not share a group | why |
|---|---|---|---|---|
| scoring (``scoring.sphere_merge``) | 0.5 | 0.5 | same view | model boxes carry their angular size: one camera seen in two overlapping views lands within half its size; boxes in one view were already separated by NMS, so two there are two cameras |
| evaluation truth (``evaluate.samples``) | 0 | 1.0 | - | truth boxes of one camera projected into overlapping views agree to a fraction of a degree; 1 degree keeps two cameras on one pole apart |
| map location (``citymap.locate``) | 0 | 3.0 | - | suggestions from any source (other runs, models, the review store) carry no reliable size; bearings are noisy by about 2 degrees (its ``sigma_deg``) |

Label consensus (``labels.consensus``) does not use this greedy rule: volunteers' tags have no score to
rank by and each annotator tags a camera once, so it clusters by complete linkage with a same-annotator
cannot-link (a point within ``max_angle`` = 4 degrees, a box by IoU). It takes its angles from
:func:`angle_matrix` here and its IoU from ``geometry.overlap``.
"""

from __future__ import annotations

import numpy as np

from camdetect.geometry.projection import angular_distance

SCORING_REL, SCORING_MIN_DEG = 0.5, 0.5
TRUTH_MIN_DEG = 1.0
LOCATE_MIN_DEG = 3.0


def angle_matrix(heading, pitch) -> np.ndarray:
    """(N, N) great-circle angles in degrees between the directions (heading, pitch)."""
    h = np.asarray(heading, np.float64).reshape(-1)
    p = np.asarray(pitch, np.float64).reshape(-1)
    return np.asarray(angular_distance(h[:, None], p[:, None], h[None, :], p[None, :]), np.float64).reshape(
        len(h), len(h))


def group_on_sphere(heading, pitch, size=None, score=None, source=None, rel: float = 0.0,
                    min_deg: float = TRUTH_MIN_DEG) -> np.ndarray:
    """Representative index per detection (a representative points at itself); see the module docstring.

    ``size``: angular size in degrees (e.g. max of width and height), needed when ``rel`` > 0; ``score``:
    higher goes first (ties: input order); ``source``: detections with equal source never share a group.
    """
    h = np.asarray(heading, np.float64).reshape(-1)
    p = np.asarray(pitch, np.float64).reshape(-1)
    n = len(h)
    sz = np.zeros(n) if size is None else np.asarray(size, np.float64).reshape(-1)
    src = None if source is None else np.asarray(source).reshape(-1)
    order = np.arange(n) if score is None else np.argsort(-np.asarray(score, np.float64).reshape(-1), kind="stable")
    rep = np.full(n, -1, np.int64)
    reps: list[int] = []
    for i in order:
        if reps:
            r = np.asarray(reps)
            dist = np.atleast_1d(angular_distance(h[r], p[r], h[i], p[i]))
            ok = dist <= np.maximum(rel * np.maximum(sz[r], sz[i]), min_deg)
            if src is not None:
                ok &= src[r] != src[i]
            hit = np.flatnonzero(ok)
            if hit.size:
                rep[i] = r[hit[0]]
                continue
        rep[i] = i
        reps.append(int(i))
    return rep
