"""The reads behind a supervisor's live views (domain/supervisor_views.py): each List's queue figures and each
agent's status, read when a view sends them. Callers run these in a read-only transaction."""

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, select

from pullrouting.domain import supervisor_views as rules
from pullrouting.domain.model import OPEN_STATES, ConversationState
from pullrouting.domain.presence import Presence
from pullrouting.domain.supervisor_views import AgentStatus, QueueFigures
from pullrouting.store.tables import (
    agent_capacity_overrides,
    agent_lists,
    agents,
    channel_types,
    channels,
    conversations,
    media_routing_domains,
    participants,
)

OPEN = conversations.c.state.in_([state.value for state in OPEN_STATES])
IN_LISTS = bindparam("list_ids", expanding=True)
OF_AGENTS = bindparam("agent_ids", expanding=True)
# Built once (see store/conversations.py).
REQUESTS_BY_STATE = (
    select(conversations.c.list_id, conversations.c.state, func.count().label("count"))
    .where(conversations.c.list_id.in_(IN_LISTS), OPEN)
    .group_by(conversations.c.list_id, conversations.c.state)
)
WAITING = select(conversations.c.list_id, conversations.c.waiting_since).where(
    conversations.c.list_id.in_(IN_LISTS), OPEN, conversations.c.waiting_since.is_not(None)
)
ENTITLED_AGENTS_BY_PRESENCE = (
    select(agent_lists.c.list_id, agents.c.presence, agents.c.offline, func.count().label("count"))
    .join(agents, agents.c.id == agent_lists.c.agent_id)
    .where(agent_lists.c.list_id.in_(IN_LISTS), agents.c.enabled)
    .group_by(agent_lists.c.list_id, agents.c.presence, agents.c.offline)
)
ENTITLEMENTS = (
    select(agent_lists.c.agent_id, agent_lists.c.list_id)
    .join(agents, agents.c.id == agent_lists.c.agent_id)
    .where(agent_lists.c.list_id.in_(IN_LISTS), agents.c.enabled)
    .order_by(agent_lists.c.agent_id, agent_lists.c.position)
)
AGENT_ROWS = select(agents.c.id, agents.c.display_name, agents.c.presence, agents.c.offline).where(
    agents.c.id.in_(OF_AGENTS)
)
DOMAIN_CAPS = select(media_routing_domains.c.id, media_routing_domains.c.max_conversations_per_agent)
CAP_OVERRIDES = select(
    agent_capacity_overrides.c.agent_id,
    agent_capacity_overrides.c.media_routing_domain_id,
    agent_capacity_overrides.c.max_conversations,
).where(agent_capacity_overrides.c.agent_id.in_(OF_AGENTS))
OPEN_PARTICIPATIONS = (
    select(participants.c.agent_id, conversations.c.id, channel_types.c.media_routing_domain_id)
    .join(conversations, conversations.c.id == participants.c.conversation_id)
    .join(channels, channels.c.id == conversations.c.channel_id)
    .join(channel_types, channel_types.c.id == channels.c.channel_type_id)
    .where(participants.c.agent_id.in_(OF_AGENTS), OPEN)
    .order_by(participants.c.agent_id, conversations.c.id)
)


@dataclass(frozen=True)
class ListFigures:
    figures: QueueFigures
    # When the figures change by time alone (a waiting customer moves into the next age); None: never.
    next_change: int | None


def queue_figures(connection: Connection, list_ids: Collection[str], now: int) -> dict[str, ListFigures]:
    """The figures of each of `list_ids`, zero included."""
    ids = sorted(list_ids)
    if not ids:
        return {}
    by_state = {(list_id, state): 0 for list_id in ids for state in OPEN_STATES}
    for row in connection.execute(REQUESTS_BY_STATE, {"list_ids": ids}):
        by_state[row.list_id, ConversationState(row.state)] = row.count
    waiting: dict[str, list[int]] = {list_id: [] for list_id in ids}
    for row in connection.execute(WAITING, {"list_ids": ids}):
        waiting[row.list_id].append(row.waiting_since)
    presences: dict[str, list[Presence]] = {list_id: [] for list_id in ids}
    for row in connection.execute(ENTITLED_AGENTS_BY_PRESENCE, {"list_ids": ids}):
        presences[row.list_id].extend([_shown(row.presence, row.offline)] * row.count)
    found = {}
    for list_id in ids:
        available, away, offline = rules.count_presence(presences[list_id])
        figures = QueueFigures(
            list_id=list_id,
            read_time=now,
            waiting=rules.waiting_counts(waiting[list_id], now),
            oldest_waiting=min(waiting[list_id], default=None),
            unread=by_state[list_id, ConversationState.UNREAD],
            active=by_state[list_id, ConversationState.ACTIVE],
            inactive=by_state[list_id, ConversationState.INACTIVE],
            agents_available=available,
            agents_away=away,
            agents_offline=offline,
        )
        found[list_id] = ListFigures(figures, rules.next_age_change(waiting[list_id], now))
    return found


def entitlements(connection: Connection, list_ids: Collection[str]) -> dict[str, tuple[str, ...]]:
    """The enabled agents entitled to any of `list_ids`, each with those of `list_ids` it is entitled to."""
    found: dict[str, list[str]] = {}
    if list_ids:
        for row in connection.execute(ENTITLEMENTS, {"list_ids": sorted(list_ids)}):
            found.setdefault(row.agent_id, []).append(row.list_id)
    return {agent_id: tuple(lists) for agent_id, lists in found.items()}


def agent_statuses(
    connection: Connection, list_ids: Collection[str], agent_ids: Collection[str] | None = None
) -> dict[str, AgentStatus]:
    """The status of each enabled agent entitled to any of `list_ids` (of those among `agent_ids`, when given);
    an agent not named in the result is in none of them (or disabled, or deleted)."""
    entitled = entitlements(connection, list_ids)
    if agent_ids is not None:
        entitled = {agent_id: lists for agent_id, lists in entitled.items() if agent_id in agent_ids}
    ids = sorted(entitled)
    if not ids:
        return {}
    caps = {row.id: row.max_conversations_per_agent for row in connection.execute(DOMAIN_CAPS)}
    overrides: dict[str, dict[str, int]] = {agent_id: {} for agent_id in ids}
    for row in connection.execute(CAP_OVERRIDES, {"agent_ids": ids}):
        overrides[row.agent_id][row.media_routing_domain_id] = row.max_conversations
    open_by_domain: dict[str, dict[str, int]] = {agent_id: {} for agent_id in ids}
    conversation_ids: dict[str, list[str]] = {agent_id: [] for agent_id in ids}
    for row in connection.execute(OPEN_PARTICIPATIONS, {"agent_ids": ids}):
        counts = open_by_domain[row.agent_id]
        counts[row.media_routing_domain_id] = counts.get(row.media_routing_domain_id, 0) + 1
        conversation_ids[row.agent_id].append(row.id)
    return {
        row.id: AgentStatus(
            agent_id=row.id,
            display_name=row.display_name,
            presence=_shown(row.presence, row.offline),
            list_ids=entitled[row.id],
            loads=rules.domain_loads(open_by_domain[row.id], caps, overrides[row.id]),
            conversation_ids=tuple(conversation_ids[row.id]),
        )
        for row in connection.execute(AGENT_ROWS, {"agent_ids": ids})
    }


def _shown(presence: str, offline: bool) -> Presence:
    return Presence.OFFLINE if offline else Presence(presence)
