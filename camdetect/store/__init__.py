"""Review store: SQLAlchemy models + Alembic migrations; the scorer writes, the review app reads/writes.

    from camdetect.store import Store
    store = Store.open("runs/review.db", create=True)   # or postgresql://user@host/db; without
                                                        # create=True a missing store is a StoreError
    store.record_image(image_key, model, suggestions, meta)
    store.done_images(model)
"""

from .store import Store, StoreError, retryable, spot_rank, uncertainty

__all__ = ["Store", "StoreError", "retryable", "spot_rank", "uncertainty"]
