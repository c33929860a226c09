"""What a supervisor's live views show, and when they are sent again.

A List's queue figures (its customers waiting, by how long, and the longest wait; its open requests by state;
the agents entitled to it by presence) and an agent's load (its open conversations in each media routing
domain against its cap there) are not events: they are read from the database when sent, so they always
equal what GetConversation and GetAgent say. An event that may change them marks them stale
(`Refreshes.changed`); stale figures are sent at once when they were last sent at least an interval ago, else
when the interval has passed, so a burst of events costs one read and one message per List (agent) and
interval. Figures also change with time alone when a waiting customer's wait crosses into the next age
(`next_age_change`); they are sent then too. Nothing is sent on a clock tick: a client counts the longest wait
up from `oldest_waiting` itself."""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pullrouting.domain.presence import Presence

MICROS_PER_MINUTE = 60_000_000
# How long customers have waited for an agent's answer: (label, waited less than this many minutes). The
# metrics' `pullrouting_customers_waiting` and the queue figures share them.
WAITING_BUCKETS = (("<1m", 1), ("1-5m", 5), ("5-15m", 15), ("15-60m", 60))
LONGEST_WAITING_BUCKET = ">1h"
WAITING_AGES = (*(label for label, _ in WAITING_BUCKETS), LONGEST_WAITING_BUCKET)
# Each age's upper bound in minutes; None for the last, which has none.
WAITING_AGE_LIMITS: tuple[int | None, ...] = (*(minutes for _, minutes in WAITING_BUCKETS), None)
K = TypeVar("K", bound=Hashable)


def waiting_age(waiting_since: int, now: int) -> int:
    """The index in WAITING_AGES of a customer waiting since `waiting_since`."""
    waited = now - waiting_since
    for index, (_, minutes) in enumerate(WAITING_BUCKETS):
        if waited < minutes * MICROS_PER_MINUTE:
            return index
    return len(WAITING_BUCKETS)


def waiting_counts(waiting_since: Iterable[int], now: int) -> tuple[int, ...]:
    """How many customers wait in each age of WAITING_AGES."""
    counts = [0] * len(WAITING_AGES)
    for since in waiting_since:
        counts[waiting_age(since, now)] += 1
    return tuple(counts)


def next_age_change(waiting_since: Iterable[int], now: int) -> int | None:
    """When the first of these customers moves into the next age, if any will; a client learns nothing new
    from the figures before then unless an event changes them."""
    found: int | None = None
    for since in waiting_since:
        for _, minutes in WAITING_BUCKETS:
            crossing = since + minutes * MICROS_PER_MINUTE
            if crossing > now:
                found = crossing if found is None else min(found, crossing)
                break
    return found


@dataclass(frozen=True)
class QueueFigures:
    """One List as a supervisor's queue view shows it, read at `read_time`."""

    list_id: str
    read_time: int
    # Customers waiting for an agent's answer (open requests with `waiting_since`), by WAITING_AGES.
    waiting: tuple[int, ...]
    # The longest-waiting customer's `waiting_since`; None when nobody waits.
    oldest_waiting: int | None
    unread: int
    active: int
    inactive: int
    # Enabled agents entitled to the List, by the presence they show.
    agents_available: int
    agents_away: int
    agents_offline: int


@dataclass(frozen=True)
class DomainLoad:
    """An agent's open conversations in one media routing domain, against its cap there (0: no cap)."""

    media_routing_domain_id: str
    open_conversations: int
    max_conversations: int


def domain_loads(
    open_by_domain: dict[str, int], domain_caps: dict[str, int], overrides: dict[str, int]
) -> tuple[DomainLoad, ...]:
    """The agent's load in every domain (`domain_caps`: each domain's max_conversations_per_agent), its own
    cap replacing the domain's where it has one; in domain id order."""
    return tuple(
        DomainLoad(domain_id, open_by_domain.get(domain_id, 0), overrides.get(domain_id, cap))
        for domain_id, cap in sorted(domain_caps.items())
    )


@dataclass(frozen=True)
class AgentStatus:
    """An agent as a supervisor's agent view shows it: of its Lists, those in the supervisor's scope."""

    agent_id: str
    display_name: str
    presence: Presence
    list_ids: tuple[str, ...]
    loads: tuple[DomainLoad, ...]
    # Its open conversations, by name order of their ids.
    conversation_ids: tuple[str, ...]


class Refreshes(Generic[K]):
    """When each view's figures are due to be sent again: after a change, at most once per `interval`
    (microseconds) each; and at the time a view says its figures change by themselves."""

    def __init__(self, interval: int) -> None:
        self._interval = interval
        self._sent: dict[K, int] = {}
        self._stale: set[K] = set()
        self._changes_at: dict[K, int] = {}

    def changed(self, key: K) -> None:
        self._stale.add(key)

    def forget(self, key: K) -> None:
        """The view is no longer shown."""
        self._stale.discard(key)
        self._sent.pop(key, None)
        self._changes_at.pop(key, None)

    def sent(self, key: K, now: int, changes_at: int | None = None) -> None:
        """The figures of `key` were sent at `now`; they change by themselves at `changes_at` (None: only
        when an event changes them)."""
        self._sent[key] = now
        self._stale.discard(key)
        if changes_at is None:
            self._changes_at.pop(key, None)
        else:
            self._changes_at[key] = changes_at

    def _stale_due(self, key: K) -> int:
        return self._sent.get(key, 0) + self._interval

    def due(self, now: int) -> list[K]:
        """The views to send now, in a stable order."""
        found = {key for key in self._stale if self._stale_due(key) <= now}
        found.update(key for key, when in self._changes_at.items() if when <= now)
        return sorted(found, key=repr)

    def next_due(self) -> int | None:
        """When something will be due; None when nothing is stale and nothing changes by itself."""
        times = [self._stale_due(key) for key in self._stale] + list(self._changes_at.values())
        return min(times) if times else None


def count_presence(presences: Iterable[Presence]) -> tuple[int, int, int]:
    """(available, away, offline)."""
    counts = dict.fromkeys(Presence, 0)
    for presence in presences:
        counts[presence] += 1
    return counts[Presence.AVAILABLE], counts[Presence.AWAY], counts[Presence.OFFLINE]
