"""Following the events table from a position: first what was missed, read from the table, then live
events from the hub, with nothing lost or repeated at the seam."""

import functools
from collections.abc import AsyncIterator, Callable, Collection

from pullrouting.bus.hub import EventHub, Subscriber
from pullrouting.domain.events import EventKind
from pullrouting.store import events as event_store
from pullrouting.store.database import Database
from pullrouting.store.events import StoredEvent

# Events read from the table at a time. Small on purpose: a batch's decoded rows stay alive until sent, and
# large batches outlived the collector's youngest generation and set off full collections of the whole heap
# (docs/performance.md).
CATCH_UP_BATCH = 150


async def follow(
    database: Database,
    hub: EventHub,
    position: int,
    kinds: Collection[EventKind],
    wants: Callable[[StoredEvent], bool],
    capacity: int,
    on_attached: Callable[[Subscriber], None] = lambda _subscriber: None,
) -> AsyncIterator[StoredEvent]:
    """Every wanted event (of `kinds`, for which `wants` holds) with id > position, in id order, until the
    caller stops or the hub fails the stream (SlowConsumer, StreamClosed)."""
    subscriber, live_from = hub.attach(wants, capacity)
    on_attached(subscriber)
    try:
        # The hub queues everything after live_from; the table supplies (position, live_from].
        while position < live_from:
            batch = await database.read(
                functools.partial(
                    event_store.read_between, position=position, through=live_from, limit=CATCH_UP_BATCH, kinds=kinds
                )
            )
            for event in batch.events:
                if wants(event):
                    yield event
            position = batch.read_through
        while True:
            event = await subscriber.next()
            # The hub may have been behind `position` when the stream attached (it reads after each commit's
            # wake-up or notification): what it queued up to there was already read from the table.
            if event.id > position:
                yield event
    finally:
        hub.detach(subscriber)
