"""The supervisor views' rules alone: waiting ages, when they change by themselves, loads against caps, and
when stale figures are sent again."""

import pytest

from pullrouting.domain.presence import Presence
from pullrouting.domain.supervisor_views import (
    WAITING_AGES,
    DomainLoad,
    Refreshes,
    count_presence,
    domain_loads,
    next_age_change,
    waiting_age,
    waiting_counts,
)

MINUTE = 60_000_000
NOW = 1000 * MINUTE


@pytest.mark.parametrize(
    ("waited", "age"),
    [(0, "<1m"), (MINUTE - 1, "<1m"), (MINUTE, "1-5m"), (15 * MINUTE - 1, "5-15m"), (60 * MINUTE, ">1h")],
)
def test_a_wait_falls_in_one_age(waited, age):
    assert WAITING_AGES[waiting_age(NOW - waited, NOW)] == age


def test_counts_cover_every_age():
    assert waiting_counts([NOW, NOW - 2 * MINUTE, NOW - 3 * MINUTE, NOW - 90 * MINUTE], NOW) == (1, 2, 0, 0, 1)
    assert waiting_counts([], NOW) == (0, 0, 0, 0, 0)


def test_the_next_change_is_the_first_crossing_into_another_age():
    # Waiting 30 s: moves to 1-5m in 30 s; waiting 4 min: to 5-15m in 1 min.
    assert next_age_change([NOW - MINUTE // 2, NOW - 4 * MINUTE], NOW) == NOW + MINUTE // 2
    assert next_age_change([NOW - 14 * MINUTE], NOW) == NOW + MINUTE
    # Past an hour nothing changes any more; nobody waiting, nothing either.
    assert next_age_change([NOW - 61 * MINUTE], NOW) is None
    assert next_age_change([], NOW) is None


def test_an_agents_own_cap_replaces_the_domains():
    loads = domain_loads({"social": 2}, {"voice": 1, "social": 3}, {"social": 5})
    assert loads == (DomainLoad("social", 2, 5), DomainLoad("voice", 0, 1))


def test_presence_is_counted_as_shown():
    shown = [Presence.AVAILABLE, Presence.OFFLINE, Presence.AVAILABLE, Presence.AWAY]
    assert count_presence(shown) == (2, 1, 1)


def test_a_change_is_sent_at_once_after_a_quiet_interval_then_at_most_once_per_interval():
    refreshes: Refreshes[str] = Refreshes(interval=1000)
    assert refreshes.next_due() is None
    refreshes.changed("l1")
    assert refreshes.due(5000) == ["l1"]
    refreshes.sent("l1", 5000)
    assert refreshes.next_due() is None
    # Changes within the interval wait for it, and coalesce.
    refreshes.changed("l1")
    refreshes.changed("l1")
    assert refreshes.due(5500) == []
    assert refreshes.next_due() == 6000
    assert refreshes.due(6000) == ["l1"]
    refreshes.sent("l1", 6000)
    assert refreshes.due(9000) == []


def test_figures_that_change_by_themselves_are_due_then_and_a_forgotten_view_never():
    refreshes: Refreshes[str] = Refreshes(interval=1000)
    refreshes.sent("l1", 0, changes_at=7000)
    refreshes.changed("l2")
    assert refreshes.next_due() == 1000
    assert refreshes.due(7000) == ["l1", "l2"]
    refreshes.sent("l1", 7000, changes_at=None)
    assert refreshes.due(9000) == ["l2"]
    refreshes.forget("l2")
    assert refreshes.next_due() is None
