"""Review store: SQLAlchemy models + Alembic migrations; the scorer writes, the review app reads/writes.

    from camdetect.store import Store
    store = Store.open("runs/review.db")          # or postgresql://user@host/db
    store.record_image(image_key, model, suggestions, meta)
    store.done_images(model)
"""

from .store import Store, retryable, spot_rank, uncertainty

__all__ = ["Store", "retryable", "spot_rank", "uncertainty"]
