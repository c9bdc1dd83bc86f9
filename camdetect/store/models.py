"""SQLAlchemy tables of the review store: what the scorer writes and what volunteers answer.

Times are float UNIX seconds (portable between SQLite and PostgreSQL, easy to bucket per hour).
The schema itself is created by the Alembic migrations in ``camdetect/store/migrations``; these
models must stay in step with them (``tests/store/test_migrations.py`` checks it).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ScoredImage(Base):
    """One scorer input (panorama or view) marked done for one model: the resume ledger."""

    __tablename__ = "scored_images"
    __table_args__ = (UniqueConstraint("model", "image_key", name="uq_scored_images_model_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    image_key: Mapped[str] = mapped_column(String(500))
    n_suggestions: Mapped[int] = mapped_column(Integer, default=0)
    meta: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    created_at: Mapped[float] = mapped_column(Float)


class Intersection(Base):
    """Progress per intersection: drives "finish intersections first" and the dashboard."""

    __tablename__ = "intersections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    area: Mapped[str] = mapped_column(String(200), default="", index=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    n_suggestions: Mapped[int] = mapped_column(Integer, default=0)
    n_retired: Mapped[int] = mapped_column(Integer, default=0)


class ViewRow(Base):
    """One view image in the media folder (a suggestion lives on it; spot checks search it in full)."""

    __tablename__ = "views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_path: Mapped[str] = mapped_column(String(500), unique=True)
    pano_id: Mapped[str] = mapped_column(String(200), default="")
    intersection: Mapped[str] = mapped_column(String(200), default="", index=True)
    view_heading: Mapped[float | None] = mapped_column(Float, nullable=True)
    view_pitch: Mapped[float | None] = mapped_column(Float, nullable=True)
    view_fov: Mapped[float | None] = mapped_column(Float, nullable=True)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    # hash of image_path in [0, 1): the view is a spot-check view when spot_rank < spot_share
    spot_rank: Mapped[float] = mapped_column(Float, index=True)
    spot_slots: Mapped[int] = mapped_column(Integer, default=0)  # live claims + answers
    spot_answers: Mapped[int] = mapped_column(Integer, default=0)


class SuggestionRow(Base):
    """A model detection waiting for review (records.Suggestion) plus its scheduling state."""

    __tablename__ = "suggestions"
    # the claim walks this backwards: ORDER BY priority DESC, id DESC (migration 0006)
    __table_args__ = (Index("ix_suggestions_queue", "status", "priority", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    model: Mapped[str] = mapped_column(String(200), default="")
    intersection: Mapped[str] = mapped_column(String(200), default="", index=True)
    pano_id: Mapped[str] = mapped_column(String(200), default="")
    image_path: Mapped[str] = mapped_column(String(500))
    view_id: Mapped[int] = mapped_column(ForeignKey("views.id"), index=True)
    view_heading: Mapped[float | None] = mapped_column(Float, nullable=True)
    view_pitch: Mapped[float | None] = mapped_column(Float, nullable=True)
    view_fov: Mapped[float | None] = mapped_column(Float, nullable=True)
    image_width: Mapped[int] = mapped_column(Integer, default=0)
    image_height: Mapped[int] = mapped_column(Integer, default=0)
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)
    x2: Mapped[float] = mapped_column(Float)
    y2: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    type: Mapped[str] = mapped_column(String(40), default="unknown")
    mount: Mapped[str] = mapped_column(String(40), default="other")
    type_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    mount_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    heading: Mapped[float | None] = mapped_column(Float, nullable=True)
    pitch: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    created: Mapped[str] = mapped_column(String(40), default="")
    # scheduling
    uncertainty: Mapped[float] = mapped_column(Float, default=0.0)  # 1 at score 0.5, 0 at 0 or 1
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | retired
    slots: Mapped[int] = mapped_column(Integer, default=0)  # live claims + answers (never > k)
    n_answers: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # yes | no | unsure at retirement
    retired_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="volunteer")  # volunteer | coordinator
    created_at: Mapped[float] = mapped_column(Float)
    # review app language the volunteer chose ("fr", "es" ...); None: follow the browser (migration 0003)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # a coordinator disabled the account: no log-in, no sessions; answers kept (migration 0004)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # a coordinator set the password: the user must choose their own before anything else (migration 0007)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AuditEntry(Base):
    """One account action (a coordinator's or the command line's): who did what to whom, when. Written in the
    same transaction as the action, so an action without its entry cannot happen. Never holds a password;
    deleting an account blanks its name here and keeps the ids (camdetect.review.audit)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the command line
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    target_name: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")


class SessionRow(Base):
    """Server-side session: the cookie holds a random token, the table holds its SHA-256."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class LoginFailure(Base):
    """Failed log-ins for the log-in throttle (shared by workers). ``key`` is a keyed hash (HMAC) of
    the typed username, the client address or a device cookie -- never the raw value -- and rows
    older than the throttle window are deleted (camdetect.review.auth)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[float] = mapped_column(Float)


class ReviewSecret(Base):
    """Server-side random keys of the review app (the HMAC key of the log-in throttle and of the
    device cookies), shared by every worker; ``CAMDETECT_REVIEW_SECRET`` overrides the stored one."""

    __tablename__ = "review_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[float] = mapped_column(Float)


class Assignment(Base):
    """A task handed to one volunteer: a suggestion to verify, or a view to search in full (spot).

    ``(user_id, kind, target_id)`` is unique, so the database itself refuses to give a volunteer
    the same suggestion twice, whatever the scheduler does.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "target_id", name="uq_assignments_user_target"),
        Index("ix_assignments_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # suggestion | spot
    target_id: Mapped[int] = mapped_column(Integer)  # suggestion id or view id
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"), nullable=True, index=True)
    view_id: Mapped[int] = mapped_column(ForeignKey("views.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="claimed")  # claimed | answered | expired | skipped
    claimed_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    answered_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Answer(Base):
    """One volunteer's answer to one task (a Review in DESIGN.md's vocabulary)."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"), nullable=True, index=True)
    view_id: Mapped[int] = mapped_column(ForeignKey("views.id"), index=True)
    answer: Mapped[str] = mapped_column(String(8))  # yes | no | unsure (spot: "done")
    type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    mount: Mapped[str | None] = mapped_column(String(40), nullable=True)
    x1: Mapped[float | None] = mapped_column(Float, nullable=True)  # adjusted box (view pixels)
    y1: Mapped[float | None] = mapped_column(Float, nullable=True)
    x2: Mapped[float | None] = mapped_column(Float, nullable=True)
    y2: Mapped[float | None] = mapped_column(Float, nullable=True)
    comment: Mapped[str] = mapped_column(String(500), default="")
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[float] = mapped_column(Float, index=True)


class AddedBox(Base):
    """A camera the model missed, drawn by a volunteer on a task's view."""

    __tablename__ = "added_boxes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    view_id: Mapped[int] = mapped_column(ForeignKey("views.id"), index=True)
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)
    x2: Mapped[float] = mapped_column(Float)
    y2: Mapped[float] = mapped_column(Float)
    type: Mapped[str] = mapped_column(String(40), default="unknown")
    mount: Mapped[str] = mapped_column(String(40), default="other")
    created_at: Mapped[float] = mapped_column(Float)


class PracticeItem(Base):
    """A practice task with a known answer (onboarding, issue 13): a small view image with one box.

    Kept apart from suggestions and answers, so practice never reaches the queue, the consensus or an
    export. ``kind`` is the fine kind shown in the feedback (dome, ptz, bullet, alpr, lamp_cobra ...,
    or ``verified`` for an item imported from settled answers); ``answer`` is yes (a camera) or no."""

    __tablename__ = "practice_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(40), default="builtin")  # builtin | city | verified | file
    kind: Mapped[str] = mapped_column(String(40))
    answer: Mapped[str] = mapped_column(String(8))  # yes | no
    type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    mount: Mapped[str | None] = mapped_column(String(40), nullable=True)
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)
    x2: Mapped[float] = mapped_column(Float)
    y2: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    image: Mapped[bytes] = mapped_column(LargeBinary)  # JPEG
    note: Mapped[str] = mapped_column(String(500), default="")  # the coordinator's own explanation
    created_at: Mapped[float] = mapped_column(Float)


class PracticeAnswer(Base):
    """One volunteer's answer to a practice item in one practice round (never a real answer)."""

    __tablename__ = "practice_answers"
    __table_args__ = (UniqueConstraint("user_id", "round", "item_id", name="uq_practice_answers_user_round_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("practice_items.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(String(8))
    type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    mount: Mapped[str | None] = mapped_column(String(40), nullable=True)
    correct: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[float] = mapped_column(Float)
