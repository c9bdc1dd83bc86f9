"""One retry helper: backoff, Retry-After in both forms (seconds and HTTP-date), give-up errors."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from camdetect.retry import TryAgain, exponential, parse_retry_after, with_retries

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("value, expect", [
    ("7", 7.0),  # delay-seconds
    (" 120 ", 120.0),
    ("Sat, 01 Mar 2025 12:00:30 GMT", 30.0),  # HTTP-date, 30 s after NOW
    (format_datetime(datetime(2025, 3, 1, 12, 2, 0, tzinfo=UTC), usegmt=True), 120.0),
    ("Sat, 01 Mar 2025 11:59:00 GMT", 0.0),  # a date in the past: no wait
    ("", None), (None, None), ("soon", None), ("-5", None), ("1.5", None),
])
def test_parse_retry_after(value, expect):
    assert parse_retry_after(value, now=NOW) == expect


def _flaky(outcomes):
    """A function that raises/returns the given outcomes in turn, counting calls."""
    calls = []

    def fn():
        calls.append(1)
        out = outcomes[len(calls) - 1]
        if isinstance(out, BaseException):
            raise out
        return out

    return fn, calls


@pytest.mark.parametrize("outcomes, retries, expect_waits", [
    (["ok"], 3, []),
    ([TryAgain("429"), TryAgain("503"), "ok"], 3, [1.0, 2.0]),  # exponential backoff
    ([TryAgain("429", retry_after=7.0), "ok"], 3, [7.0]),  # the server asks for longer: honoured
    ([TryAgain("429", retry_after=0.1), "ok"], 3, [1.0]),  # shorter than the backoff: backoff wins
    ([TryAgain("429", retry_after=500.0), "ok"], 3, [30.0]),  # capped at max_wait
    ([TryAgain("a"), TryAgain("b"), TryAgain("c"), TryAgain("d"), "ok"], 5, [1.0, 2.0, 4.0, 8.0]),
])
def test_with_retries_waits(outcomes, retries, expect_waits):
    fn, calls = _flaky(outcomes)
    waits, notes = [], []
    assert with_retries(fn, retries=retries, wait=exponential(1.0), max_wait=30.0, sleep=waits.append,
                        on_retry=lambda a, w, r: notes.append((a, r))) == "ok"
    assert waits == expect_waits and len(calls) == len(expect_waits) + 1
    assert [a for a, _ in notes] == list(range(len(expect_waits)))


def test_with_retries_gives_up_with_the_callers_error():
    fn, calls = _flaky([TryAgain("HTTP 500", error=KeyError("gave up"))] * 3)
    with pytest.raises(KeyError, match="gave up"):
        with_retries(fn, retries=2, wait=lambda a: 0.0, sleep=lambda s: None)
    assert len(calls) == 3
    fn, _ = _flaky([TryAgain("HTTP 500")])
    with pytest.raises(RuntimeError, match="HTTP 500 after 1 attempts"):
        with_retries(fn, retries=0, wait=lambda a: 0.0, sleep=lambda s: None)


def test_with_retries_retry_on_reraises_the_last_error_and_passes_others():
    fn, calls = _flaky([OSError("busy"), OSError("busy"), OSError("busy")])
    waits = []
    with pytest.raises(OSError, match="busy"):
        with_retries(fn, retries=2, wait=lambda a: 0.05 * (a + 1), retry_on=lambda e: isinstance(e, OSError),
                     sleep=waits.append)
    assert waits == [0.05, 0.1] and len(calls) == 3
    fn, calls = _flaky([ValueError("bad input")])
    with pytest.raises(ValueError):
        with_retries(fn, retries=5, wait=lambda a: 1.0, retry_on=lambda e: isinstance(e, OSError),
                     sleep=lambda s: None)
    assert len(calls) == 1
