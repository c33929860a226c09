"""Per-caller limits: calls per second for each agent, ingestor and the admin."""

from aiolimiter import AsyncLimiter

from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.principal import Principal


class RateLimiter:
    """Up to `per_second` calls at once for each caller, refilled at `per_second` a second (a leaky bucket;
    0: no limit); counted in this process, so each instance of a multi-instance deployment allows that many.
    The buckets live on the event loop: no lock and no timer thread (the `limits` library's in-memory
    storage started one every 10 ms under load, 5 % of the server's time while ingesting)."""

    def __init__(self, per_second: int) -> None:
        self._per_second = per_second
        self._buckets: dict[str, AsyncLimiter] = {}

    async def check(self, principal: Principal) -> None:
        if not self._per_second:
            return
        key = str(principal)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = AsyncLimiter(self._per_second, time_period=1)
        if not bucket.has_capacity():
            raise DomainError(
                Reason.RATE_LIMITED,
                f"more than {self._per_second} calls in one second; retry shortly",
                limit=str(self._per_second),
            )
        # Returns at once: there was capacity just now, and nothing else ran on the loop since.
        await bucket.acquire()
