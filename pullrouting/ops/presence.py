"""Presence and release timers. Each instance stamps the agents whose streams it holds as seen: at once when
an agent's first stream opens or its last one closes, and again every third of the grace period while they
stay open. Every reminder check interval, each instance announces OFFLINE the agents nobody has seen for the
grace period and releases the participants away longer than their List allows (domain/presence.py); the
database decides who does each (store/presence.py), so any number of instances may tick at once.

The stamps of agents whose streams open (or end) while one such write is under way are written together
next: a reconnect storm's thousands of openings take a few transactions, not one each."""

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Collection

from pullrouting.ops.periodic import Periodic
from pullrouting.store import presence as presence_store
from pullrouting.store.database import Database

log = logging.getLogger(__name__)

# Agents announced OFFLINE, or conversations released, per transaction; a tick goes on until fewer are due.
BATCH = 500


class _Stamps:
    """Agents to stamp in one write, and its end, which the openings among them wait for."""

    def __init__(self) -> None:
        self.agent_ids: dict[str, None] = {}
        self.written: asyncio.Future[None] = asyncio.get_running_loop().create_future()


class _Stamping:
    """Stamps agents with `work`, one write at a time: those added meanwhile go together in the next."""

    def __init__(
        self,
        work: Callable[..., None],
        record: Callable[[Callable[..., None], Collection[str], int], Awaitable[None]],
        clock: Callable[[], int],
        tasks: set[asyncio.Task[None]],
    ) -> None:
        self._work = work
        self._record = record
        self._clock = clock
        # Where the writing task is kept referenced until done (the event loop holds tasks only weakly).
        self._tasks = tasks
        self._pending: _Stamps | None = None
        self._writing = False

    def add(self, agent_id: str) -> asyncio.Future[None]:
        """Stamps the agent in the next write; the future is done once that write is."""
        if self._pending is None:
            self._pending = _Stamps()
        self._pending.agent_ids[agent_id] = None
        if not self._writing:
            self._writing = True
            task = asyncio.create_task(self._write())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return self._pending.written

    async def _write(self) -> None:
        try:
            while self._pending is not None:
                stamps, self._pending = self._pending, None
                try:
                    await self._record(self._work, list(stamps.agent_ids), self._clock())
                finally:
                    stamps.written.set_result(None)
        finally:
            self._writing = False
            if self._pending is not None:  # cancelled (at shutdown): nobody waits for a write that never comes
                self._pending.written.set_result(None)
                self._pending = None


class PresenceTracker:
    """Tells the database which agents have streams open on this instance."""

    def __init__(
        self,
        database: Database,
        grace_seconds: float,
        clock: Callable[[], int],
        agents_with_streams: Callable[[], Collection[str]],
    ) -> None:
        self._database = database
        self._interval = grace_seconds / 3
        self._clock = clock
        self._agents_with_streams = agents_with_streams
        self._task: asyncio.Task[None] | None = None
        # Kept referenced until done: the event loop holds tasks only weakly.
        self._writes: set[asyncio.Task[None]] = set()
        self._opened = _Stamping(presence_store.seen, self._record, clock, self._writes)
        self._closed = _Stamping(presence_store.last_seen, self._record, clock, self._writes)

    async def opened(self, agent_id: str) -> None:
        """The agent's first stream here got going: it is present (back from OFFLINE, if it was). Returns once
        that is written."""
        # Shielded: a stream cancelled while it waits leaves the write to the others.
        await asyncio.shield(self._opened.add(agent_id))

    def closed(self, agent_id: str) -> None:
        """The agent's last stream here ended: it was last seen now."""
        self._closed.add(agent_id)

    async def beat(self, now: int) -> None:
        """Stamps every agent with a stream open here as seen at `now`."""
        await self._record(presence_store.seen, list(self._agents_with_streams()), now)

    async def _record(self, work: Callable[..., None], agent_ids: Collection[str], now: int) -> None:
        if not agent_ids:
            return
        try:
            await self._database.run(functools.partial(work, agent_ids=agent_ids, now=now))
        except Exception:
            # The database may be away for a moment; the next beat stamps them again.
            log.exception("recording the agents whose streams are open failed")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="presence")

    async def stop(self) -> None:
        for task in (self._task, *self._writes):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.beat(self._clock())


class ReleaseScheduler:
    def __init__(
        self, database: Database, check_seconds: float, grace_seconds: float, clock: Callable[[], int]
    ) -> None:
        """`clock` returns the time in microseconds since the epoch (tests pass one they control)."""
        self._database = database
        self._grace_seconds = grace_seconds
        self._clock = clock
        self._ticks = Periodic(
            "releases", check_seconds, self.tick, log, "announcing OFFLINE agents and releasing participants failed"
        )

    async def tick(self) -> int:
        """Announces OFFLINE the agents due, then releases every participant due now; returns how many
        releases this instance made."""
        now = self._clock()
        while True:
            offline = await self._database.run(
                functools.partial(presence_store.mark_offline, now=now, grace_seconds=self._grace_seconds, limit=BATCH)
            )
            if len(offline) < BATCH:
                break
        total = 0
        while True:
            released = await self._database.run(
                functools.partial(presence_store.release_due, now=now, grace_seconds=self._grace_seconds, limit=BATCH)
            )
            total += len(released)
            if len(released) < BATCH:
                return total

    def start(self) -> None:
        self._ticks.start()

    async def stop(self) -> None:
        await self._ticks.stop()
