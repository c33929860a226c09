"""Presence and release. An agent is AVAILABLE or AWAY as it last said (SetPresence), and OFFLINE once it has
had no open stream on any instance for the grace period. A participant away longer than its List's
`release_after` (OFFLINE, or AWAY too where the List says so) is released: the conversation needs somebody
else. Every instance records when it last saw each agent's streams (`last_seen`), so all agree on who is
OFFLINE whichever instance holds the streams."""

from dataclasses import dataclass
from enum import StrEnum

from pullrouting.domain.errors import InvalidInput
from pullrouting.domain.events import AgentEventType, Event

MICROS_PER_SECOND = 1_000_000


class Presence(StrEnum):
    AVAILABLE = "AVAILABLE"
    AWAY = "AWAY"
    OFFLINE = "OFFLINE"


SETTABLE = (Presence.AVAILABLE, Presence.AWAY)


@dataclass(frozen=True)
class AgentPresence:
    """An agent's presence as stored: what it set and when, when a stream of it was last seen open, and
    whether it has been found OFFLINE since."""

    agent_id: str
    chosen: Presence
    chosen_time: int | None
    last_seen: int | None
    offline: bool

    @property
    def shown(self) -> Presence:
        return Presence.OFFLINE if self.offline else self.chosen


@dataclass(frozen=True)
class ReleasePolicy:
    """A List's release settings: seconds away before a participant is released, and whether AWAY counts."""

    release_after: float
    release_away_agents: bool


def micros(seconds: float) -> int:
    return round(seconds * MICROS_PER_SECOND)


def check_settable(presence: Presence | None) -> Presence:
    if presence not in SETTABLE:
        raise InvalidInput.of("presence", "must be PRESENCE_AVAILABLE or PRESENCE_AWAY")
    return presence


def offline_due(agent: AgentPresence, now: int, grace_seconds: float) -> bool:
    """Not yet announced OFFLINE, and no stream of it seen for the grace period (or ever)."""
    return not agent.offline and (agent.last_seen is None or agent.last_seen <= now - micros(grace_seconds))


def away_since(agent: AgentPresence, grace_seconds: float, policy: ReleasePolicy) -> int | None:
    """Since when the agent counts as away for this List: OFFLINE since its grace period ran out, or AWAY
    since it said so (where the List counts AWAY); None while it is neither."""
    since: list[int] = []
    if agent.offline:
        since.append(0 if agent.last_seen is None else agent.last_seen + micros(grace_seconds))
    if policy.release_away_agents and agent.chosen is Presence.AWAY:
        since.append(agent.chosen_time or 0)
    return min(since) if since else None


def release_due(agent: AgentPresence, join_time: int, now: int, grace_seconds: float, policy: ReleasePolicy) -> bool:
    """Whether a participant has been away longer than the List allows, counted from the later of going away
    and joining (an agent who joins while OFFLINE gets the whole period)."""
    since = away_since(agent, grace_seconds, policy)
    return since is not None and max(since, join_time) <= now - micros(policy.release_after)


def presence_changed(agent_id: str, before: Presence, after: Presence) -> list[Event]:
    """The agent event telling its desk and supervisors; none when what shows did not change."""
    if before is after:
        return []
    payload = {"presence": after.value, "previous_presence": before.value}
    return [Event(AgentEventType.PRESENCE_CHANGED, agent_id=agent_id, payload=payload)]
