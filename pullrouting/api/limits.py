"""Per-caller limits: calls per second for each agent, ingestor and the admin; subscription changes per
minute for each agent."""

from aiolimiter import AsyncLimiter

from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.principal import Principal


class RateLimiter:
    """Up to `limit` calls at once for each caller, refilled at `limit` per `period` seconds (a leaky bucket;
    0: no limit); counted in this process, so each instance of a multi-instance deployment allows that many.
    The buckets live on the event loop: no lock and no timer thread (the `limits` library's in-memory
    storage started one every 10 ms under load, 5 % of the server's time while ingesting)."""

    def __init__(self, limit: int, period: float = 1.0, counted: str = "calls in one second") -> None:
        self._limit = limit
        self._period = period
        # What the refusal says was too many: "calls in one second", say.
        self._counted = counted
        self._buckets: dict[str, AsyncLimiter] = {}

    async def check(self, principal: Principal) -> None:
        if not self._limit:
            return
        key = str(principal)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = AsyncLimiter(self._limit, time_period=self._period)
        if not bucket.has_capacity():
            raise DomainError(
                Reason.RATE_LIMITED,
                f"more than {self._limit} {self._counted}; retry shortly",
                limit=str(self._limit),
            )
        # Returns at once: there was capacity just now, and nothing else ran on the loop since.
        await bucket.acquire()
