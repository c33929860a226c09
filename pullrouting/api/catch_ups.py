"""At most so many streams of one agent or ingestor, and so many of all callers, read missed events from the
table at once. A stream opened with an old (or forged) resume token reads the table until it reaches the live
events; many opened together, by one caller or by thousands of desks reconnecting after a restart, would
otherwise keep the database's threads and the event loop busy for everyone else."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field


@dataclass
class _Slots:
    free: asyncio.Semaphore
    users: int = field(default=0)


class CatchUpSlots:
    def __init__(self, per_principal: int, in_all: int) -> None:
        # 0: no limit.
        self._per_principal = per_principal
        self._slots: dict[str, _Slots] = {}
        self._in_all: AbstractAsyncContextManager[object] = (
            asyncio.Semaphore(in_all) if in_all else contextlib.nullcontext()
        )

    @contextlib.asynccontextmanager
    async def slot(self, principal: str) -> AsyncIterator[None]:
        """Waits for one of the principal's slots, then for one of the server's, and holds both inside the
        block: a caller's streams waiting their turn hold none of the server's."""
        async with self._principals(principal), self._in_all:
            yield

    @contextlib.asynccontextmanager
    async def _principals(self, principal: str) -> AsyncIterator[None]:
        if not self._per_principal:
            yield
            return
        slots = self._slots.setdefault(principal, _Slots(asyncio.Semaphore(self._per_principal)))
        slots.users += 1
        try:
            async with slots.free:
                yield
        finally:
            slots.users -= 1
            if not slots.users:
                self._slots.pop(principal, None)
