"""The audit log of account actions: who disabled, enabled, promoted, reset, deleted or exported what, and when.

Human-rights projects answer for what their coordinators do with volunteers' accounts and data, so every such
action writes one ``audit_log`` row in the same database transaction as the action itself (an action without its
entry cannot commit). Actions from the command line have no actor id and read "command line". A row never holds
a password. Deleting an account blanks its name in every row (ids stay, so the sequence of events stays readable)
because the privacy page promises that a deleted account's name is gone. The log is kept until a coordinator
prunes it (``prune``: a retention period is the project's decision, not the software's); the pruning itself is
one more entry, so a gap in the log always says who made it.
"""

from __future__ import annotations

import time
from typing import Protocol

from sqlalchemy import delete, or_, select, update

from camdetect.store import Store
from camdetect.store.models import AuditEntry, User

from .i18n import N_

# action -> what the pages show (marked for translation; the detail column adds the specifics)
ACTIONS = {
    "create": N_("created the account"),
    "disable": N_("disabled the account"),
    "enable": N_("enabled the account"),
    "role": N_("changed the role"),
    "password": N_("set a temporary password"),
    "own_password": N_("changed their own password"),
    "delete": N_("deleted the account"),
    "export": N_("downloaded an export"),
    "prune": N_("deleted old audit entries"),
}
COMMAND_LINE = N_("command line")
DELETED = N_("deleted account")


class Actor(Protocol):
    """Who acts: the logged-in user (``auth.CurrentUser``); None everywhere means the command line."""

    id: int
    username: str


def record(s, by: Actor | None, action: str, target: User | None = None, detail: str = "") -> None:
    """Add one entry inside the caller's write transaction ``s`` (commits or rolls back with the action)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    s.add(AuditEntry(at=time.time(), actor_id=by.id if by else None, actor_name=by.username if by else "",
                     action=action, target_id=target.id if target else None,
                     target_name=target.username if target else "", detail=detail[:200]))


def record_export(store: Store, by: Actor | None, what: str) -> None:
    """An export of verified labels (the review app's /export links or ``camdetect review export``)."""
    with store.write() as s:
        record(s, by, "export", None, what)


def forget_names(s, user_id: int) -> None:
    """Blank a deleted account's name wherever it acts or is acted on (inside the deletion's transaction)."""
    s.execute(update(AuditEntry).where(AuditEntry.actor_id == user_id).values(actor_name=""))
    s.execute(update(AuditEntry).where(AuditEntry.target_id == user_id).values(target_name=""))


def entries(store: Store, user_id: int | None = None, limit: int = 100, before: int | None = None) -> list[dict]:
    """Newest first: every entry, or those where ``user_id`` acts or is acted on; ``before`` (an entry id)
    pages back."""
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 1000)))
    if user_id is not None:
        q = q.where(or_(AuditEntry.target_id == user_id, AuditEntry.actor_id == user_id))
    if before is not None:
        q = q.where(AuditEntry.id < before)
    with store.read() as s:
        rows = s.scalars(q).all()
        return [{"id": r.id, "at": r.at, "actor_id": r.actor_id, "actor": r.actor_name, "action": r.action,
                 "target_id": r.target_id, "target": r.target_name, "detail": r.detail} for r in rows]


def prune(store: Store, before: float, by: Actor | None = None, label: str = "") -> int:
    """Delete every entry older than ``before`` (a Unix time) and record that as one entry ("N entries before
    LABEL"), in one transaction; returns how many went."""
    with store.write() as s:
        n = s.execute(delete(AuditEntry).where(AuditEntry.at < before)).rowcount
        record(s, by, "prune", None, f"{n} entries before {label or before}")
    return n
