"""Load shapes, the same for the bare server and pullrouting: a call rate at a fixed concurrency, fan-out
latency to many open streams, and the time to drain a stream of N events."""

import asyncio
import math
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable

# A lost event must fail the run, not hang it.
EVENT_DEADLINE = 60.0


async def rate(call: Callable[[int, int], Awaitable[object]], workers: int, iterations: int) -> float:
    """Calls per second: `workers` concurrent loops, each making `iterations` calls (worker, iteration)."""

    async def loop(worker: int) -> None:
        for iteration in range(iterations):
            await call(worker, iteration)

    start = time.perf_counter()
    await asyncio.gather(*(loop(worker) for worker in range(workers)))
    return workers * iterations / (time.perf_counter() - start)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# A watcher yields None once its stream is attached, then the key of each event it is measured on.
Watcher = AsyncIterator[str | None]


class FanOut:
    """Open streams that record when each event reaches them; an event is delivered when all have it."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []
        self._attached = 0
        self._all_attached = asyncio.Event()
        self._arrivals: defaultdict[str, list[float]] = defaultdict(list)
        self._delivered: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    @property
    def size(self) -> int:
        return len(self._tasks)

    async def add(self, watchers: list[Watcher]) -> None:
        """Opens more streams and waits until every one is attached."""
        self._all_attached.clear()
        self._tasks += [asyncio.create_task(self._consume(watcher)) for watcher in watchers]
        if self._attached < self.size:
            await asyncio.wait_for(self._all_attached.wait(), EVENT_DEADLINE)

    async def _consume(self, watcher: Watcher) -> None:
        async for key in watcher:
            if key is None:
                self._attached += 1
                if self._attached == self.size:
                    self._all_attached.set()
                continue
            arrivals = self._arrivals[key]
            arrivals.append(time.perf_counter())
            if len(arrivals) == self.size:
                self._delivered[key].set()

    async def latencies(self, publish: Callable[[], Awaitable[str]], events: int) -> list[float]:
        """Seconds from each publish call returning to the last stream receiving its event, one at a time."""
        found = []
        for _ in range(events):
            key = await publish()
            returned = time.perf_counter()
            await asyncio.wait_for(self._delivered[key].wait(), EVENT_DEADLINE)
            found.append(max(self._arrivals.pop(key)) - returned)
            del self._delivered[key]
        return found

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def drain(open_stream: Callable[[], AsyncIterator[object]], count: int) -> float:
    """Seconds from opening a stream to having received `count` items from it."""
    start = time.perf_counter()
    received = 0
    stream = open_stream()
    async for _item in stream:
        received += 1
        if received == count:
            break
    await stream.aclose()  # type: ignore[attr-defined]
    if received < count:
        raise RuntimeError(f"the stream ended after {received} of {count} items")
    return time.perf_counter() - start
