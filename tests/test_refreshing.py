"""A stream's events merged with the moments its figures fall due: both come, and neither starves the other."""

import asyncio
from collections.abc import AsyncIterator

from support import within

from pullrouting.api.refreshing import with_refreshes
from pullrouting.store.events import now_micros

MILLISECOND = 1000


async def from_queue(queue: asyncio.Queue[int]) -> AsyncIterator[int]:
    while True:
        yield await queue.get()


async def test_events_pass_and_a_due_moment_between_them_yields_none():
    queue: asyncio.Queue[int] = asyncio.Queue()
    due: list[int] = []
    merged = with_refreshes(from_queue(queue), lambda: min(due, default=None))
    queue.put_nowait(1)
    assert await within(1, anext(merged)) == 1
    due.append(now_micros() + 20 * MILLISECOND)
    assert await within(1, anext(merged)) is None
    due.clear()
    queue.put_nowait(2)
    assert await within(1, anext(merged)) == 2
    await merged.aclose()


async def test_a_busy_stream_never_starves_what_falls_due():
    queue: asyncio.Queue[int] = asyncio.Queue()
    due = [now_micros() + 20 * MILLISECOND]
    merged = with_refreshes(from_queue(queue), lambda: due[0] if due else None)
    received: list[int | None] = []
    for number in range(10_000):
        queue.put_nowait(number)
    while None not in received:
        received.append(await within(1, anext(merged)))
        # The consumer takes its time with each event, as a stream writing to a client does.
        await asyncio.sleep(0.001)
    # Due after 20 ms, each event taking 1 ms: the None comes long before the 10,000 events are through.
    assert len(received) < 1000
    assert received[:-1] == list(range(len(received) - 1))
    due.clear()
    assert await within(1, anext(merged)) == len(received) - 1
    await merged.aclose()
