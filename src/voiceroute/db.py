"""Engine, transactions and migrations.

``Database.read()`` and ``Database.write()`` are the only ways code gets a session, so every
unit of work is one transaction. On SQLite a write transaction starts with ``BEGIN IMMEDIATE``:
it takes the write lock up front, so a read-modify-write (a partial update, a rate-limit
counter) can never interleave with another writer and fail half-way with "database is locked".
On PostgreSQL the services lock the rows they change (``SELECT ... FOR UPDATE``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_IMMEDIATE = "voiceroute_begin_immediate"
# SQLite: as many connections as the server has worker threads (AnyIO's default limiter is
# 40), so a request never waits for a connection another request's thread holds idle.
SQLITE_POOL_SIZE = 40


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url)
    # PostgreSQL connections are a shared budget (max_connections, 100 by default) across API
    # replicas and Kamailio nodes: keep a modest pool and let threads queue for it.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _make_sqlite_engine(url: str) -> Engine:
    # The driver's own transaction handling is turned off so that the events below decide
    # how each transaction begins (the SQLAlchemy "pysqlite serializable" recipe).
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "isolation_level": None, "timeout": 30},
        pool_size=SQLITE_POOL_SIZE,
        max_overflow=0,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One engine and the two kinds of unit of work the services use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(**{_IMMEDIATE: True}), expire_on_commit=False
        )
        self._local_writers: AbstractContextManager[object] = (
            threading.Lock() if self.is_sqlite else nullcontext()
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back if it raises."""
        # SQLite takes one writer at a time; writers of this process queue here, in order,
        # instead of polling the database lock with SQLite's backoff (up to 100 ms a sleep).
        with self._local_writers, self._writer() as session, session.begin():
            yield session

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def upgrade(self, revision: str = "head") -> None:
        """Apply every Alembic migration not yet applied (safe to run from many replicas)."""
        with self.engine.connect() as connection:
            driver: Any = connection.connection.driver_connection
            if self.is_sqlite:
                # Batch migrations rebuild tables, and SQLite refuses to drop a table other
                # tables reference while foreign keys are enforced; the check below makes up
                # for switching them off. (The pragma only works outside a transaction.)
                driver.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    config = AlembicConfig()
                    config.set_main_option("script_location", str(MIGRATIONS_DIR))
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                if self.is_sqlite:
                    broken = driver.execute("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left dangling references: {broken[:5]}")
            finally:
                if self.is_sqlite:
                    driver.execute("PRAGMA foreign_keys=ON")

    def dispose(self) -> None:
        self.engine.dispose()
