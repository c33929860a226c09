"""Draining at shutdown: the calls in flight are known, so that shutdown can wait for them to finish, and once
draining starts every new call is refused with UNAVAILABLE (SERVER_SHUTTING_DOWN), which clients retry
elsewhere. gRPC's own stop cancels every call it holds at once, which clients do not retry: the calls in
flight, and also those that reached the transport but not yet this process's event loop. So draining ends
only once no call is in flight and none has come in for QUIET_SECONDS (or when the grace ends)."""

import asyncio

from pullrouting.domain.errors import DomainError, Reason

QUIET_SECONDS = 0.25


class Drain:
    def __init__(self) -> None:
        self._in_flight: set[asyncio.Task[object]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._last_call = 0.0
        self.draining = False

    def admit(self) -> None:
        """Counts the current call (its task) until it ends, whichever way; refuses it once draining."""
        self._last_call = asyncio.get_running_loop().time()
        if self.draining:
            raise DomainError(Reason.SERVER_SHUTTING_DOWN, "the server is shutting down; retry on another instance")
        task = asyncio.current_task()
        if task is None or task in self._in_flight:
            return
        self._in_flight.add(task)
        self._idle.clear()
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[object]) -> None:
        self._in_flight.discard(task)
        if not self._in_flight:
            self._idle.set()

    async def drain(self, grace: float) -> None:
        """Refuses new calls from now on and waits, up to `grace` seconds, for the calls in flight to end and
        for calls to stop coming in."""
        self.draining = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while (remaining := deadline - loop.time()) > 0:
            if self._in_flight:
                try:
                    await asyncio.wait_for(self._idle.wait(), remaining)
                except TimeoutError:
                    return
                continue
            quiet = loop.time() - self._last_call
            if quiet >= QUIET_SECONDS:
                return
            await asyncio.sleep(min(QUIET_SECONDS - quiet, remaining))
