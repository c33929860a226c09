"""SQLite: the event hub takes the events of this process's commits as the writer hands them over, without
reading them back, and they are the events as stored; after a gap (another process's commit) it reads the table."""

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection

from pullrouting.bus.hub import EventHub, Subscriber
from pullrouting.domain.events import Event, ListEventType
from pullrouting.store import events as event_store
from pullrouting.store.database import Database, create_database_engine
from pullrouting.store.events import StoredEvent
from pullrouting.store.positions import START

DEADLINE = 10.0
# The table's read, as the test itself makes it (the hub's reads are counted).
READ_AFTER = event_store.read_after


def _events(count: int, list_id: str) -> list[Event]:
    return [Event(ListEventType.ADDED, list_id=list_id, payload={"n": n, "text": "é\u2028"}) for n in range(count)]


def _appending(new_events: list[Event], fails: bool = False) -> Callable[[Connection], None]:
    def work(connection: Connection) -> None:
        event_store.append(connection, new_events)
        if fails:
            raise ValueError("this write fails after appending its events")

    return work


async def _delivered(subscriber: Subscriber, count: int) -> list[StoredEvent]:
    found = []
    for _ in range(count):
        event = await asyncio.wait_for(subscriber.next(), DEADLINE)
        assert isinstance(event, StoredEvent)
        found.append(event)
    return found


def read_all(connection: Connection) -> list[StoredEvent]:
    return READ_AFTER(connection, position=START, limit=1000).events


def _as_compared(event: StoredEvent) -> tuple[Any, ...]:
    return (event.id, event.xact, event.kind, event.type, event.list_id, event.payload, event.create_time)


@pytest.fixture
def table_reads(monkeypatch) -> Iterator[list[object]]:
    """Each read of new events from the table by the hub."""
    reads: list[object] = []

    def counted(connection: Connection, **arguments: Any) -> event_store.NewEvents:
        reads.append(arguments)
        return READ_AFTER(connection, **arguments)

    monkeypatch.setattr(event_store, "read_after", counted)
    yield reads


async def test_a_groups_events_reach_the_hub_as_stored_without_a_read(sqlite_database: Database, table_reads) -> None:
    database = sqlite_database
    hub = EventHub(database, retention_seconds=3600, poll_interval=3600)
    await hub.start()
    try:
        subscriber, _position = hub.attach(lambda _event: True, capacity=1000)
        writes = [_appending(_events(1 + number % 3, f"l{number}")) for number in range(40)]
        # A failing write among them runs the group again in savepoints and rolls back its own events alone.
        writes.insert(17, _appending(_events(2, "failed"), fails=True))
        results = await asyncio.gather(*(database.run(work) for work in writes), return_exceptions=True)
        assert [type(result) for result in results].count(ValueError) == 1

        delivered = await _delivered(subscriber, sum(1 + number % 3 for number in range(40)))
        stored = await database.read(read_all)
        assert [_as_compared(event) for event in delivered] == [_as_compared(event) for event in stored]
        assert [event.stored_payload for event in delivered] == [event.stored_payload for event in stored]
        assert "failed" not in {event.list_id for event in delivered}
        assert table_reads == [], "the table is not read for what this process committed"
        assert hub.position == stored[-1].position
    finally:
        await hub.stop()


async def test_after_another_process_commit_the_hub_reads_the_table(
    sqlite_url: str, sqlite_database: Database, table_reads
) -> None:
    hub = EventHub(sqlite_database, retention_seconds=3600, poll_interval=3600)
    await hub.start()
    other_process = Database(create_database_engine(sqlite_url))
    try:
        subscriber, _position = hub.attach(lambda _event: True, capacity=1000)
        # Committed by another writer of the file: the hub hears nothing of these.
        await other_process.run(_appending(_events(2, "other")))
        await sqlite_database.run(_appending(_events(1, "ours")))

        delivered = await _delivered(subscriber, 3)
        assert [event.list_id for event in delivered] == ["other", "other", "ours"]
        assert [event.id for event in delivered] == sorted(event.id for event in delivered)
        assert len(table_reads) >= 1
    finally:
        other_process.close()
        await hub.stop()
