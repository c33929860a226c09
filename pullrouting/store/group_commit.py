"""Writes committed in groups. A writer thread takes every write queued at that moment (up to a bound), runs
each in a savepoint of one transaction, and commits them together: one commit (one fsync) makes the whole
group durable, where a commit per write would pay one each (0.4-0.5 ms on this project's machine), and on
PostgreSQL the group also shares one BEGIN, one COMMIT and one NOTIFY, each a round trip. A group first runs
its writes one after another in the transaction; if one fails, the group is rolled back and runs again with
each write in a savepoint, so that a failing write is rolled back to its savepoint alone. A commit that
fails fails the whole group, and nothing of it is written. No caller hears of its write before the group
committed.

SQLite has one write lock, so writes take turns anyway: all of this process's writes go to one writer
thread. On PostgreSQL, customer messages go to a few writer threads whose groups commit side by side, each
taking the conversations' locks in the order of its writes' keys (the customer's), so that two groups never
wait on each other in a circle through them. A write that PostgreSQL refuses for a deadlock or a
serialization failure all the same is rolled back to its savepoint and run again after the group's commit
in a transaction of its own, with the writes of its group queued after it (each customer's messages keep
their order)."""

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from pullrouting.store.events import NOTIFY_AT_COMMIT, NOTIFY_EVENTS, WROTE_EVENTS, Written, take_written

T = TypeVar("T")

log = logging.getLogger(__name__)

# Bounds how long the first write of a group waits for the others to run before its commit.
MAX_GROUP = 64
# PostgreSQL keeps the ids of up to 64 subtransactions (savepoints that wrote) of a transaction in shared
# memory; past that every snapshot of every session looks them up in pg_subtrans, which slows them all.
MAX_GROUP_POSTGRES = 32
# PostgreSQL errors that mean "run the transaction again": serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = {"40001", "40P01"}
# Sent to the driver's connection as they are: SQLAlchemy's begin_nested() compiles its SAVEPOINT and RELEASE
# statements anew on every use, which was a tenth of the server's CPU while ingesting, and even sent as text
# through SQLAlchemy each cost as much as a query (its execution events, context and result).
SAVEPOINT = "SAVEPOINT write"
RELEASE = "RELEASE SAVEPOINT write"
ROLLBACK = "ROLLBACK TO SAVEPOINT write"


# Set while a group of writes runs: what its writes read that is the same for all of them, read once.
GROUP_READS = "pullrouting_group_reads"


def read_once_per_group(connection: Connection, key: tuple[str, ...], read: Callable[[], T]) -> T:
    """`read()`, or inside a group what it returned to the group's first write that asked under `key`: an
    ingestor's channel, say, read once for a group of its messages instead of once for each. The group
    commits as one, as if all its writes ran at the moment of that read. Outside a group, `read()`."""
    reads = connection.info.get(GROUP_READS)
    if reads is None:
        return read()
    if key not in reads:
        reads[key] = read()
    found: T = reads[key]
    return found


def is_retryable(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


# Runs a write alone in a transaction of its own (Database.run_sync), retrying as that does.
RunAlone = Callable[[Callable[[Connection], Any], bool], Any]


@dataclass
class _Write:
    work: Callable[[Connection], Any]
    retry_on_conflict: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    # Writes of one key are run in the order they were queued, and the group takes keys in order.
    key: str
    result: Any = None
    error: BaseException | None = None
    written: Written = field(default_factory=Written)


def _settle(writes: list[_Write]) -> None:
    """On the callers' loop: hands over each result, unless its caller stopped waiting (a cancelled RPC)."""
    for write in writes:
        if write.future.cancelled():
            continue
        if write.error is not None:
            write.future.set_exception(write.error)
        else:
            write.future.set_result(write.result)


class _Rerun(Exception):
    """A write failed in a group run without savepoints: the group is rolled back and runs again, each write in
    a savepoint, so that the failure undoes that write alone."""


class GroupCommitWriter:
    def __init__(
        self,
        engine: Engine,
        on_committed: Callable[[Written], None],
        max_attempts: int,
        *,
        threads: int = 1,
        max_group: int = MAX_GROUP,
        run_alone: RunAlone | None = None,
    ) -> None:
        """`on_committed` is called on a writer thread with what each committed group appended.
        `run_alone` runs a write that PostgreSQL refused for a deadlock or a serialization failure again."""
        self._engine = engine
        self._on_committed = on_committed
        self._max_attempts = max_attempts
        self._max_group = max_group
        self._run_alone = run_alone
        self._queue: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"db-writer-{number}", daemon=True) for number in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    async def run(self, work: Callable[[Connection], T], retry_on_conflict: bool, key: str = "") -> T:
        """Runs `work` in a savepoint of the next group and returns its result once the group committed.
        With `retry_on_conflict`, a unique index catching a concurrent insert runs it again (see
        `Database.run_sync`). A group runs its writes in the order of their `key`s (stable: in the order
        queued for one key)."""
        loop = asyncio.get_running_loop()
        write = _Write(work, retry_on_conflict, loop, loop.create_future(), key)
        self._queue.put(write)
        result: T = await write.future
        return result

    def close(self) -> None:
        """Commits what is queued, then stops the threads."""
        for _thread in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def _serve(self) -> None:
        # SQLite: the writer keeps its connection, so that a group is not also a checkout from the pool and a
        # return to it (a tenth of a group's work); a file does not go away as a server can. PostgreSQL: each
        # group checks one out, and the pool's ping finds a connection the server dropped before it is used.
        held = self._engine.connect() if self._engine.dialect.name == "sqlite" else None
        try:
            stopping = False
            while not stopping:
                group, stopping = self._next_group()
                if group and not self._commit(group, held) and held is not None:
                    # A commit that failed may leave its transaction open (SQLite keeps it after a deferred
                    # constraint's refusal), holding the write lock: the pool's reset on return rolls it back.
                    held.close()
                    held = self._engine.connect()
        finally:
            if held is not None:
                held.close()

    def _next_group(self) -> tuple[list[_Write], bool]:
        """The writes queued now (up to the bound), in the order of their keys, and whether this thread was
        told to stop after them."""
        first = self._queue.get()
        if first is None:
            return [], True
        group = [first]
        while len(group) < self._max_group:
            try:
                queued = self._queue.get_nowait()
            except queue.Empty:
                break
            if queued is None:
                group.sort(key=lambda write: write.key)
                return group, True
            group.append(queued)
        group.sort(key=lambda write: write.key)
        return group, False

    def _commit(self, group: list[_Write], held: Connection | None) -> bool:
        """Whether the group's transaction ended as it should (committed, or rolled back for a rerun)."""
        deferred: list[_Write] = []
        ended = True
        try:
            with contextlib.nullcontext(held) if held is not None else self._engine.connect() as connection:
                try:
                    with connection.begin():
                        self._run_all(connection, group, self._run_plainly)
                except _Rerun:
                    with connection.begin():
                        deferred = self._run_all(connection, group, self._run_in_savepoint)
        except Exception as error:
            for write in group:
                write.error = write.error or error
            deferred = []
            ended = False
        else:
            written = Written.joined(write.written for write in group if write.error is None)
            if written.events:
                try:
                    self._on_committed(written)
                except Exception:
                    # The group is committed whatever a listener does; the writer thread must live on.
                    log.exception("a listener of committed events failed")
        for write in deferred:
            self._alone(write)
        # One wake-up of each callers' loop for the whole group, not one per write.
        by_loop: dict[asyncio.AbstractEventLoop, list[_Write]] = {}
        for write in group:
            by_loop.setdefault(write.loop, []).append(write)
        for loop, writes in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, writes)
            except RuntimeError:
                # The callers' loop closed while the group committed: nobody is waiting any more.
                continue
        return ended

    def _run_all(
        self, connection: Connection, group: list[_Write], run: Callable[[Connection, _Write], bool]
    ) -> list[_Write]:
        """Runs the group's writes in the transaction, each with `run`; returns those left to run alone after
        its commit."""
        postgresql = connection.dialect.name == "postgresql"
        # The connection's info outlives this checkout: the mark must not outlive the group.
        connection.info[NOTIFY_AT_COMMIT] = postgresql
        connection.info[GROUP_READS] = {}
        deferred: list[_Write] = []
        try:
            for number, write in enumerate(group):
                write.result, write.written = None, Written()
                if not run(connection, write):
                    deferred = group[number:]
                    break
        finally:
            connection.info.pop(NOTIFY_AT_COMMIT, None)
            connection.info.pop(GROUP_READS, None)
        if postgresql and any(write.written.events for write in group if write.error is None):
            # One NOTIFY for the group's events, delivered at its commit.
            NOTIFY_EVENTS.execute(connection, {})
        return deferred

    def _alone(self, write: _Write) -> None:
        """Runs a write deferred out of its group in a transaction of its own (which wakes the readers)."""
        assert self._run_alone is not None, "only PostgreSQL defers writes"
        write.written = Written()
        try:
            write.result = self._run_alone(write.work, write.retry_on_conflict)
        except Exception as error:
            write.error = error

    @staticmethod
    def _run_plainly(connection: Connection, write: _Write) -> bool:
        """Runs the write without a savepoint of its own: the first try of every group. Savepoints cost two
        statements a write (on PostgreSQL two round trips; on SQLite a statement journal in a temporary file),
        and are needed only when a write fails, which then raises _Rerun."""
        connection.info.pop(WROTE_EVENTS, None)
        try:
            write.result = write.work(connection)
        except Exception as error:
            raise _Rerun from error
        write.written = take_written(connection)
        return True

    def _run_in_savepoint(self, connection: Connection, write: _Write) -> bool:
        """Runs the write in a savepoint; False if PostgreSQL asked for it to run again in a transaction of
        its own (the group then stops and commits what ran before it)."""
        driver = connection.connection.driver_connection
        for attempt in range(1, self._max_attempts + 1):
            driver.execute(SAVEPOINT)
            connection.info.pop(WROTE_EVENTS, None)
            try:
                write.result = write.work(connection)
            except IntegrityError as error:
                _roll_back_write(driver)
                if write.retry_on_conflict and attempt < self._max_attempts:
                    continue
                write.error = error
                return True
            except DBAPIError as error:
                _roll_back_write(driver)
                if self._run_alone is not None and is_retryable(error):
                    # The locks the group took before this write stay held until its commit, so running it
                    # again inside the group could meet the same deadlock.
                    return False
                write.error = error
                return True
            except Exception as error:
                # A domain error or a driver error of this write alone: the group goes on without it.
                _roll_back_write(driver)
                write.error = error
                return True
            driver.execute(RELEASE)
            write.written = take_written(connection)
            return True
        raise AssertionError("unreachable")


def _roll_back_write(driver: Any) -> None:
    """`driver`: the DBAPI connection under SQLAlchemy's (sqlite3 or psycopg)."""
    driver.execute(ROLLBACK)
    driver.execute(RELEASE)
