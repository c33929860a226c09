"""Reading server streams in tests: every read has a deadline, so a missing event fails instead of hanging."""

from collections.abc import Callable
from typing import Any

import grpc
from support import within

READ_TIMEOUT = 10.0


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
