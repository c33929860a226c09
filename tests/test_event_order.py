"""PostgreSQL: event-writing transactions do not wait for each other, and streams still deliver every event
once, in one order, whatever order the transactions commit in."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scenario import Scenario, create_scenario
from sqlalchemy import Connection, create_engine, select
from streams import read_event, read_until, watch_from_synced
from support import Server, serve, within

from pullrouting.domain.events import Event, ListEventType
from pullrouting.store import events as event_store
from pullrouting.store.tables import events
from pullrouting.v1 import events_pb2

L = events_pb2
DEADLINE = 10.0
# How long a stream is given to show an event it must not have yet. Only ever too short to catch a bug,
# never a cause of a false failure.
HELD_BACK_CHECK = 1.0


@contextlib.asynccontextmanager
async def postgres_server(postgres_url: str) -> AsyncIterator[Server]:
    async for handle in serve(postgres_url):
        yield handle


class OpenWriter:
    """An event-writing transaction on a connection of its own, left open until `commit`."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        self._connection: Connection = self._engine.connect()
        self._transaction = self._connection.begin()

    def append(self, event: Event) -> None:
        event_store.append(self._connection, [event])

    def commit(self) -> None:
        self._transaction.commit()

    def close(self) -> None:
        self._connection.close()
        self._engine.dispose()


@contextlib.contextmanager
def open_writer(url: str) -> Iterator[OpenWriter]:
    writer = OpenWriter(url)
    try:
        yield writer
    finally:
        writer.close()


def _newest_list_payload(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = select(events.c.payload).where(events.c.kind == "list").order_by(events.c.id.desc()).limit(1)
            return connection.execute(query).scalar_one()
    finally:
        engine.dispose()


def _renamed(payload: dict[str, Any], display_name: str) -> Event:
    conversation = {**payload["conversation"], "customer_display_name": display_name}
    return Event(ListEventType.UPDATED, list_id=conversation["list_id"], payload={"conversation": conversation})


async def _collect(stream: Any, into: list[Any], count: int) -> None:
    while len(into) < count:
        into.append(await read_event(stream, timeout=3600))


async def _first_request(scenario: Scenario, stream: Any) -> dict[str, Any]:
    await scenario.post(customer_id="first")
    await read_until(stream, lambda event: event.type == L.LIST_EVENT_TYPE_ADDED)
    return await asyncio.to_thread(_newest_list_payload, scenario.server.database_url)


async def test_an_open_event_writing_transaction_neither_blocks_writers_nor_loses_its_place(postgres_url: str):
    async with postgres_server(postgres_url) as server:
        scenario = await create_scenario(server, agents=1)
        stream = await watch_from_synced(scenario.agents[0])
        payload = await _first_request(scenario, stream)
        received: list[Any] = []
        with open_writer(postgres_url) as first:
            await asyncio.to_thread(first.append, _renamed(payload, "held"))
            collecting = asyncio.create_task(_collect(stream, received, 2))
            try:
                # With a lock held by the open transaction until its commit, this call would wait for it.
                await within(DEADLINE, scenario.post(customer_id="second"))
                await asyncio.sleep(HELD_BACK_CHECK)
                assert received == [], "an event was delivered ahead of an earlier transaction still open"

                await asyncio.to_thread(first.commit)
                await within(DEADLINE, collecting)
            finally:
                collecting.cancel()
        assert [(e.type, e.conversation.customer.display_name) for e in received] == [
            (L.LIST_EVENT_TYPE_UPDATED, "held"),
            (L.LIST_EVENT_TYPE_ADDED, "Customer"),
        ]
