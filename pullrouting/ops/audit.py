"""Audit retention: each instance deletes the audit records older than `--audit-retention-seconds` now and
then (a tenth of the retention, at most hourly). Deleting what another instance just deleted deletes nothing."""

import logging
from collections.abc import Callable

from pullrouting.ops.periodic import Periodic
from pullrouting.store import audit
from pullrouting.store.database import Database

log = logging.getLogger(__name__)

MAX_INTERVAL_SECONDS = 3600.0
MICROS_PER_SECOND = 1_000_000


class AuditRetention:
    def __init__(self, database: Database, retention_seconds: float, clock: Callable[[], int]) -> None:
        """`clock` returns the time in microseconds since the epoch."""
        self._database = database
        self._retention_micros = int(retention_seconds * MICROS_PER_SECOND)
        self._clock = clock
        interval = min(retention_seconds / 10, MAX_INTERVAL_SECONDS)
        self._ticks = Periodic("audit-retention", interval, self.tick, log, "deleting old audit records failed")

    async def tick(self) -> int:
        """Deletes the records older than the retention; returns how many."""
        older_than = self._clock() - self._retention_micros
        return await self._database.run(lambda connection: audit.prune(connection, older_than))

    def start(self) -> None:
        self._ticks.start()

    async def stop(self) -> None:
        await self._ticks.stop()
