"""Engines, sessions and migrations for the operational store.

SQLite is opened with WAL, foreign keys on and a busy timeout; write transactions start with
``BEGIN IMMEDIATE`` so two writers never deadlock on a lock upgrade. Writes in one process are also
serialised by a lock, because the audit log is one hash chain and every write appends to it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session, sessionmaker

from altresponse.errors import BadInput
from altresponse.ops.audit import ChainKeys

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_IMMEDIATE = "altresponse_sqlite_immediate"


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and a bare file path for SQLite."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{url}"
    return url


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine with the store's connection settings for SQLite or PostgreSQL."""
    url = normalize_url(url)
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise BadInput(f"not a database URL: {url!r} (expected sqlite:///FILE or postgresql://...)") from exc
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                                  hide_parameters=True, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across a process crash
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            immediate = conn.get_execution_options().get(_IMMEDIATE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        # hide_parameters: an error message never carries a call's values into a log.
        # No pre-ping (a round trip per checkout on the triage path); connections are recycled
        # instead, and one found dead is discarded with the request that met it.
        kwargs.setdefault("pool_recycle", 900)
        return sa.create_engine(url, hide_parameters=True, **kwargs)
    raise BadInput(f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL")


def _alembic_config(connection: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine_or_url: sa.Engine | str, revision: str = "head") -> str:
    """Upgrade the schema to `revision`; returns the revision the database is now at."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)
    return current_revision(engine)


def current_revision(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() or ""


def head_revision() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head() or ""


class Store:
    """The store's engine and session factories: `read()` for queries, `write()` for changes.

    Every change appends to the keyed audit chain, so a store opened without the audit key reads
    but refuses to write.
    """

    def __init__(self, engine: sa.Engine, audit_key: bytes | None = None) -> None:
        self.engine = engine
        self._keys = ChainKeys(audit_key) if audit_key else None
        self.dialect = engine.dialect.name
        self._read = sessionmaker(engine, expire_on_commit=False)
        writer = engine.execution_options(**{_IMMEDIATE: True}) if self.dialect == "sqlite" else engine
        self._writer = writer
        self._write = sessionmaker(writer, expire_on_commit=False)
        self._write_lock = threading.Lock()

    @property
    def has_audit_key(self) -> bool:
        return self._keys is not None

    def set_audit_key(self, key: bytes) -> None:
        self._keys = ChainKeys(key)

    @property
    def audit_keys(self) -> ChainKeys:
        if self._keys is None:
            raise RuntimeError("store opened without the audit key: it can read but not write")
        return self._keys

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success; one writer at a time per process."""
        with self._write_lock, self._write() as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[sa.Connection]:
        """Like `write()` but a bare connection: the hot path (one call's decision) skips the ORM."""
        with self._write_lock, self._writer.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str, *, run_migrations: bool = True, audit_key: bytes | None = None) -> Store:
    """Open (and by default migrate) the store; `audit_key` is needed to write."""
    engine = make_engine(url)
    if run_migrations:
        migrate(engine)
    elif current_revision(engine) != head_revision():
        raise BadInput(f"database {engine.url.render_as_string(hide_password=True)} is not migrated; "
                       "run `altresponse ops migrate --db URL`")
    return Store(engine, audit_key)
