"""Users, passwords (argon2id), server-side sessions, CSRF tokens and the log-in throttle.

The session cookie carries a random token; the database keeps only its SHA-256, so a leaked
database does not leak live sessions. Each session has its own CSRF token, required on every
state-changing request (form field ``csrf_token`` or header ``X-CSRF-Token``).

Log-in throttle (slows guessing, never locks the owner out):

- per account: ``login_limit`` failures in ``login_window`` are free, then every further attempt
  waits ``2 ** (n - limit)`` seconds after the last failure, at most ``login_max_delay`` (429 with
  Retry-After meanwhile, even with the right password);
- per client address: the same backoff after ``address_limit`` failures (a shared NAT address is
  slowed, not locked);
- a browser that logged in to an account before holds a device cookie for it (HMAC-signed, on
  ``/login`` only); its attempts skip both backoffs while that device has fewer than
  ``login_limit`` failures of its own, so an attacker hammering an account or an address does not
  keep its owner out.

Failed log-ins are stored as keyed hashes (HMAC-SHA256 with a server key) of the typed username,
the address and the device, never the raw values, and are deleted once older than the window.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from camdetect.store import Store
from camdetect.store.db import insert_ignore
from camdetect.store.models import LoginFailure, ReviewSecret, SessionRow, User

from . import audit
from .i18n import N_, UserMessage

ROLES = ("volunteer", "coordinator")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")
MIN_PASSWORD = 8
_hasher = PasswordHasher()  # argon2id, library defaults
_DUMMY_HASH = _hasher.hash("camdetect-dummy-password")
SECRET_ENV = "CAMDETECT_REVIEW_SECRET"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: str
    csrf: str
    language: str | None = None  # the review app language the user chose (None: follow the browser)
    must_change_password: bool = False  # a coordinator set the password: only the account page until it changes

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def validate_credentials(username: str, password: str) -> None:
    if not USERNAME_RE.match(username or ""):
        raise UserMessage(N_("username: 3-32 letters, digits, '.', '_' or '-'"))
    if len(password or "") < MIN_PASSWORD or len(password) > 256:
        raise UserMessage(N_("password: %(min)s to %(max)s characters"), min=MIN_PASSWORD, max=256)


def create_user(store: Store, username: str, password: str, role: str | None = None, by_operator: bool = False) -> int:
    """Create a user; the very first user becomes a coordinator when ``role`` is None. ``by_operator``: the
    command line created it (an audit entry; a volunteer signing up is not an account action)."""
    validate_credentials(username, password)
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    pw_hash = _hasher.hash(password)
    with store.write() as s:
        if s.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
            raise UserMessage(N_("username '%(name)s' is taken"), name=username)
        if role is None:
            role = "coordinator" if s.scalar(select(func.count()).select_from(User)) == 0 else "volunteer"
        user = User(username=username, password_hash=pw_hash, role=role, created_at=time.time())
        s.add(user)
        s.flush()
        if by_operator:
            audit.record(s, None, "create", user, role)
        return user.id


def set_role(store: Store, username: str, role: str) -> None:
    """The operator's command (``review add-user`` on an existing name): no last-coordinator guard, the
    command line can always promote someone again."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    with store.write() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise ValueError(f"no user {username!r}")
        if user.role != role:
            audit.record(s, None, "role", user, f"{user.role} -> {role}")
        user.role = role


def _other_coordinators(s, user_id: int) -> int:
    """Enabled coordinators besides ``user_id`` (rows locked on PostgreSQL: two coordinators demoting
    each other at once cannot both win)."""
    ids = s.scalars(select(User.id).where(User.role == "coordinator", User.disabled.is_(False), User.id != user_id)
                    .with_for_update()).all()
    return len(ids)


def change_role(store: Store, user_id: int, role: str, by: audit.Actor | None = None) -> None:
    """Volunteer <-> coordinator; never leaves the app without an enabled coordinator."""
    if role not in ROLES:
        raise UserMessage(N_("unknown role"))
    with store.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise UserMessage(N_("not found"))
        if user.role == "coordinator" and role != "coordinator" and not _other_coordinators(s, user_id):
            raise UserMessage(N_("This is the last coordinator; make someone else coordinator first."))
        if user.role != role:
            audit.record(s, by, "role", user, f"{user.role} -> {role}")
        user.role = role


def set_disabled(store: Store, user_id: int, disabled: bool, by: audit.Actor | None = None) -> None:
    """Disable (no log-in; every session ends now) or enable an account. The last enabled coordinator
    cannot be disabled."""
    with store.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise UserMessage(N_("not found"))
        if disabled and user.role == "coordinator" and not user.disabled and not _other_coordinators(s, user_id):
            raise UserMessage(N_("This is the last coordinator; make someone else coordinator first."))
        if bool(user.disabled) != disabled:
            audit.record(s, by, "disable" if disabled else "enable", user)
        user.disabled = disabled
        if disabled:
            s.execute(delete(SessionRow).where(SessionRow.user_id == user_id))


def temporary_password() -> str:
    """A one-time password a coordinator hands over (16 characters, about 95 bits)."""
    return secrets.token_urlsafe(12)


def load_secret(store: Store) -> bytes:
    """The HMAC key: ``$CAMDETECT_REVIEW_SECRET`` when set, else a random key kept in the store
    (made once, shared by every worker)."""
    env = os.environ.get(SECRET_ENV, "")
    if env:
        return env.encode("utf-8")
    with store.read() as s:
        value = s.scalar(select(ReviewSecret.value).where(ReviewSecret.name == "hmac"))
    if value is None:
        with store.write() as s:
            s.execute(insert_ignore(store.dialect, ReviewSecret).values(
                name="hmac", value=secrets.token_hex(32), created_at=time.time())
                .on_conflict_do_nothing(index_elements=["name"]))
            value = s.scalar(select(ReviewSecret.value).where(ReviewSecret.name == "hmac"))
    return value.encode("utf-8")


def _mac(secret: bytes, msg: str) -> str:
    return hmac.new(secret, msg.encode("utf-8"), hashlib.sha256).hexdigest()


def throttle_key(secret: bytes, kind: str, value: str) -> str:
    """``kind:HMAC(kind|value)`` -- what login_failures stores instead of a username or address."""
    return f"{kind}:{_mac(secret, f'{kind}|{value}')[:40]}"


def device_cookie(secret: bytes, username: str) -> str:
    nonce = secrets.token_urlsafe(12)
    return f"{nonce}.{_mac(secret, f'device|{username.lower()}|{nonce}')[:32]}"


def device_nonce(secret: bytes, username: str, cookie: str | None) -> str | None:
    """The nonce of a valid device cookie for ``username``, else None."""
    if not cookie or len(cookie) > 100 or "." not in cookie:
        return None
    nonce, sig = cookie.rsplit(".", 1)
    good = _mac(secret, f"device|{(username or '').lower()}|{nonce}")[:32]
    return nonce if hmac.compare_digest(sig, good) else None


def backoff(n_failures: int, free: int, max_delay: float) -> float:
    """Seconds to wait after the last failure: 0 for the first ``free`` failures, then 1, 2, 4 ...
    up to ``max_delay``."""
    if n_failures < free:
        return 0.0
    return float(min(max_delay, 2.0 ** min(n_failures - free, 30)))


def throttle_wait(store: Store, limits: dict[str, int], window: float, max_delay: float,
                  now: float | None = None) -> float:
    """Seconds until an attempt is allowed: the longest backoff over ``limits`` (key -> free failures)."""
    now = time.time() if now is None else now
    with store.read() as s:
        rows = s.execute(select(LoginFailure.key, func.count(), func.max(LoginFailure.at))
                         .where(LoginFailure.key.in_(list(limits)), LoginFailure.at >= now - window)
                         .group_by(LoginFailure.key)).all()
    wait = 0.0
    for key, n, last in rows:
        wait = max(wait, last + backoff(n, limits[key], max_delay) - now)
    return max(0.0, wait)


def failures(store: Store, key: str, window: float, now: float | None = None) -> int:
    now = time.time() if now is None else now
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(LoginFailure)
                        .where(LoginFailure.key == key, LoginFailure.at >= now - window)) or 0


def record_failure(store: Store, keys: list[str], window: float, now: float | None = None) -> None:
    """Store one failure per key and delete every record older than ``window`` (retention)."""
    now = time.time() if now is None else now
    with store.write() as s:
        for key in keys:
            s.add(LoginFailure(key=key, at=now))
        s.execute(delete(LoginFailure).where(LoginFailure.at < now - window))


def purge_failures(store: Store, window: float, now: float | None = None) -> int:
    now = time.time() if now is None else now
    with store.write() as s:
        return s.execute(delete(LoginFailure).where(LoginFailure.at < now - window)).rowcount or 0


def check_password(store: Store, username: str, password: str) -> int | None:
    """The user id when the password is right (same work whether or not the user exists)."""
    with store.read() as s:
        user = s.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "") and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    return user.id if ok and not user.disabled else None


def clear_failures(store: Store, keys: list[str]) -> None:
    with store.write() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.key.in_(keys)))


def set_password(store: Store, user_id: int, password: str, keep_session: str | None = None,
                 by: audit.Actor | None = None) -> None:
    """New password; every other session of the user ends (``keep_session``: the cookie token kept).

    ``by`` someone else (a coordinator, or None: the command line) makes it temporary: its owner must choose
    their own at the next request (``must_change_password``); ``by`` the owner clears that. Both are audited.
    """
    if len(password or "") < MIN_PASSWORD or len(password) > 256:
        raise UserMessage(N_("password: %(min)s to %(max)s characters"), min=MIN_PASSWORD, max=256)
    pw_hash = _hasher.hash(password)
    with store.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise ValueError("no such user")
        user.password_hash = pw_hash
        own = by is not None and by.id == user_id
        user.must_change_password = not own
        audit.record(s, by, "own_password" if own else "password", user)
        q = delete(SessionRow).where(SessionRow.user_id == user_id)
        if keep_session:
            q = q.where(SessionRow.token_hash != _token_hash(keep_session))
        s.execute(q)


def retry_after(wait: float) -> int:
    return max(1, math.ceil(wait))


def create_session(store: Store, user_id: int, ttl: float) -> str:
    token = secrets.token_urlsafe(32)
    now = time.time()
    with store.write() as s:
        s.add(SessionRow(token_hash=_token_hash(token), user_id=user_id, csrf=secrets.token_urlsafe(32),
                         created_at=now, expires_at=now + ttl))
        s.execute(delete(SessionRow).where(SessionRow.expires_at < now))
    return token


def session_user(store: Store, token: str | None) -> CurrentUser | None:
    if not token or len(token) > 200:
        return None
    with store.read() as s:
        row = s.execute(select(SessionRow, User).join(User, User.id == SessionRow.user_id)
                        .where(SessionRow.token_hash == _token_hash(token))).first()
    if row is None or row[0].expires_at < time.time() or row[1].disabled:
        return None
    sess, user = row
    return CurrentUser(user.id, user.username, user.role, sess.csrf, user.language, bool(user.must_change_password))


def user_language(store: Store, user_id: int) -> str | None:
    with store.read() as s:
        return s.scalar(select(User.language).where(User.id == user_id))


def set_language(store: Store, user_id: int, code: str | None) -> None:
    """Remember the review app language of a user (None: follow the browser again)."""
    with store.write() as s:
        user = s.get(User, user_id)
        if user is not None:
            user.language = code


def delete_session(store: Store, token: str | None) -> None:
    if token:
        with store.write() as s:
            s.execute(delete(SessionRow).where(SessionRow.token_hash == _token_hash(token)))


def csrf_ok(expected: str | None, got: str | None) -> bool:
    return bool(expected) and bool(got) and hmac.compare_digest(str(expected), str(got))
