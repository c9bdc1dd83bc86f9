"""Who reviews what next: claiming tasks safely under concurrency, answers, early retirement.

Invariants (tested with 50 concurrent volunteers, tests/review/test_concurrency.py):

- a suggestion is given to at most ``k`` volunteers: ``suggestions.slots`` counts live claims plus
  answers and is only ever raised by a conditional ``UPDATE ... WHERE slots < k``;
- never twice to the same volunteer: ``assignments`` is unique on (user, kind, target);
- an answer is stored once per assignment (unique ``answers.assignment_id``); a repeated submit
  returns the stored answer instead of adding one.

Claiming: on PostgreSQL the candidate row is locked with ``SELECT ... FOR UPDATE SKIP LOCKED`` so
concurrent volunteers take different rows without waiting; on SQLite every write transaction is
``BEGIN IMMEDIATE`` (one writer at a time), which makes the select-then-update atomic. Claims
expire after ``claim_ttl`` seconds and their slot goes back to the pool.

Priority: ``w_uncertainty * uncertainty + w_finish * progress of the suggestion's intersection``,
so the model's coin-flips come first and nearly finished intersections get finished.
Spot checks: views whose ``spot_rank < spot_share`` are also offered, with no suggestion shown, to
``spot_k`` volunteers who mark every camera; that measures what the model misses.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

from sqlalchemy import and_, delete, exists, func, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from camdetect.retry import with_retries
from camdetect.store import Store, retryable
from camdetect.store.models import AddedBox, Answer, Assignment, Intersection, SuggestionRow, ViewRow

from .config import ReviewConfig
from .i18n import N_

ANSWERS = ("yes", "no", "unsure")
UNDO_SECONDS = 900.0  # an answer can be undone this long after it was given (if not yet decided)
REPRIORITIZE_LOCK = 0x63616D70  # "camp": PostgreSQL advisory lock, one start-up reprioritize at a time



def _retry_lost_race(fn):
    """``fn()`` up to five times when it loses a race (unique violation; PostgreSQL deadlock or
    serialization failure): the next try sees the winner's row. No wait: the race is already over."""
    return with_retries(fn, retries=4, wait=lambda _attempt: 0.0,
                        retry_on=lambda exc: isinstance(exc, IntegrityError)
                        or (isinstance(exc, OperationalError) and retryable(exc)))


class TaskError(ValueError):
    """A task that does not exist for this user (404) or can no longer be answered (409)."""

    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.status = status


@dataclass
class Box:
    x1: float
    y1: float
    x2: float
    y2: float
    type: str = "unknown"
    mount: str = "other"


@dataclass
class Submission:
    """A validated answer (the web layer checks types, ranges and sizes)."""

    answer: str  # yes | no | unsure ; spot tasks: "done"
    type: str | None = None
    mount: str | None = None
    box: tuple[float, float, float, float] | None = None  # adjusted suggestion box
    added: list[Box] = field(default_factory=list)  # cameras the model missed
    comment: str = ""
    seconds: float | None = None


@dataclass
class Task:
    """What the browser needs to show one task."""

    id: int
    kind: str  # suggestion | spot
    image_path: str
    width: int
    height: int
    intersection: str
    box: list[float] | None = None
    model_type: str | None = None
    model_mount: str | None = None
    score: float | None = None
    expires_at: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)


class Scheduler:
    def __init__(self, store: Store, cfg: ReviewConfig, rng: random.Random | None = None):
        self.store = store
        self.cfg = cfg
        self.rng = rng or random.Random()
        self._last_expiry = 0.0
        self.pg = store.dialect == "postgresql"

    # -- claiming -------------------------------------------------------------------------------
    def next_task(self, user_id: int, now: float | None = None) -> Task | None:
        """The volunteer's live task if any, else a newly claimed one, else None (queue empty)."""
        now = time.time() if now is None else now
        if now - self._last_expiry > 5.0:
            self.expire_claims(now)
        def claim() -> Task | None:
            with self.store.write() as s:
                live = s.scalar(select(Assignment).where(
                    Assignment.user_id == user_id, Assignment.status == "claimed",
                    Assignment.expires_at > now).order_by(Assignment.id).limit(1))
                if live is not None:
                    return self._task(s, live)
                order = ("spot", "suggestion") if self.rng.random() < self.cfg.spot_rate else ("suggestion", "spot")
                for kind in order:
                    a = self._claim_spot(s, user_id, now) if kind == "spot" else self._claim_suggestion(s, user_id, now)
                    if a is not None:
                        return self._task(s, a)
                a = self._reclaim_skipped(s, user_id, now)
                return self._task(s, a) if a is not None else None

        try:
            return _retry_lost_race(claim)
        except (IntegrityError, OperationalError) as exc:  # five lost races in a row: no task this time
            if isinstance(exc, OperationalError) and not retryable(exc):
                raise
            return None

    def _claim_suggestion(self, s: Session, user_id: int, now: float) -> Assignment | None:
        mine = exists().where(Assignment.user_id == user_id, Assignment.kind == "suggestion",
                              Assignment.target_id == SuggestionRow.id)
        q = (select(SuggestionRow.id, SuggestionRow.view_id)
             .where(SuggestionRow.status == "open", SuggestionRow.slots < self.cfg.k, ~mine)
             .order_by(SuggestionRow.priority.desc(), SuggestionRow.id.desc()).limit(1))  # ix_suggestions_queue, backwards
        if self.pg:
            q = q.with_for_update(skip_locked=True, of=SuggestionRow)
        row = s.execute(q).first()
        if row is None:
            return None
        got = s.execute(update(SuggestionRow).where(SuggestionRow.id == row.id, SuggestionRow.slots < self.cfg.k,
                                                     SuggestionRow.status == "open")
                        .values(slots=SuggestionRow.slots + 1).returning(SuggestionRow.id)).first()
        if got is None:
            return None
        a = Assignment(user_id=user_id, kind="suggestion", target_id=row.id, suggestion_id=row.id,
                       view_id=row.view_id, status="claimed", claimed_at=now, expires_at=now + self.cfg.claim_ttl)
        s.add(a)
        s.flush()
        return a

    def _claim_spot(self, s: Session, user_id: int, now: float) -> Assignment | None:
        if self.cfg.spot_share <= 0:
            return None
        mine = exists().where(Assignment.user_id == user_id, Assignment.kind == "spot",
                              Assignment.target_id == ViewRow.id)
        q = (select(ViewRow.id).where(ViewRow.spot_rank < self.cfg.spot_share,
                                      ViewRow.spot_slots < self.cfg.spot_k, ~mine)
             .order_by(ViewRow.spot_rank).limit(1))
        if self.pg:
            q = q.with_for_update(skip_locked=True, of=ViewRow)
        vid = s.scalar(q)
        if vid is None:
            return None
        got = s.execute(update(ViewRow).where(ViewRow.id == vid, ViewRow.spot_slots < self.cfg.spot_k)
                        .values(spot_slots=ViewRow.spot_slots + 1).returning(ViewRow.id)).first()
        if got is None:
            return None
        a = Assignment(user_id=user_id, kind="spot", target_id=vid, suggestion_id=None, view_id=vid,
                       status="claimed", claimed_at=now, expires_at=now + self.cfg.claim_ttl)
        s.add(a)
        s.flush()
        return a

    def _reclaim_skipped(self, s: Session, user_id: int, now: float) -> Assignment | None:
        """Nothing new left: offer again the oldest task this volunteer skipped, if it is still open."""
        for a in s.scalars(select(Assignment).where(Assignment.user_id == user_id, Assignment.status == "skipped")
                           .order_by(Assignment.id).limit(20)):
            if a.kind == "suggestion":
                got = s.execute(update(SuggestionRow).where(
                    SuggestionRow.id == a.target_id, SuggestionRow.status == "open", SuggestionRow.slots < self.cfg.k)
                    .values(slots=SuggestionRow.slots + 1).returning(SuggestionRow.id)).first()
            else:
                got = s.execute(update(ViewRow).where(ViewRow.id == a.target_id, ViewRow.spot_slots < self.cfg.spot_k)
                                .values(spot_slots=ViewRow.spot_slots + 1).returning(ViewRow.id)).first()
            if got is None:
                continue
            s.execute(update(Assignment).where(Assignment.id == a.id)
                      .values(status="claimed", claimed_at=now, expires_at=now + self.cfg.claim_ttl))
            s.refresh(a)
            return a
        return None

    def skip(self, user_id: int, assignment_id: int, now: float | None = None) -> None:
        """Give a claimed task back to the pool (others may take it; it comes back to this volunteer only
        when nothing new is left)."""
        now = time.time() if now is None else now
        with self.store.write() as s:
            a = self._own_assignment(s, user_id, assignment_id)
            if a.status == "answered":
                raise TaskError(N_("task already answered"), 409)
            if a.status == "skipped":
                return
            row = s.execute(update(Assignment).where(Assignment.id == a.id, Assignment.status == "claimed")
                            .values(status="skipped", expires_at=now).returning(Assignment.kind)).first()
            if row is not None:  # an expired claim already gave its slot back
                self._release(s, a.kind, a.target_id)
            else:
                s.execute(update(Assignment).where(Assignment.id == a.id, Assignment.status == "expired")
                          .values(status="skipped"))

    def undo(self, user_id: int, now: float | None = None) -> int:
        """Take back this volunteer's last answer: it is deleted and its task is claimed again (returns the
        task id). Refused (409) once the suggestion was decided or after ``UNDO_SECONDS``."""
        now = time.time() if now is None else now
        with self.store.write() as s:
            q = select(Answer).where(Answer.user_id == user_id).order_by(Answer.id.desc()).limit(1)
            ans = s.scalar(q.with_for_update() if self.pg else q)  # SQLite: BEGIN IMMEDIATE serialises
            if ans is None:
                raise TaskError(N_("You have no answer to undo."), 409)
            why = self._undo_refusal(s, ans, now, lock=self.pg)
            if why:
                raise TaskError(why, 409)
            a = s.get(Assignment, ans.assignment_id)
            s.execute(delete(AddedBox).where(AddedBox.answer_id == ans.id))
            s.execute(delete(Answer).where(Answer.id == ans.id))
            # the claim keeps the slot the answer held
            s.execute(update(Assignment).where(Assignment.id == a.id)
                      .values(status="claimed", answered_at=None, claimed_at=now, expires_at=now + self.cfg.claim_ttl))
            if a.kind == "suggestion":
                s.execute(update(SuggestionRow).where(SuggestionRow.id == a.target_id)
                          .values(n_answers=SuggestionRow.n_answers - 1))
            else:
                s.execute(update(ViewRow).where(ViewRow.id == a.target_id)
                          .values(spot_answers=ViewRow.spot_answers - 1))
            return a.id

    def _undo_refusal(self, s: Session, ans: Answer, now: float, lock: bool = False) -> str:
        """Why this answer can no longer be undone ("" when it can). ``lock``: hold the suggestion row
        (PostgreSQL), so a concurrent answer cannot retire it on the strength of the answer being undone."""
        if now - ans.created_at > UNDO_SECONDS:
            return N_("This answer is too old to undo.")
        if ans.kind == "suggestion":
            q = select(SuggestionRow.status).where(SuggestionRow.id == ans.suggestion_id)
            status = s.scalar(q.with_for_update() if lock else q)
            if status != "open":
                return N_("This answer can no longer be undone: the suggestion has already been decided.")
        return ""

    def history(self, user_id: int, limit: int = 10, since: float | None = None,
                now: float | None = None) -> dict:
        """The volunteer's last ``limit`` answers (newest first; the newest says whether it can be undone)
        and how many answers they gave since ``since`` (the start of their day)."""
        now = time.time() if now is None else now
        with self.store.read() as s:
            rows = list(s.execute(select(Answer, ViewRow.image_path).join(ViewRow, ViewRow.id == Answer.view_id)
                                  .where(Answer.user_id == user_id).order_by(Answer.id.desc()).limit(limit)).all())
            out = []
            for i, (ans, image_path) in enumerate(rows):
                n_added = s.scalar(select(func.count()).select_from(AddedBox).where(AddedBox.answer_id == ans.id))
                out.append({"id": ans.id, "task_id": ans.assignment_id, "kind": ans.kind, "answer": ans.answer,
                            "type": ans.type, "mount": ans.mount, "added": n_added, "created_at": ans.created_at,
                            "image_path": image_path,
                            "undoable": i == 0 and not self._undo_refusal(s, ans, now)})
            today = s.scalar(select(func.count()).select_from(Answer).where(
                Answer.user_id == user_id, Answer.created_at >= (since if since is not None else now - 86400)))
        return {"answers": out, "today": today}

    def expire_claims(self, now: float | None = None) -> int:
        """Give the slots of claims older than ``claim_ttl`` back to the pool."""
        now = time.time() if now is None else now
        self._last_expiry = now
        n = 0
        with self.store.write() as s:
            q = select(Assignment.id).where(Assignment.status == "claimed", Assignment.expires_at <= now).limit(500)
            if self.pg:
                q = q.with_for_update(skip_locked=True)
            for aid in s.scalars(q).all():
                row = s.execute(update(Assignment).where(Assignment.id == aid, Assignment.status == "claimed")
                                .values(status="expired").returning(Assignment.kind, Assignment.target_id)).first()
                if row is None:
                    continue
                self._release(s, row.kind, row.target_id)
                n += 1
        return n

    @staticmethod
    def _release(s: Session, kind: str, target_id: int) -> None:
        if kind == "suggestion":
            s.execute(update(SuggestionRow).where(SuggestionRow.id == target_id)
                      .values(slots=SuggestionRow.slots - 1))
        else:
            s.execute(update(ViewRow).where(ViewRow.id == target_id).values(spot_slots=ViewRow.spot_slots - 1))

    def _task(self, s: Session, a: Assignment) -> Task:
        if a.kind == "spot":
            view = s.get(ViewRow, a.view_id)
            return Task(a.id, "spot", view.image_path, view.width, view.height, view.intersection,
                        expires_at=a.expires_at)
        sug = s.get(SuggestionRow, a.suggestion_id)
        if not (sug.image_width and sug.image_height):  # the view's size only when the suggestion lacks it
            view = s.get(ViewRow, a.view_id)
            width, height = sug.image_width or view.width, sug.image_height or view.height
        else:
            width, height = sug.image_width, sug.image_height
        return Task(a.id, "suggestion", sug.image_path, width, height, sug.intersection,
                    [sug.x1, sug.y1, sug.x2, sug.y2], sug.type, sug.mount, sug.score, a.expires_at)

    def get_task(self, user_id: int, assignment_id: int) -> Task:
        """A task of this user (404 for anyone else's: do not reveal that it exists)."""
        with self.store.read() as s:
            a = s.get(Assignment, assignment_id)
            if a is None or a.user_id != user_id:
                raise TaskError(N_("no such task"))
            return self._task(s, a)

    # -- answering ------------------------------------------------------------------------------
    def submit(self, user_id: int, assignment_id: int, sub: Submission, now: float | None = None) -> int:
        """Store the answer (once), update counters, retire the suggestion when the rule says so."""
        now = time.time() if now is None else now
        def store_answer() -> tuple[int, list]:
            with self.store.write() as s:  # a lost race (a concurrent duplicate submit won) just tries again
                return self._submit(s, user_id, assignment_id, sub, now), s.info.pop("reprioritize", [])

        try:
            answer_id, todo = _retry_lost_race(store_answer)
        except (IntegrityError, OperationalError) as exc:
            if isinstance(exc, OperationalError) and not retryable(exc):
                raise
            raise TaskError(N_("could not store the answer, try again"), 409) from None
        for name, progress in todo:
            self._reprioritize_intersection(name, progress)
        return answer_id

    def _own_assignment(self, s: Session, user_id: int, assignment_id: int) -> Assignment:
        """The volunteer's own assignment, row-locked on PostgreSQL (SQLite's BEGIN IMMEDIATE serialises)."""
        q = select(Assignment).where(Assignment.id == assignment_id)
        a = s.scalar(q.with_for_update() if self.pg else q)
        if a is None or a.user_id != user_id:
            raise TaskError(N_("no such task"))
        return a

    def _submit(self, s: Session, user_id: int, assignment_id: int, sub: Submission, now: float) -> int:
        a = self._own_assignment(s, user_id, assignment_id)
        if a.status == "answered":
            return s.scalar(select(Answer.id).where(Answer.assignment_id == a.id))
        if a.kind == "suggestion" and sub.answer not in ANSWERS:
            raise TaskError(f"answer must be one of {', '.join(ANSWERS)}", 422)
        if a.kind == "spot":
            sub.answer = "done"
        if a.status in ("expired", "skipped") and not self._retake(s, a):
            raise TaskError(N_("this task expired and was given to someone else"), 409)
        updated = s.execute(update(Assignment).where(Assignment.id == a.id,
                                                     Assignment.status.in_(["claimed", "expired", "skipped"]))
                            .values(status="answered", answered_at=now).returning(Assignment.id)).first()
        if updated is None:
            raise TaskError(N_("task already answered"), 409)
        box = sub.box if (sub.answer == "yes" and sub.box is not None) else (None, None, None, None)
        ans = Answer(assignment_id=a.id, user_id=user_id, kind=a.kind, suggestion_id=a.suggestion_id,
                     view_id=a.view_id, answer=sub.answer, type=sub.type if sub.answer == "yes" else None,
                     mount=sub.mount if sub.answer == "yes" else None, x1=box[0], y1=box[1], x2=box[2], y2=box[3],
                     comment=sub.comment or "", seconds=sub.seconds, created_at=now)
        s.add(ans)
        s.flush()
        for b in sub.added:
            s.add(AddedBox(answer_id=ans.id, user_id=user_id, view_id=a.view_id, x1=b.x1, y1=b.y1, x2=b.x2,
                           y2=b.y2, type=b.type, mount=b.mount, created_at=now))
        if a.kind == "spot":
            s.execute(update(ViewRow).where(ViewRow.id == a.view_id).values(spot_answers=ViewRow.spot_answers + 1))
        else:
            self._after_answer(s, a.suggestion_id, now)
        return ans.id

    def _retake(self, s: Session, a: Assignment) -> bool:
        """An expired claim may still be answered if its slot is free again."""
        if a.kind == "suggestion":
            got = s.execute(update(SuggestionRow).where(SuggestionRow.id == a.target_id, SuggestionRow.slots < self.cfg.k)
                            .values(slots=SuggestionRow.slots + 1).returning(SuggestionRow.id)).first()
        else:
            got = s.execute(update(ViewRow).where(ViewRow.id == a.target_id, ViewRow.spot_slots < self.cfg.spot_k)
                            .values(spot_slots=ViewRow.spot_slots + 1).returning(ViewRow.id)).first()
        return got is not None

    def _after_answer(self, s: Session, suggestion_id: int, now: float) -> None:
        row = s.execute(update(SuggestionRow).where(SuggestionRow.id == suggestion_id)
                        .values(n_answers=SuggestionRow.n_answers + 1)
                        .returning(SuggestionRow.n_answers, SuggestionRow.status, SuggestionRow.intersection)).first()
        if row.status != "open":
            return
        answers = list(s.scalars(select(Answer.answer).where(Answer.suggestion_id == suggestion_id).order_by(Answer.id)))
        outcome = retirement(answers, self.cfg.k, self.cfg.retire_agree)
        if outcome is None:
            return
        done = s.execute(update(SuggestionRow).where(SuggestionRow.id == suggestion_id, SuggestionRow.status == "open")
                         .values(status="retired", outcome=outcome, retired_at=now).returning(SuggestionRow.id)).first()
        if done is None:
            return
        inter = s.execute(update(Intersection).where(Intersection.name == row.intersection)
                          .values(n_retired=Intersection.n_retired + 1)
                          .returning(Intersection.n_retired, Intersection.n_suggestions)).first()
        if inter is not None and inter.n_suggestions:
            s.info.setdefault("reprioritize", []).append((row.intersection, inter.n_retired / inter.n_suggestions))

    def _reprioritize_intersection(self, name: str, progress: float) -> None:
        """Raise the priority of an intersection's open suggestions as it nears completion.

        Its own short transaction after the answer committed (priority is only a hint): on PostgreSQL
        rows locked by concurrent claims are skipped rather than waited on, so no lock cycles form."""
        with self.store.write() as s:
            ids = select(SuggestionRow.id).where(and_(SuggestionRow.intersection == name, SuggestionRow.status == "open"))
            if self.pg:
                ids = ids.with_for_update(skip_locked=True)
            s.execute(update(SuggestionRow).where(SuggestionRow.id.in_(ids.scalar_subquery()))
                      .values(priority=self.cfg.w_uncertainty * SuggestionRow.uncertainty + self.cfg.w_finish * progress)
                      .execution_options(synchronize_session=False))

    def reprioritize(self) -> None:
        """Recompute every open suggestion's priority with this config's weights (at start-up). On
        PostgreSQL the workers of ``review serve --workers N`` start together: they take turns."""
        with self.store.write() as s:
            if self.pg:
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REPRIORITIZE_LOCK})
            for name, done, total in s.execute(select(Intersection.name, Intersection.n_retired,
                                                      Intersection.n_suggestions)).all():
                progress = done / total if total else 0.0
                s.execute(update(SuggestionRow).where(SuggestionRow.intersection == name,
                                                      SuggestionRow.status == "open")
                          .values(priority=self.cfg.w_uncertainty * SuggestionRow.uncertainty
                                  + self.cfg.w_finish * progress))
            if self.pg:  # fresh statistics after a scorer filled the queue: the claim plan is the index walk
                s.execute(text("ANALYZE suggestions, assignments, views"))


def retirement(answers: list[str], k: int, retire_agree: int) -> str | None:
    """The outcome when a suggestion with these answers (in order) is retired, else None.

    Retired when the first ``retire_agree`` answers agree on yes or no, or once ``k`` answers are in
    (outcome: the majority of yes/no, "unsure" on a tie).
    """
    if retire_agree and len(answers) >= retire_agree:
        first = answers[:retire_agree]
        if first[0] in ("yes", "no") and all(a == first[0] for a in first):
            return first[0]
    if len(answers) >= k:
        c = Counter(a for a in answers if a in ("yes", "no"))
        if c["yes"] == c["no"]:
            return "unsure"
        return "yes" if c["yes"] > c["no"] else "no"
    return None
