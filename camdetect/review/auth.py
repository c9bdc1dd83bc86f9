"""Users, passwords (argon2id), server-side sessions, CSRF tokens and the log-in rate limit.

The session cookie carries a random token; the database keeps only its SHA-256, so a leaked
database does not leak live sessions. Each session has its own CSRF token, required on every
state-changing request (form field ``csrf_token`` or header ``X-CSRF-Token``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from camdetect.store import Store
from camdetect.store.models import LoginFailure, SessionRow, User

ROLES = ("volunteer", "coordinator")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")
MIN_PASSWORD = 8
_hasher = PasswordHasher()  # argon2id, library defaults
_DUMMY_HASH = _hasher.hash("camdetect-dummy-password")


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: str
    csrf: str

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def validate_credentials(username: str, password: str) -> None:
    if not USERNAME_RE.match(username or ""):
        raise ValueError("username: 3-32 letters, digits, '.', '_' or '-'")
    if len(password or "") < MIN_PASSWORD or len(password) > 256:
        raise ValueError(f"password: {MIN_PASSWORD} to 256 characters")


def create_user(store: Store, username: str, password: str, role: str | None = None) -> int:
    """Create a user; the very first user becomes a coordinator when ``role`` is None."""
    validate_credentials(username, password)
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    pw_hash = _hasher.hash(password)
    with store.write() as s:
        if s.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
            raise ValueError(f"username {username!r} is taken")
        if role is None:
            role = "coordinator" if s.scalar(select(func.count()).select_from(User)) == 0 else "volunteer"
        user = User(username=username, password_hash=pw_hash, role=role, created_at=time.time())
        s.add(user)
        s.flush()
        return user.id


def set_role(store: Store, username: str, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    with store.write() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise ValueError(f"no user {username!r}")
        user.role = role


def rate_limited(store: Store, limits: dict[str, int], window: float) -> bool:
    """True when any key (``user:NAME``, ``ip:ADDR``) has at least its limit of failures in ``window``."""
    since = time.time() - window
    with store.read() as s:
        counts = dict(s.execute(select(LoginFailure.key, func.count())
                                .where(LoginFailure.key.in_(list(limits)), LoginFailure.at >= since)
                                .group_by(LoginFailure.key)).all())
    return any(counts.get(k, 0) >= n for k, n in limits.items())


def authenticate(store: Store, username: str, password: str, keys: list[str]) -> int | None:
    """The user id when the password is right; records a failure for ``keys`` otherwise."""
    with store.read() as s:
        user = s.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "") and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if ok:
        return user.id
    now = time.time()
    with store.write() as s:
        for key in keys:
            s.add(LoginFailure(key=key, at=now))
    return None


def clear_failures(store: Store, keys: list[str]) -> None:
    with store.write() as s:
        s.execute(delete(LoginFailure).where(LoginFailure.key.in_(keys)))


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
    if row is None or row[0].expires_at < time.time():
        return None
    sess, user = row
    return CurrentUser(user.id, user.username, user.role, sess.csrf)


def delete_session(store: Store, token: str | None) -> None:
    if token:
        with store.write() as s:
            s.execute(delete(SessionRow).where(SessionRow.token_hash == _token_hash(token)))


def csrf_ok(expected: str | None, got: str | None) -> bool:
    return bool(expected) and bool(got) and hmac.compare_digest(str(expected), str(got))
