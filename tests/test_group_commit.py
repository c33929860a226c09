"""Group commit: writes queued while another runs commit together, each still all-or-nothing; on SQLite every
write, on PostgreSQL the writes that name a group key (customer messages)."""

import asyncio
import threading
from collections.abc import Callable, Iterator

import psycopg.errors
import pytest
from sqlalchemy import Connection, event, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.events import Event, ListEventType
from pullrouting.store import events as event_store
from pullrouting.store import migrate
from pullrouting.store.database import Database, create_database_engine
from pullrouting.store.group_commit import GroupCommitWriter, read_once_per_group
from pullrouting.store.prepared import Prepared, pipelined
from pullrouting.store.tables import events, participants

DEADLINE = 10.0
# Every write of these tests names a key, so that PostgreSQL groups it too (SQLite groups every write).
KEY = "customer"


@pytest.fixture
def grouping_database(database_url: str) -> Iterator[Database]:
    """The store layer on each backend, with one group at a time (PostgreSQL runs a few side by side), so that
    what is queued behind a held group forms the next."""
    database = Database(create_database_engine(database_url), group_writers=1)
    migrate.upgrade(database.engine)
    yield database
    database.close()


def _append(list_id: str) -> Callable[[Connection], None]:
    return lambda connection: event_store.append(connection, [Event(ListEventType.ADDED, list_id=list_id)])


def _stored_lists(database: Database) -> list[str | None]:
    """Every committed event's List, in the event order. Read from the table: on PostgreSQL a reader of the
    order waits for every transaction of the cluster older than the events (store/events.py)."""
    with database.engine.connect() as connection:
        return list(connection.scalars(select(events.c.list_id).order_by(events.c.xact, events.c.id)))


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
        self._task = asyncio.ensure_future(self._database.run(self._hold, group_key=KEY))
        if not await asyncio.to_thread(self._running.wait, DEADLINE):
            raise TimeoutError("the holding write did not start")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._release.set()
        assert self._task is not None
        await asyncio.wait_for(self._task, DEADLINE)


async def _as_one_group(database: Database, *works: Callable[[Connection], object]) -> list[object]:
    async with HeldWriter(database):
        queued = [asyncio.ensure_future(database.run(work, group_key=KEY)) for work in works]
        # One turn of the loop runs each task to its first wait: all of them are in the writer's queue then.
        await asyncio.sleep(0)
    return await asyncio.wait_for(asyncio.gather(*queued, return_exceptions=True), DEADLINE)


async def test_a_failing_write_is_undone_alone_and_the_rest_of_its_group_commits(
    grouping_database: Database,
) -> None:
    commits = _count_commits(grouping_database)

    def append_then_refuse(connection: Connection) -> None:
        _append("refused")(connection)
        raise DomainError(Reason.CONVERSATION_CLOSED, "refused after writing")

    before, refused, after = await _as_one_group(
        grouping_database, _append("before"), append_then_refuse, _append("after")
    )

    assert isinstance(refused, DomainError)
    assert not isinstance(before, Exception) and not isinstance(after, Exception)
    assert _stored_lists(grouping_database) == ["before", "after"]
    # The holding write's group, then the three queued behind it in one transaction.
    assert commits[0] == 2


INSERT_PARTICIPANT = Prepared(insert(participants))


@pytest.mark.parametrize("refused_at", [1, 2])
async def test_a_write_the_database_refuses_at_the_end_of_its_pipeline_is_undone_alone(
    grouping_database: Database, refused_at: int
) -> None:
    """On PostgreSQL a write sends its statements without waiting for each one's answer (`pipelined`): an
    insert's refusal comes when the block ends, and is still the write's own, as SQLAlchemy's IntegrityError
    (the error a retry on conflict looks for)."""

    def append_then_insert_nothing_valid(connection: Connection) -> None:
        with pipelined(connection):
            _append("refused")(connection)
            # A participant of no conversation: refused by a foreign key, on both databases.
            INSERT_PARTICIPANT.execute(connection, {"conversation_id": "none", "agent_id": "none", "join_time": 0})

    works: list[Callable[[Connection], object]] = [_append("first"), _append("second")]
    works.insert(refused_at, append_then_insert_nothing_valid)

    results = await _as_one_group(grouping_database, *works)

    assert isinstance(results[refused_at], IntegrityError)
    assert [result for number, result in enumerate(results) if number != refused_at] == [None, None]
    assert _stored_lists(grouping_database) == ["first", "second"]


async def test_what_a_groups_writes_share_is_read_once_for_the_group(grouping_database: Database) -> None:
    reads: list[int] = []

    def reading(number: int) -> Callable[[Connection], str]:
        def read() -> str:
            reads.append(number)
            return f"read by {number}"

        return lambda connection: read_once_per_group(connection, ("shared",), read)

    results = await _as_one_group(grouping_database, *(reading(number) for number in range(4)))
    outside = [await grouping_database.read(reading(number)) for number in (4, 5)]

    assert results == ["read by 0"] * 4
    # Outside a group, every time.
    assert (outside, reads) == (["read by 4", "read by 5"], [0, 4, 5])


async def test_writes_that_all_succeed_commit_in_one_transaction_with_their_results(
    grouping_database: Database,
) -> None:
    commits = _count_commits(grouping_database)

    def append_and_answer(list_id: str) -> Callable[[Connection], str]:
        def work(connection: Connection) -> str:
            _append(list_id)(connection)
            return f"answer of {list_id}"

        return work

    results = await _as_one_group(grouping_database, *(append_and_answer(f"list-{n}") for n in range(5)))

    assert results == [f"answer of list-{n}" for n in range(5)]
    assert _stored_lists(grouping_database) == [f"list-{n}" for n in range(5)]
    assert commits[0] == 2


async def test_a_group_takes_its_writes_in_the_order_of_their_keys_and_each_keys_in_the_order_queued(
    grouping_database: Database,
) -> None:
    writes = [("b", "b-1"), ("a", "a-1"), ("b", "b-2"), ("a", "a-2")]
    async with HeldWriter(grouping_database):
        queued = [
            asyncio.ensure_future(grouping_database.run(_append(list_id), group_key=key)) for key, list_id in writes
        ]
        await asyncio.sleep(0)
    await asyncio.wait_for(asyncio.gather(*queued), DEADLINE)

    assert _stored_lists(grouping_database) == ["a-1", "a-2", "b-1", "b-2"]


async def test_a_write_postgresql_refuses_for_a_deadlock_runs_again_alone_after_its_group_with_those_behind_it(
    database_url: str,
) -> None:
    """PostgreSQL answers a deadlock by failing one statement; the locks the group took before stay held, so
    the write and those after it (in key order) run again, each in a transaction of its own, once the group
    committed."""
    engine = create_database_engine(database_url)
    migrate.upgrade(engine)
    ran_alone: list[str] = []

    def deadlocked(_connection: Connection) -> None:
        raise OperationalError("SELECT ... FOR UPDATE", {}, psycopg.errors.DeadlockDetected("deadlock detected"))

    works = {"1 first": _append("first"), "2 deadlocked": deadlocked, "3 behind": _append("behind")}
    names = {id(work): name for name, work in works.items()}

    def run_alone(work: Callable[[Connection], object], _retry_on_conflict: bool) -> str:
        ran_alone.append(names[id(work)])
        return "ran alone"

    writer = GroupCommitWriter(engine, lambda _events: None, max_attempts=8, run_alone=run_alone)
    database = Database(engine)
    try:
        release = threading.Event()
        held = asyncio.ensure_future(writer.run(lambda _c: release.wait(DEADLINE), False))
        await asyncio.sleep(0.1)
        queued = [asyncio.ensure_future(writer.run(work, False, key=name)) for name, work in works.items()]
        await asyncio.sleep(0)
        release.set()
        results = await asyncio.wait_for(asyncio.gather(held, *queued), DEADLINE)
    finally:
        writer.close()

    assert results[1:] == [None, "ran alone", "ran alone"]
    assert ran_alone == ["2 deadlocked", "3 behind"]
    # The write before the deadlock committed with its group; the one behind it did not run in the group.
    assert _stored_lists(database) == ["first"]
    database.close()


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
