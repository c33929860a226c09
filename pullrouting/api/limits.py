"""Per-caller limits: calls per second for each agent, ingestor and the admin."""

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.principal import Principal


class RateLimiter:
    """At most `per_second` calls in any one-second window for each caller (0: no limit); counted in this
    process, so each instance of a multi-instance deployment allows that many."""

    def __init__(self, per_second: int) -> None:
        self._per_second = per_second
        self._item = RateLimitItemPerSecond(per_second) if per_second > 0 else None
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, principal: Principal) -> None:
        if self._item is not None and not self._limiter.hit(self._item, str(principal)):
            raise DomainError(
                Reason.RATE_LIMITED,
                f"more than {self._per_second} calls in one second; retry shortly",
                limit=str(self._per_second),
            )
