"""The reminder scheduler: every few seconds, each instance re-announces the UNREAD requests that waited
their list's `unread_reminder_after` and alerts the ACTIVE ones whose customer waited its
`reply_reminder_after` for an answer, and closes the INACTIVE ones untouched for its `close_inactive_after`
(domain/reminders.py), and expires the invitations nobody answered in time. The database decides who sends each one
(store/reminders.py), so any number of instances may tick at once."""

import functools
import logging
from collections.abc import Callable

from pullrouting.ops.periodic import Periodic
from pullrouting.store import invitations as invitation_store
from pullrouting.store import reminders as reminder_store
from pullrouting.store.database import Database

log = logging.getLogger(__name__)

# Requests re-announced per transaction; a tick goes on until fewer are due.
BATCH = 500


class ReminderScheduler:
    def __init__(self, database: Database, check_seconds: float, clock: Callable[[], int]) -> None:
        """`clock` returns the time in microseconds since the epoch (tests pass one they control)."""
        self._database = database
        self._clock = clock
        self._ticks = Periodic("reminders", check_seconds, self.tick, log, "re-announcing stale requests failed")

    async def tick(self) -> int:
        """Re-announces every UNREAD request due now, alerts every unanswered customer due now, closes every
        abandoned request and expires every invitation due; returns how many of these this instance did."""
        now = self._clock()
        total = 0
        for remind in (
            reminder_store.remind_due,
            reminder_store.remind_unanswered,
            reminder_store.close_abandoned,
            invitation_store.expire_due,
        ):
            while True:
                reminded = await self._database.run(functools.partial(remind, now=now, limit=BATCH))
                total += len(reminded)
                if len(reminded) < BATCH:
                    break
        return total

    def start(self) -> None:
        self._ticks.start()

    async def stop(self) -> None:
        await self._ticks.stop()
