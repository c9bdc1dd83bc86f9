"""Numbers for the coordinator dashboard and the volunteers' own history."""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict

from sqlalchemy import func, select

from camdetect.store import Store
from camdetect.store.models import AddedBox, Answer, Intersection, SessionRow, SuggestionRow, User, ViewRow

from .config import ReviewConfig


def dashboard_data(store: Store, cfg: ReviewConfig, hours: int = 48) -> dict:
    from .exports import verified

    now = time.time()
    with store.read() as s:
        inters = s.execute(select(Intersection.name, Intersection.area, Intersection.n_suggestions,
                                  Intersection.n_retired).order_by(Intersection.name)).all()
        status = dict(s.execute(select(SuggestionRow.status, func.count()).group_by(SuggestionRow.status)).all())
        outcomes = dict(s.execute(select(SuggestionRow.outcome, func.count())
                                  .where(SuggestionRow.status == "retired").group_by(SuggestionRow.outcome)).all())
        per_user = s.execute(select(User.id, User.username, User.role, User.disabled, Answer.answer, func.count())
                             .join(Answer, Answer.user_id == User.id, isouter=True)
                             .group_by(User.id, User.username, User.role, User.disabled, Answer.answer)).all()
        added = dict(s.execute(select(AddedBox.user_id, func.count()).group_by(AddedBox.user_id)).all())
        times = list(s.scalars(select(Answer.created_at).where(Answer.created_at >= now - hours * 3600)))
        spot_views = s.scalar(select(func.count()).select_from(ViewRow).where(ViewRow.spot_rank < cfg.spot_share))
        spot_done = s.scalar(select(func.count()).select_from(ViewRow).where(
            ViewRow.spot_rank < cfg.spot_share, ViewRow.spot_answers >= cfg.spot_k))
    areas: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = []
    for name, area, n, r in inters:
        a = areas[area or "(no area)"]
        a[0] += 1
        a[1] += n
        a[2] += r
        rows.append({"name": name, "area": area or "(no area)", "suggestions": n, "retired": r,
                     "progress": round(r / n, 3) if n else 1.0})
    users: dict[int, dict] = {}
    for uid, name, role, disabled, ans, n in per_user:
        u = users.setdefault(uid, {"id": uid, "username": name, "role": role, "disabled": bool(disabled), "answers": 0, "yes": 0, "no": 0,
                                   "unsure": 0, "spot": 0, "added": added.get(uid, 0), "agreement": None})
        if ans is not None:
            u["answers"] += n
            u[ans if ans in ("yes", "no", "unsure") else "spot"] += n
    v = verified(store, cfg)
    for u in users.values():
        agr = v.agreement.get(u["username"])
        u["agreement"] = None if agr is None or math.isnan(agr) else round(agr, 3)
    per_hour = Counter(int((now - t) // 3600) for t in times)
    return {
        "totals": {"suggestions": sum(status.values()), "open": status.get("open", 0),
                   "retired": status.get("retired", 0), "answers": sum(u["answers"] for u in users.values()),
                   "volunteers": len(users), "verified_cameras": len(v.cameras),
                   "spot_views": spot_views, "spot_views_done": spot_done,
                   "outcomes": {str(k): n for k, n in outcomes.items()}},
        "areas": [{"area": k, "intersections": a[0], "suggestions": a[1], "retired": a[2],
                   "progress": round(a[2] / a[1], 3) if a[1] else 1.0} for k, a in sorted(areas.items())],
        "intersections": rows,
        "volunteers": sorted(users.values(), key=lambda u: -u["answers"]),
        "answers_per_hour": [{"hours_ago": h, "answers": per_hour.get(h, 0)} for h in range(hours)],
        "notes": notes(store),
        "config": {"k": cfg.k, "retire_agree": cfg.retire_agree, "spot_share": cfg.spot_share,
                   "spot_rate": cfg.spot_rate},
    }


def answers_of(store: Store, user_id: int, limit: int = 200) -> list[dict]:
    with store.read() as s:
        rows = s.execute(select(Answer.id, Answer.kind, Answer.answer, Answer.type, Answer.mount, Answer.comment,
                                Answer.created_at, ViewRow.image_path)
                         .join(ViewRow, ViewRow.id == Answer.view_id)
                         .where(Answer.user_id == user_id).order_by(Answer.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]


def my_summary(store: Store, user_id: int) -> dict:
    with store.read() as s:
        n = s.scalar(select(func.count()).select_from(Answer).where(Answer.user_id == user_id))
        left = s.scalar(select(func.count()).select_from(SuggestionRow).where(SuggestionRow.status == "open"))
    return {"answers": n, "open_suggestions": left}


def notes(store: Store, limit: int = 20, user_id: int | None = None) -> list[dict]:
    """The latest notes volunteers typed with their answers (newest first), with the view they were on."""
    q = (select(Answer.id, Answer.user_id, User.username, Answer.answer, Answer.comment, Answer.created_at,
                Answer.suggestion_id, SuggestionRow.intersection, ViewRow.image_path)
         .join(ViewRow, ViewRow.id == Answer.view_id)
         .join(User, User.id == Answer.user_id, isouter=True)
         .join(SuggestionRow, SuggestionRow.id == Answer.suggestion_id, isouter=True)
         .where(Answer.comment != "").order_by(Answer.id.desc()).limit(limit))
    if user_id is not None:
        q = q.where(Answer.user_id == user_id)
    with store.read() as s:
        return [dict(r._mapping) for r in s.execute(q).all()]


def volunteer_data(store: Store, cfg: ReviewConfig, user_id: int, recent: int = 20) -> dict | None:
    """One volunteer for the coordinator: account state, answer counts, agreement with consensus,
    recent answers and notes. None when there is no such user."""
    from .exports import verified

    with store.read() as s:
        user = s.get(User, user_id)
        if user is None:
            return None
        counts = dict(s.execute(select(Answer.answer, func.count()).where(Answer.user_id == user_id)
                                .group_by(Answer.answer)).all())
        added = s.scalar(select(func.count()).select_from(AddedBox).where(AddedBox.user_id == user_id)) or 0
        sessions = s.scalar(select(func.count()).select_from(SessionRow).where(
            SessionRow.user_id == user_id, SessionRow.expires_at >= time.time())) or 0
        last = s.scalar(select(func.max(Answer.created_at)).where(Answer.user_id == user_id))
        info = {"id": user.id, "username": user.username, "role": user.role, "disabled": bool(user.disabled),
                "created_at": user.created_at, "sessions": sessions, "last_answer_at": last}
    agr = verified(store, cfg).agreement.get(info["username"])
    return {**info, "answers": sum(counts.values()), "yes": counts.get("yes", 0), "no": counts.get("no", 0),
            "unsure": counts.get("unsure", 0), "spot": counts.get("done", 0), "added": added,
            "agreement": None if agr is None or math.isnan(agr) else round(agr, 3),
            "recent": answers_of(store, user_id, recent), "notes": notes(store, recent, user_id)}
