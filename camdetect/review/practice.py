"""Onboarding practice: tasks with known answers and immediate feedback (issue 13, item 2).

Practice items are small view images with one box and a known answer (camera or not, its type and
mount), kept in their own table (``practice_items``); volunteers' practice answers go to
``practice_answers``. Neither table is read by the scheduler, the consensus or the exports, so practice
never counts as a real answer.

Where items come from:

- the built-in set (``practice_builtin.json``, made by ``scripts/make_review_images.py`` from camdetect's
  synthetic city): inserted at app start-up into a store that has no practice item, so a fresh store
  works;
- ``camdetect review practice import-city CITY``: views cut around the true cameras and look-alikes of a
  synthetic city (``camdetect synth``);
- ``camdetect review practice import-verified``: crops of the store's own settled suggestions where
  every volunteer agreed;
- ``camdetect review practice add IMAGE --box ...``: one image of the coordinator's.

A practice *round* is ``ROUND_SIZE`` items (cameras and look-alikes alternating), picked per volunteer
and round by a hash, so a redo shows another mix. The round a volunteer is in is the last one while it
is unfinished, else a new one: visiting the practice page after finishing starts the next round.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Integer, cast, delete, func, select
from sqlalchemy.exc import IntegrityError

from camdetect.store import Store
from camdetect.store.models import Answer, PracticeAnswer, PracticeItem, SuggestionRow, User

from .i18n import N_
from .scheduler import TaskError

BUILTIN = Path(__file__).with_name("practice_builtin.json")
ROUND_SIZE = 8
VIEW_W, VIEW_H = 400, 300
# kinds that make bad practice: an Argus box has the camera right under it, a traffic video sensor is
# a camera (for traffic) that the city leaves unlabelled
SKIP_KINDS = ("argus_box", "traffic_sensor", "solar_panel")

# why the answer is what it is, per fine kind (shown after each practice answer; the field guide has
# pictures of each)
EXPLANATIONS = {
    "dome": N_("A dome camera: a half ball with a dark, smoked bubble under a flat base plate."),
    "ptz": N_("A PTZ camera: a big ball hanging from an arm or a pendant. It counts as a dome."),
    "bullet": N_("A bullet camera: a box or tube pointing one way, with a sun hood over the lens."),
    "alpr": N_("A licence-plate reader: a black box on a pole aimed at the traffic lane, often under a small "
               "solar panel."),
    "lamp_cobra": N_("This is a street lamp (cobra head), not a camera: a flat head at the end of the arm, "
                     "glowing underneath."),
    "lamp_globe": N_("This is a globe street lamp, not a dome camera: a milky ball on top of a post, with no dark "
                     "bubble and no lens."),
    "signal_head": N_("This is a traffic signal head, not a camera: a tall box of three lights with a back plate."),
    "ped_signal": N_("This is a pedestrian signal, not a camera: a box showing a walking figure or a hand."),
    "preemption_sensor": N_("This is an emergency-vehicle detector, not a camera: a small cylinder on the signal "
                            "arm."),
    "sign_edge": N_("This is a round sign seen edge-on, not a camera: a thin plate on its own post."),
    "pir_sensor": N_("This is a motion sensor, not a camera: a small box with a frosted window and no lens."),
    "wall_light": N_("This is a wall light, not a camera: a lamp flat on the wall, open towards the ground."),
    "smoke_detector": N_("This is a smoke or motion detector under a canopy, not a camera: a flat white disc with "
                         "no dark bubble."),
    "dish": N_("This is a satellite dish, not a camera: a round pale bowl with an arm in front of it."),
}
GENERIC = {"yes": N_("Volunteers checked this one: it is a camera."),
           "no": N_("Volunteers checked this one: there is no camera in the box.")}


def explanation(kind: str, answer: str) -> str:
    """The (untranslated) reason shown after a practice answer."""
    return EXPLANATIONS.get(kind) or GENERIC.get(answer, "")


# -- items ----------------------------------------------------------------------------------------
def load_builtin(path: Path = BUILTIN) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["items"]


def add_item(store: Store, *, key: str, source: str, kind: str, answer: str, box, width: int, height: int,
             image: bytes, type: str | None = None, mount: str | None = None, note: str = "") -> bool:
    """Insert one practice item; False when an item with this key is already there."""
    if answer not in ("yes", "no"):
        raise ValueError(f"answer must be yes or no, not {answer!r}")
    x1, y1, x2, y2 = (float(v) for v in box)
    if not (0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height):
        raise ValueError(f"box {box} is not inside the {width}x{height} image")
    if not image[:3] == b"\xff\xd8\xff":
        raise ValueError("image must be a JPEG")
    try:
        with store.write() as s:
            if s.scalar(select(PracticeItem.id).where(PracticeItem.key == key)) is not None:
                return False
            s.add(PracticeItem(key=key, source=source, kind=kind, answer=answer,
                               type=type if answer == "yes" else None, mount=mount if answer == "yes" else None,
                               x1=x1, y1=y1, x2=x2, y2=y2, width=int(width), height=int(height), image=image,
                               note=note[:500], created_at=time.time()))
    except IntegrityError:  # another process inserted the same key first
        return False
    return True


def seed_builtin(store: Store, force: bool = False) -> int:
    """Insert the built-in set into a store without practice items (``force``: whatever is missing of it).
    Returns how many items were inserted."""
    if not force:
        with store.read() as s:
            if s.scalar(select(func.count()).select_from(PracticeItem)):
                return 0
    n = 0
    for it in load_builtin():
        n += add_item(store, key=it["key"], source="builtin", kind=it["kind"], answer=it["answer"], box=it["box"],
                      width=it["width"], height=it["height"], image=base64.b64decode(it["image_jpeg_b64"]),
                      type=it.get("type"), mount=it.get("mount"))
    return n


def list_items(store: Store) -> list[dict]:
    with store.read() as s:
        rows = s.execute(select(PracticeItem.id, PracticeItem.key, PracticeItem.source, PracticeItem.kind,
                                PracticeItem.answer, PracticeItem.type, PracticeItem.mount, PracticeItem.note)
                         .order_by(PracticeItem.id)).all()
    return [dict(r._mapping) for r in rows]


def remove_items(store: Store, ids: list[int] = (), source: str | None = None) -> int:
    """Delete items by id and/or every item of a source; their practice answers go with them."""
    with store.write() as s:
        q = select(PracticeItem.id).where(PracticeItem.id.in_(list(ids)) | (PracticeItem.source == source))
        gone = list(s.scalars(q))
        if gone:
            s.execute(delete(PracticeAnswer).where(PracticeAnswer.item_id.in_(gone)))
            s.execute(delete(PracticeItem).where(PracticeItem.id.in_(gone)))
    return len(gone)


def _jpeg(rgb: np.ndarray, quality: int = 82) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("cannot encode JPEG")
    return buf.tobytes()


def cut_item(pano_rgb: np.ndarray, pano_box, rng: np.random.Generator, pano_heading: float = 0.0,
             width: int = VIEW_W, height: int = VIEW_H) -> tuple[bytes, list[float]] | None:
    """A view around a panorama box: the object 16-28 px wide, a little off centre. (JPEG, box on the
    view), or None when it does not fit in the view or is too small to judge."""
    from camdetect.geometry import cut_view, pano_box_to_sphere, pano_box_to_view_box
    from camdetect.records import View

    H, W = pano_rgb.shape[:2]
    heading, pitch, ang_w, _ = pano_box_to_sphere(pano_box, W, H, pano_heading)
    if not -20 < pitch < 60:
        return None
    fov = float(np.clip(ang_w * width / rng.uniform(16, 28), 25, 90))
    view = View("practice", (heading + rng.uniform(-0.15, 0.15) * fov) % 360,
                float(np.clip(pitch + rng.uniform(-0.1, 0.1) * fov, -20, 60)), fov, width, height)
    box = pano_box_to_view_box(view, pano_box, W, H, pano_heading)
    if box is None:
        return None
    x1, y1, x2, y2 = (float(v) for v in box)
    if x1 < 4 or y1 < 4 or x2 > width - 4 or y2 > height - 4 or min(x2 - x1, y2 - y1) < 4:
        return None
    img = cut_view(pano_rgb, view, pano_heading)
    return _jpeg(img), [round(v, 1) for v in (x1, y1, x2, y2)]


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def import_city(store: Store, city: Path, limit: int = 20, seed: int = 0, per_pano: int = 2) -> int:
    """Practice items from a synthetic city's truth (``camdetect synth --out CITY``): up to ``per_pano``
    cameras and as many look-alikes per panorama, ``limit`` panoramas (0: all). Returns items added."""
    import cv2

    manifest = [r for r in _rows(city / "manifest.csv") if r.get("kind", "panorama") == "panorama"]
    if not manifest:
        raise FileNotFoundError(f"{city / 'manifest.csv'}: not found or empty (make one with camdetect synth)")
    objs: dict[str, list[tuple[dict, bool]]] = {}
    for r in _rows(city / "truth" / "cameras.csv"):
        objs.setdefault(r["image"], []).append((r, True))
    for r in _rows(city / "truth" / "lookalikes.csv"):
        if r["type"] not in SKIP_KINDS:
            objs.setdefault(r["image"], []).append((r, False))
    rng = np.random.default_rng(seed)
    n = 0
    for row in manifest[:limit or None]:
        pano_id = row["pano_id"]
        if pano_id not in objs:
            continue
        bgr = cv2.imread(str(city / row["image_path"]), cv2.IMREAD_COLOR)
        if bgr is None:
            raise ValueError(f"{city / row['image_path']}: cannot read panorama")
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        took = Counter()
        for obj, camera in objs[pano_id]:
            if took[camera] >= per_pano:
                continue
            got = cut_item(rgb, [float(obj[k]) for k in ("x1", "y1", "x2", "y2")], rng,
                           float(row.get("pano_heading") or 0.0))
            if got is None:
                continue
            jpeg, box = got
            typ = obj["type"] if camera else None
            n += add_item(store, key=f"city:{city.name}:{obj['camera_id']}", source="city",
                          kind=typ if camera else obj["type"], answer="yes" if camera else "no", box=box,
                          width=VIEW_W, height=VIEW_H, image=jpeg, type=typ, mount=obj.get("mount") if camera else None)
            took[camera] += 1
    return n


def import_verified(store: Store, media: Path, limit: int = 50, min_answers: int = 2) -> int:
    """Practice items from the store's own settled suggestions where all (>= ``min_answers``) yes/no
    answers agreed: a crop of the view around the box. Returns items added."""
    import cv2

    with store.read() as s:
        rows = list(s.scalars(select(SuggestionRow).where(SuggestionRow.status == "retired",
                                                          SuggestionRow.outcome.in_(["yes", "no"]))
                              .order_by(SuggestionRow.id)))
        done = set(s.scalars(select(PracticeItem.key).where(PracticeItem.source == "verified")))
        answers: dict[int, list[tuple[str, str | None, str | None]]] = {}
        for sid, a, t, m in s.execute(select(Answer.suggestion_id, Answer.answer, Answer.type, Answer.mount)
                                      .where(Answer.suggestion_id.in_([r.id for r in rows]))):
            answers.setdefault(sid, []).append((a, t, m))
    n = 0
    for sg in rows:
        if n >= limit:
            break
        votes = [a for a in answers.get(sg.id, []) if a[0] in ("yes", "no")]
        if len(votes) < min_answers or any(v[0] != sg.outcome for v in votes) or f"verified:{sg.key}" in done:
            continue
        bgr = cv2.imread(str(media / sg.image_path), cv2.IMREAD_COLOR)
        if bgr is None:
            continue
        H, W = bgr.shape[:2]
        bw, bh = sg.x2 - sg.x1, sg.y2 - sg.y1
        cw, ch = int(min(W, max(VIEW_W, 10 * bw))), int(min(H, max(VIEW_H, 10 * bh)))
        cx, cy = (sg.x1 + sg.x2) / 2, (sg.y1 + sg.y2) / 2
        x0 = int(np.clip(cx - cw / 2, 0, W - cw))
        y0 = int(np.clip(cy - ch / 2, 0, H - ch))
        crop = cv2.cvtColor(bgr[y0:y0 + ch, x0:x0 + cw], cv2.COLOR_BGR2RGB)
        box = [round(max(0.0, v - o), 1) for v, o in ((sg.x1, x0), (sg.y1, y0), (sg.x2, x0), (sg.y2, y0))]
        box = [min(box[0], cw - 1), min(box[1], ch - 1), min(box[2], cw), min(box[3], ch)]
        typ = mount = None
        if sg.outcome == "yes":
            typ = Counter(v[1] for v in votes).most_common(1)[0][0]
            mount = Counter(v[2] for v in votes).most_common(1)[0][0]
        n += add_item(store, key=f"verified:{sg.key}", source="verified",
                      kind=typ if typ in EXPLANATIONS else "verified", answer=sg.outcome, box=box, width=cw,
                      height=ch, image=_jpeg(crop), type=None if typ == "unknown" else typ, mount=mount)
    return n


# -- rounds and answers ----------------------------------------------------------------------------
def _rank(user_id: int, round_: int, key: str) -> str:
    return hashlib.sha256(f"{user_id}:{round_}:{key}".encode()).hexdigest()


def selection(items: list[tuple[int, str, str]], user_id: int, round_: int, size: int = ROUND_SIZE) -> list[int]:
    """The item ids of one volunteer's round: (id, key, answer) items in a per-(user, round) hash order,
    cameras and look-alikes alternating while both last."""
    order = sorted(items, key=lambda it: _rank(user_id, round_, it[1]))
    yes = [it[0] for it in order if it[2] == "yes"]
    no = [it[0] for it in order if it[2] != "yes"]
    out: list[int] = []
    first, second = (yes, no) if round_ % 2 else (no, yes)
    while len(out) < size and (first or second):
        for pool in (first, second):
            if pool and len(out) < size:
                out.append(pool.pop(0))
    return out


@dataclass
class RoundState:
    round: int
    items: list[int]  # this round's item ids, in order
    answered: dict[int, bool]  # item id -> correct

    @property
    def finished(self) -> bool:
        return len(self.answered) >= len(self.items)


def grade(item: PracticeItem, answer: str, type_: str | None, mount: str | None) -> dict:
    """Right or wrong, field by field: the answer must match; for a camera the type and mount too
    (unless the item does not say: no type / ``unknown``, no mount)."""
    answer_ok = answer == item.answer
    type_ok = mount_ok = None
    if item.answer == "yes" and answer == "yes":
        type_ok = True if item.type in (None, "", "unknown") else type_ == item.type
        mount_ok = True if not item.mount else mount == item.mount
    return {"answer_ok": answer_ok, "type_ok": type_ok, "mount_ok": mount_ok,
            "correct": answer_ok and type_ok is not False and mount_ok is not False}


class Practice:
    def __init__(self, store: Store):
        self.store = store

    def _state(self, s, user_id: int) -> RoundState:
        items = s.execute(select(PracticeItem.id, PracticeItem.key, PracticeItem.answer)).all()
        size = min(ROUND_SIZE, len(items))
        last = s.scalar(select(func.max(PracticeAnswer.round)).where(PracticeAnswer.user_id == user_id)) or 0
        answered = dict(s.execute(select(PracticeAnswer.item_id, PracticeAnswer.correct).where(
            PracticeAnswer.user_id == user_id, PracticeAnswer.round == last)).all()) if last else {}
        if last == 0 or len(answered) >= size:  # nothing yet, or the last round is finished: a new one
            last, answered = last + 1, {}
        return RoundState(last, selection([tuple(r) for r in items], user_id, last, size), answered)

    def next(self, user_id: int) -> dict | None:
        """The next item of the volunteer's round, as a task for the task page (None: no items)."""
        with self.store.read() as s:
            st = self._state(s, user_id)
            todo = [i for i in st.items if i not in st.answered]
            if not todo:
                return None
            item = s.get(PracticeItem, todo[0])
            return {"id": item.id, "kind": "suggestion", "practice": True, "round": st.round,
                    "number": len(st.answered) + 1, "total": len(st.items), "right": sum(st.answered.values()),
                    "image_path": "", "image_url": f"/practice/image/{item.id}", "width": item.width,
                    "height": item.height, "intersection": "", "box": [item.x1, item.y1, item.x2, item.y2],
                    "model_type": None, "model_mount": None, "score": None, "expires_at": 0.0}

    def answer(self, user_id: int, item_id: int, round_: int, answer: str, type_: str | None,
               mount: str | None, now: float | None = None) -> dict:
        """Store a practice answer (once per user, round and item) and return the feedback."""
        now = time.time() if now is None else now
        if answer not in ("yes", "no", "unsure"):
            raise TaskError("answer must be one of yes, no, unsure", 422)
        with self.store.write() as s:
            item = s.get(PracticeItem, item_id)
            if item is None:
                raise TaskError(N_("no such task"))
            old = s.scalar(select(PracticeAnswer).where(PracticeAnswer.user_id == user_id,
                                                        PracticeAnswer.round == round_,
                                                        PracticeAnswer.item_id == item_id))
            if old is None:
                st = self._state(s, user_id)
                if round_ != st.round or item_id not in st.items:
                    raise TaskError(N_("This practice task is not in your current round; reload the page."), 409)
                g = grade(item, answer, type_, mount)
                s.add(PracticeAnswer(user_id=user_id, item_id=item_id, round=round_, answer=answer,
                                     type=type_ if answer == "yes" else None,
                                     mount=mount if answer == "yes" else None, correct=g["correct"],
                                     created_at=now))
                s.flush()
            else:  # a repeated submit: the stored answer's feedback
                g = grade(item, old.answer, old.type, old.mount)
            rows = s.execute(select(PracticeAnswer.correct).where(PracticeAnswer.user_id == user_id,
                                                                  PracticeAnswer.round == round_)).all()
            total = min(ROUND_SIZE, s.scalar(select(func.count()).select_from(PracticeItem)) or 0)
            return {**g, "expected": {"answer": item.answer, "type": item.type, "mount": item.mount,
                                      "box": [item.x1, item.y1, item.x2, item.y2], "kind": item.kind},
                    "explanation": explanation(item.kind, item.answer), "note": item.note, "round": round_,
                    "done": len(rows), "total": total, "right": sum(bool(r[0]) for r in rows),
                    "round_done": len(rows) >= total}

    def image(self, item_id: int) -> bytes | None:
        with self.store.read() as s:
            return s.scalar(select(PracticeItem.image).where(PracticeItem.id == item_id))


# -- personal progress ------------------------------------------------------------------------------
def utc_midnight(now: float) -> float:
    d = datetime.fromtimestamp(now, UTC)
    return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()


def progress(store: Store, user_id: int, since: float | None = None, now: float | None = None) -> dict:
    """A volunteer's own numbers: real answers today (since ``since``, default UTC midnight) and in all,
    agreement with the settled outcome (share of their yes/no answers on retired suggestions whose
    outcome is yes or no that match it; "not sure" answers and tied outcomes do not count), and practice
    rounds (the last finished round's score, the best one, all practice answers)."""
    now = time.time() if now is None else now
    since = utc_midnight(now) if since is None else since
    with store.read() as s:
        total = s.scalar(select(func.count()).select_from(Answer).where(Answer.user_id == user_id)) or 0
        today = s.scalar(select(func.count()).select_from(Answer).where(
            Answer.user_id == user_id, Answer.created_at >= since)) or 0
        settled = s.execute(select(Answer.answer, SuggestionRow.outcome).join(
            SuggestionRow, SuggestionRow.id == Answer.suggestion_id).where(
            Answer.user_id == user_id, Answer.kind == "suggestion", Answer.answer.in_(["yes", "no"]),
            SuggestionRow.status == "retired", SuggestionRow.outcome.in_(["yes", "no"]))).all()
        rounds = s.execute(select(PracticeAnswer.round, func.count(), func.sum(
            cast(PracticeAnswer.correct, Integer))).where(
            PracticeAnswer.user_id == user_id).group_by(PracticeAnswer.round).order_by(PracticeAnswer.round)).all()
        n_items = s.scalar(select(func.count()).select_from(PracticeItem)) or 0
        exists = s.scalar(select(User.id).where(User.id == user_id))
    if exists is None:
        raise ValueError("no such user")
    size = min(ROUND_SIZE, n_items)
    finished = [(r, int(n), int(ok or 0)) for r, n, ok in rounds if size and n >= size]
    match = sum(a == o for a, o in settled)
    return {
        "answers_today": today, "answers_total": total, "since": since,
        "settled": len(settled), "agree": match, "agreement": round(match / len(settled), 4) if settled else None,
        "practice": {
            "rounds_finished": len(finished), "round_size": size,
            "last": {"round": finished[-1][0], "right": finished[-1][2], "of": finished[-1][1]} if finished else None,
            "best": max(({"right": ok, "of": n} for _, n, ok in finished), key=lambda b: b["right"] / b["of"],
                        default=None),
            "answers": sum(int(n) for _, n, _ in rounds), "right": sum(int(ok or 0) for *_, ok in rounds),
            "in_progress": ({"round": rounds[-1][0], "done": int(rounds[-1][1])}
                            if rounds and size and rounds[-1][1] < size else None),
        },
    }
