"""The detector as one more voter in the consensus (Branson et al., "Lean Crowdsourcing", CVPR 2017).

The model's suggestions on the tagged panoramas become the tags of one extra annotator, ``model``,
who looked at every panorama it scored. They are clustered with the volunteers' tags as usual; a
candidate is then kept when

- a strict majority of the *volunteers* who saw the image tagged it (the volunteers-only rule), or
- the model found it (score >= ``model_threshold``) and at least ``min_volunteers`` volunteer agrees.

So a confident model plus one agreeing volunteer settles a camera that majority voting drops as "1 of
3", and a lone model detection is never kept without a person.

:func:`adaptive_answers` replays the volunteers one at a time per image, as a live campaign would ask
them: after each answer, every candidate is settled (kept: model + a volunteer, or a volunteer
majority already certain; dropped: nobody tagged it and the model did not either) or in dispute
(the model and the volunteers disagree), and the image gets another volunteer only while something
is in dispute. It reports how many volunteer answers each image needed.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from camdetect.records import Camera, Suggestion, Tag

from .consensus import Candidate, ConsensusConfig, ConsensusResult, find_candidates, run_consensus

MODEL = "model"


@dataclass(frozen=True)
class ModelVote:
    """How the model's detections count."""

    model_threshold: float = 0.25   # a suggestion at or above this is the model saying "camera here"
    min_volunteers: int = 1         # volunteers who must agree with the model

    def __post_init__(self) -> None:
        if not 0.0 <= self.model_threshold <= 1.0 or self.min_volunteers < 1:
            raise ValueError("model_threshold must be in [0, 1] and min_volunteers >= 1")

    def model_says(self, c: Candidate, threshold: float | None = None) -> bool:
        """The model tagged this candidate at or above ``threshold`` (default: the vote's; its tags may come
        from a lower floor)."""
        at = self.model_threshold if threshold is None else threshold
        return any(t.annotator == MODEL and not t.score < at for t in c.tags)

    def keep(self, c: Candidate) -> bool:
        volunteers = sum(t.annotator != MODEL for t in c.tags)
        seen = sum(a != MODEL for a in c.seen)
        return 2 * volunteers > seen or (self.model_says(c) and volunteers >= self.min_volunteers)

    def settled(self, c: Candidate, asked: Sequence[str], n_total: int) -> bool | None:
        """:meth:`keep` while volunteers are still being asked: True / False once no further volunteer
        can change the outcome (``asked`` of ``n_total`` have answered), else None (in dispute)."""
        vol = sum(t.annotator in asked for t in c.tags)
        model = self.model_says(c)
        if (model and vol >= self.min_volunteers) or 2 * vol > n_total:  # kept whatever the rest say
            return True
        if not model and vol == 0:          # nobody, model included, sees a camera here
            return False
        if len(asked) == n_total:           # everyone answered: the volunteer majority decides
            return 2 * vol > n_total
        return None


def model_tags(suggestions: Iterable[Suggestion], images: Iterable[str], threshold: float) -> list[Tag]:
    """The model as an annotator: a 'seen' row for every image it scored and a tag per suggestion at or
    above ``threshold`` (its direction on the sphere; type, mount and score kept)."""
    images = sorted(set(images))
    tags = [Tag("model", im, MODEL, kind="seen") for im in images]
    wanted = set(images)
    for s in suggestions:
        if s.pano_id not in wanted or s.score < threshold or math.isnan(s.heading) or math.isnan(s.pitch):
            continue
        tags.append(Tag("model", s.pano_id, MODEL, tag_id=s.key, type=s.type, mount=s.mount,
                        heading=float(s.heading), pitch=float(s.pitch), score=float(s.score),
                        intersection=s.intersection))
    return tags


def consensus_with_model(tags: Sequence[Tag], suggestions: Iterable[Suggestion],
                         config: ConsensusConfig | None = None, vote: ModelVote | None = None) -> ConsensusResult:
    """run_consensus on volunteers + the model, kept by :class:`ModelVote` (the model scored every
    image of ``tags``). Cameras carry the model's tag among their annotators."""
    vote = vote or ModelVote()
    images = {t.image for t in tags}
    return run_consensus(list(tags) + model_tags(suggestions, images, vote.model_threshold), config,
                         decide=vote.keep)


@dataclass(frozen=True)
class Verification:
    """Lean crowdsourcing's last step: a candidate still in dispute after the full searches and the model's
    vote (tagged by a minority of the volunteers, or by the model alone at or above ``model_floor``) becomes
    a yes/no question to further volunteers, the review app's task, asked one at a time until ``agree``
    answers agree or ``max_answers`` were given; it is kept on more yes than no. "Not sure" counts as an
    answer given but as neither."""

    agree: int = 3           # demo city, simulated crowd: until 2 agree precision 0.90 at recall 0.84, 3: 0.93 at
    max_answers: int = 5     # 0.83, 4: 0.95 at 0.86 for 35 % more yes/no answers (docs/labels_consensus.md)
    model_floor: float = 0.25  # model-only candidates at its stored threshold are asked about too
    # A disputed candidate within this many degrees of a camera already kept on the same image is not asked
    # about: the question shows the cameras already marked, and a volunteer answers "already there". Without
    # it a camera whose tags split into two clusters is kept twice (5 of 8 false cameras on the demo city);
    # 1.5 x the clustering radius; 2 of the demo city's 81 pairs of cameras on one image are closer.
    merge_deg: float = 6.0

    def __post_init__(self) -> None:
        if self.agree < 1 or self.max_answers < self.agree or not 0.0 <= self.model_floor <= 1.0 or self.merge_deg < 0:
            raise ValueError("agree >= 1, max_answers >= agree, model_floor in [0, 1] and merge_deg >= 0")


@dataclass
class LeanResult:
    """The consensus after verification and what the verification cost."""

    result: ConsensusResult
    disputed: int        # candidates that were asked about
    verify_answers: int  # yes/no answers given (each a review task: ``EffortModel.verify_s``)


def lean_consensus(tags: Sequence[Tag], suggestions: Iterable[Suggestion], ask: Callable[[Candidate], str],
                   config: ConsensusConfig | None = None, vote: ModelVote | None = None,
                   verification: Verification | None = None) -> LeanResult:
    """Full searches + the model as a voter (:class:`ModelVote`), then every candidate in dispute verified by
    ``ask(candidate) -> "yes" | "no" | "unsure"`` (one more volunteer's answer each call: the review app in a
    campaign, a simulated crowd in scripts/bench_model_voter.py)."""
    from camdetect.geometry import angular_distance

    from .consensus import _camera

    vote, verification = vote or ModelVote(), verification or Verification()
    config = config or ConsensusConfig()
    images = {t.image for t in tags}
    floor = min(vote.model_threshold, verification.model_floor)
    everything = list(tags) + model_tags(suggestions, images, floor)
    counts = {"disputed": 0, "answers": 0}
    marked: dict[str, list[tuple[float, float]]] = defaultdict(list)  # image -> directions already kept

    def where(c: Candidate) -> tuple[float, float]:
        cam = _camera(c, "unknown", "other", {})
        return cam.heading, cam.pitch

    for c in find_candidates(everything, config):  # what the vote keeps is marked before any question
        if vote.keep(c):
            marked[c.image].append(where(c))

    def decide(c: Candidate) -> bool:
        if vote.keep(c):
            return True
        volunteers = sum(t.annotator != MODEL for t in c.tags)
        if volunteers == 0 and not vote.model_says(c, verification.model_floor):
            return False
        h, p = where(c)
        if any(angular_distance(h, p, h2, p2) < verification.merge_deg for h2, p2 in marked[c.image]):
            return False  # "already marked"
        counts["disputed"] += 1
        answers: list[str] = []
        while (max(answers.count("yes"), answers.count("no")) < verification.agree
               and len(answers) < verification.max_answers):
            answers.append(ask(c))
        counts["answers"] += len(answers)
        if answers.count("yes") > answers.count("no"):
            marked[c.image].append((h, p))
            return True
        return False

    res = run_consensus(everything, config, decide=decide)
    return LeanResult(res, counts["disputed"], counts["answers"])


def add_verified(cameras: Sequence[Camera], verified: Sequence[Camera], tags: Sequence[Tag],
                 merge_deg: float = Verification.merge_deg) -> tuple[list[Camera], int]:
    """The consensus' cameras plus the verified ones (``review export`` cameras.csv of a ``review verify-feed``
    queue) that lie more than ``merge_deg`` from every camera already there on the same intersection. A
    verified row's image is a view of the review store; it becomes the panorama the volunteers tagged on that
    intersection (from ``tags``), and keeps its view box, which places it on the sphere. Returns (cameras,
    how many were added)."""
    from camdetect.geometry import angular_distance

    pano_of: dict[str, set[str]] = defaultdict(set)
    for t in tags:
        pano_of[t.intersection or t.image].add(t.image)
    out = list(cameras)
    placed: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for c in out:
        placed[c.intersection or c.image].append((c.heading, c.pitch))
    added = 0
    for v in sorted(verified, key=lambda c: -(c.confidence if math.isfinite(c.confidence) else 0.0)):
        key = v.intersection or v.image
        panos = pano_of.get(key, set())
        if len(panos) != 1 or not (math.isfinite(v.heading) and math.isfinite(v.pitch)):
            raise ValueError(f"verified camera {v.camera_id}: intersection {key!r} has "
                             f"{'no' if not panos else len(panos)} tagged panoramas (expected one), or no direction")
        if any(angular_distance(v.heading, v.pitch, h, p) < merge_deg for h, p in placed[key]):
            continue
        out.append(replace(v, image=next(iter(panos)), intersection=key, agreement=f"verified ({v.agreement})"))
        placed[key].append((v.heading, v.pitch))
        added += 1
    return out, added


@dataclass
class AdaptiveResult:
    """What a campaign that asks volunteers one at a time would have kept, and what it cost."""

    kept: list[Candidate]
    answers: dict[str, int]   # image -> volunteers asked

    @property
    def answers_per_image(self) -> float:
        return sum(self.answers.values()) / len(self.answers) if self.answers else math.nan


def adaptive_answers(tags: Sequence[Tag], suggestions: Iterable[Suggestion], config: ConsensusConfig | None = None,
                     vote: ModelVote | None = None, min_answers: int = 1, seed: int = 0) -> AdaptiveResult:
    """Replay each image's volunteers in a seeded random order, asking the next one only while a
    candidate is in dispute (and at least ``min_answers``). An image where neither the model nor the
    volunteers asked so far see anything is finished: the cameras only a later volunteer would have
    tagged are the recall this costs, measured against the fixed three answers."""
    config, vote = config or ConsensusConfig(), vote or ModelVote()
    by_image: dict[str, list[Tag]] = defaultdict(list)
    for t in tags:
        by_image[t.image].append(t)
    machine: dict[str, list[Tag]] = defaultdict(list)
    for t in model_tags(suggestions, by_image, vote.model_threshold):
        machine[t.image].append(t)
    rng = random.Random(seed)
    kept: list[Candidate] = []
    answers: dict[str, int] = {}
    for image in sorted(by_image):
        people = sorted({t.annotator for t in by_image[image]})
        rng.shuffle(people)
        n = len(people)
        for k in range(1, n + 1):
            asked = people[:k]
            visible = [t for t in by_image[image] if t.annotator in asked]
            cands = find_candidates(visible + machine[image], config)
            verdicts = [vote.settled(c, asked, n) for c in cands]
            if (k >= min(min_answers, n) and all(v is not None for v in verdicts)) or k == n:
                answers[image] = k
                kept += [c for c, v in zip(cands, verdicts) if v]
                break
    return AdaptiveResult(kept, answers)


__all__ = ["MODEL", "AdaptiveResult", "LeanResult", "ModelVote", "Verification", "adaptive_answers", "add_verified",
           "consensus_with_model", "lean_consensus", "model_tags"]
