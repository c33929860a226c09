"""Following the events table from a position: first what was missed, read from the table, then live events
from the hub, with nothing lost or repeated at the seam."""

import functools
from collections.abc import AsyncIterator, Callable, Collection

from pullrouting.bus.hub import EventHub, Subscriber
from pullrouting.domain.events import EventKind
from pullrouting.store import events as event_store
from pullrouting.store.database import Database
from pullrouting.store.events import StoredEvent

# Events read from the table at a time. Small on purpose: a batch's decoded rows (about six objects each) stay
# alive until sent, and batches well past the collector's youngest generation (700 objects) got promoted to
# the oldest one: at 2,000 rows a batch, every catch-up of 10,000 events set off a full collection of the
# whole heap (about 150 ms with 1,000 streams open). At 150 it runs next to none; the extra reads cost about
# 1 us a row.
CATCH_UP_BATCH = 150


class Follower:
    """One stream's inbox of live events, attached to the hub from the stream's first message on: while the
    stream still sends its snapshot or history the events after it wait here, and a client that stops
    reading is cut off (`on_attached` gets the inbox to arrange that) once `capacity` of them are waiting,
    as it would be later. Detach with `close`."""

    def __init__(
        self,
        database: Database,
        hub: EventHub,
        kinds: Collection[EventKind],
        wants: Callable[[StoredEvent], bool],
        capacity: int,
        on_attached: Callable[[Subscriber], None] = lambda _subscriber: None,
    ) -> None:
        self._database = database
        self._hub = hub
        self._kinds = kinds
        self._wants = wants
        self._subscriber, self._live_from = hub.attach(wants, capacity)
        on_attached(self._subscriber)

    def check(self) -> None:
        """Raises what ended the stream (SlowConsumer, StreamClosed), if anything did."""
        self._subscriber.check()

    async def events(self, position: int) -> AsyncIterator[StoredEvent]:
        """Every wanted event (of the kinds, for which `wants` holds) with id > position, in id order, until
        the caller stops or the hub fails the stream (SlowConsumer, StreamClosed)."""
        # The hub queues everything after live_from; the table supplies (position, live_from].
        while position < self._live_from:
            batch = await self._database.read(
                functools.partial(
                    event_store.read_between,
                    position=position,
                    through=self._live_from,
                    limit=CATCH_UP_BATCH,
                    kinds=self._kinds,
                )
            )
            for event in batch.events:
                if self._wants(event):
                    yield event
            position = batch.read_through
        while True:
            event = await self._subscriber.next()
            # The hub may have been behind `position` when the stream attached (it reads after each commit's
            # wake-up or notification), and the stream attached before it read its start: what the hub
            # queued up to there is in the start or was read from the table.
            if event.id > position:
                yield event

    def close(self) -> None:
        self._hub.detach(self._subscriber)
