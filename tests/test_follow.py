"""The seam between catching up from the table and going live, when the hub lags behind the table."""

import asyncio
from collections.abc import AsyncIterator

from pullrouting.bus.follow import Follower
from pullrouting.bus.hub import EventHub
from pullrouting.domain.events import Event, ListEventType
from pullrouting.store import events as event_store
from pullrouting.store.database import Database
from pullrouting.store.events import Wanted
from pullrouting.store.positions import Position

DEADLINE = 10.0


async def _append(database: Database, count: int) -> list[int]:
    """The ids of `count` events appended in one transaction: the last ones (SQLite has one writer)."""
    events = [Event(ListEventType.ADDED, list_id="l1") for _ in range(count)]
    await database.run(lambda connection: event_store.append(connection, events))
    last = (await database.read(event_store.horizon)).id
    return list(range(last - count + 1, last + 1))


async def test_a_stream_starting_ahead_of_the_hub_gets_only_events_after_its_start(sqlite_database: Database) -> None:
    database = sqlite_database
    hub = EventHub(database, retention_seconds=3600, poll_interval=3600)
    await hub.start()
    try:
        # The hub hears of these commits only later, as it can on PostgreSQL (notifications) and SQLite
        # (a wake-up scheduled on the loop), while a new stream already read them in its starting snapshot.
        wake_hub = database.on_events_committed
        database.on_events_committed = lambda _stored: None
        seen_in_snapshot = await _append(database, 3)
        follower = Follower(
            database, hub, lambda: Wanted(list_ids=frozenset({"l1"})), lambda _event: True, capacity=100
        )
        stream: AsyncIterator[tuple[event_store.StoredEvent, Position]] = follower.events(
            Position(0, seen_in_snapshot[-1])
        )
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)
        assert hub.stream_count == 1 and hub.position.id < seen_in_snapshot[-1]

        database.on_events_committed = wake_hub
        [new] = await _append(database, 1)

        event, _after = await asyncio.wait_for(first, DEADLINE)
        assert event.id == new
        await stream.aclose()  # type: ignore[attr-defined]
        follower.close()
    finally:
        await hub.stop()


async def test_the_hub_stops_when_a_wake_up_lands_as_it_stops(sqlite_database: Database) -> None:
    for _attempt in range(5):
        hub = EventHub(sqlite_database, retention_seconds=3600, poll_interval=3600)
        await hub.start()
        # One turn lets the hub's loop reach its wait; the wake-up then lands in the same turn as stop()'s
        # cancellation.
        await asyncio.sleep(0)
        hub.committed_threadsafe([])
        await asyncio.wait_for(hub.stop(), DEADLINE)
