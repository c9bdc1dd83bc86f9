"""Simulated volunteers answering a review store through the web app's own HTTP API.

The demo's review round (issue 12): the model's suggestions sit in a store; a pool of simulated
volunteers signs in and answers them with the same requests a browser sends (``GET
/api/tasks/next``, ``POST /api/tasks/{id}/answer`` with the CSRF header), so scheduling, retirement,
validation and storage are the app's, not a shortcut. What a volunteer answers comes from the city's
truth seen through that volunteer's error rates, drawn from the same crowd model as the synthetic
Decoders tags (:func:`camdetect.synth.volunteers.make_pool`: good / average / careless / spam):

- a suggestion on a real camera: "yes" with ``0.5 + 0.5 * recall`` (pointing at a box is easier than
  searching a panorama), else "no" or "not sure"; type and mount as that volunteer reports them
  (:func:`report_type`, :func:`report_mount`); a loose box is redrawn around the camera with a
  click's jitter by careful volunteers;
- a suggestion on anything else: "yes" with the volunteer's false-alarm rate, taking the model's type;
- cameras in the view that no suggestion covers are added as missed cameras with ``0.3 * recall``;
- spot checks (whole views, nothing suggested) mark each camera with ``recall``, spammers add noise.

Seconds per answer are the effort model's (``verify_s``; a spot check of one view costs
``full_search_s`` / views per panorama), so volunteer hours compare directly with the Decoders
baseline of 3 x 90 s per intersection (75 h per 1,000 intersections).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from camdetect.evaluate.effort import EffortModel
from camdetect.evaluate.panorama import find_city_truth, load_panorama_truth
from camdetect.geometry.boxes import clip_box, enclosing_view_box
from camdetect.geometry.overlap import box_iou
from camdetect.records import View
from camdetect.store import Store
from camdetect.store.models import SuggestionRow, ViewRow
from camdetect.synth.volunteers import Volunteer, make_pool, report_mount, report_type, verify_answer

from .config import ReviewConfig

DECODERS_HOURS_PER_1000 = 3 * 90.0 * 1000 / 3600  # 3 volunteers x 90 s per intersection = 75 h
IS_CAMERA_IOU = 0.2  # a suggestion box "is" a camera at this IoU (or with its centre in the camera's box)


@dataclass(frozen=True)
class TruthBox:
    box: tuple[float, float, float, float]
    type: str
    mount: str
    camera_id: str


@dataclass
class SimulationReport:
    """What the round cost and what the volunteers said, against truth."""

    volunteers: int
    answers: int = 0
    by_answer: dict[str, int] = field(default_factory=dict)
    suggestion_answers: int = 0
    spot_answers: int = 0
    boxes_adjusted: int = 0
    cameras_added: int = 0
    on_camera: int = 0         # suggestion answers whose box is a truth camera
    yes_on_camera: int = 0     # correct yes
    yes_on_other: int = 0      # yes on a look-alike or background
    no_on_camera: int = 0      # a camera rejected
    seconds: float = 0.0
    intersections: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def hours_per_1000(self) -> float:
        return self.seconds / max(self.intersections, 1) * 1000 / 3600

    def to_json(self) -> dict:
        d = asdict(self)
        d["hours_per_1000_intersections"] = round(self.hours_per_1000, 2)
        d["decoders_hours_per_1000_intersections"] = DECODERS_HOURS_PER_1000
        d["seconds"] = round(self.seconds, 1)
        return d


class CityOracle:
    """The synthetic city's truth cameras as boxes on any view of the store."""

    def __init__(self, city: Path):
        found = find_city_truth(city)
        if found is None:
            raise FileNotFoundError(f"{city}: not a synthetic city (no truth/cameras.csv)")
        truths, self.pano_heading = load_panorama_truth(*found)
        self.truth = {t.image: t for t in truths}
        self._seen: dict[tuple[View, float], list[TruthBox]] = {}  # a view is asked about once per answer

    def cameras_in(self, v: ViewRow, min_visible: float = 0.5) -> list[TruthBox]:
        t = self.truth.get(v.pano_id)
        if t is None or v.view_heading is None:
            return []
        view = View(v.pano_id, float(v.view_heading), float(v.view_pitch or 0.0), float(v.view_fov or 90.0),
                    int(v.width), int(v.height))
        if (view, min_visible) not in self._seen:
            self._seen[(view, min_visible)] = self._project(t, view, min_visible)
        return self._seen[(view, min_visible)]

    def _project(self, t, view: View, min_visible: float) -> list[TruthBox]:
        out = []
        for box, typ, mount, cid in zip(t.boxes, t.types, t.mounts, t.camera_ids):
            vb = enclosing_view_box(view, box, t.width, t.height, self.pano_heading.get(view.pano_id, 0.0))
            if vb is None:
                continue
            clipped, kept = clip_box(vb, view.width, view.height)
            if kept >= min_visible:
                out.append(TruthBox(clipped, typ, mount, cid))
        return out


def _is_camera(box: list[float], cams: list[TruthBox]) -> TruthBox | None:
    if not cams:
        return None
    ious = box_iou(np.array([box], np.float64), np.array([c.box for c in cams], np.float64))[0]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    best = int(np.argmax(ious))
    if ious[best] >= IS_CAMERA_IOU:
        return cams[best]
    inside = [c for c in cams if c.box[0] <= cx <= c.box[2] and c.box[1] <= cy <= c.box[3]]
    return inside[0] if inside else None


def _jittered(rng: np.random.Generator, b: tuple[float, float, float, float], w: int, h: int) -> list[float]:
    """A volunteer's redrawn box: the camera's box with a pixel or two of click error."""
    j = rng.normal(0.0, 1.0, 4)
    x1, y1, x2, y2 = b[0] + j[0], b[1] + j[1], b[2] + j[2], b[3] + j[3]
    x1, x2 = sorted((min(max(x1, 0.0), w - 1.0), min(max(x2, 1.0), float(w))))
    y1, y2 = sorted((min(max(y1, 0.0), h - 1.0), min(max(y2, 1.0), float(h))))
    return [x1, y1, max(x2, x1 + 1.0), max(y2, y1 + 1.0)]


def _angular_width(box: tuple[float, float, float, float], v: ViewRow) -> float:
    return (box[2] - box[0]) * float(v.view_fov or 90.0) / max(int(v.width), 1)


class SimulatedCrowd:
    """Decides each simulated volunteer's answer to one task (the body of ``POST .../answer``)."""

    def __init__(self, store: Store, oracle: CityOracle, effort: EffortModel, views_per_pano: int, seed: int):
        self.store, self.oracle, self.effort = store, oracle, effort
        self.rng = np.random.default_rng(seed)
        self.spot_s = effort.full_search_s / max(views_per_pano, 1)
        self._views: dict[str, ViewRow] = {}
        self._covered: dict[int, np.ndarray] = {}

    def view(self, image_path: str) -> ViewRow:
        if image_path not in self._views:
            with self.store.read() as s:
                v = s.scalar(select(ViewRow).where(ViewRow.image_path == image_path))
                if v is None:
                    raise KeyError(f"task on an unknown view {image_path!r}")
                s.expunge(v)
            self._views[image_path] = v
        return self._views[image_path]

    def suggested_boxes(self, v: ViewRow) -> np.ndarray:
        """Every suggestion box on the view (what the model already flagged there)."""
        if v.id not in self._covered:
            with self.store.read() as s:
                rows = s.execute(select(SuggestionRow.x1, SuggestionRow.y1, SuggestionRow.x2, SuggestionRow.y2)
                                 .where(SuggestionRow.view_id == v.id)).all()
            self._covered[v.id] = np.array(rows, np.float64).reshape(-1, 4)
        return self._covered[v.id]

    def answer(self, vol: Volunteer, task: dict) -> dict:
        rng = self.rng
        v = self.view(task["image_path"])
        cams = self.oracle.cameras_in(v)
        if task["kind"] != "suggestion":  # spot check: search the whole view
            added = [self._added(vol, c, v) for c in cams if rng.random() < vol.recall]
            for _ in range(int(rng.poisson(vol.spam_tags / 10))):
                x, y = rng.uniform(0, v.width - 12), rng.uniform(0, v.height - 12)
                added.append({"x1": x, "y1": y, "x2": x + 12, "y2": y + 12, "type": "unknown", "mount": "other"})
            return {"answer": "done", "added": added, "seconds": self.spot_s}
        body: dict = {"seconds": self.effort.verify_s}
        cam = _is_camera(task["box"], cams)
        body["answer"] = verify_answer(rng, vol, cam is not None)
        if body["answer"] == "yes":
            if cam is not None:
                body["type"] = _typ(report_type(rng, vol, cam.type, _angular_width(cam.box, v)), cam.type)
                body["mount"] = report_mount(rng, vol, cam.mount)
                iou = box_iou(np.array([task["box"]]), np.array([cam.box]))[0, 0]
                if vol.kind in ("good", "average") and iou < 0.7 and rng.random() < 0.6:
                    body["box"] = _jittered(rng, cam.box, v.width, v.height)
            else:
                body["type"], body["mount"] = task.get("model_type") or "dome", task.get("model_mount") or "other"
        covered = self.suggested_boxes(v)
        missed = [c for c in cams if not len(covered)
                  or box_iou(np.array([c.box]), covered).max() < 0.1]
        added = [self._added(vol, c, v) for c in missed if vol.kind != "spam" and rng.random() < 0.3 * vol.recall]
        if added:
            body["added"] = added
        return body

    def _added(self, vol: Volunteer, cam: TruthBox, v: ViewRow) -> dict:
        x1, y1, x2, y2 = _jittered(self.rng, cam.box, v.width, v.height)
        typ = _typ(report_type(self.rng, vol, cam.type, _angular_width(cam.box, v)), cam.type)
        return {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "type": typ, "mount": report_mount(self.rng, vol, cam.mount)}


def _typ(reported: str, true_type: str) -> str:
    """The crowd model's "unknown" type for small cameras; the app's form always asks for a type, so
    an unsure volunteer keeps the first choice (dome) unless the camera's own kind was reported."""
    return reported if reported in ("dome", "bullet", "alpr") else ("dome" if true_type != "alpr" else "alpr")


def simulate_review(store: Store, city: Path, *, volunteers: int = 12, seed: int = 0,
                    effort: EffortModel | None = None, cfg: ReviewConfig | None = None,
                    max_answers: int = 0) -> SimulationReport:
    """Answer ``store``'s queue through the app's HTTP API until it is empty (or ``max_answers``)."""
    import warnings

    with warnings.catch_warnings():  # starlette's note about its httpx backend is not the user's business
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from .app import create_app

    effort = effort or EffortModel()
    cfg = cfg or ReviewConfig()
    with store.read() as s:
        n_inter = s.scalar(select(func.count(func.distinct(ViewRow.intersection)))) or 0
        per_pano = s.execute(select(ViewRow.pano_id, func.count()).group_by(ViewRow.pano_id)).all()
    views_per_pano = int(round(np.median([n for _, n in per_pano]))) if per_pano else 1
    rng = np.random.default_rng(seed)
    pool = make_pool(rng, volunteers)
    prefix = f"crowd{seed}-"
    accounts = crowd_accounts(store, volunteers, prefix=prefix)
    crowd = SimulatedCrowd(store, CityOracle(city), effort, views_per_pano, seed + 1)
    errors: list[str] = []
    app = create_app(store, cfg, random.Random(seed))
    clients = [TestClient(app, cookies={"camdetect_session": tok}, headers={"x-csrf-token": csrf})
               for _, tok, csrf in accounts]
    weights = np.array([v.weight for v in pool])
    active = list(range(volunteers))
    given = 0
    while active and (not max_answers or given < max_answers):
        i = active[int(rng.choice(len(active), p=weights[active] / weights[active].sum()))]
        r = clients[i].get("/api/tasks/next")
        task = r.json().get("task") if r.status_code == 200 else None
        if r.status_code != 200:
            errors.append(f"next {r.status_code}: {r.text[:120]}")
        if task is None:
            active.remove(i)
            continue
        body = crowd.answer(pool[i], task)
        r = clients[i].post(f"/api/tasks/{task['id']}/answer", json=body)
        if r.status_code != 200:
            errors.append(f"answer {r.status_code}: {r.text[:120]}")
            active.remove(i)
            continue
        given += 1
    if errors and not given:
        raise RuntimeError(f"no answer was accepted: {errors[0]}")
    rep = round_report(store, crowd.oracle, prefix, int(n_inter))
    rep.errors = errors
    return rep


def round_report(store: Store, oracle: CityOracle, prefix: str, intersections: int) -> SimulationReport:
    """The round's numbers from what the store holds (so a resumed round counts every answer once):
    answers by kind, volunteer seconds, and each answer judged against the city's truth."""
    from camdetect.store.models import AddedBox, Answer, User

    with store.read() as s:
        users = list(s.scalars(select(User.id).where(User.username.like(f"{prefix}%"))))
        rows = s.execute(select(Answer, SuggestionRow, ViewRow)
                         .join(ViewRow, ViewRow.id == Answer.view_id)
                         .join(SuggestionRow, SuggestionRow.id == Answer.suggestion_id, isouter=True)
                         .where(Answer.user_id.in_(users))).all()
        added = s.scalar(select(func.count()).select_from(AddedBox).where(AddedBox.user_id.in_(users))) or 0
    rep = SimulationReport(volunteers=len(users), intersections=intersections, cameras_added=int(added))
    by: Counter = Counter()
    for a, sug, v in rows:
        by[a.answer] += 1
        rep.seconds += float(a.seconds or 0.0)
        if sug is None:
            rep.spot_answers += 1
            continue
        rep.suggestion_answers += 1
        cam = _is_camera([sug.x1, sug.y1, sug.x2, sug.y2], oracle.cameras_in(v))
        rep.on_camera += cam is not None
        if a.answer == "yes":
            rep.yes_on_camera += cam is not None
            rep.yes_on_other += cam is None
            rep.boxes_adjusted += a.x1 is not None
        elif a.answer == "no" and cam is not None:
            rep.no_on_camera += 1
    rep.answers = sum(by.values())
    rep.by_answer = dict(sorted(by.items()))
    return rep


def crowd_accounts(store: Store, n: int, prefix: str) -> list[tuple[int, str, str]]:
    """[(user id, session token, csrf)] for volunteers ``PREFIX000``...: made on the first run, signed in
    again on a re-run, so a round that was stopped goes on with the same volunteers (and their claims)."""
    from camdetect.store.models import User

    from .auth import create_session, session_user
    from .loadtest import make_volunteers

    with store.read() as s:
        have = dict(s.execute(select(User.username, User.id).where(User.username.like(f"{prefix}%"))).all())
    if not have:
        return make_volunteers(store, n, prefix=prefix)
    names = [f"{prefix}{i:03d}" for i in range(n)]
    if any(name not in have for name in names):
        raise ValueError(f"review store: {len(have)} simulated volunteers named {prefix}*, expected {n}")
    out = []
    for name in names:
        token = create_session(store, have[name], 3600)
        out.append((have[name], token, session_user(store, token).csrf))
    return out
