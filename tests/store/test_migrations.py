"""The Alembic migrations create exactly the schema the models describe, on both backends."""

from __future__ import annotations

import multiprocessing as mp

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from camdetect.store import Store
from camdetect.store.models import Base

HEAD = "0007"  # the newest migration: every upgrade test ends there


def test_migrations_match_models(db_url):
    store = Store.open(db_url, create=True)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables
    store.close()


def _open(url: str) -> None:
    Store.open(url, create=True).close()


def test_parallel_open_in_processes(db_url):
    """Several processes opening a brand-new store at once: the migration lock serialises them."""
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_open, args=(db_url,)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]


def test_upgrade_from_0001_forgets_raw_login_failures(db_url):
    """Issue 13.5: an existing store upgrades (0001 -> head); the failed log-ins 0001 kept in plain
    text (typed username, client address) are deleted, and the secrets table appears."""
    store = Store.open(db_url, create=True, migrate=False)
    store.migrate("0001")
    with store.write() as s:
        s.execute(text("INSERT INTO login_failures (key, at) VALUES ('user:alice', 1.0), ('ip:10.0.0.7', 1.0)"))
    store.close()
    store = Store.open(db_url)  # an ordinary open migrates to head
    with store.read() as s:
        assert s.execute(text("SELECT count(*) FROM login_failures")).scalar() == 0
        assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    assert "review_secrets" in set(inspect(store.engine).get_table_names())
    store.close()


def _with_user_at(db_url: str, revision: str) -> Store:
    """A store stopped at ``revision`` holding volunteer 'ana', reopened (and so upgraded to HEAD)."""
    store = Store.open(db_url, create=True, migrate=False)
    store.migrate(revision)
    with store.write() as s:
        s.execute(text("INSERT INTO users (username, password_hash, role, created_at) VALUES ('ana', 'x', 'volunteer', 1.0)"))
    store.close()
    return Store.open(db_url)


def test_upgrade_from_0002_adds_user_language(db_url):
    """Issue 13 (languages): users get a nullable ``language`` column; existing users keep NULL
    (the app then follows their browser)."""
    store = _with_user_at(db_url, "0002")
    with store.read() as s:
        assert s.execute(text("SELECT language FROM users WHERE username = 'ana'")).scalar() is None
        assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    store.close()


def test_upgrade_from_0003_adds_user_disabled(db_url):
    """Issue 13 (coordinator tools): users get ``disabled``; existing users stay enabled and can be disabled."""
    store = _with_user_at(db_url, "0003")
    with store.write() as s:
        assert not s.execute(text("SELECT disabled FROM users WHERE username = 'ana'")).scalar()
        assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        s.execute(text("UPDATE users SET disabled = :d WHERE username = 'ana'"), {"d": True})
        assert s.execute(text("SELECT disabled FROM users WHERE username = 'ana'")).scalar()
    store.close()


def test_upgrade_from_0005_queue_index_has_id(db_url):
    """Issue 13.7: the suggestions queue index gains ``id`` (the claim walks it backwards: priority, then id)."""
    store = Store.open(db_url, create=True, migrate=False)
    store.migrate("0005")
    cols = {ix["name"]: ix["column_names"] for ix in inspect(store.engine).get_indexes("suggestions")}
    assert cols["ix_suggestions_queue"] == ["status", "priority"]
    store.close()
    store = Store.open(db_url)
    cols = {ix["name"]: ix["column_names"] for ix in inspect(store.engine).get_indexes("suggestions")}
    assert cols["ix_suggestions_queue"] == ["status", "priority", "id"]
    store.close()


def test_upgrade_from_0006_adds_audit_log_and_password_flag(db_url):
    """Coordinator accountability: an existing store gains an empty ``audit_log``; existing users keep their
    passwords (no forced change)."""
    store = _with_user_at(db_url, "0006")
    with store.read() as s:
        assert not s.execute(text("SELECT must_change_password FROM users WHERE username = 'ana'")).scalar()
        assert s.execute(text("SELECT count(*) FROM audit_log")).scalar() == 0
        assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    store.close()
