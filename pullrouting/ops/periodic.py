"""A job run every few seconds in the background until stopped. A failed run is logged and the job goes on:
the database may be away for a moment, and the next run catches up."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


class Periodic:
    def __init__(
        self,
        name: str,
        interval_seconds: float,
        job: Callable[[], Awaitable[object]],
        log: logging.Logger,
        failure: str,
    ) -> None:
        """`failure` is what `log` says when a run fails."""
        self._name = name
        self._interval_seconds = interval_seconds
        self._job = job
        self._log = log
        self._failure = failure
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_seconds)
            try:
                await self._job()
            except Exception:
                self._log.exception(self._failure)
