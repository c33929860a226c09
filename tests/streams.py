"""Reading server streams in tests: every read has a deadline, so a missing event fails instead of hanging."""

import asyncio
from collections.abc import Callable
from typing import Any

import grpc
from sqlalchemy import create_engine, select, tuple_
from support import error_reason, within

from pullrouting.api.resume_tokens import parse_position
from pullrouting.store.tables import events
from pullrouting.v1 import agent_service_pb2, events_pb2

READ_TIMEOUT = 10.0
RETRY_PAUSE = 0.05
# An event's place in the order: (transaction, id).
Place = tuple[int, int]


async def read_event(call: Any, timeout: float = READ_TIMEOUT) -> Any:
    """The next event of a Watch stream; fails on end of stream or timeout."""
    response = await within(timeout, call.read())
    assert response is not grpc.aio.EOF, "the stream ended"
    return response.event


async def read_events(call: Any, count: int, timeout: float = READ_TIMEOUT) -> list[Any]:
    return [await read_event(call, timeout) for _ in range(count)]


async def read_until(call: Any, done: Callable[[Any], bool], timeout: float = READ_TIMEOUT) -> list[Any]:
    """Events up to and including the first for which `done` holds."""
    received = []
    while True:
        event = await read_event(call, timeout)
        received.append(event)
        if done(event):
            return received


async def read_to_end(call: Any, timeout: float = READ_TIMEOUT) -> list[Any]:
    """Every event until the server ends the stream with OK."""
    received = []
    while True:
        response = await within(timeout, call.read())
        if response is grpc.aio.EOF:
            assert await call.code() == grpc.StatusCode.OK
            return received
        received.append(response.event)


def list_event_positions(database_url: str, list_name: str, after: Place = (0, 0)) -> list[Place]:
    """The places of the list's events after `after`, in the event order, read from the table."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = (
                select(events.c.xact, events.c.id)
                .where(
                    events.c.kind == "list",
                    events.c.list_id == list_name.rpartition("/")[2],
                    tuple_(events.c.xact, events.c.id) > tuple_(*after),
                )
                .order_by(events.c.xact, events.c.id)
            )
            return [(row.xact, row.id) for row in connection.execute(query)]
    finally:
        engine.dispose()


async def watch_from_synced(agent: Any, resume_token: str = "") -> grpc.aio.UnaryStreamCall:
    stream = agent.stub.WatchLists(agent_service_pb2.WatchListsRequest(resume_token=resume_token))
    if not resume_token:
        await read_until(stream, lambda event: event.type == events_pb2.LIST_EVENT_TYPE_SYNCED)
    return stream


async def open_when_allowed(agent: Any) -> grpc.aio.UnaryStreamCall:
    """A WatchLists stream read to SYNCED, once the agent has a stream slot free: the server frees a slot on
    its own schedule, so every refusal (TOO_MANY_STREAMS) is followed by another try, a little later (tries at
    full speed would run into the rate limit). Callers bound it."""
    while True:
        try:
            return await watch_from_synced(agent)
        except grpc.aio.AioRpcError as error:
            assert error_reason(error) == "TOO_MANY_STREAMS", error.details()
        await asyncio.sleep(RETRY_PAUSE)


def token_position(token: str) -> Place:
    """The place a resume token carries (`pr2.<position>.<mac>`), read without checking the signature."""
    return parse_position(token.split(".")[1]).key


async def positions_until(stream: grpc.aio.UnaryStreamCall, last: Place, received: list[Place]) -> list[Place]:
    """Appends the places of the events received, up to and including `last`, to `received`."""
    while not received or received[-1] < last:
        received.append(token_position((await read_event(stream)).resume_token))
    return received
