"""demo-feed: a synthetic city's truth becomes suggestions on real cut views (idempotent, resumable)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from camdetect.review.demo_feed import feed_from_synth
from camdetect.store import Store
from camdetect.store.models import SuggestionRow, ViewRow


@pytest.fixture(scope="session")
def city(tmp_path_factory):
    from camdetect.synth.city import generate_city

    out = tmp_path_factory.mktemp("city")
    generate_city(out, 4, seed=1, width=2048)
    return out


def test_feed_from_synth(city, tmp_path):
    store = Store.open(tmp_path / "r.db", create=True)
    media = tmp_path / "media"
    n = feed_from_synth(city, store, media, progress=False)
    assert n > 0
    assert feed_from_synth(city, store, media, progress=False) == 0  # done images are skipped
    with store.read() as s:
        paths = set(s.scalars(select(ViewRow.image_path)))
        total = s.scalar(select(func.count()).select_from(SuggestionRow))
        bad = s.scalar(select(func.count()).select_from(SuggestionRow).where(
            (SuggestionRow.x1 < 0) | (SuggestionRow.x2 > SuggestionRow.image_width)))
    assert total == n and bad == 0
    assert all((media / p).is_file() for p in paths)


def test_feed_missing_city(tmp_path):
    with pytest.raises(FileNotFoundError, match="manifest.csv"):
        feed_from_synth(tmp_path, Store.open(tmp_path / "r.db", create=True), tmp_path / "m", progress=False)
