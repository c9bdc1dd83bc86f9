"""Consensus across volunteers: cluster tags into candidate cameras, decide which are real, vote on
type and mount, fuse the geometry and say how much the volunteers agreed.

Steps (``camdetect labels consensus TAGS --out CAMERAS``):

1. **Cluster** the tags of each image with complete-linkage agglomerative clustering under a
   cannot-link constraint: two tags of the same annotator never share a cluster (a volunteer who
   tags two cameras side by side meant two cameras). Distance between two tags, normalised so that
   1.0 is the merge limit: boxes on the same image ``(1 - IoU) / (1 - min_iou)``; otherwise the
   angle between their directions on the sphere ``angle / max_angle`` (points, or box centres when
   the box's view is known). Complete linkage keeps clusters tight: every pair is within the limit.
2. **Presence**: each annotator who saw the image answers "present" or "absent" for each
   candidate. The default keep rule is a majority of those annotators; ``reliability`` instead uses
   binary Dawid-Skene (each annotator's sensitivity and false-positive rate). The Dawid-Skene
   posterior is always written as the camera's ``confidence``.
3. **Type and mount**: majority vote or Dawid-Skene over the kept cameras' tags.
4. **Geometry**: points by the mean direction, boxes by Weighted Boxes Fusion (:mod:`.fusion`).
5. **Agreement**: Amnesty's wording over the seen annotators' answers (type, or "none").

Who saw an image comes from ``kind="seen"`` rows (Decoders' counts.csv); an annotator with tags on an
image but no seen row is counted as having seen it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from camdetect.records import Camera, Tag, View
from camdetect.taxonomy import load_taxonomy

from .agreement import agreement_level
from .dawid_skene import DSResult, dawid_skene
from .fusion import fuse_boxes, fuse_points
from .voting import KeepRule, majority_label

PRESENT, ABSENT = "present", "absent"
# dawid-skene: one-coin model (one accuracy per volunteer; robust with few answers each, measured
# better than majority and than the full model); dawid-skene-full: a full confusion matrix each.
LABEL_METHODS = ("dawid-skene", "dawid-skene-full", "majority")


@dataclass
class ConsensusConfig:
    """Knobs of the consensus; defaults documented in docs/labels_consensus.md."""

    max_angle: float = 4.0  # degrees: points further apart are different cameras
    min_iou: float = 0.3  # boxes on one image overlapping less are different cameras
    keep: KeepRule = field(default_factory=KeepRule)
    labels: str = "dawid-skene"  # how type and mount are chosen: dawid-skene | dawid-skene-full | majority
    # Type and mount classes: the taxonomy's (dome, bullet, unknown, alpr). A type listed after the
    # first three (alpr) joins the Dawid-Skene classes only when somebody answered it (an empty class
    # cannot win and would only thin the one-coin error spread), so tag tables without licence-plate
    # readers get exactly the numbers they got before alpr joined the taxonomy.
    types: tuple[str, ...] = field(default_factory=lambda: load_taxonomy().types)
    mounts: tuple[str, ...] = field(default_factory=lambda: load_taxonomy().mounts)
    # Dawid-Skene for type and mount (one-coin by default): a light Dirichlet pseudo-count, and
    # `shrinkage` pseudo-answers at the crowd's pooled accuracy, so a volunteer with three answers
    # counts like an average volunteer. Chosen on simulated seeds 0-3 and synth seed 1; the
    # measured table in docs/labels_consensus.md is on a held-out synth seed.
    smoothing: float = 0.1
    diag_prior: float = 0.1
    shrinkage: float = 2.0
    # Type answers that mean "could not tell": ignored by the majority vote unless every tag says so.
    abstain_types: tuple[str, ...] = ("unknown",)
    leave_one_out: bool = False  # score each annotator against the others' posterior only
    min_answers: int = 1  # items with fewer answers do not inform the volunteers' accuracies
    # EM steps for presence, started from the hard majority vote. One step = each annotator's
    # sensitivity / false-positive rate measured against the majority, then the posterior. More steps
    # drift to degenerate fits when one volunteer did a large share of the images (docs: measured).
    presence_iter: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.keep, str):
            self.keep = KeepRule.parse(self.keep)
        if self.labels not in LABEL_METHODS:
            raise ValueError(f"bad label method {self.labels!r}: use {', '.join(LABEL_METHODS)}")
        if not self.max_angle > 0 or not 0.0 <= self.min_iou < 1.0:
            raise ValueError("max_angle must be > 0 and min_iou in [0, 1)")


@dataclass
class Candidate:
    """One cluster of tags (at most one per annotator) on one image."""

    image: str
    tags: list[Tag]
    seen: list[str]  # annotators who looked at the image (sorted)
    posterior: float = math.nan  # P(real camera), Dawid-Skene on presence
    kept: bool = False

    @property
    def annotators(self) -> list[str]:
        return [t.annotator for t in self.tags]

    @property
    def key(self) -> tuple[str, int]:
        return (self.image, id(self))


@dataclass
class Reliability:
    """One volunteer's estimated reliability (Dawid-Skene) and raw activity."""

    annotator: str
    n_images: int = 0
    n_tags: int = 0
    sensitivity: float = math.nan  # P(tags | real camera)
    false_positive_rate: float = math.nan  # P(tags | spurious candidate)
    type_accuracy: float = math.nan
    mount_accuracy: float = math.nan
    agree_with_majority: float = math.nan  # share of this volunteer's tags on kept cameras


@dataclass
class ConsensusResult:
    cameras: list[Camera]
    candidates: list[Candidate]
    reliability: list[Reliability]
    presence: DSResult | None = None
    type_ds: DSResult | None = None
    mount_ds: DSResult | None = None


# ----------------------------------------------------------------------------------------- clustering

def _direction(t: Tag | Camera) -> tuple[float, float] | None:
    """(heading, pitch) of a tag or camera: its point, or its box centre when the box's view is known."""
    if not math.isnan(t.heading) and not math.isnan(t.pitch):
        return t.heading, t.pitch
    if (not math.isnan(t.x1) and not math.isnan(t.view_fov) and not math.isnan(t.view_heading)
            and t.image_width > 0 and t.image_height > 0):
        from camdetect.geometry import view_box_to_sphere

        view = View(t.image, t.view_heading, 0.0 if math.isnan(t.view_pitch) else t.view_pitch,
                    t.view_fov, t.image_width, t.image_height)
        h, p, _, _ = view_box_to_sphere(view, (t.x1, t.y1, t.x2, t.y2))
        return float(h), float(p)
    return None


def distance_matrix(tags: Sequence[Tag], max_angle: float = 4.0, min_iou: float = 0.3) -> np.ndarray:
    """Normalised pairwise distances (<= 1 may merge; inf = never: same annotator or incomparable).

    Two boxes compare by IoU (``geometry.overlap``), anything else with a direction by its angle on the
    sphere (``geometry.same_camera.angle_matrix``). Consensus keeps its own linkage rather than the greedy
    same-camera rule: see ``geometry.same_camera`` for why.
    """
    from camdetect.geometry.overlap import box_iou
    from camdetect.geometry.same_camera import angle_matrix

    dirs = [_direction(t) for t in tags]
    has_box = np.array([not math.isnan(t.x1) for t in tags], bool)
    has_dir = np.array([x is not None for x in dirs], bool)
    boxes = np.array([t.box if b else (0.0, 0.0, 0.0, 0.0) for t, b in zip(tags, has_box)], np.float64).reshape(-1, 4)
    hp = np.array([x if x is not None else (0.0, 0.0) for x in dirs], np.float64).reshape(-1, 2)
    by_box = (1.0 - box_iou(boxes, boxes)) / (1.0 - min_iou)
    by_angle = angle_matrix(hp[:, 0], hp[:, 1]) / max_angle
    d = np.where(has_box[:, None] & has_box[None, :], by_box,
                 np.where(has_dir[:, None] & has_dir[None, :], by_angle, np.inf))
    annot = np.array([t.annotator for t in tags], object)
    d[annot[:, None] == annot[None, :]] = np.inf
    np.fill_diagonal(d, 0.0)
    return d


def cluster_tags(tags: Sequence[Tag], max_angle: float = 4.0, min_iou: float = 0.3) -> list[list[int]]:
    """Complete-linkage clusters (lists of indices into ``tags``) with the same-annotator cannot-link.

    Deterministic: ties merge the lowest indices first; clusters come out sorted by first member.
    """
    n = len(tags)
    d = distance_matrix(tags, max_angle, min_iou)
    np.fill_diagonal(d, np.inf)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    active = np.ones(n, bool)
    while True:
        masked = np.where(active[:, None] & active[None, :], d, np.inf)
        flat = int(np.argmin(masked)) if n else 0
        if n == 0 or not masked.flat[flat] <= 1.0:
            break
        a, b = divmod(flat, n)
        a, b = min(a, b), max(a, b)
        # Lance-Williams for complete linkage; inf (cannot-link) propagates through the max.
        d[a, :] = d[:, a] = np.maximum(d[a, :], d[b, :])
        d[a, a] = np.inf
        active[b] = False
        members[a].extend(members.pop(b))
    return sorted((sorted(m) for m in members.values()), key=lambda m: m[0])


def find_candidates(tags: Iterable[Tag], config: ConsensusConfig | None = None,
                    progress: bool = False) -> list[Candidate]:
    """Group tags by image, cluster them, attach who saw each image."""
    config = config or ConsensusConfig()
    by_image: dict[str, list[Tag]] = defaultdict(list)
    seen: dict[str, set[str]] = defaultdict(set)
    for t in tags:
        seen[t.image].add(t.annotator)
        if t.kind == "tag":
            by_image[t.image].append(t)
        elif t.kind != "seen":
            raise ValueError(f"tag {t.tag_id!r} on {t.image!r}: unknown kind {t.kind!r} (tag or seen)")
    out: list[Candidate] = []
    images = sorted(by_image)
    if progress:
        from tqdm import tqdm

        images = tqdm(images, desc="clustering", unit="image", leave=False)
    for image in images:
        image_tags = by_image[image]
        for idx in cluster_tags(image_tags, config.max_angle, config.min_iou):
            out.append(Candidate(image, [image_tags[i] for i in idx], sorted(seen[image])))
    return out


# ------------------------------------------------------------------------------------------ decisions

def presence_answers(candidates: Sequence[Candidate]) -> list[tuple[int, str, str]]:
    """(candidate index, annotator, present/absent) for every annotator who saw the image."""
    rows = []
    for i, c in enumerate(candidates):
        tagged = set(c.annotators)
        for a in c.seen:
            rows.append((i, a, PRESENT if a in tagged else ABSENT))
    return rows


def _abstain(attr: str, config: ConsensusConfig) -> tuple[str, ...]:
    return config.abstain_types if attr == "type" else ()


def _attribute_ds(candidates: Sequence[Candidate], attr: str, classes: Sequence[str],
                  config: ConsensusConfig) -> DSResult | None:
    # "unknown" stays an answer here: how often a volunteer says it is part of their reliability
    # (careless volunteers say it at random), which measured better than dropping it.
    answers = [(i, t.annotator, getattr(t, attr)) for i, c in enumerate(candidates) for t in c.tags
               if getattr(t, attr) in classes]
    if not answers:
        return None
    if attr == "type":
        classes = _answered_types(classes, {a[2] for a in answers})
    return dawid_skene(answers, list(classes), smoothing=config.smoothing, diag_prior=config.diag_prior,
                       shrinkage=config.shrinkage, leave_one_out=config.leave_one_out,
                       one_coin=config.labels != "dawid-skene-full", min_answers=config.min_answers)


def _answered_types(types: Sequence[str], answered: set[str], base: int = 3) -> list[str]:
    """The type classes of Dawid-Skene: the first ``base`` taxonomy types (dome, bullet, unknown, as
    every consensus before alpr used) plus any later type that somebody answered."""
    return [t for i, t in enumerate(types) if i < base or t in answered]


def _choose(c: Candidate, i: int, attr: str, ds: DSResult | None, config: ConsensusConfig,
            tie_order: Sequence[str]) -> tuple[str, float]:
    """Type or mount of kept candidate ``i``: Dawid-Skene posterior mode, or the majority vote in
    which abstentions ("unknown" type) count only when nobody gave anything else."""
    if config.labels.startswith("dawid-skene") and ds is not None and ds.has(i):
        return ds.label(i)
    labels = [getattr(t, attr) for t in c.tags]
    said = [x for x in labels if x not in _abstain(attr, config)]
    return majority_label(said or labels, tie_order=tie_order)


def run_consensus(tags: Iterable[Tag], config: ConsensusConfig | None = None,
                  progress: bool = False, decide: Callable[[Candidate], bool] | None = None) -> ConsensusResult:
    """The whole consensus: candidates -> kept cameras with type, mount, geometry, agreement.

    ``decide``: keep a candidate by this instead of ``config.keep`` (the model as a voter,
    :mod:`camdetect.labels.model_voter`)."""
    config = config or ConsensusConfig()
    tags = list(tags)
    candidates = find_candidates(tags, config, progress)

    presence = None
    if candidates:
        maj = np.array([float(KeepRule("majority").keep(len(c.tags), len(c.seen))) for c in candidates])
        init = np.stack([maj, 1.0 - maj], axis=1) * 0.98 + 0.01
        presence = dawid_skene(presence_answers(candidates), [PRESENT, ABSENT], smoothing=1.0, diag_prior=1.0,
                               init=init, max_iter=config.presence_iter)
    if presence is not None:
        for i, c in enumerate(candidates):
            c.posterior = float(presence.post(i)[0])
    for c in candidates:
        c.kept = decide(c) if decide is not None else config.keep.keep(len(c.tags), len(c.seen), c.posterior)
    kept = [c for c in candidates if c.kept]

    type_ds = _attribute_ds(kept, "type", config.types, config)
    mount_ds = _attribute_ds(kept, "mount", config.mounts, config)
    type_order = [k for k, _ in Counter(t.type for t in tags if t.kind == "tag").most_common()]
    mount_order = [k for k, _ in Counter(t.mount for t in tags if t.kind == "tag").most_common()]
    weight = _annotator_weights(presence)

    cameras: list[Camera] = []
    per_image: Counter = Counter()
    for i, c in enumerate(kept):
        type_, type_conf = _choose(c, i, "type", type_ds, config, type_order)
        mount, mount_conf = _choose(c, i, "mount", mount_ds, config, mount_order)
        cam = _camera(c, type_, mount, weight)
        per_image[c.image] += 1
        cam.camera_id = f"{c.image}#{per_image[c.image]:03d}"
        cam.type_confidence, cam.mount_confidence = type_conf, mount_conf
        cameras.append(cam)
    reliability = volunteer_reliability(tags, candidates, kept, presence, type_ds, mount_ds)
    return ConsensusResult(cameras, candidates, reliability, presence, type_ds, mount_ds)


def doubtful_cameras(result: ConsensusResult) -> list[Camera]:
    """The candidates the keep rule rejected, fused like kept ones (type/mount by majority, confidence =
    presence posterior): cameras in doubt that training should neither learn nor learn to ignore."""
    weight = _annotator_weights(result.presence)
    out: list[Camera] = []
    per_image: Counter = Counter()
    for c in result.candidates:
        if c.kept:
            continue
        said = [t.type for t in c.tags if t.type != "unknown"] or [t.type for t in c.tags]
        cam = _camera(c, majority_label(said)[0], majority_label([t.mount for t in c.tags])[0], weight)
        per_image[c.image] += 1
        cam.camera_id = f"{c.image}#doubt{per_image[c.image]:03d}"
        out.append(cam)
    return out


def _annotator_weights(presence: DSResult | None) -> dict[str, float]:
    """Fusion weight per annotator: the log-odds of their presence answers being right, floored."""
    if presence is None:
        return {}
    sens = presence.recall(PRESENT)
    fpr = presence.rate(ABSENT, PRESENT)
    w = np.log(np.clip(sens, 1e-3, 1) / np.clip(fpr, 1e-3, 1))
    return {a: float(max(x, 0.1)) for a, x in zip(presence.annotators, w)}


def _camera(c: Candidate, type_: str, mount: str, weight: dict[str, float]) -> Camera:
    """Fuse one kept candidate into a Camera row."""
    tags = c.tags
    w = [weight.get(t.annotator, 1.0) for t in tags]
    points = [(t.heading, t.pitch, wi) for t, wi in zip(tags, w) if not math.isnan(t.heading)]
    boxes = [(t, wi) for t, wi in zip(tags, w) if not math.isnan(t.x1)]
    first = tags[0]
    cam = Camera(camera_id="", image=c.image, intersection=first.intersection or c.image,
                 type=type_, mount=mount, n_tags=len(tags), n_annotators=max(len(c.seen), len(tags)),
                 confidence=c.posterior, annotators=";".join(sorted(c.annotators)))
    details = [t.mount_detail for t in tags if t.mount == mount and t.mount_detail]
    cam.mount_detail = Counter(details).most_common(1)[0][0] if details else ""
    if points:
        cam.heading, cam.pitch = fuse_points([p[0] for p in points], [p[1] for p in points], [p[2] for p in points])
    if boxes:
        ref = boxes[0][0]
        same = [(t, wi) for t, wi in boxes if (t.image_width, t.image_height) == (ref.image_width, ref.image_height)]
        cam.x1, cam.y1, cam.x2, cam.y2 = fuse_boxes([t.box for t, _ in same], [wi for _, wi in same],
                                                    ref.image_width, ref.image_height)
        cam.image_width, cam.image_height = ref.image_width, ref.image_height
        cam.view_heading, cam.view_pitch, cam.view_fov = ref.view_heading, ref.view_pitch, ref.view_fov
        if not points:
            d = _direction(cam)
            if d is not None:
                cam.heading, cam.pitch = d
    cam.weak = not boxes or all(t.weak for t, _ in boxes)  # weak in, weak out
    # Answer of each seen annotator: the type they gave this camera, or "none".
    by_ann = {t.annotator: t.type for t in tags}
    answers = [by_ann.get(a, "none") for a in sorted(set(c.seen) | set(by_ann))]
    cam.agreement = agreement_level(answers)
    return cam


def volunteer_reliability(tags: Sequence[Tag], candidates: Sequence[Candidate], kept: Sequence[Candidate],
                          presence: DSResult | None, type_ds: DSResult | None,
                          mount_ds: DSResult | None) -> list[Reliability]:
    """Per volunteer: activity, Dawid-Skene sensitivity / false-positive rate / type and mount accuracy."""
    rel: dict[str, Reliability] = {}
    images: dict[str, set[str]] = defaultdict(set)
    for t in tags:
        r = rel.setdefault(t.annotator, Reliability(t.annotator))
        images[t.annotator].add(t.image)
        if t.kind == "tag":
            r.n_tags += 1
    for a, r in rel.items():
        r.n_images = len(images[a])
    on_kept: Counter = Counter(t.annotator for c in kept for t in c.tags)
    for a, r in rel.items():
        if r.n_tags:
            r.agree_with_majority = on_kept[a] / r.n_tags
    if presence is not None:
        for a, s, f in zip(presence.annotators, presence.recall(PRESENT), presence.rate(ABSENT, PRESENT)):
            rel[a].sensitivity, rel[a].false_positive_rate = float(s), float(f)
    for ds, attr in ((type_ds, "type_accuracy"), (mount_ds, "mount_accuracy")):
        if ds is not None:
            for a, acc in zip(ds.annotators, ds.accuracy()):
                setattr(rel[a], attr, float(acc))
    return sorted(rel.values(), key=lambda r: r.annotator)
