"""Polite, resumable HTTP for imagery providers: token-bucket rate limit, retries with exponential
backoff on 429/5xx honouring Retry-After, secrets redacted from every message, atomic file writes,
and a per-intersection state file so a killed fetch resumes where it stopped.

Keys/tokens live only in request parameters/headers in memory: never in URLs we print, files we
write, or exceptions we raise (``redact``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from camdetect.durable import JsonlLedger, write_csv
from camdetect.retry import TryAgain, exponential, parse_retry_after, with_retries

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_SECRET_PARAMS = re.compile(r"((?:key|access_token|token|signature|client)=)[^&\s\"']+", re.IGNORECASE)


class FetchError(RuntimeError):
    """A request failed for good (after retries, or a non-retryable status); message is redacted."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove secret values and key-like query parameters from ``text``."""
    for s in secrets:
        if s:
            text = text.replace(s, "REDACTED")
    return _SECRET_PARAMS.sub(r"\1REDACTED", text)


class TokenBucket:
    """``rate`` requests per second on average, bursts up to ``burst``. Thread-safe; injectable clock."""

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1, got rate={rate}, burst={burst}")
        self.rate, self.burst, self.clock, self.sleep = float(rate), int(burst), clock, sleep
        self.tokens = float(burst)
        self.last = clock()
        self.lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns seconds waited."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
            self.tokens -= 1  # may go negative: the debt is paid by the wait
        if wait > 0:
            self.sleep(wait)
        return wait


@dataclass
class HttpConfig:
    rate: float = 5.0  # requests per second (both providers allow far more; be polite)
    burst: int = 5
    retries: int = 5
    backoff: float = 1.0  # first retry wait, doubled each time
    max_backoff: float = 60.0
    timeout: float = 30.0


@dataclass
class HttpClient:
    """GET with rate limit + retries. ``secrets`` are redacted from all errors."""

    config: HttpConfig = field(default_factory=HttpConfig)
    secrets: tuple[str, ...] = ()
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = lambda msg: None

    def __post_init__(self) -> None:
        self.bucket = TokenBucket(self.config.rate, self.config.burst, sleep=self.sleep)
        self.client = httpx.Client(timeout=self.config.timeout, follow_redirects=True)
        self.requests = 0
        self.retried = 0

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, params: dict | None = None, headers: dict | None = None,
            ok_missing: bool = False) -> httpx.Response | None:
        """The response (2xx), None for 404 when ``ok_missing``; raises FetchError otherwise."""
        where = redact(url, self.secrets)
        retries = self.config.retries

        def attempt() -> httpx.Response | None:
            self.bucket.acquire()
            self.requests += 1
            try:
                resp = self.client.get(url, params=params, headers=headers)
            except httpx.HTTPError as exc:
                reason = type(exc).__name__
                raise TryAgain(reason, error=FetchError(f"{where}: {reason} after {retries + 1} attempts")) from None
            if resp.status_code < 300:
                return resp
            if resp.status_code == 404 and ok_missing:
                return None
            status, reason = resp.status_code, f"HTTP {resp.status_code}"
            if status not in RETRY_STATUS:
                raise FetchError(f"{where}: {reason}", status)
            raise TryAgain(reason, parse_retry_after(resp.headers.get("Retry-After")),
                           FetchError(f"{where}: {reason} after {retries + 1} attempts", status))

        def on_retry(attempt: int, wait: float, reason: str) -> None:
            self.retried += 1
            self.log(f"retry {attempt + 1}/{retries} in {wait:.1f}s: {where}: {reason}")

        return with_retries(attempt, retries=retries, wait=exponential(self.config.backoff),
                            max_wait=self.config.max_backoff, sleep=self.sleep, on_retry=on_retry)


FETCH_COLUMNS = ["intersection_id", "pano_id", "lat", "lon", "image_path", "kind", "pano_heading",
                 "heading", "pitch", "fov", "provider", "captured_at", "attribution"]


class FetchState:
    """``DIR/fetch_state.jsonl``: a :class:`~camdetect.durable.JsonlLedger` with one done-marker per
    finished intersection carrying its manifest rows.

    Appended and fsynced per intersection, so an interrupted run loses at most the one in flight (a
    torn last line is cut off on the next open); failures are not recorded and are retried on the
    next run."""

    def __init__(self, path: Path):
        self.path = path
        self.ledger = JsonlLedger(path, unit="intersection_id")
        self.done: dict[str, dict] = dict(self.ledger.done)
        for rec in self.ledger.records():  # state files from before the done field: every line is one
            if "done" not in rec and "intersection_id" in rec:
                self.done[rec["intersection_id"]] = rec

    def add(self, intersection_id: str, status: str, rows: list[dict]) -> None:
        self.ledger.mark_done(intersection_id, status=status, rows=rows)
        self.done[intersection_id] = self.ledger.done[intersection_id]

    def close(self) -> None:
        self.ledger.close()


def write_manifest(path: Path, rows: list[dict]) -> None:
    write_csv(path, ({k: ("" if r.get(k) is None else r.get(k)) for k in FETCH_COLUMNS} for r in rows), FETCH_COLUMNS)


@dataclass
class FetchSummary:
    intersections: int = 0
    fetched: int = 0
    skipped: int = 0  # already done (resume)
    no_imagery: int = 0
    failed: int = 0
    images: int = 0
    requests: int = 0
    retries: int = 0


def fetch_all(provider, plan: list[tuple[str, float, float]], out: Path, progress: bool = True,
              log_path: Path | None = None) -> FetchSummary:
    """Fetch imagery for every planned intersection; writes DIR/manifest.csv, state and a log."""
    out.mkdir(parents=True, exist_ok=True)
    state = FetchState(out / "fetch_state.jsonl")
    log_file = (log_path or out / "fetch.log").open("a", encoding="utf-8")
    secrets = provider.http.secrets

    def log(msg: str) -> None:
        log_file.write(redact(msg, secrets) + "\n")
        log_file.flush()

    provider.http.log = log
    summary = FetchSummary(intersections=len(plan))
    try:
        from tqdm import tqdm

        for iid, lat, lon in tqdm(plan, desc=f"fetch {provider.name}", unit="int", disable=not progress):
            if iid in state.done:
                summary.skipped += 1
                continue
            try:
                rows = provider.fetch(iid, lat, lon, out)
            except FetchError as exc:
                summary.failed += 1
                log(f"{iid}: failed: {exc}")
                continue
            for r in rows:
                r.setdefault("provider", provider.name)
            state.add(iid, "ok" if rows else "none", rows)
            summary.fetched += 1
            summary.no_imagery += not rows
            summary.images += len(rows)
            log(f"{iid}: {len(rows)} image(s)")
    finally:
        summary.requests, summary.retries = provider.http.requests, provider.http.retried
        rows, seen = [], set()
        for iid, _, _ in plan:  # one panorama can serve two nearby intersections: keep its first
            for r in state.done.get(iid, {}).get("rows", []):
                if r["image_path"] not in seen:
                    seen.add(r["image_path"])
                    rows.append(r)
        write_manifest(out / "manifest.csv", rows)
        log(f"summary: {json.dumps(summary.__dict__)}")
        log_file.close()
        state.close()
        provider.http.close()
    return summary
