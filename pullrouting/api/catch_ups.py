"""At most so many streams of one agent or ingestor read missed events from the table at once. A stream
opened with an old (or forged) resume token reads the table until it reaches the live events; many opened
together by one caller would otherwise keep the database and the event loop busy for everyone else."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class _Slots:
    free: asyncio.Semaphore
    users: int = field(default=0)


class CatchUpSlots:
    def __init__(self, per_principal: int) -> None:
        # 0: no limit.
        self._per_principal = per_principal
        self._slots: dict[str, _Slots] = {}

    @contextlib.asynccontextmanager
    async def slot(self, principal: str) -> AsyncIterator[None]:
        """Waits for one of the principal's slots and holds it inside the block."""
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
