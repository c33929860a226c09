"""EventHub: takes each committed event once (on SQLite as this process's commits hand them over, else read from
the table) and offers it to every attached stream that matches; and hands live notices (activity), which are
stored nowhere, to the streams that want them, on every instance."""

import asyncio
import collections
import contextlib
import functools
import json
import logging
import secrets
from collections.abc import Callable

from pullrouting.bus.activity import ActivityBoard
from pullrouting.bus.postgres import listen
from pullrouting.domain.activity import ActivityNotice, notice_dict, notice_from_dict
from pullrouting.domain.events import ConversationEventType
from pullrouting.store import events as event_store
from pullrouting.store.database import Database
from pullrouting.store.events import StoredEvent
from pullrouting.store.positions import START, Position

log = logging.getLogger(__name__)

READ_BATCH = 1000
PRUNE_INTERVAL_MAX = 300.0
# PostgreSQL: committed events held back behind a running transaction become deliverable when it ends,
# which wakes nobody unless it wrote events too: read again after this, doubling up to the poll interval.
HELD_BACK_RETRY = 0.002


class StreamClosed(Exception):
    """The hub stopped (server shutdown): the client reconnects and resumes."""


class SlowConsumer(Exception):
    """The stream's buffer overflowed: it is cut off and resumes from its last token."""


def wants_no_notice(_notice: ActivityNotice) -> bool:
    return False


class Subscriber:
    """One open stream's bounded inbox of events and live notices. The hub never waits on it: a full inbox cuts
    the stream off. A plain deque and one waiter future: the hub offers each event to every attached stream,
    and the asyncio.Event an asyncio.Queue needed beside it was most of the cost of an offer."""

    def __init__(
        self,
        wants: Callable[[StoredEvent], bool],
        capacity: int,
        wants_notice: Callable[[ActivityNotice], bool] = wants_no_notice,
    ) -> None:
        self.wants = wants
        self.wants_notice = wants_notice
        self._capacity = capacity
        self._inbox: collections.deque[StoredEvent | ActivityNotice] = collections.deque()
        self._failure: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None
        # Called once when the inbox overflows, to end a stream whose client stopped reading altogether.
        self.on_overflow: Callable[[], None] = lambda: None

    def offer(self, event: StoredEvent | ActivityNotice) -> None:
        if self._failure is not None:
            return
        if len(self._inbox) >= self._capacity:
            self.fail(SlowConsumer())
            self.on_overflow()
            return
        self._inbox.append(event)
        self._wake()

    def fail(self, failure: Exception) -> None:
        if self._failure is None:
            self._failure = failure
            self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def check(self) -> None:
        """Raises the failure that ended this inbox, if any."""
        if self._failure is not None:
            raise self._failure

    async def next(self) -> StoredEvent | ActivityNotice:
        while True:
            if self._failure is not None:
                raise self._failure
            if self._inbox:
                return self._inbox.popleft()
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None


class EventHub:
    def __init__(self, database: Database, retention_seconds: float, poll_interval: float = 1.0) -> None:
        self._database = database
        self._retention_seconds = retention_seconds
        self._poll_interval = poll_interval
        self._subscribers: set[Subscriber] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        # Every event up to here has been offered to subscribers, and no event can still commit before it.
        self.position: Position = START
        self._retry_after: float | None = None
        # SQLite: what this process's commits appended, as stored, handed over in commit order.
        self._handed: list[list[StoredEvent]] = []
        self._activities = ActivityBoard(self._offer_notice)
        # Tells this instance's own notices from the other instances' when they come back by NOTIFY.
        self._origin = secrets.token_hex(8)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.position = await self._database.read(event_store.horizon)
        self._database.on_events_committed = self.committed_threadsafe
        self._tasks = [
            asyncio.create_task(self._run(), name="event-hub"),
            asyncio.create_task(self._prune_periodically(), name="event-retention"),
        ]
        if not self._database.is_sqlite:
            listener = listen(self._database.engine, self._wake.set, self._notified)
            self._tasks.append(asyncio.create_task(listener, name="event-listen"))

    async def stop(self) -> None:
        """Ends every attached stream with StreamClosed, then stops reading."""
        for subscriber in list(self._subscribers):
            subscriber.fail(StreamClosed())
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._activities.clear()

    def committed_threadsafe(self, stored: list[StoredEvent]) -> None:
        """Called on a database thread after a commit of this process, with its events as stored (SQLite)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._committed, stored)

    def _committed(self, stored: list[StoredEvent]) -> None:
        if stored:
            self._handed.append(stored)
        self._wake.set()

    def attach(
        self,
        wants: Callable[[StoredEvent], bool],
        capacity: int,
        wants_notice: Callable[[ActivityNotice], bool] = wants_no_notice,
    ) -> tuple[Subscriber, Position]:
        """Registers a stream; it receives every wanted event after the returned position, and the wanted live
        notices from now on."""
        subscriber = Subscriber(wants, capacity, wants_notice)
        self._subscribers.add(subscriber)
        return subscriber, self.position

    def detach(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    async def publish(self, notice: ActivityNotice) -> None:
        """Hands an activity to this instance's streams now and, on PostgreSQL, to the other instances'."""
        self._activities.receive(notice)
        if not self._database.is_sqlite:
            payload = json.dumps({"origin": self._origin, "notice": notice_dict(notice)}, ensure_ascii=False)
            await self._database.run(functools.partial(event_store.notify_live, payload=payload))

    def _notified(self, payload: str) -> None:
        try:
            message = json.loads(payload)
            if message["origin"] != self._origin:
                self._activities.receive(notice_from_dict(message["notice"]))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a live notice that does not parse")

    def _offer_notice(self, notice: ActivityNotice) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.wants_notice(notice):
                subscriber.offer(notice)

    @property
    def stream_count(self) -> int:
        return len(self._subscribers)

    async def _run(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancellation that arrives as the
            # wait ends (a wake-up during stop()), and this loop would then never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._retry_after or self._poll_interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                if not self._deliver_handed():
                    await self._read_new_events()
            except Exception:
                # A failed read (database restarting, say) is retried on the next wake-up or poll.
                log.exception("reading new events failed")

    async def _prune_periodically(self) -> None:
        """Deletes events older than the retention; streams resuming from before them get a snapshot."""
        interval = min(self._retention_seconds / 10, PRUNE_INTERVAL_MAX)
        while True:
            try:
                older_than = event_store.now_micros() - int(self._retention_seconds * 1_000_000)
                await self._database.run(functools.partial(event_store.prune, older_than=older_than))
            except Exception:
                log.exception("pruning old events failed")
            await asyncio.sleep(interval)

    def _deliver_handed(self) -> bool:
        """Delivers the events this process's commits handed over, each commit's as long as it follows the
        hub's position at once, instead of a read of the table (a thread hop and a transaction) per commit.
        False when none were handed, or after a gap (another process's commit, or handovers out of order):
        the table is read then, and gives the rest, all committed before they were handed."""
        handed, self._handed = self._handed, []
        for stored in handed:
            if stored[-1].id <= self.position.id:
                continue  # The table gave them already.
            if stored[0].id != self.position.id + 1:
                return False
            self._offer(stored)
            self.position = stored[-1].position
        return bool(handed)

    async def _read_new_events(self) -> None:
        while True:
            batch = await self._database.read(
                functools.partial(event_store.read_after, position=self.position, limit=READ_BATCH)
            )
            self._offer(batch.events)
            self.position = batch.read_through
            if batch.held_back:
                self._retry_after = min(2 * (self._retry_after or HELD_BACK_RETRY / 2), self._poll_interval)
            else:
                self._retry_after = None
            if len(batch.events) < READ_BATCH:
                return

    def _offer(self, events: list[StoredEvent]) -> None:
        for event in events:
            for subscriber in list(self._subscribers):
                if subscriber.wants(event):
                    subscriber.offer(event)
            self._end_activities(event)

    def _end_activities(self, event: StoredEvent) -> None:
        """A leave ends the agent's activity in the conversation, a close every activity in it."""
        if event.type is ConversationEventType.AGENT_LEFT and event.agent_id:
            self._activities.agent_left(event.conversation_id or "", event.agent_id)
        elif event.type is ConversationEventType.CONVERSATION_CLOSED:
            self._activities.closed(event.conversation_id or "")
