"""Knobs of the review app (all settable from ``camdetect review serve``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ReviewConfig:
    """Scheduling, security and limits. Defaults documented in docs/review.md."""

    media: Path | None = None  # folder the scorer wrote the view JPEGs into
    k: int = 3  # volunteers per suggestion at most
    retire_agree: int = 2  # retire early when the first N answers agree (yes/yes or no/no); 0 = never
    claim_ttl: float = 600.0  # seconds a claimed task stays reserved for its volunteer
    spot_share: float = 0.05  # share of views that are spot-check views (searched in full, no suggestions)
    spot_rate: float = 0.1  # chance that a "next task" offers a spot check first
    spot_k: int = 1  # volunteers per spot-check view
    w_uncertainty: float = 1.0  # priority = w_uncertainty * uncertainty + w_finish * intersection progress
    w_finish: float = 1.0
    session_ttl: float = 14 * 24 * 3600.0
    login_limit: int = 5  # failed log-ins per username or address within login_window -> 429
    login_window: float = 900.0
    max_body: int = 64 * 1024  # bytes per request
    secure_cookies: bool = False  # set True behind HTTPS
    open_signup: bool = True

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")
        if self.retire_agree < 0 or self.retire_agree > self.k:
            raise ValueError(f"retire_agree must be in 0..k={self.k}, got {self.retire_agree}")
        if not 0.0 <= self.spot_share <= 1.0 or not 0.0 <= self.spot_rate <= 1.0:
            raise ValueError("spot_share and spot_rate must be in [0, 1]")
        if self.claim_ttl <= 0 or self.spot_k < 1:
            raise ValueError("claim_ttl must be > 0 and spot_k >= 1")
        if self.media is not None:
            self.media = Path(self.media)
