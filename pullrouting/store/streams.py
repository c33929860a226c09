"""Where each Watch stream starts, and the pages of its snapshot (or history): each one consistent read
together with the event position it is current to, so that following the events table from there misses
and repeats nothing (store/pages.py). Callers run these in a read-only (snapshot) transaction."""

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    and_,
    bindparam,
    literal_column,
    or_,
    select,
    tuple_,
)

from pullrouting.domain import conversation as rules
from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.events import ConversationEventType, EventKind, SubscriptionEventType
from pullrouting.domain.invitations import Invitation
from pullrouting.domain.model import Conversation, Message
from pullrouting.store import conversations as conversation_store
from pullrouting.store import events as event_store
from pullrouting.store import invitations as invitation_store
from pullrouting.store import read_positions
from pullrouting.store.conversation_rows import message_from_row, open_on_lists
from pullrouting.store.conversations import INGESTOR_CHANNEL_IDS, ingest_channel
from pullrouting.store.events import StoredEvent
from pullrouting.store.pages import Key, Page
from pullrouting.store.positions import RESTART, Position
from pullrouting.store.prepared import Prepared
from pullrouting.store.tables import agent_lists, agents, channels, events, messages, subscriptions

# Built once (see store/conversations.py). Every stream's start runs those in Prepared on the driver's cursor
# (store/prepared.py): a reconnect storm starts thousands of streams at once.
SUBSCRIBED_LIST_IDS = Prepared(select(subscriptions.c.list_id).where(subscriptions.c.agent_id == bindparam("agent_id")))
ENTITLED_LIST_IDS = Prepared(select(agent_lists.c.list_id).where(agent_lists.c.agent_id == bindparam("agent_id")))
AFTER_POSITION = tuple_(events.c.xact, events.c.id) > tuple_(
    bindparam("xact", type_=BigInteger), bindparam("id", type_=BigInteger)
)
NEWEST_FIRST = (events.c.xact.desc(), events.c.id.desc())
SUBSCRIPTION_CHANGES_AFTER = Prepared(
    select(events.c.xact, events.c.type, events.c.list_id)
    .where(
        AFTER_POSITION,
        events.c.kind == literal_column(f"'{EventKind.SUBSCRIPTION.value}'"),
        events.c.agent_id == bindparam("agent_id"),
    )
    .order_by(*NEWEST_FIRST)
)


def _type_is(*types: ConversationEventType) -> ColumnElement[bool]:
    """The event is of one of `types`: literals, so that the statement needs no expanding parameter."""
    return or_(*(events.c.type == literal_column(f"'{type_.value}'") for type_ in types))


PARTICIPATION_CHANGES_AFTER = Prepared(
    select(events.c.xact, events.c.type, events.c.agent_id, events.c.payload)
    .where(
        AFTER_POSITION,
        events.c.kind == literal_column(f"'{EventKind.CONVERSATION.value}'"),
        events.c.conversation_id == bindparam("conversation_id"),
        _type_is(
            ConversationEventType.AGENT_JOINED,
            ConversationEventType.AGENT_LEFT,
            ConversationEventType.CONVERSATION_CLOSED,
        ),
    )
    .order_by(*NEWEST_FIRST)
)
MESSAGES_AFTER = (
    select(messages)
    .where(
        messages.c.conversation_id == bindparam("conversation_id"),
        or_(
            messages.c.create_time > bindparam("create_time"),
            and_(messages.c.create_time == bindparam("create_time"), messages.c.id > bindparam("id")),
        ),
    )
    .order_by(messages.c.create_time, messages.c.id)
    .limit(bindparam("limit", type_=Integer))
)
# The conversations an agent joined or left after a position, and the closes after it with whom they let go.
PARTICIPATIONS_AFTER = Prepared(
    select(events.c.conversation_id)
    .where(
        AFTER_POSITION,
        events.c.kind == literal_column(f"'{EventKind.CONVERSATION.value}'"),
        events.c.agent_id == bindparam("agent_id"),
        _type_is(ConversationEventType.AGENT_JOINED, ConversationEventType.AGENT_LEFT),
    )
    .distinct()
)
CLOSES_AFTER = Prepared(
    select(events.c.conversation_id, events.c.payload).where(
        AFTER_POSITION,
        events.c.kind == literal_column(f"'{EventKind.CONVERSATION.value}'"),
        events.c.type == literal_column(f"'{ConversationEventType.CONVERSATION_CLOSED.value}'"),
    )
)
OPEN_CONVERSATIONS_OF_AGENT = Prepared(conversation_store.OPEN_CONVERSATIONS_OF_AGENT)
AGENT_PRESENCE = select(agents.c.presence).where(agents.c.id == bindparam("agent_id"))
# Before every key: conversations and messages are created at a time >= 0.
FIRST_KEY: Key = (-1, "")
SERVICE_IDENTIFIER_OF = select(channels.c.service_identifier).where(channels.c.id == bindparam("channel_id"))


@dataclass(frozen=True)
class ListWatchStart:
    position: Position
    # Lists subscribed to at `position` that the agent is entitled to now.
    subscribed: frozenset[str]
    entitled: frozenset[str]
    # Whether a snapshot of the subscribed lists comes first (not when resuming); read with `open_page`.
    snapshot: bool
    reset: bool
    # Where the stream opened: events up to it are replayed, later ones are live.
    opened_at: Position

    def replays_unentitled(self, event: StoredEvent) -> bool:
        """Whether `event` replays a subscription to a list the agent is no longer entitled to, which counts
        for nothing: a later subscription was made under an entitlement the agent still has (losing it
        unsubscribes)."""
        return (
            event.type is SubscriptionEventType.SUBSCRIBED
            and not self.opened_at.precedes(event.xact, event.id)
            and event.list_id not in self.entitled
        )


@dataclass(frozen=True)
class ConversationWatchStart:
    position: Position
    conversation: Conversation
    # Whether the messages so far come first (not when resuming); read with `history_page`.
    history: bool
    reset: bool


@dataclass(frozen=True)
class DeskStart:
    """Where a WatchDesk stream starts: its lists as WatchLists would start, and the conversations the agent
    is in at that position."""

    lists: ListWatchStart
    # On an opening (lists.snapshot): each conversation the agent is in, as it is, in order of creation;
    # its unread count; and the presence the agent chose. Empty when resuming.
    conversations: list[Conversation]
    unread_counts: dict[str, int]
    presence: str | None
    # The conversations the agent is in at `lists.position`.
    participating: frozenset[str]
    # On an opening: the invitations waiting for the agent's answer, each with its conversation.
    invitations: list[tuple[Invitation, Conversation]] = field(default_factory=list)


@dataclass(frozen=True)
class OutboundWatchStart:
    position: Position
    # The channels served; None for every channel.
    channel_ids: frozenset[str] | None


def replayable(connection: Connection, position: Position | None, newest: Position) -> bool:
    """Whether every event after `position` is still in the table (and the position is from this table)."""
    if position is None or position == RESTART:
        return False
    return event_store.pruned_through(connection).key <= position.key <= newest.key


def _list_ids(connection: Connection, query: Prepared, agent_id: str) -> frozenset[str]:
    return frozenset(row.list_id for row in query.rows(connection, {"agent_id": agent_id}))


def list_watch_start(connection: Connection, agent_id: str, position: Position | None) -> ListWatchStart:
    newest = event_store.snapshot_position(connection)
    subscribed = _list_ids(connection, SUBSCRIBED_LIST_IDS, agent_id)
    entitled = _list_ids(connection, ENTITLED_LIST_IDS, agent_id)
    if not replayable(connection, position, newest):
        return ListWatchStart(newest, subscribed, entitled, snapshot=True, reset=position is not None, opened_at=newest)
    assert position is not None
    subscribed_then = _subscribed_at(connection, agent_id, position, subscribed) & entitled
    return ListWatchStart(position, subscribed_then, entitled, snapshot=False, reset=False, opened_at=newest)


def open_page(
    connection: Connection, agent_id: str, list_ids: Collection[str], after: Key | None, limit: int
) -> Page[Conversation]:
    """A page of a snapshot: the open requests after `after`, oldest first, on those of `list_ids` the agent is
    still subscribed to (a list it left since shows nothing; its UNSUBSCRIBED follows)."""
    position = event_store.snapshot_position(connection)
    lists = _list_ids(connection, SUBSCRIBED_LIST_IDS, agent_id) & frozenset(list_ids)
    found = open_on_lists(connection, lists, after or FIRST_KEY, limit) if lists else []
    return Page(found, position, final=len(found) < limit)


def _subscribed_at(connection: Connection, agent_id: str, position: Position, now: frozenset[str]) -> frozenset[str]:
    """The subscriptions as they were at `position`: today's, with later changes undone, newest first."""
    parameters = {"xact": position.xact, "id": position.id, "agent_id": agent_id}
    subscribed = set(now)
    for change in SUBSCRIPTION_CHANGES_AFTER.rows(connection, parameters):
        if change.xact in position.covered:
            continue
        if change.type == SubscriptionEventType.SUBSCRIBED:
            subscribed.discard(change.list_id)
        else:
            subscribed.add(change.list_id)
    return frozenset(subscribed)


def conversation_watch_start(
    connection: Connection, agent_id: str, conversation_id: str, position: Position | None
) -> ConversationWatchStart:
    """Participants only: NOT_PARTICIPANT for others (NOT_ENTITLED off the agent's lists). A stream resumed
    from a position where the agent was a participant replays from there, even past its leave or the close."""
    newest = event_store.snapshot_position(connection)
    if replayable(connection, position, newest):
        assert position is not None
        conversation = conversation_store.get(connection, conversation_id)
        if _may_replay(connection, conversation, agent_id, position):
            return ConversationWatchStart(position, conversation, False, False)
    conversation = conversation_store.get_for_agent(connection, agent_id, conversation_id)
    rules.check_participant(conversation, agent_id)
    return ConversationWatchStart(newest, conversation, history=True, reset=position is not None)


def desk_start(connection: Connection, agent_id: str, position: Position | None) -> DeskStart:
    """On an opening, the agent's open conversations and presence as they are at the start; when resuming,
    which conversations the agent was in at `position`: those it is in now, and those it joined, left or was
    let go from by a close since, each with the changes since undone."""
    lists = list_watch_start(connection, agent_id, position)
    if lists.snapshot:
        ids = [row.conversation_id for row in OPEN_CONVERSATIONS_OF_AGENT.rows(connection, {"agent_id": agent_id})]
        found = sorted((conversation_store.get(connection, i) for i in ids), key=lambda c: (c.create_time, c.id))
        presence = connection.scalar(AGENT_PRESENCE, {"agent_id": agent_id})
        counts = read_positions.unread_counts(connection, agent_id, ids)
        invited = invitation_store.pending_for(connection, agent_id, event_store.now_micros())
        return DeskStart(lists, found, counts, presence, frozenset(ids), invited)
    parameters = {"xact": lists.position.xact, "id": lists.position.id, "agent_id": agent_id}
    candidates = {row.conversation_id for row in OPEN_CONVERSATIONS_OF_AGENT.rows(connection, {"agent_id": agent_id})}
    candidates.update(row.conversation_id for row in PARTICIPATIONS_AFTER.rows(connection, parameters))
    candidates.update(
        row.conversation_id
        for row in CLOSES_AFTER.rows(connection, parameters)
        if agent_id in row.payload.get("released", ())
    )
    position = lists.position
    participating = frozenset(
        conversation_id
        for conversation_id in candidates
        if _was_participant_at(connection, conversation_store.get(connection, conversation_id), agent_id, position)
    )
    return DeskStart(lists, [], {}, None, participating)


def history_page(
    connection: Connection, agent_id: str, conversation_id: str, after: Key | None, limit: int
) -> Page[Message] | None:
    """A page of a conversation's messages after `after`, oldest first; None once the agent is no longer in
    it (left or closed since the stream began): the rest reaches the stream as events, up to its leave or the
    close."""
    position = event_store.snapshot_position(connection)
    if not rules.is_participant(conversation_store.get(connection, conversation_id), agent_id):
        return None
    found = messages_after(connection, conversation_id, after, limit)
    return Page(found, position, final=len(found) < limit)


def messages_after(connection: Connection, conversation_id: str, after: Key | None, limit: int) -> list[Message]:
    """Up to `limit` of the conversation's messages after the key `after`, oldest first."""
    create_time, message_id = after or FIRST_KEY
    parameters = {"conversation_id": conversation_id, "create_time": create_time, "id": message_id, "limit": limit}
    return [message_from_row(row) for row in connection.execute(MESSAGES_AFTER, parameters)]


def _may_replay(connection: Connection, conversation: Conversation, agent_id: str, position: Position) -> bool:
    """A participant now, or one at `position`."""
    return rules.is_participant(conversation, agent_id) or _was_participant_at(
        connection, conversation, agent_id, position
    )


def _was_participant_at(connection: Connection, conversation: Conversation, agent_id: str, position: Position) -> bool:
    parameters = {"xact": position.xact, "id": position.id, "conversation_id": conversation.id}
    changes = [
        row for row in PARTICIPATION_CHANGES_AFTER.rows(connection, parameters) if row.xact not in position.covered
    ]
    return rules.was_participant(
        conversation,
        agent_id,
        (
            rules.ParticipationChange(ConversationEventType(row.type), row.agent_id, row.payload.get("released", ()))
            for row in changes
        ),
    )


def outbound_watch_start(
    connection: Connection, ingestor_id: str, service_identifier: str, position: Position | None
) -> OutboundWatchStart:
    """One channel the ingestor may serve, or all of them; from now on, or from `position`."""
    channel_ids = outbound_channel_ids(connection, ingestor_id, service_identifier)
    newest = event_store.snapshot_position(connection)
    if position is None:
        return OutboundWatchStart(newest, channel_ids)
    if not replayable(connection, position, newest):
        raise DomainError(
            Reason.RESUME_TOKEN_EXPIRED,
            "events after this resume token are no longer kept; reconnect without a token",
            oldest_position="{}.{}".format(*event_store.pruned_through(connection).key),
        )
    return OutboundWatchStart(position, channel_ids)


def outbound_channel_ids(connection: Connection, ingestor_id: str, service_identifier: str) -> frozenset[str] | None:
    """The channel serving `service_identifier`, CHANNEL_NOT_PERMITTED unless the ingestor may serve it; without
    one, the ingestor's channels (None for all of them)."""
    if service_identifier:
        return frozenset({ingest_channel(connection, ingestor_id, service_identifier).id})
    return frozenset(connection.scalars(INGESTOR_CHANNEL_IDS, {"ingestor_id": ingestor_id})) or None


def service_identifier(connection: Connection, channel_id: str) -> str:
    """The channel's service identifier as it is now; empty for a deleted channel."""
    found = connection.scalar(SERVICE_IDENTIFIER_OF, {"channel_id": channel_id})
    return found or ""
