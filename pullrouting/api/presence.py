"""The agents with a stream going on this instance, for presence (ops/presence.py): a stream counts once it
has its first message to send, so a refused call leaves no trace, and until it ends."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class AgentStreams:
    def __init__(self, first_opened: Callable[[str], Awaitable[None]], last_closed: Callable[[str], None]) -> None:
        """Told the agent's id when its first stream here gets going and when its last one ends."""
        self._first_opened = first_opened
        self._last_closed = last_closed
        self._open: dict[str, int] = {}

    def agent_ids(self) -> list[str]:
        return list(self._open)

    async def present_while_open(self, agent_id: str, responses: AsyncIterator[T]) -> AsyncIterator[T]:
        """Passes the stream's responses on, counting the agent present from the first to the end. The first
        response waits for the record, so a desk that got it shows present on every instance."""
        counted = False
        try:
            async for response in responses:
                if not counted:
                    counted = True
                    await self._opened(agent_id)
                yield response
        finally:
            if counted:
                self._closed(agent_id)

    async def _opened(self, agent_id: str) -> None:
        self._open[agent_id] = self._open.get(agent_id, 0) + 1
        if self._open[agent_id] == 1:
            await self._first_opened(agent_id)

    def _closed(self, agent_id: str) -> None:
        self._open[agent_id] -= 1
        if not self._open[agent_id]:
            del self._open[agent_id]
            self._last_closed(agent_id)
