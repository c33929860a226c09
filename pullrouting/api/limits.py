"""Per-caller limits: calls per second for each agent, ingestor and the admin; subscription changes per
minute for each agent; failed logins per peer."""

import time
from collections import OrderedDict
from collections.abc import Callable

from aiolimiter import AsyncLimiter

from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.principal import Principal

# Peers whose failed logins are remembered; the least recently failing are forgotten first.
FAILED_LOGIN_PEERS = 10_000


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

    def _bucket(self, principal: Principal) -> AsyncLimiter:
        key = str(principal)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = AsyncLimiter(self._limit, time_period=self._period)
        return bucket

    async def wait(self, principal: Principal) -> None:
        """Counts one more for the caller, waiting for capacity instead of refusing: for the messages of a
        stream, whose reading then pauses, which gRPC's flow control passes back to the client."""
        if self._limit:
            await self._bucket(principal).acquire()

    async def check(self, principal: Principal) -> None:
        if not self._limit:
            return
        bucket = self._bucket(principal)
        if not bucket.has_capacity():
            raise DomainError(
                Reason.RATE_LIMITED,
                f"more than {self._limit} {self._counted}; retry shortly",
                limit=str(self._limit),
            )
        # Returns at once: there was capacity just now, and nothing else ran on the loop since.
        await bucket.acquire()


def peer_host(peer: str) -> str:
    """`ipv4:127.0.0.1:5000` -> `ipv4:127.0.0.1`, `ipv6:[::1]:5000` -> `ipv6:[::1]`: the port changes with
    every connection, the address does not."""
    kind, _, address = peer.partition(":")
    if kind in ("ipv4", "ipv6"):
        return f"{kind}:{address.rpartition(':')[0]}"
    return peer


class FailedLogins:
    """Calls with a missing or unknown token, per peer address: a leaky bucket of `per_minute` that drains at
    `per_minute` a minute (0: no limit). While a peer's bucket is full, every call from it is refused with
    RESOURCE_EXHAUSTED (RATE_LIMITED), valid token or not, so that guessing tokens from one address stays at
    `per_minute` tries a minute. `on_failure` is told of each failed login by its reason, and of each call
    refused because its peer was throttled as RATE_LIMITED."""

    def __init__(
        self, per_minute: int, on_failure: Callable[[Reason], None], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._per_minute = per_minute
        self._on_failure = on_failure
        self._clock = clock
        # Peer -> (bucket level, when it was last updated).
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _level(self, host: str) -> float:
        level, updated = self._buckets.get(host, (0.0, 0.0))
        return max(level - (self._clock() - updated) * self._per_minute / 60, 0.0)

    @property
    def throttling(self) -> bool:
        """False while no failed login is remembered: then no peer is refused, and `check` can be skipped
        (which saves reading the call's peer and metadata on every call)."""
        return bool(self._per_minute and self._buckets)

    def check(self, peer: str) -> None:
        """Refuses the call when its peer failed to log in too often lately."""
        if self._per_minute and self._level(peer_host(peer)) + 1 > self._per_minute:
            self._on_failure(Reason.RATE_LIMITED)
            raise DomainError(
                Reason.RATE_LIMITED,
                f"more than {self._per_minute} failed logins a minute from this address; retry later",
                limit=str(self._per_minute),
            )

    def failed(self, peer: str, reason: Reason) -> None:
        """Counts a failed login; refuses it instead when its peer is throttled."""
        self.check(peer)
        self._on_failure(reason)
        if not self._per_minute:
            return
        host = peer_host(peer)
        self._buckets[host] = (self._level(host) + 1, self._clock())
        self._buckets.move_to_end(host)
        if len(self._buckets) > FAILED_LOGIN_PEERS:
            self._buckets.popitem(last=False)
