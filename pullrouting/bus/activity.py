"""The activities going on, as this instance's hub has heard of them, each with the timer that ends it.

Every instance keeps its own board from the same notices (its own callers', and the other instances' by
NOTIFY) and ends an activity nobody renewed for its own streams: no instance depends on another to say
that an activity is over, and none says it twice to the same stream."""

import asyncio
from collections.abc import Callable

from pullrouting.domain.activity import ActivityNotice, ended
from pullrouting.store.events import now_micros


class ActivityBoard:
    def __init__(self, announce: Callable[[ActivityNotice], None]) -> None:
        # Tells this instance's streams of a change.
        self._announce = announce
        self._going_on: dict[tuple[str, str | None], tuple[ActivityNotice, asyncio.TimerHandle]] = {}

    def receive(self, notice: ActivityNotice) -> None:
        """Announces a change; a renewal (the same activity again) only moves its end, and a NONE with nothing
        going on is no change."""
        current = self._going_on.pop(notice.who, None)
        if current is not None:
            current[1].cancel()
        if notice.lasts:
            timer = asyncio.get_running_loop().call_later(notice.ttl_seconds, self._expire, notice.who)
            self._going_on[notice.who] = (notice, timer)
        if current is None and not notice.lasts:
            return
        if current is None or current[0].activity is not notice.activity:
            self._announce(notice)

    def _expire(self, who: tuple[str, str | None]) -> None:
        notice, _timer = self._going_on.pop(who)
        self._announce(ended(notice, now_micros()))

    def agent_left(self, conversation_id: str, agent_id: str) -> None:
        """The agent's activity ends with its leave (its connector and the others' desks are told)."""
        current = self._going_on.pop((conversation_id, agent_id), None)
        if current is not None:
            current[1].cancel()
            self._announce(ended(current[0], now_micros()))

    def closed(self, conversation_id: str) -> None:
        """Every activity ends with the close, silently: its watchers are told of the close itself."""
        for who in [who for who in self._going_on if who[0] == conversation_id]:
            self._going_on.pop(who)[1].cancel()

    def clear(self) -> None:
        for _notice, timer in self._going_on.values():
            timer.cancel()
        self._going_on.clear()
