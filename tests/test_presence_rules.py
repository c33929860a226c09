"""The presence and release rules alone: (agent's presence, join time, List's policy, now) -> release due."""

import pytest

from pullrouting.domain.presence import AgentPresence, Presence, ReleasePolicy, offline_due, release_due

S = 1_000_000
GRACE = 30
OFFLINE_ONLY = ReleasePolicy(release_after=60, release_away_agents=False)
AWAY_TOO = ReleasePolicy(release_after=60, release_away_agents=True)


def agent(
    chosen: Presence = Presence.AVAILABLE,
    chosen_time: int | None = None,
    last_seen: int | None = None,
    offline: bool = False,
) -> AgentPresence:
    return AgentPresence("ann", chosen, chosen_time, last_seen, offline)


@pytest.mark.parametrize(
    ("presence", "join_time", "policy", "now", "due"),
    [
        # OFFLINE since its grace ran out (seen at 100 s: OFFLINE from 130 s); due 60 s later.
        (agent(last_seen=100 * S, offline=True), 0, OFFLINE_ONLY, 190 * S - 1, False),
        (agent(last_seen=100 * S, offline=True), 0, OFFLINE_ONLY, 190 * S, True),
        # Joined while OFFLINE: the whole period counts from the join.
        (agent(offline=True), 500 * S, OFFLINE_ONLY, 560 * S - 1, False),
        (agent(offline=True), 500 * S, OFFLINE_ONLY, 560 * S, True),
        # Streaming (not OFFLINE): never, whatever the time.
        (agent(last_seen=100 * S), 0, OFFLINE_ONLY, 10_000 * S, False),
        # AWAY counts only where the List says so, from when it was set.
        (agent(Presence.AWAY, chosen_time=100 * S, last_seen=100 * S), 0, OFFLINE_ONLY, 10_000 * S, False),
        (agent(Presence.AWAY, chosen_time=100 * S, last_seen=100 * S), 0, AWAY_TOO, 160 * S - 1, False),
        (agent(Presence.AWAY, chosen_time=100 * S, last_seen=100 * S), 0, AWAY_TOO, 160 * S, True),
    ],
)
def test_release_due(presence: AgentPresence, join_time: int, policy: ReleasePolicy, now: int, due: bool) -> None:
    assert release_due(presence, join_time, now, GRACE, policy) is due


def test_offline_due_after_the_grace_period_once() -> None:
    assert not offline_due(agent(last_seen=100 * S), 130 * S - 1, GRACE)
    assert offline_due(agent(last_seen=100 * S), 130 * S, GRACE)
    assert offline_due(agent(), 0, GRACE)  # never seen
    assert not offline_due(agent(last_seen=0, offline=True), 10_000 * S, GRACE)  # announced already
