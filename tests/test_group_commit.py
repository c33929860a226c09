"""SQLite group commit: writes queued while another runs commit together, each still all-or-nothing."""

import asyncio
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, event, insert, text
from sqlalchemy.exc import IntegrityError

from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.events import Event, ListEventType
from pullrouting.store import events as event_store
from pullrouting.store.database import Database
from pullrouting.store.positions import START
from pullrouting.store.tables import participants

DEADLINE = 10.0


def _append(list_id: str) -> Callable[[Connection], None]:
    return lambda connection: event_store.append(connection, [Event(ListEventType.ADDED, list_id=list_id)])


def _stored_lists(database: Database) -> list[str | None]:
    with database.engine.connect() as connection:
        return [e.list_id for e in event_store.read_after(connection, START, 100).events]


def _count_commits(database: Database) -> list[int]:
    commits = [0]

    def counted(_connection: Connection) -> None:
        commits[0] += 1

    event.listen(database.engine, "commit", counted)
    return commits


class HeldWriter:
    """A first write that holds the writer thread until released, so that what is queued meanwhile forms
    the next group."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._running = threading.Event()
        self._release = threading.Event()
        self._task: asyncio.Future[None] | None = None

    def _hold(self, _connection: Connection) -> None:
        self._running.set()
        if not self._release.wait(DEADLINE):
            raise TimeoutError("the group was not queued in time")

    async def __aenter__(self) -> "HeldWriter":
        self._task = asyncio.ensure_future(self._database.run(self._hold))
        if not await asyncio.to_thread(self._running.wait, DEADLINE):
            raise TimeoutError("the holding write did not start")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._release.set()
        assert self._task is not None
        await asyncio.wait_for(self._task, DEADLINE)


async def _as_one_group(database: Database, *works: Callable[[Connection], object]) -> list[object]:
    async with HeldWriter(database):
        queued = [asyncio.ensure_future(database.run(work)) for work in works]
        # One turn of the loop runs each task to its first wait: all of them are in the writer's queue then.
        await asyncio.sleep(0)
    return await asyncio.wait_for(asyncio.gather(*queued, return_exceptions=True), DEADLINE)


async def test_a_failing_write_is_undone_alone_and_the_rest_of_its_group_commits(sqlite_database: Database) -> None:
    commits = _count_commits(sqlite_database)

    def append_then_refuse(connection: Connection) -> None:
        _append("refused")(connection)
        raise DomainError(Reason.CONVERSATION_CLOSED, "refused after writing")

    before, refused, after = await _as_one_group(
        sqlite_database, _append("before"), append_then_refuse, _append("after")
    )

    assert isinstance(refused, DomainError)
    assert not isinstance(before, Exception) and not isinstance(after, Exception)
    assert _stored_lists(sqlite_database) == ["before", "after"]
    # The holding write's group, then the three queued behind it in one transaction.
    assert commits[0] == 2


async def test_a_commit_that_fails_fails_its_whole_group_and_writes_nothing(sqlite_database: Database) -> None:
    def orphan_at_commit(connection: Connection) -> None:
        # Checked at COMMIT, not at the insert: the group's commit is what fails.
        connection.execute(text("PRAGMA defer_foreign_keys = ON"))
        connection.execute(insert(participants).values(conversation_id="missing", agent_id="missing", join_time=0))

    results = await _as_one_group(sqlite_database, _append("first"), orphan_at_commit, _append("last"))

    assert all(isinstance(result, IntegrityError) for result in results), results
    assert _stored_lists(sqlite_database) == []


async def test_the_caller_of_a_cancelled_write_stops_waiting_and_the_write_still_commits(
    sqlite_database: Database,
) -> None:
    loop_errors: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, context: loop_errors.append(context))
    async with HeldWriter(sqlite_database):
        cancelled = asyncio.ensure_future(sqlite_database.run(_append("cancelled")))
        await asyncio.sleep(0)
        cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    # Like a call whose client went away after sending it: what it asked for is done.
    await sqlite_database.run(_append("next"))
    assert _stored_lists(sqlite_database) == ["cancelled", "next"]
    # Handing the result to a caller that stopped waiting is skipped, not an error on the loop.
    assert loop_errors == []


async def test_a_failing_listener_of_committed_events_stops_neither_the_write_nor_the_writer(
    sqlite_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_listener(_events: list[Event]) -> None:
        raise RuntimeError("listener broke")

    sqlite_database.on_events_written = broken_listener
    for list_id in ("first", "second"):
        await asyncio.wait_for(sqlite_database.run(_append(list_id)), DEADLINE)
    assert _stored_lists(sqlite_database) == ["first", "second"]
    assert "a listener of committed events failed" in caplog.text
