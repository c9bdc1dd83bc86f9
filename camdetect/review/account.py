"""A volunteer's own data: download all of it, delete the account (privacy page: /privacy).

Deleting an account ends its sessions and removes the username and password hash. What happens to
the answers is the store owner's choice (``ReviewConfig.on_delete``, ``review serve --on-delete``):

- ``anonymise`` (default): the answers stay, attached to a placeholder account (``deleted~<hex>``,
  role ``deleted``, no password, no sign-up time) with their comments blanked, so the consensus
  still counts them as one distinct reviewer but nobody can tell whose they were;
- ``remove``: the answers, the boxes drawn and the claims are deleted and the affected suggestions'
  counters are recomputed (a retired suggestion whose rule no longer holds is reopened).
"""

from __future__ import annotations

import secrets
import time

from sqlalchemy import delete, func, select, update

from camdetect.store import Store
from camdetect.store.models import (
    AddedBox,
    Answer,
    Assignment,
    Intersection,
    PracticeAnswer,
    PracticeItem,
    SessionRow,
    SuggestionRow,
    User,
    ViewRow,
)

from . import audit
from .config import ReviewConfig
from .scheduler import retirement

ON_DELETE = ("anonymise", "remove")
DELETED_ROLE = "deleted"


def export_data(store: Store, user_id: int) -> dict:
    """Everything the store keeps about one user, no row limit (the 'download my data' file)."""
    with store.read() as s:
        user = s.get(User, user_id)
        if user is None:
            raise ValueError("no such user")
        answers = s.execute(
            select(Answer.id, Answer.kind, Answer.answer, Answer.type, Answer.mount, Answer.x1, Answer.y1,
                   Answer.x2, Answer.y2, Answer.comment, Answer.seconds, Answer.created_at, Answer.suggestion_id,
                   SuggestionRow.key.label("suggestion_key"), ViewRow.image_path)
            .join(ViewRow, ViewRow.id == Answer.view_id)
            .join(SuggestionRow, SuggestionRow.id == Answer.suggestion_id, isouter=True)
            .where(Answer.user_id == user_id).order_by(Answer.id)).all()
        boxes = s.execute(select(AddedBox.answer_id, AddedBox.x1, AddedBox.y1, AddedBox.x2, AddedBox.y2, AddedBox.type,
                                 AddedBox.mount, AddedBox.created_at, ViewRow.image_path)
                          .join(ViewRow, ViewRow.id == AddedBox.view_id)
                          .where(AddedBox.user_id == user_id).order_by(AddedBox.id)).all()
        claims = s.execute(select(Assignment.id, Assignment.kind, Assignment.status, Assignment.claimed_at,
                                  Assignment.answered_at, ViewRow.image_path)
                           .join(ViewRow, ViewRow.id == Assignment.view_id)
                           .where(Assignment.user_id == user_id).order_by(Assignment.id)).all()
        sessions = s.execute(select(SessionRow.created_at, SessionRow.expires_at)
                             .where(SessionRow.user_id == user_id).order_by(SessionRow.created_at)).all()
        practice = s.execute(select(PracticeAnswer.round, PracticeItem.key.label("item"), PracticeAnswer.answer,
                                    PracticeAnswer.type, PracticeAnswer.mount, PracticeAnswer.correct,
                                    PracticeAnswer.created_at)
                             .join(PracticeItem, PracticeItem.id == PracticeAnswer.item_id)
                             .where(PracticeAnswer.user_id == user_id).order_by(PracticeAnswer.id)).all()
    return {
        "exported_at": time.time(),
        "account": {"username": user.username, "role": user.role, "created_at": user.created_at,
                    "language": user.language,
                    "password": "stored only as an argon2id hash (not exported)"},
        "answers": [dict(r._mapping) for r in answers],
        "added_boxes": [dict(r._mapping) for r in boxes],
        "tasks": [dict(r._mapping) for r in claims],
        "sessions": [dict(r._mapping) for r in sessions],
        "practice_answers": [dict(r._mapping) for r in practice],
        "account_actions": audit.entries(store, user_id, limit=1000),
        "notes": "Times are UNIX seconds. Failed log-ins are kept only as keyed hashes for the throttle "
                 "window and cannot be linked back to you, so they are not part of this file.",
    }


def delete_account(store: Store, user_id: int, cfg: ReviewConfig, by: audit.Actor | None = None) -> None:
    """Delete the account ``user_id``: ``cfg.on_delete`` says whether answers stay anonymous or go. ``by``: the
    owner on the account page, None: the command line (the audit log keeps the event, not the name)."""
    mode = cfg.on_delete
    if mode not in ON_DELETE:
        raise ValueError(f"on_delete must be one of {', '.join(ON_DELETE)}")
    now = time.time()
    with store.write() as s:
        user = s.get(User, user_id)
        if user is None or user.role == DELETED_ROLE:
            raise ValueError("no such user")
        s.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
        audit.record(s, by, "delete", user, mode)
        audit.forget_names(s, user_id)
        s.execute(delete(PracticeAnswer).where(PracticeAnswer.user_id == user_id))  # never counted anywhere
        # live claims go back to the pool first (same as claim expiry)
        for kind, target in s.execute(select(Assignment.kind, Assignment.target_id)
                                      .where(Assignment.user_id == user_id, Assignment.status == "claimed")).all():
            _release(s, kind, target)
        s.execute(update(Assignment).where(Assignment.user_id == user_id, Assignment.status == "claimed")
                  .values(status="expired", expires_at=now))
        if mode == "anonymise":
            user.username = f"deleted~{secrets.token_hex(6)}"  # '~' is not allowed in chosen usernames
            user.password_hash = "!"  # not an argon2 hash: nobody can log in
            user.role = DELETED_ROLE
            user.created_at = 0.0
            s.execute(update(Answer).where(Answer.user_id == user_id).values(comment=""))
            return
        sugg_ids = set(s.scalars(select(Assignment.suggestion_id).where(Assignment.user_id == user_id,
                                                                        Assignment.suggestion_id.is_not(None))))
        view_ids = set(s.scalars(select(Assignment.view_id).where(Assignment.user_id == user_id,
                                                                  Assignment.kind == "spot")))
        answer_ids = select(Answer.id).where(Answer.user_id == user_id).scalar_subquery()
        s.execute(delete(AddedBox).where((AddedBox.user_id == user_id) | AddedBox.answer_id.in_(answer_ids)))
        s.execute(delete(Answer).where(Answer.user_id == user_id))
        s.execute(delete(Assignment).where(Assignment.user_id == user_id))
        for sid in sorted(sugg_ids):
            _recount_suggestion(s, sid, cfg, now)
        for vid in sorted(view_ids):
            _recount_view(s, vid)
        s.execute(delete(User).where(User.id == user_id))


def _release(s, kind: str, target_id: int) -> None:
    if kind == "suggestion":
        s.execute(update(SuggestionRow).where(SuggestionRow.id == target_id).values(slots=SuggestionRow.slots - 1))
    else:
        s.execute(update(ViewRow).where(ViewRow.id == target_id).values(spot_slots=ViewRow.spot_slots - 1))


def _live_or_answered(model, now):
    return (model.status == "answered") | ((model.status == "claimed") & (model.expires_at > now))


def _recount_suggestion(s, sid: int, cfg: ReviewConfig, now: float) -> None:
    sug = s.get(SuggestionRow, sid)
    answers = list(s.scalars(select(Answer.answer).where(Answer.suggestion_id == sid).order_by(Answer.id)))
    slots = s.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.kind == "suggestion", Assignment.target_id == sid, _live_or_answered(Assignment, now)))
    sug.n_answers, sug.slots = len(answers), slots
    if sug.status != "retired":
        return
    outcome = retirement(answers, cfg.k, cfg.retire_agree)
    if outcome is None:  # the rule no longer holds without these answers: back in the queue
        sug.status, sug.outcome, sug.retired_at = "open", None, None
        s.execute(update(Intersection).where(Intersection.name == sug.intersection)
                  .values(n_retired=Intersection.n_retired - 1))
    else:
        sug.outcome = outcome


def _recount_view(s, vid: int) -> None:
    view = s.get(ViewRow, vid)
    view.spot_answers = s.scalar(select(func.count()).select_from(Answer).where(
        Answer.kind == "spot", Answer.view_id == vid)) or 0
    view.spot_slots = s.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.kind == "spot", Assignment.target_id == vid, _live_or_answered(Assignment, time.time()))) or 0
