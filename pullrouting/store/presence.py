"""Presence and release, decided in the database so that any number of instances agree: every instance
stamps `last_seen_time` on the agents whose streams it holds; the OFFLINE announcement and each release are
decided under row locks (PostgreSQL `FOR UPDATE SKIP LOCKED`, so instances split the work instead of
queueing; SQLite's BEGIN IMMEDIATE serialises writers), checked again by the domain rule under the lock, and
written with their events in one transaction."""

from collections.abc import Collection

from sqlalchemy import Connection, Row, bindparam, func, or_, select, update

from pullrouting.domain import presence as rules
from pullrouting.domain.events import LeaveCause
from pullrouting.domain.model import Conversation, ConversationState
from pullrouting.domain.presence import AgentPresence, Presence, ReleasePolicy
from pullrouting.store import conversations as conversation_store
from pullrouting.store import events
from pullrouting.store.prepared import Prepared
from pullrouting.store.tables import agents, conversations, lists, participants

AGENT_PRESENCE = select(
    agents.c.id, agents.c.presence, agents.c.presence_time, agents.c.last_seen_time, agents.c.offline
).where(agents.c.id == bindparam("agent_id"))
UPDATE_AGENTS = update(agents).where(agents.c.id.in_(bindparam("agent_ids", expanding=True)))
# An instance stamps the agents whose streams open or end, many at once in a reconnect storm: one statement
# per agent on the driver's cursor (store/prepared.py), each row locked by its stamp before it is read.
UPDATE_AGENT = Prepared(update(agents).where(agents.c.id == bindparam("agent_id")))
OFFLINE_AMONG = select(agents.c.id, agents.c.presence).where(
    agents.c.id.in_(bindparam("agent_ids", expanding=True)), agents.c.offline
)
# Agents read by one statement (well below SQLite's 32,766 parameters).
OFFLINE_READ_BATCH = 1_000


def _presence(row: Row) -> AgentPresence:
    return AgentPresence(row.id, Presence(row.presence), row.presence_time, row.last_seen_time, row.offline)


def _locked(connection: Connection, agent_id: str) -> AgentPresence | None:
    row = connection.execute(AGENT_PRESENCE.with_for_update(), {"agent_id": agent_id}).first()
    return None if row is None else _presence(row)


def set_presence(connection: Connection, agent_id: str, presence: Presence, now: int) -> Presence:
    """The agent's own choice of AVAILABLE or AWAY; returns what shows now."""
    before = _locked(connection, agent_id)
    assert before is not None, "an authenticated agent exists"
    if before.chosen is presence:
        return before.shown
    connection.execute(UPDATE_AGENTS, {"agent_ids": [agent_id], "presence": presence.value, "presence_time": now})
    after = AgentPresence(agent_id, presence, now, before.last_seen, before.offline)
    events.append(connection, rules.presence_changed(agent_id, before.shown, after.shown), now)
    return after.shown


def seen(connection: Connection, agent_ids: Collection[str], now: int) -> None:
    """This instance holds streams of these agents: they are present. An agent announced OFFLINE is back,
    which is announced."""
    _stamp(connection, agent_ids, now)
    # Read under the locks the stamps took: no other instance announces them OFFLINE meanwhile. A thousand at a
    # time: one read per agent made the beat of 10,001 agents a transaction of 0.8 s on PostgreSQL, whose hold
    # on the horizon kept every newer event from the streams meanwhile.
    ids = list(agent_ids)
    back = [
        row
        for first in range(0, len(ids), OFFLINE_READ_BATCH)
        for row in connection.execute(OFFLINE_AMONG, {"agent_ids": ids[first : first + OFFLINE_READ_BATCH]})
    ]
    if back:
        UPDATE_AGENT.execute(connection, [{"agent_id": row.id, "offline": False} for row in back])
    announced = [rules.presence_changed(row.id, Presence.OFFLINE, Presence(row.presence)) for row in back]
    events.append(connection, [event for changes in announced for event in changes], now)


def last_seen(connection: Connection, agent_ids: Collection[str], now: int) -> None:
    """The agents' last streams on this instance ended now; whether they are OFFLINE is the grace period's
    to decide."""
    _stamp(connection, agent_ids, now)


def _stamp(connection: Connection, agent_ids: Collection[str], now: int) -> None:
    if agent_ids:
        UPDATE_AGENT.execute(connection, [{"agent_id": agent_id, "last_seen_time": now} for agent_id in agent_ids])


def mark_offline(connection: Connection, now: int, grace_seconds: float, limit: int) -> list[str]:
    """Announces OFFLINE up to `limit` agents no instance has seen a stream of for the grace period."""
    cutoff = now - rules.micros(grace_seconds)
    query = (
        select(agents.c.id, agents.c.presence, agents.c.presence_time, agents.c.last_seen_time, agents.c.offline)
        .where(~agents.c.offline, or_(agents.c.last_seen_time.is_(None), agents.c.last_seen_time <= cutoff))
        .order_by(agents.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    due = [agent for agent in map(_presence, connection.execute(query)) if rules.offline_due(agent, now, grace_seconds)]
    if due:
        connection.execute(update(agents).where(agents.c.id.in_([a.agent_id for a in due])).values(offline=True))
        events.append(
            connection,
            [event for agent in due for event in rules.presence_changed(agent.agent_id, agent.shown, Presence.OFFLINE)],
            now,
        )
    return [agent.agent_id for agent in due]


def release_due(connection: Connection, now: int, grace_seconds: float, limit: int) -> list[Conversation]:
    """Releases participants away longer than their List's `release_after` from up to `limit` conversations
    (AGENT_LEFT, cause RELEASED); returns the conversations as they became."""
    policies = {
        row.id: ReleasePolicy(row.release_after_seconds, row.release_away_agents)
        for row in connection.execute(
            select(lists.c.id, lists.c.release_after_seconds, lists.c.release_away_agents).where(
                lists.c.release_after_seconds.is_not(None)
            )
        )
    }
    if not policies:
        return []
    # Narrows the read to participants due on their List (domain/presence.py's rule, per List); the rule
    # decides again under the lock.
    grace = rules.micros(grace_seconds)
    due_on_list = []
    for list_id, policy in policies.items():
        cutoff = now - rules.micros(policy.release_after)
        away = agents.c.offline & (func.coalesce(agents.c.last_seen_time, 0) <= cutoff - grace)
        if policy.release_away_agents:
            away = away | (
                (agents.c.presence == Presence.AWAY.value) & (func.coalesce(agents.c.presence_time, 0) <= cutoff)
            )
        due_on_list.append((conversations.c.list_id == list_id) & (participants.c.join_time <= cutoff) & away)
    candidates = (
        select(participants.c.conversation_id)
        .join(conversations, conversations.c.id == participants.c.conversation_id)
        .join(agents, agents.c.id == participants.c.agent_id)
        .where(conversations.c.state != ConversationState.CLOSED.value, or_(*due_on_list))
    )
    locked = (
        connection.execute(
            select(conversations.c.id)
            .where(conversations.c.id.in_(candidates))
            .order_by(conversations.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    released = []
    for conversation_id in locked:
        conversation = conversation_store.get(connection, conversation_id)
        policy = policies.get(conversation.list_id)
        if policy is None:
            continue
        for participant in conversation.participants:
            row = connection.execute(AGENT_PRESENCE, {"agent_id": participant.agent_id}).first()
            agent = _presence(row)
            if rules.release_due(agent, participant.join_time, now, grace_seconds, policy):
                conversation = conversation_store.release(
                    connection, participant.agent_id, conversation.id, LeaveCause.RELEASED, now
                )
                released.append(conversation)
    return released
