"""One retry loop for the package: try, wait (backoff, or what the server asks in Retry-After), try again.

:func:`with_retries` calls a function up to ``retries + 1`` times. The function asks for another try by
raising :class:`TryAgain` (with the server's Retry-After in seconds, and the error to raise when no
try is left), or by raising an exception that ``retry_on`` accepts (re-raised as it is when no try is
left). Any other exception goes straight through. The wait before try ``n + 1`` is ``wait(n)``
(:func:`exponential`, or any function), raised to the server's Retry-After when that is longer, and
capped at ``max_wait``. ``sleep`` is injectable so tests never sleep.

:func:`parse_retry_after` reads an HTTP ``Retry-After`` header in both of its forms (RFC 9110 10.2.3):
delay-seconds (``"120"``) and an HTTP-date (``"Wed, 21 Oct 2015 07:28:00 GMT"``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TypeVar

T = TypeVar("T")


class TryAgain(Exception):
    """Raised inside a retried function: this try failed in a way worth another one.

    ``retry_after``: seconds the server asked to wait (None: use the backoff). ``error``: what
    :func:`with_retries` raises when no try is left (None: a RuntimeError naming ``reason``)."""

    def __init__(self, reason: str, retry_after: float | None = None, error: BaseException | None = None):
        super().__init__(reason)
        self.reason, self.retry_after, self.error = reason, retry_after, error


def exponential(first: float, factor: float = 2.0) -> Callable[[int], float]:
    """Waits ``first, first * factor, first * factor**2, ...`` for tries 0, 1, 2, ..."""
    return lambda attempt: first * factor ** attempt


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header value: delay-seconds or an HTTP-date (a date in the
    past is 0). None when the header is absent or unreadable. ``now``: Unix time (default: the clock)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT; parsedate gives naive for "-0000"
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def with_retries(fn: Callable[[], T], *, retries: int, wait: Callable[[int], float],
                 retry_on: Callable[[BaseException], bool] = lambda exc: False, max_wait: float = math.inf,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[int, float, str], None] | None = None) -> T:
    """``fn()``'s result, trying up to ``retries + 1`` times (see the module docstring).

    ``on_retry(attempt, seconds, reason)`` is called before each wait (attempt counts from 0)."""
    for attempt in range(retries + 1):
        try:
            return fn()
        except Exception as exc:
            again = isinstance(exc, TryAgain)
            if not again and not retry_on(exc):
                raise
            if attempt == retries:
                if again:
                    raise (exc.error or RuntimeError(f"{exc.reason} after {attempt + 1} attempts")) from None
                raise
            delay = wait(attempt)
            if again and exc.retry_after is not None:
                delay = max(delay, exc.retry_after)
            delay = min(max_wait, delay)
            if on_retry is not None:
                on_retry(attempt, delay, exc.reason if again else f"{type(exc).__name__}: {exc}")
            sleep(delay)
    raise ValueError(f"retries must be >= 0, got {retries}")
