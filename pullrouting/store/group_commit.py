"""SQLite writes of this process, committed in groups. SQLite has one write lock, so writes take turns
anyway: one writer thread takes every write queued at that moment, runs each in a savepoint of one
transaction, and commits them together. One fsync then makes the whole group durable, where a commit per
write would pay an fsync each (0.4-0.5 ms on this project's machine). A write that fails is rolled back
to its savepoint alone; a commit that fails fails the whole group, and nothing of it is written."""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from pullrouting.domain.events import Event
from pullrouting.store.events import WROTE_EVENTS

T = TypeVar("T")

log = logging.getLogger(__name__)

# Bounds how long the first write of a group waits for the others to run before its commit.
MAX_GROUP = 64
# Sent to the driver's connection as they are: SQLAlchemy's begin_nested() compiles its SAVEPOINT and RELEASE
# statements anew on every use, which was a tenth of the server's CPU while ingesting, and even sent as text
# through SQLAlchemy each cost as much as a query (its execution events, context and result).
SAVEPOINT = "SAVEPOINT write"
RELEASE = "RELEASE SAVEPOINT write"
ROLLBACK = "ROLLBACK TO SAVEPOINT write"


@dataclass
class _Write:
    work: Callable[[Connection], Any]
    retry_on_conflict: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None
    events: list[Event] = field(default_factory=list)


def _settle(writes: list[_Write]) -> None:
    """On the callers' loop: hands over each result, unless its caller stopped waiting (a cancelled RPC)."""
    for write in writes:
        if write.future.cancelled():
            continue
        if write.error is not None:
            write.future.set_exception(write.error)
        else:
            write.future.set_result(write.result)


class GroupCommitWriter:
    def __init__(self, engine: Engine, on_committed: Callable[[list[Event]], None], max_attempts: int) -> None:
        """`on_committed` is called on the writer thread with the events each committed group appended."""
        self._engine = engine
        self._on_committed = on_committed
        self._max_attempts = max_attempts
        self._queue: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="db-writer", daemon=True)
        self._thread.start()

    async def run(self, work: Callable[[Connection], T], retry_on_conflict: bool) -> T:
        """Runs `work` in a savepoint of the next group and returns its result once the group committed.
        With `retry_on_conflict`, a unique index catching a concurrent insert runs it again (see
        `Database.run_sync`)."""
        loop = asyncio.get_running_loop()
        write = _Write(work, retry_on_conflict, loop, loop.create_future())
        self._queue.put(write)
        result: T = await write.future
        return result

    def close(self) -> None:
        """Commits what is queued, then stops the thread."""
        self._queue.put(None)
        self._thread.join()

    def _serve(self) -> None:
        while (first := self._queue.get()) is not None:
            group = [first]
            stopping = False
            while len(group) < MAX_GROUP and not stopping:
                try:
                    queued = self._queue.get_nowait()
                except queue.Empty:
                    break
                if queued is None:
                    stopping = True
                else:
                    group.append(queued)
            self._commit(group)
            if stopping:
                return

    def _commit(self, group: list[_Write]) -> None:
        try:
            with self._engine.connect() as connection, connection.begin():
                for write in group:
                    self._run_in_savepoint(connection, write)
        except Exception as error:
            for write in group:
                write.error = write.error or error
        else:
            events = [event for write in group if write.error is None for event in write.events]
            if events:
                try:
                    self._on_committed(events)
                except Exception:
                    # The group is committed whatever a listener does; the writer thread must live on.
                    log.exception("a listener of committed events failed")
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

    def _run_in_savepoint(self, connection: Connection, write: _Write) -> None:
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
                return
            except Exception as error:
                # A domain error or a driver error of this write alone: the group goes on without it.
                _roll_back_write(driver)
                write.error = error
                return
            driver.execute(RELEASE)
            write.events = connection.info.pop(WROTE_EVENTS, [])
            return


def _roll_back_write(driver: Any) -> None:
    """`driver`: the sqlite3 connection under SQLAlchemy's."""
    driver.execute(ROLLBACK)
    driver.execute(RELEASE)
