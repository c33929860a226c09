"""Following the events table from a position: first what was missed, read from the table, then live events
from the hub, with nothing lost or repeated at the seam. Live notices (activity) come with the live events,
without a place in the order: the position stays where it was."""

import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from sqlalchemy import Connection

from pullrouting.bus.hub import EventHub, Subscriber, wants_no_notice
from pullrouting.domain.activity import ActivityNotice
from pullrouting.store import events as event_store
from pullrouting.store.database import Database
from pullrouting.store.events import Batch, StoredEvent, Wanted
from pullrouting.store.positions import Position

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
        wanted: Callable[[], Wanted],
        wants: Callable[[StoredEvent], bool],
        capacity: int,
        on_attached: Callable[[Subscriber], None] = lambda _subscriber: None,
        catch_up_slot: Callable[[], AbstractAsyncContextManager[object]] = contextlib.nullcontext,
        wants_notice: Callable[[ActivityNotice], bool] = wants_no_notice,
    ) -> None:
        self._database = database
        self._hub = hub
        self._wanted = wanted
        self._wants = wants
        self._catch_up_slot = catch_up_slot
        self._subscriber, self._live_from = hub.attach(wants, capacity, wants_notice)
        on_attached(self._subscriber)

    @property
    def live_from(self) -> Position:
        """Where the hub's queue starts: events up to here come from the table."""
        return self._live_from

    def catch_up_slot(self) -> AbstractAsyncContextManager[object]:
        """Held while reading missed events from the table (see `events`)."""
        return self._catch_up_slot()

    def check(self) -> None:
        """Raises what ended the stream (SlowConsumer, StreamClosed), if anything did."""
        self._subscriber.check()

    async def events(
        self, position: Position, first: tuple[Wanted, Batch] | None = None
    ) -> AsyncIterator[tuple[StoredEvent | ActivityNotice, Position]]:
        """Every wanted event after `position`, in order, each with the position just after it, until the caller
        stops or the hub fails the stream (SlowConsumer, StreamClosed). From the table it reads what `wanted()`
        says at the time (inside `catch_up_slot`), and sends what `wants` holds for. The wanted live notices
        come once it is live, each with the position of the event before it. `first`, when given, is the first
        batch (`read_batch`), read already with the stream's start; it counts if `wanted()` still says what it
        was read for."""
        # The hub queues everything after live_from; the table supplies (position, live_from].
        while self._live_from.key > position.key:
            reading = self._wanted()
            if first is not None and first[0] == reading:
                batch = first[1]
            else:
                async with self._catch_up_slot():
                    batch = await self._database.read(
                        functools.partial(self.read_batch, position=position, wanted=reading)
                    )
            first = None
            for event in batch.events:
                if not position.precedes(event.xact, event.id):
                    continue
                position = position.moved_to(event.xact, event.id)
                if self._wants(event):
                    yield event, position
                wanted = self._wanted()
                if wanted is not reading and wanted != reading:
                    # The stream now reads more (a list subscribed to): read again from here.
                    break
            else:
                position = position.moved_to(*batch.read_through.key)
        while True:
            event = await self._subscriber.next()
            if isinstance(event, ActivityNotice):
                yield event, position
                continue
            # The hub may have been behind `position` when the stream attached (it reads after each commit's
            # wake-up or notification), and the stream attached before it read its start: what the hub
            # queued up to there is in the start or was read from the table.
            if position.precedes(event.xact, event.id):
                position = position.moved_to(event.xact, event.id)
                yield event, position

    def read_batch(self, connection: Connection, position: Position, wanted: Wanted) -> Batch:
        """A batch of the missed events after `position` (in a read transaction), as `events` reads them; a
        stream may read its first one with its start, in one transaction, inside `catch_up_slot`."""
        return event_store.read_between(connection, position, self._live_from, CATCH_UP_BATCH, wanted)

    def close(self) -> None:
        self._hub.detach(self._subscriber)
