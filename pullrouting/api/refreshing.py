"""A stream's events merged with the moments its derived figures fall due (domain/supervisor_views.py): the
supervisor's views send figures read from the database between events, when a change or the time says so."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from pullrouting.store.events import now_micros

T = TypeVar("T")
MICROS_PER_SECOND = 1_000_000


async def with_refreshes(events: AsyncIterator[T], next_due: Callable[[], int | None]) -> AsyncIterator[T | None]:
    """Each of `events` as it comes, and None whenever `next_due` (microseconds since the epoch; None: nothing
    is due) passes while none comes. The next event is asked for only once the caller has taken the one before,
    as a plain `async for` would."""
    pending: asyncio.Future[T] | None = None
    try:
        while True:
            due = next_due()
            if due is not None and due <= now_micros():
                # Before the next event, however busy the stream: figures due are never starved by events.
                yield None
                continue
            if pending is None:
                pending = asyncio.ensure_future(anext(events))
            timeout = None if due is None else (due - now_micros()) / MICROS_PER_SECOND
            done, _ = await asyncio.wait({pending}, timeout=max(timeout, 0) if timeout is not None else None)
            if not done:
                continue
            try:
                event = pending.result()
            except StopAsyncIteration:
                return
            pending = None
            yield event
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
        elif pending is not None and not pending.cancelled():
            pending.exception()  # retrieved: the stream ended for another reason first
