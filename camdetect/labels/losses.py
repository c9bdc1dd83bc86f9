"""Where the consensus loses cameras: every truth camera the consensus misses, put in one bucket.

Truth is known only for the synthetic city. Buckets, in the order they are tested:

- ``untagged``: no volunteer tag within ``match_deg`` of the camera (the crowd never saw it);
- ``split``: its tags fell into two or more candidates (Decoders tags are a view direction and a
  zoom, not a box, so two volunteers' points on one camera can sit further apart than the clustering
  allows), and none of those candidates was kept and matched to it;
- ``dropped``: its tags form one candidate, which the keep rule rejected (e.g. 1 of 3 volunteers);
- ``merged``: a candidate holding its tags was kept but matched another truth camera (two cameras
  close together became one);
- ``misplaced``: one kept candidate holds its tags but its fused direction lies further than
  ``match_deg`` from the camera.

Tags "near" a camera are those within ``match_deg`` of it, with the same angle the evaluation uses.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from camdetect.records import Camera, Tag

from .consensus import Candidate, ConsensusConfig, _direction, run_consensus
from .evaluate_consensus import match_image

BUCKETS = ("found", "untagged", "split", "dropped", "merged", "misplaced")


@dataclass
class LostCamera:
    """One truth camera and what happened to it."""

    image: str
    camera_id: str
    type: str
    mount: str
    bucket: str
    n_near_tags: int = 0      # volunteer tags within match_deg
    n_seen: int = 0           # volunteers who looked at the image
    n_candidates: int = 0     # candidates holding at least one of those tags


@dataclass
class LossTable:
    """Counts per bucket for one tag table against truth."""

    name: str
    n_truth: int
    counts: dict[str, int] = field(default_factory=dict)
    rows: list[LostCamera] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"name": self.name, "n_truth": self.n_truth, "counts": self.counts,
                "rows": [asdict(r) for r in self.rows]}


def _angle(a: tuple[float, float], b: tuple[float, float]) -> float:
    from camdetect.geometry import angular_distance

    return float(angular_distance(a[0], a[1], b[0], b[1]))


def loss_table(tags: Sequence[Tag], truth: Sequence[Camera], config: ConsensusConfig | None = None,
               match_deg: float = 3.0, name: str = "consensus") -> LossTable:
    """Bucket every truth camera on the tagged images (images nobody looked at are not counted)."""
    config = config or ConsensusConfig()
    tags = list(tags)
    images = {t.image for t in tags}
    result = run_consensus(tags, config)
    kept_cams: dict[str, list[tuple[Candidate, Camera]]] = defaultdict(list)
    for cand, cam in zip([c for c in result.candidates if c.kept], result.cameras):
        kept_cams[cand.image].append((cand, cam))
    cands_by_image: dict[str, list[Candidate]] = defaultdict(list)
    for c in result.candidates:
        cands_by_image[c.image].append(c)
    truth_by_image: dict[str, list[Camera]] = defaultdict(list)
    for t in truth:
        if t.image in images:
            truth_by_image[t.image].append(t)
    seen: dict[str, set[str]] = defaultdict(set)
    for t in tags:
        seen[t.image].add(t.annotator)

    rows: list[LostCamera] = []
    for image, cams in sorted(truth_by_image.items()):
        kept = kept_cams.get(image, [])
        pairs = match_image([cam for _, cam in kept], cams, match_deg)
        matched_truth, matched_kept = {j for _, j in pairs}, {i for i, _ in pairs}
        kept_index = {id(c): i for i, (c, _) in enumerate(kept)}
        for j, cam in enumerate(cams):
            row = LostCamera(image, cam.camera_id, cam.type, cam.mount, "found", n_seen=len(seen[image]))
            rows.append(row)
            here = (cam.heading, cam.pitch)
            near_tags = [t for c in cands_by_image.get(image, []) for t in c.tags
                         if (d := _direction(t)) is not None and _angle(d, here) <= match_deg]
            near_ids = {id(t) for t in near_tags}
            holding = [c for c in cands_by_image.get(image, []) if any(id(t) in near_ids for t in c.tags)]
            row.n_near_tags, row.n_candidates = len(near_tags), len(holding)
            if j in matched_truth:
                continue
            kept_holding = [c for c in holding if c.kept]
            if not near_tags:
                row.bucket = "untagged"
            elif kept_holding:  # kept, but matched to a neighbour (merged) or to nothing (misplaced)
                row.bucket = "merged" if any(kept_index[id(c)] in matched_kept for c in kept_holding) else "misplaced"
            elif len(holding) >= 2:
                row.bucket = "split"
            else:
                row.bucket = "dropped"
    counts = Counter(r.bucket for r in rows)
    return LossTable(name, len(rows), {b: counts.get(b, 0) for b in BUCKETS}, rows)


def format_loss_tables(tables: Sequence[LossTable]) -> str:
    """Markdown: one row per table, cameras per bucket with shares of the truth."""
    lines = ["| consensus | truth cameras | " + " | ".join(BUCKETS) + " |",
             "|---|---|" + "---|" * len(BUCKETS)]
    for t in tables:
        cells = [f"{t.counts[b]} ({100 * t.counts[b] / t.n_truth:.0f} %)" if t.n_truth else "0" for b in BUCKETS]
        lines.append(f"| {t.name} | {t.n_truth} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def dropped_votes(table: LossTable) -> Counter:
    """How many volunteers tagged the dropped cameras, as 'k of n' (what a keep rule would have to accept)."""
    return Counter(f"{r.n_near_tags} of {r.n_seen}" for r in table.rows if r.bucket == "dropped")


__all__ = ["BUCKETS", "LossTable", "LostCamera", "dropped_votes", "format_loss_tables", "loss_table"]
