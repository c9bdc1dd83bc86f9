"""The Alembic migrations create exactly the schema the models describe, on both backends."""

from __future__ import annotations

import multiprocessing as mp

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from camdetect.store import Store
from camdetect.store.models import Base


def test_migrations_match_models(db_url):
    store = Store.open(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables
    store.close()


def _open(url: str) -> None:
    Store.open(url).close()


def test_parallel_open_in_processes(db_url):
    """Several processes opening a brand-new store at once: the migration lock serialises them."""
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_open, args=(db_url,)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
