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
    # log-in throttle (auth.py): free failures per account, then backoff 1, 2, 4 ... s up to login_max_delay
    login_limit: int = 5
    address_limit: int = 50  # free failures per client address, then the same backoff (NAT: slowed, not locked)
    login_window: float = 900.0  # failures older than this are forgotten and deleted (retention)
    login_max_delay: float = 300.0
    device_ttl: float = 180 * 24 * 3600.0  # device cookie: this browser logged in to this account before
    max_body: int = 64 * 1024  # bytes per request
    secure_cookies: bool = False  # set True behind HTTPS (also sends HSTS)
    open_signup: bool = True
    on_delete: str = "anonymise"  # a deleted account's answers: "anonymise" (kept, unlinked) or "remove"
    trusted_proxies: tuple[str, ...] = ()  # addresses whose X-Forwarded-For / -Proto are believed
    # coordinator map: a tile URL template (None: offline, no tile requests); CSP allows its host only
    tiles: str | None = None
    tiles_attribution: str = ""  # shown on the map; default for OpenStreetMap tiles: "© OpenStreetMap contributors"
    plan: Path | None = None  # city plan drawn as context: GeoJSON (points, street lines) or a `camdetect plan` CSV

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")
        if self.retire_agree < 0 or self.retire_agree > self.k:
            raise ValueError(f"retire_agree must be in 0..k={self.k}, got {self.retire_agree}")
        if not 0.0 <= self.spot_share <= 1.0 or not 0.0 <= self.spot_rate <= 1.0:
            raise ValueError("spot_share and spot_rate must be in [0, 1]")
        if self.claim_ttl <= 0 or self.spot_k < 1:
            raise ValueError("claim_ttl must be > 0 and spot_k >= 1")
        if self.on_delete not in ("anonymise", "remove"):
            raise ValueError(f"on_delete must be anonymise or remove, got {self.on_delete!r}")
        if self.login_limit < 1 or self.address_limit < 1:
            raise ValueError("login_limit and address_limit must be >= 1")
        if not 0 < self.login_max_delay <= self.login_window:
            raise ValueError("login_max_delay must be > 0 and <= login_window (failures expire after the window)")
        self.trusted_proxies = tuple(p.strip() for p in self.trusted_proxies if p.strip())
        if self.media is not None:
            self.media = Path(self.media)
        if self.plan is not None:
            self.plan = Path(self.plan)
        if self.tiles:
            from .mapcontext import default_attribution, tile_origin

            tile_origin(self.tiles)  # ValueError on a bad template
            self.tiles_attribution = self.tiles_attribution or default_attribution(self.tiles)
        else:
            self.tiles = None
