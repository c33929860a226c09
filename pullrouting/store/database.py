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
from pullrouting.store.events import WROTE_EVENTS, StoredEvent, Written, take_written
from pullrouting.store.group_commit import MAX_GROUP_POSTGRES, GroupCommitWriter, is_retryable

T = TypeVar("T")

DEFAULT_DATABASE_URL = "sqlite:///pullrouting.db"
MAX_ATTEMPTS = 8
READ_ONLY = "pullrouting_read_only"
# One connection per worker thread of Database, plus a few for start-up and the event listener.
WORKERS = 16
# PostgreSQL: the writer threads whose groups of customer messages commit side by side.
GROUP_WRITERS = 4
POOL_SIZE = WORKERS + GROUP_WRITERS + 2


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
        # On the driver's connection: through SQLAlchemy's execution layer the BEGIN cost as much as a query
        # (store/prepared.py), once for every group of writes and every read.
        connection.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    """Runs blocking SQLAlchemy work on a thread pool so the gRPC event loop never waits on the disk."""

    def __init__(self, engine: Engine, workers: int = WORKERS, group_writers: int = GROUP_WRITERS) -> None:
        self.engine = engine
        self.is_sqlite = is_sqlite(engine)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")
        # SQLite has one write lock, and writers that find it taken wait in the driver's busy handler, which
        # sleeps on a back-off of up to 100 ms a try. So this process's writers queue on one thread, take
        # turns without sleeping and commit in groups; readers keep the pool.
        self._writer = GroupCommitWriter(engine, self._committed, MAX_ATTEMPTS) if self.is_sqlite else None
        # PostgreSQL: writes that ask for it (customer messages) commit in groups too, a few groups at a time,
        # sharing a transaction's round trips and its commit's flush (see store/group_commit.py).
        self._group_writer = (
            None
            if self.is_sqlite
            else GroupCommitWriter(
                engine,
                self._committed,
                MAX_ATTEMPTS,
                threads=group_writers,
                max_group=MAX_GROUP_POSTGRES,
                run_alone=lambda work, retry_on_conflict: self.run_sync(work, retry_on_conflict=retry_on_conflict),
            )
        )
        # Called (on the worker thread) after a transaction that appended events has committed, with them as
        # stored on SQLite (none on PostgreSQL, whose readers must wait for the horizon: store/events.py).
        self.on_events_committed: Callable[[list[StoredEvent]], None] = lambda _stored: None
        # Called likewise with the events themselves (for the metrics of the instance that wrote them).
        self.on_events_written: Callable[[list[Event]], None] = lambda _events: None

    def _committed(self, written: Written) -> None:
        self.on_events_committed(written.stored)
        self.on_events_written(written.events)

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
                    written = take_written(connection)
                if written.events:
                    self._committed(written)
                return result
            except IntegrityError:
                if attempt == MAX_ATTEMPTS or not retry_on_conflict:
                    raise
            except DBAPIError as error:
                if attempt == MAX_ATTEMPTS or not is_retryable(error):
                    raise
            time.sleep(0.001 * attempt)
        raise AssertionError("unreachable")

    async def run(
        self,
        work: Callable[[Connection], T],
        *,
        read_only: bool = False,
        retry_on_conflict: bool = False,
        group_key: str | None = None,
    ) -> T:
        """With a `group_key`, a write commits in a group with others on PostgreSQL too (on SQLite every write
        does); a group runs its writes in the order of their keys, so writes that lock rows should name the
        first row they lock (two groups then take those locks in the same order)."""
        if not read_only and self._writer is not None:
            return await self._writer.run(work, retry_on_conflict, group_key or "")
        if not read_only and group_key is not None and self._group_writer is not None:
            return await self._group_writer.run(work, retry_on_conflict, group_key)
        call = functools.partial(self.run_sync, work, read_only=read_only, retry_on_conflict=retry_on_conflict)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def read(self, work: Callable[[Connection], T]) -> T:
        return await self.run(work, read_only=True)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        for writer in (self._writer, self._group_writer):
            if writer is not None:
                writer.close()
        self.engine.dispose()
