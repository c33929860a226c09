"""Engines and transactions. Every write runs in one transaction that also appends its events; on SQLite
that transaction takes the write lock at BEGIN, on PostgreSQL the rows it decides on are locked."""

import asyncio
import functools
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError

from pullrouting.domain.events import Event
from pullrouting.store.events import WROTE_EVENTS
from pullrouting.store.group_commit import GroupCommitWriter

T = TypeVar("T")

DEFAULT_DATABASE_URL = "sqlite:///pullrouting.db"
# PostgreSQL errors that mean "run the transaction again": serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = {"40001", "40P01"}
MAX_ATTEMPTS = 8
READ_ONLY = "pullrouting_read_only"
# One connection per worker thread of Database, plus a few for start-up and the event listener.
WORKERS = 16
POOL_SIZE = WORKERS + 2


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3, the driver we ship."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_database_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    # hide_parameters: a failing statement's error and log line never carry the values (message text).
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=4, pool_pre_ping=True, hide_parameters=True)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=POOL_SIZE,
        max_overflow=0,
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (the SQLAlchemy pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # A commit is on disk before the call that made it returns; group commit pays for the fsync.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A writer takes the write lock up front (IMMEDIATE): concurrent writers queue at BEGIN instead of
        # failing when a read lock would have to be upgraded; readers stay concurrent with each other.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _retryable(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


class Database:
    """Runs blocking SQLAlchemy work on a thread pool so the gRPC event loop never waits on the disk."""

    def __init__(self, engine: Engine, workers: int = WORKERS) -> None:
        self.engine = engine
        self.is_sqlite = is_sqlite(engine)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")
        # SQLite has one write lock, and writers that find it taken wait in the driver's busy handler, which
        # sleeps on a back-off of up to 100 ms a try. So this process's writers queue on one thread, take
        # turns without sleeping and commit in groups; readers keep the pool.
        self._writer = GroupCommitWriter(engine, self._committed, MAX_ATTEMPTS) if self.is_sqlite else None
        # Called (on the worker thread) after a transaction that appended events has committed.
        self.on_events_committed: Callable[[], None] = lambda: None
        # Called likewise with the events themselves (for the metrics of the instance that wrote them).
        self.on_events_written: Callable[[list[Event]], None] = lambda _events: None

    def _committed(self, written: list[Event]) -> None:
        self.on_events_committed()
        self.on_events_written(written)

    @contextmanager
    def transaction(self, read_only: bool = False) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            if read_only:
                # One snapshot for the whole read, so a snapshot and the event position it is paired
                # with agree (SQLite's read transactions are snapshots already).
                isolation = {} if self.is_sqlite else {"isolation_level": "REPEATABLE READ"}
                connection = connection.execution_options(**{READ_ONLY: True}, **isolation)
            with connection.begin():
                yield connection

    def run_sync(
        self, work: Callable[[Connection], T], *, read_only: bool = False, retry_on_conflict: bool = False
    ) -> T:
        """Runs `work` in one transaction. It runs again from the start when PostgreSQL asks for a retry,
        and, with `retry_on_conflict`, when a unique index caught a concurrent insert that the next attempt
        will find (two first messages of one customer, say)."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.transaction(read_only) as connection:
                    connection.info.pop(WROTE_EVENTS, None)
                    result = work(connection)
                    written = connection.info.pop(WROTE_EVENTS, [])
                if written:
                    self._committed(written)
                return result
            except IntegrityError:
                if attempt == MAX_ATTEMPTS or not retry_on_conflict:
                    raise
            except DBAPIError as error:
                if attempt == MAX_ATTEMPTS or not _retryable(error):
                    raise
            time.sleep(0.001 * attempt)
        raise AssertionError("unreachable")

    async def run(
        self, work: Callable[[Connection], T], *, read_only: bool = False, retry_on_conflict: bool = False
    ) -> T:
        if not read_only and self._writer is not None:
            return await self._writer.run(work, retry_on_conflict)
        call = functools.partial(self.run_sync, work, read_only=read_only, retry_on_conflict=retry_on_conflict)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def read(self, work: Callable[[Connection], T]) -> T:
        return await self.run(work, read_only=True)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        if self._writer is not None:
            self._writer.close()
        self.engine.dispose()
