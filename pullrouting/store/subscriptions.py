"""Entitlements and subscriptions: which lists an agent may see, and which it listens to."""

from dataclasses import dataclass

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select

from pullrouting.domain import conversation as rules
from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.events import SubscriptionEventType
from pullrouting.domain.model import OPEN_STATES, ConversationState, Subscription
from pullrouting.domain.names import LISTS, format_name
from pullrouting.domain.resources import RoutingList
from pullrouting.store import events
from pullrouting.store.events import now_micros
from pullrouting.store.paging import keyset_page
from pullrouting.store.resources import LIST_TABLE, with_members
from pullrouting.store.tables import agent_lists, conversations, lists, subscriptions

# Built once (see store/conversations.py).
ENTITLEMENT = select(agent_lists.c.list_id).where(
    agent_lists.c.agent_id == bindparam("agent_id"), agent_lists.c.list_id == bindparam("list_id")
)
SUBSCRIPTION = select(subscriptions).where(
    subscriptions.c.agent_id == bindparam("agent_id"), subscriptions.c.list_id == bindparam("list_id")
)
# Both in one round trip.
ACCESS = select(ENTITLEMENT.exists().label("entitled"), SUBSCRIPTION.exists().label("subscribed"))
LIST_ID = select(lists.c.id).where(lists.c.id == bindparam("list_id"))
INSERT_SUBSCRIPTION = insert(subscriptions)
DELETE_SUBSCRIPTION = delete(subscriptions).where(
    subscriptions.c.agent_id == bindparam("agent_id"), subscriptions.c.list_id == bindparam("list_id")
)


def is_entitled(connection: Connection, agent_id: str, list_id: str) -> bool:
    return connection.execute(ENTITLEMENT, {"agent_id": agent_id, "list_id": list_id}).first() is not None


def access(connection: Connection, agent_id: str, list_id: str) -> rules.Access:
    row = connection.execute(ACCESS, {"agent_id": agent_id, "list_id": list_id}).one()
    return rules.Access(row.entitled, row.subscribed)


def require_list(connection: Connection, list_id: str) -> None:
    """NOT_FOUND unless the list exists."""
    if connection.execute(LIST_ID, {"list_id": list_id}).first() is None:
        name = format_name(LISTS, list_id)
        raise DomainError(Reason.RESOURCE_NOT_FOUND, f"{name} does not exist", resource=name)


def require_entitled_list(connection: Connection, agent_id: str, list_id: str) -> None:
    """NOT_FOUND for a list that does not exist, NOT_ENTITLED for one the agent may not see."""
    require_list(connection, list_id)
    rules.check_entitled(is_entitled(connection, agent_id, list_id), list_id)


def _subscription(row: Row) -> Subscription:
    return Subscription(row.agent_id, row.list_id, row.create_time)


def _find(connection: Connection, agent_id: str, list_id: str) -> Subscription | None:
    row = connection.execute(SUBSCRIPTION, {"agent_id": agent_id, "list_id": list_id}).first()
    return None if row is None else _subscription(row)


def subscribe(connection: Connection, agent_id: str, list_id: str) -> Subscription:
    """Subscribes to an entitled list; an existing subscription is returned unchanged and nothing is written.
    Two racing first subscriptions meet at the primary key; the loser's retry finds the winner's row."""
    require_entitled_list(connection, agent_id, list_id)
    existing = _find(connection, agent_id, list_id)
    if existing is not None:
        return existing
    subscription = Subscription(agent_id, list_id, now_micros())
    connection.execute(
        INSERT_SUBSCRIPTION, {"agent_id": agent_id, "list_id": list_id, "create_time": subscription.create_time}
    )
    event = rules.subscription_event(SubscriptionEventType.SUBSCRIBED, agent_id, list_id)
    events.append(connection, [event], subscription.create_time)
    return subscription


def unsubscribe(connection: Connection, agent_id: str, list_id: str) -> None:
    """Ends a subscription; without one, nothing is written. Any list may be left, entitled or not."""
    deleted = connection.execute(DELETE_SUBSCRIPTION, {"agent_id": agent_id, "list_id": list_id})
    if deleted.rowcount:
        events.append(connection, [rules.subscription_event(SubscriptionEventType.UNSUBSCRIBED, agent_id, list_id)])


def list_subscriptions(
    connection: Connection, agent_id: str, after: tuple[int, str] | None, limit: int
) -> list[Subscription]:
    """The agent's subscriptions, oldest first. (Losing an entitlement ends its subscription: see
    store/resources.py.)"""
    query = select(subscriptions).where(subscriptions.c.agent_id == agent_id)
    query = keyset_page(query, (subscriptions.c.create_time, subscriptions.c.list_id), after, limit)
    return [_subscription(row) for row in connection.execute(query)]


@dataclass(frozen=True)
class ListSummary:
    """An entitled list as its agent sees it: whether it is subscribed, and its open conversations per state."""

    routing_list: RoutingList
    position: int
    subscribed: bool
    counts: dict[ConversationState, int]


def list_summaries(
    connection: Connection, agent_id: str, after: tuple[int, str] | None, limit: int
) -> list[ListSummary]:
    """The lists the agent is entitled to, in the order the admin gave them."""
    subscribed = (
        select(subscriptions.c.list_id)
        .where(subscriptions.c.agent_id == agent_id, subscriptions.c.list_id == lists.c.id)
        .exists()
        .label("subscribed")
    )
    query = (
        select(lists, agent_lists.c.position, subscribed)
        .join(agent_lists, agent_lists.c.list_id == lists.c.id)
        .where(agent_lists.c.agent_id == agent_id)
    )
    query = keyset_page(query, (agent_lists.c.position, lists.c.id), after, limit)
    rows = list(connection.execute(query).mappings())
    counts = _open_counts(connection, [row["id"] for row in rows])
    return [
        ListSummary(
            routing_list,
            row["position"],
            row["subscribed"],
            {state: counts.get((row["id"], state), 0) for state in OPEN_STATES},
        )
        for row, routing_list in zip(rows, with_members(connection, LIST_TABLE, rows), strict=True)
    ]


def _open_counts(connection: Connection, list_ids: list[str]) -> dict[tuple[str, ConversationState], int]:
    """How many open conversations each list holds, per state."""
    query = (
        select(conversations.c.list_id, conversations.c.state, func.count())
        .where(conversations.c.list_id.in_(list_ids), conversations.c.state.in_([state.value for state in OPEN_STATES]))
        .group_by(conversations.c.list_id, conversations.c.state)
    )
    return {(list_id, ConversationState(state)): count for list_id, state, count in connection.execute(query)}
