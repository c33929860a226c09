"""The request lifecycle's transactions. Each function runs inside one `Database.run` transaction: it locks
the conversation row it decides on (PostgreSQL `SELECT ... FOR UPDATE`; SQLite's BEGIN IMMEDIATE already
serialises writers), then, for a join under an MRD cap, the agent's row - always conversation first, then
agent, so two transactions never wait on each other in a circle. It asks the rules in
`pullrouting.domain.conversation` what happens, writes the result and appends its events last."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, delete, exists, func, insert, select, update

from pullrouting.domain import conversation as rules
from pullrouting.domain import supervision
from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.events import LeaveCause
from pullrouting.domain.model import (
    CloseReason,
    Conversation,
    ConversationState,
    Message,
    MessageVisibility,
    SenderType,
    WrapUp,
)
from pullrouting.domain.names import AGENTS, CHANNELS, CONVERSATIONS, LISTS, SUPERVISORS, format_name, new_id
from pullrouting.domain.ordering import NOT_WAITING, ConversationOrder, OrderField
from pullrouting.store import events, withdrawals
from pullrouting.store.conversation_rows import conversation_row, load_conversations, message_from_row
from pullrouting.store.events import now_micros
from pullrouting.store.group_commit import read_once_per_group
from pullrouting.store.paging import keyset_page
from pullrouting.store.prepared import Prepared, pipelined
from pullrouting.store.subscriptions import access, is_entitled, require_entitled_list, require_list
from pullrouting.store.tables import (
    agent_capacity_overrides,
    agents,
    channel_types,
    channels,
    conversations,
    ingestor_channels,
    list_transfer_sources,
    lists,
    media_routing_domains,
    messages,
    participants,
    supervisor_lists,
    supervisors,
    wrap_up_code_lists,
    wrap_up_codes,
)

# The hot paths' statements are built once, here and in the other store modules, and run with their values
# as parameters: building a statement on every call was most of its cost (docs/performance.md).
# Those every new message and lifecycle change runs go to the driver directly (store/prepared.py).
CONVERSATION_BY_ID_QUERY = select(conversations).where(conversations.c.id == bindparam("conversation_id"))
CONVERSATION_BY_ID = Prepared(CONVERSATION_BY_ID_QUERY)
CONVERSATION_BY_ID_LOCKED = Prepared(CONVERSATION_BY_ID_QUERY.with_for_update())
OPEN_OF_CUSTOMER = Prepared(
    select(conversations)
    .where(
        conversations.c.channel_id == bindparam("channel_id"),
        conversations.c.customer_id == bindparam("customer_id"),
        conversations.c.state != ConversationState.CLOSED.value,
    )
    .with_for_update()
)
NEWEST_MESSAGE = (
    select(messages.c.id)
    .where(messages.c.conversation_id == bindparam("conversation_id"))
    .order_by(messages.c.create_time.desc(), messages.c.id.desc())
    .limit(1)
)
MESSAGE_BY_KEY = Prepared(
    select(messages).where(
        messages.c.idempotency_scope == bindparam("scope"), messages.c.idempotency_key == bindparam("key")
    )
)
# The channel and, in the same round trip, whether the ingestor has a channel scope and whether it holds it.
CHANNEL_FOR_INGESTOR = Prepared(
    select(
        channels,
        exists().where(ingestor_channels.c.ingestor_id == bindparam("ingestor_id")).label("scoped"),
        exists()
        .where(
            ingestor_channels.c.ingestor_id == bindparam("ingestor_id"),
            ingestor_channels.c.channel_id == channels.c.id,
        )
        .label("permitted"),
    ).where(channels.c.service_identifier == bindparam("service_identifier"))
)
INGESTOR_CHANNEL_IDS = select(ingestor_channels.c.channel_id).where(
    ingestor_channels.c.ingestor_id == bindparam("ingestor_id")
)
SUPERVISOR_LIST_IDS = select(supervisor_lists.c.list_id).where(
    supervisor_lists.c.supervisor_id == bindparam("supervisor_id")
)
INSERT_CONVERSATION = Prepared(insert(conversations))
# Sets the columns its parameters name.
UPDATE_CONVERSATION = Prepared(update(conversations).where(conversations.c.id == bindparam("conversation_id")))
DELETE_PARTICIPANT = Prepared(
    delete(participants).where(
        participants.c.conversation_id == bindparam("conversation_id"),
        participants.c.agent_id == bindparam("agent_id"),
    )
)
INSERT_PARTICIPANTS = Prepared(insert(participants))
INSERT_MESSAGE = Prepared(insert(messages))
LIST_FOLLOW_UP_ALERTS = Prepared(select(lists.c.follow_up_alerts).where(lists.c.id == bindparam("list_id")))
LIST_REQUIRES_WRAP_UP = select(lists.c.require_wrap_up).where(lists.c.id == bindparam("list_id"))
# Each named code that exists, with each of its lists (one row with no list for a code of every list).
WRAP_UP_CODE_LISTS = (
    select(wrap_up_codes.c.id, wrap_up_code_lists.c.list_id)
    .outerjoin(wrap_up_code_lists, wrap_up_code_lists.c.wrap_up_code_id == wrap_up_codes.c.id)
    .where(wrap_up_codes.c.id.in_(bindparam("code_ids", expanding=True)))
    .order_by(wrap_up_codes.c.id, wrap_up_code_lists.c.position)
)
LIST_MAX_PARTICIPANTS = select(lists.c.max_participants).where(lists.c.id == bindparam("list_id"))
CHANNEL_MEDIA_ROUTING_DOMAIN = (
    select(media_routing_domains.c.id, media_routing_domains.c.max_conversations_per_agent)
    .select_from(channels)
    .join(channel_types, channel_types.c.id == channels.c.channel_type_id)
    .join(media_routing_domains, media_routing_domains.c.id == channel_types.c.media_routing_domain_id)
    .where(channels.c.id == bindparam("channel_id"))
)
OPEN_CONVERSATIONS_OF_AGENT = (
    select(participants.c.conversation_id)
    .join(conversations, conversations.c.id == participants.c.conversation_id)
    .where(participants.c.agent_id == bindparam("agent_id"), conversations.c.state != ConversationState.CLOSED.value)
    .order_by(participants.c.conversation_id)
)
# The target list of a transfer, locked so that it is not deleted, nor its accepts_transfers_from changed,
# before the transfer commits; then the lists it accepts transfers from (none: any).
LOCK_LIST = select(lists.c.id).where(lists.c.id == bindparam("list_id")).with_for_update()
TRANSFER_SOURCES = select(list_transfer_sources.c.source_list_id).where(
    list_transfer_sources.c.list_id == bindparam("list_id")
)
# A transfer announces the request on its new list: an UNREAD reminder there counts from then.
MARK_ANNOUNCED = update(conversations).where(conversations.c.id == bindparam("conversation_id"))
# The agent's own cap in a domain, which replaces the domain's.
AGENT_CAP = select(agent_capacity_overrides.c.max_conversations).where(
    agent_capacity_overrides.c.agent_id == bindparam("agent_id"),
    agent_capacity_overrides.c.media_routing_domain_id == bindparam("media_routing_domain_id"),
)
LOCK_AGENT = select(agents.c.enabled).where(agents.c.id == bindparam("agent_id")).with_for_update()
LOCK_SUPERVISOR = (
    select(supervisors.c.enabled).where(supervisors.c.id == bindparam("supervisor_id")).with_for_update()
)
# Open conversations some supervisor barged into, with who, in id order: the few a supervisor's change may
# concern. (A JSON column is not searched alike on SQLite and PostgreSQL, so their rows are sifted here; rows
# written before `supervisors` was stored as an SQL NULL hold a JSON null and are sifted too.)
OPEN_SUPERVISED = (
    select(conversations.c.id, conversations.c.list_id, conversations.c.supervisors)
    .where(conversations.c.state != ConversationState.CLOSED.value, conversations.c.supervisors.is_not(None))
    .order_by(conversations.c.id)
)
OPEN_COUNT_OF_AGENT_IN_DOMAIN = (
    select(func.count())
    .select_from(participants)
    .join(conversations, conversations.c.id == participants.c.conversation_id)
    .join(channels, channels.c.id == conversations.c.channel_id)
    .join(channel_types, channel_types.c.id == channels.c.channel_type_id)
    .where(
        participants.c.agent_id == bindparam("agent_id"),
        conversations.c.state != ConversationState.CLOSED.value,
        channel_types.c.media_routing_domain_id == bindparam("media_routing_domain_id"),
    )
)


@dataclass(frozen=True)
class Posted:
    """The answer to a customer message, the same for the first post and every retry."""

    conversation: Conversation
    message: Message
    created: bool


# What each sort key of a listing orders by.
SORT_COLUMNS: dict[str, ColumnElement[Any]] = {
    OrderField.WAITING_SINCE: func.coalesce(conversations.c.waiting_since, NOT_WAITING),
    OrderField.CREATE_TIME: conversations.c.create_time,
    OrderField.PRIORITY: conversations.c.priority,
    "id": conversations.c.id,
}


# Reading.


def _one(connection: Connection, query: Prepared, parameters: dict[str, Any]) -> Conversation | None:
    return _first(connection, query.rows(connection, parameters))


def _first(connection: Connection, rows: list[Any]) -> Conversation | None:
    found = load_conversations(connection, rows)
    return found[0] if found else None


def _find(connection: Connection, conversation_id: str, *, for_update: bool = False) -> Conversation | None:
    query = CONVERSATION_BY_ID_LOCKED if for_update else CONVERSATION_BY_ID
    return _one(connection, query, {"conversation_id": conversation_id})


def get(connection: Connection, conversation_id: str, *, for_update: bool = False) -> Conversation:
    """The conversation, locked for the rest of the transaction when `for_update`; NOT_FOUND otherwise."""
    conversation = _find(connection, conversation_id, for_update=for_update)
    if conversation is None:
        name = format_name(CONVERSATIONS, conversation_id)
        raise DomainError(Reason.RESOURCE_NOT_FOUND, f"{name} does not exist", resource=name)
    return conversation


def get_for_agent(connection: Connection, agent_id: str, conversation_id: str) -> Conversation:
    conversation = get(connection, conversation_id)
    rules.check_may_see(conversation, agent_id, is_entitled(connection, agent_id, conversation.list_id))
    return conversation


def supervisor_scope(connection: Connection, supervisor_id: str) -> frozenset[str]:
    """The ids of the supervisor's lists, as they are now."""
    return frozenset(connection.scalars(SUPERVISOR_LIST_IDS, {"supervisor_id": supervisor_id}))


def get_for_supervisor(
    connection: Connection, supervisor_id: str, conversation_id: str, *, for_update: bool = False
) -> Conversation:
    """The conversation, on one of the supervisor's lists; NOT_ENTITLED otherwise, whether it exists or not."""
    return supervision.check_conversation_in_scope(
        _find(connection, conversation_id, for_update=for_update),
        conversation_id,
        supervisor_scope(connection, supervisor_id),
    )


def _open_of_customer(connection: Connection, channel_id: str, customer_id: str) -> Conversation | None:
    """The customer's open conversation on the channel, locked. On PostgreSQL a conversation closed while
    this waits for the lock is re-checked against the WHERE clause and so not returned."""
    return _one(connection, OPEN_OF_CUSTOMER, {"channel_id": channel_id, "customer_id": customer_id})


def list_page(
    connection: Connection,
    list_ids: Collection[str] | None,
    states: Iterable[ConversationState],
    order: ConversationOrder,
    after: tuple[int | str, ...] | None,
    limit: int,
) -> list[Conversation]:
    """Conversations in `states` on these lists (on every list when `list_ids` is None), in `order`, after the
    sort key `after` (a page token's)."""
    query = select(conversations).where(conversations.c.state.in_([state.value for state in states]))
    if list_ids is not None:
        query = query.where(conversations.c.list_id.in_(list_ids))
    key = [SORT_COLUMNS[sort_key.field] for sort_key in order.keys]
    descending = [sort_key.descending for sort_key in order.keys]
    return load_conversations(connection, connection.execute(keyset_page(query, key, after, limit, descending)))


def list_for_agent(
    connection: Connection,
    agent_id: str,
    list_id: str,
    states: Iterable[ConversationState],
    order: ConversationOrder,
    after: tuple[int | str, ...] | None,
    limit: int,
) -> list[Conversation]:
    require_entitled_list(connection, agent_id, list_id)
    return list_page(connection, [list_id], states, order, after, limit)


def list_for_supervisor(
    connection: Connection,
    supervisor_id: str,
    list_id: str | None,
    states: Iterable[ConversationState],
    order: ConversationOrder,
    after: tuple[int | str, ...] | None,
    limit: int,
) -> list[Conversation]:
    """On one of the supervisor's lists, or on all of them when `list_id` is None."""
    scope = supervisor_scope(connection, supervisor_id)
    if list_id is not None:
        supervision.check_list_in_scope(list_id, scope)
    return list_page(connection, scope if list_id is None else [list_id], states, order, after, limit)


def list_for_admin(
    connection: Connection,
    list_id: str | None,
    states: Iterable[ConversationState],
    order: ConversationOrder,
    after: tuple[int | str, ...] | None,
    limit: int,
) -> list[Conversation]:
    if list_id is not None:
        require_list(connection, list_id)
    return list_page(connection, None if list_id is None else [list_id], states, order, after, limit)


def _message_by_key(connection: Connection, scope: str, key: str) -> Message | None:
    row = MESSAGE_BY_KEY.first(connection, {"scope": scope, "key": key})
    return None if row is None else message_from_row(row)


# Writing.


def write(
    connection: Connection, before: Conversation | None, outcome: rules.Outcome, scope: str | None = None
) -> None:
    """Writes what a transition changed - the conversation row, its participants, its message - then its
    events, in one round trip on PostgreSQL. Nothing at all for an idempotent repeat."""
    if not outcome.events:
        return
    with pipelined(connection):
        _write_change(connection, before, outcome, scope)
    withdrawals.after_change(connection, before, outcome.conversation)


def _write_change(
    connection: Connection, before: Conversation | None, outcome: rules.Outcome, scope: str | None
) -> None:
    after = outcome.conversation
    row = conversation_row(after)
    if before is None:
        INSERT_CONVERSATION.execute(connection, row)
    else:
        conversation_id = row.pop("id")  # finds the row; a primary key is never set
        UPDATE_CONVERSATION.execute(connection, {"conversation_id": conversation_id, **row})
    old = {p.agent_id for p in before.participants} if before is not None else set()
    new = {p.agent_id for p in after.participants}
    if old - new:
        DELETE_PARTICIPANT.execute(
            connection, [{"conversation_id": after.id, "agent_id": agent_id} for agent_id in sorted(old - new)]
        )
    joined = [p for p in after.participants if p.agent_id not in old]
    if joined:
        INSERT_PARTICIPANTS.execute(
            connection,
            [{"conversation_id": after.id, "agent_id": p.agent_id, "join_time": p.join_time} for p in joined],
        )
    if outcome.message is not None:
        message = outcome.message
        INSERT_MESSAGE.execute(
            connection,
            {
                "id": message.id,
                "conversation_id": message.conversation_id,
                "sender_type": message.sender_type.value,
                "agent_id": message.agent_id,
                "text": message.text,
                "create_time": message.create_time,
                "idempotency_scope": scope if message.idempotency_key is not None else None,
                "idempotency_key": message.idempotency_key,
                "visibility": message.visibility.value,
                "supervisor_id": message.supervisor_id,
            },
        )
    events.append(connection, list(outcome.events), after.update_time)


# Ingest.


def ingest_channel(connection: Connection, ingestor_id: str, service_identifier: str) -> rules.IngestChannel:
    """The channel serving `service_identifier`, if the ingestor may ingest for it (no channels = all)."""
    parameters = {"ingestor_id": ingestor_id, "service_identifier": service_identifier}
    key = ("channel", ingestor_id, service_identifier)
    row = read_once_per_group(connection, key, lambda: CHANNEL_FOR_INGESTOR.first(connection, parameters))
    if row is None:
        raise DomainError(
            Reason.SERVICE_IDENTIFIER_UNKNOWN,
            f"no channel serves {service_identifier!r}",
            service_identifier=service_identifier,
        )
    if row.scoped and not row.permitted:
        raise _not_permitted(row.id)
    return rules.IngestChannel(row.id, row.service_identifier, row.routing_mode, row.list_id, row.enabled)


def check_ingestor_may_serve(connection: Connection, ingestor_id: str, channel_id: str) -> None:
    permitted = [row.channel_id for row in connection.execute(INGESTOR_CHANNEL_IDS, {"ingestor_id": ingestor_id})]
    if permitted and channel_id not in permitted:
        raise _not_permitted(channel_id)


def _not_permitted(channel_id: str) -> DomainError:
    name = format_name(CHANNELS, channel_id)
    return DomainError(Reason.CHANNEL_NOT_PERMITTED, f"this ingestor may not ingest for {name}", channel=name)


def post_customer_message(
    connection: Connection,
    ingestor_id: str,
    *,
    service_identifier: str,
    customer_id: str,
    customer_display_name: str,
    text: str,
    source_message_id: str,
    priority: int = 0,
) -> Posted:
    """Appends to the customer's open conversation on the channel or opens a new one (with `priority`;
    an open conversation keeps its own). A retry (same
    source_message_id on the channel) is answered from what the first post wrote and writes nothing; two
    racing copies meet at the unique index and the loser, run again, finds the winner's message. Run it
    with `retry_on_conflict=True`."""
    channel = ingest_channel(connection, ingestor_id, service_identifier)
    scope = rules.customer_message_scope(channel.id)
    # One round trip for both on PostgreSQL. The customer's open conversation is locked even for a retry
    # answered from its first post, until the commit.
    with pipelined(connection):
        by_key = MESSAGE_BY_KEY.send(connection, {"scope": scope, "key": source_message_id})
        open_of_customer = OPEN_OF_CUSTOMER.send(connection, {"channel_id": channel.id, "customer_id": customer_id})
        earlier_row, open_rows = by_key.first(), open_of_customer.rows()
    if earlier_row is not None:
        earlier = message_from_row(earlier_row)
        conversation = get(connection, earlier.conversation_id)
        return Posted(conversation, earlier, rules.opened_by(conversation, earlier))
    list_id = rules.check_accepts_customer_messages(channel)
    before = _first(connection, open_rows)
    if before is None:
        outcome = rules.open_request(
            conversation_id=new_id(),
            list_id=list_id,
            channel_id=channel.id,
            customer_id=customer_id,
            customer_display_name=customer_display_name,
            message_id=new_id(),
            text=text,
            source_message_id=source_message_id,
            now=now_micros(),
            priority=priority,
        )
    else:
        follow_up_alerts = LIST_FOLLOW_UP_ALERTS.scalar(connection, {"list_id": before.list_id})
        outcome = rules.add_customer_message(
            before,
            message_id=new_id(),
            text=text,
            source_message_id=source_message_id,
            now=now_micros(),
            follow_up_alerts=bool(follow_up_alerts),
        )
    write(connection, before, outcome, scope)
    assert outcome.message is not None
    return Posted(outcome.conversation, outcome.message, before is None)


def end_by_customer(
    connection: Connection,
    ingestor_id: str,
    *,
    conversation_id: str | None,
    service_identifier: str,
    customer_id: str,
) -> Conversation:
    """Closes with reason CUSTOMER the named conversation, or the customer's open one on the channel."""
    if conversation_id is not None:
        before = get(connection, conversation_id, for_update=True)
        check_ingestor_may_serve(connection, ingestor_id, before.channel_id)
    else:
        channel = ingest_channel(connection, ingestor_id, service_identifier)
        found = _open_of_customer(connection, channel.id, customer_id)
        if found is None:
            raise DomainError(
                Reason.RESOURCE_NOT_FOUND,
                f"customer {customer_id!r} has no open conversation on {service_identifier!r}",
                service_identifier=service_identifier,
                customer_id=customer_id,
            )
        before = found
    outcome = rules.close(before, CloseReason.CUSTOMER, now_micros())
    write(connection, before, outcome)
    return outcome.conversation


# Agents and supervisors.


def lock_enabled_agent(connection: Connection, agent_id: str) -> None:
    """Locks the joining agent's row and refuses it if it was disabled or deleted meanwhile. A disable takes the
    same row and then releases the agent from every conversation it is in, so a join and a disable commit one
    after the other: the release sees the join, or the join sees the disable, never neither."""
    if not connection.execute(LOCK_AGENT, {"agent_id": agent_id}).scalar():
        raise DomainError(Reason.PRINCIPAL_DISABLED, f"{format_name(AGENTS, agent_id)} is disabled or deleted")


def join_limits(connection: Connection, agent_id: str, conversation: Conversation) -> rules.JoinLimits:
    """The list's participant cap and the agent's cap in the MRD of the conversation's channel type, with
    the agent's open conversations there counted under the lock on the agent's row that the join holds, so
    that two joins of one agent count one after the other."""
    max_participants = connection.execute(LIST_MAX_PARTICIPANTS, {"list_id": conversation.list_id}).scalar()
    mrd = connection.execute(CHANNEL_MEDIA_ROUTING_DOMAIN, {"channel_id": conversation.channel_id}).first()
    cap = mrd.max_conversations_per_agent if mrd is not None else 0
    if mrd is not None:
        override = connection.execute(AGENT_CAP, {"agent_id": agent_id, "media_routing_domain_id": mrd.id}).scalar()
        cap = cap if override is None else override
    open_count = 0
    if cap:
        open_count = connection.execute(
            OPEN_COUNT_OF_AGENT_IN_DOMAIN, {"agent_id": agent_id, "media_routing_domain_id": mrd.id}
        ).scalar_one()
    return rules.JoinLimits(max_participants or 0, cap, open_count)


def join(connection: Connection, agent_id: str, conversation_id: str) -> Conversation:
    before = get(connection, conversation_id, for_update=True)
    lock_enabled_agent(connection, agent_id)
    agent_access = access(connection, agent_id, before.list_id)
    outcome = rules.join(before, agent_id, now_micros(), agent_access, join_limits(connection, agent_id, before))
    write(connection, before, outcome)
    return outcome.conversation


def leave(connection: Connection, agent_id: str, conversation_id: str) -> Conversation:
    before = get(connection, conversation_id, for_update=True)
    entitled = is_entitled(connection, agent_id, before.list_id)
    outcome = rules.leave(before, agent_id, now_micros(), entitled)
    write(connection, before, outcome)
    return outcome.conversation


def release_everywhere(connection: Connection, agent_id: str, cause: LeaveCause) -> list[Conversation]:
    """Lets the agent go from every open conversation it is in, each locked in id order (so two releases
    never wait on each other in a circle); returns them as they became."""
    conversation_ids = connection.execute(OPEN_CONVERSATIONS_OF_AGENT, {"agent_id": agent_id}).scalars().all()
    now = now_micros()
    return [release(connection, agent_id, conversation_id, cause, now) for conversation_id in conversation_ids]


def release(connection: Connection, agent_id: str, conversation_id: str, cause: LeaveCause, now: int) -> Conversation:
    before = get(connection, conversation_id, for_update=True)
    outcome = rules.release(before, agent_id, now, cause)
    write(connection, before, outcome)
    return outcome.conversation


def _wrap_up_rules(connection: Connection, list_id: str, code_ids: tuple[str, ...]) -> rules.WrapUpRules:
    """Whether the list requires a wrap-up, and the lists of each named code that exists."""
    required = connection.execute(LIST_REQUIRES_WRAP_UP, {"list_id": list_id}).scalar()
    code_lists: dict[str, list[str]] = {}
    if code_ids:
        for code_id, list_code in connection.execute(WRAP_UP_CODE_LISTS, {"code_ids": list(code_ids)}):
            named = code_lists.setdefault(code_id, [])
            if list_code is not None:
                named.append(format_name(LISTS, list_code))
    return rules.WrapUpRules(bool(required), {code: tuple(names) for code, names in code_lists.items()})


def close_by_agent(
    connection: Connection,
    agent_id: str,
    conversation_id: str,
    reason: CloseReason,
    wrap_up: WrapUp = rules.NO_WRAP_UP,
) -> Conversation:
    before = get(connection, conversation_id, for_update=True)
    outcome = rules.close_by_agent(
        before,
        agent_id,
        reason,
        now_micros(),
        access(connection, agent_id, before.list_id),
        wrap_up,
        _wrap_up_rules(connection, before.list_id, wrap_up.codes),
    )
    write(connection, before, outcome)
    return outcome.conversation


def force_close(connection: Connection, conversation_id: str) -> Conversation:
    """The admin's force-close, of any conversation."""
    before = get(connection, conversation_id, for_update=True)
    outcome = rules.close(before, CloseReason.FORCED, now_micros())
    write(connection, before, outcome)
    return outcome.conversation


def close_abandoned(connection: Connection, before: Conversation, now: int) -> Conversation:
    """The server closes an abandoned request (reason INACTIVITY); the caller holds `before` locked."""
    outcome = rules.close(before, CloseReason.INACTIVITY, now)
    write(connection, before, outcome)
    return outcome.conversation


def send_agent_message(
    connection: Connection,
    agent_id: str,
    conversation_id: str,
    text: str,
    client_message_id: str | None,
    visibility: MessageVisibility = MessageVisibility.PUBLIC,
    expected_last_message_id: str | None = None,
) -> Message:
    """A participant's message. A retry with the same client_message_id (per conversation and agent) is
    answered with the first message and writes nothing. The newest message is read under the conversation's
    lock, so two agents answering the same view cannot both pass the collision guard. Run it with
    `retry_on_conflict=True`."""
    scope = rules.agent_message_scope(conversation_id, agent_id)
    if client_message_id is not None:
        earlier = _message_by_key(connection, scope, client_message_id)
        if earlier is not None:
            return earlier
    before = get(connection, conversation_id, for_update=True)
    outcome = rules.add_agent_message(
        before,
        agent_id,
        message_id=new_id(),
        text=text,
        client_message_id=client_message_id,
        now=now_micros(),
        entitled=is_entitled(connection, agent_id, before.list_id),
        visibility=visibility,
        expected_last_message_id=expected_last_message_id,
        newest_message_id=_newest_message_if_expected(connection, conversation_id, expected_last_message_id),
    )
    write(connection, before, outcome, scope)
    assert outcome.message is not None
    return outcome.message


def _newest_message_if_expected(
    connection: Connection, conversation_id: str, expected_last_message_id: str | None
) -> str | None:
    """The conversation's newest message id, read only when the writer named the one it expects (STALE_VIEW)."""
    if expected_last_message_id is None:
        return None
    return connection.execute(NEWEST_MESSAGE, {"conversation_id": conversation_id}).scalar()


def _accepts_transfer(connection: Connection, target_list_id: str, source_list_id: str) -> bool:
    """Whether the target list exists and accepts transfers from the source list; its row stays locked."""
    if connection.execute(LOCK_LIST, {"list_id": target_list_id}).first() is None:
        return False
    sources = connection.execute(TRANSFER_SOURCES, {"list_id": target_list_id}).scalars().all()
    return not sources or source_list_id in sources


def transfer(connection: Connection, agent_id: str, conversation_id: str, list_id: str, note: str) -> Conversation:
    """Locks the conversation, then the target list (the order every transfer takes; nothing locks a
    conversation while holding a list)."""
    before = get(connection, conversation_id, for_update=True)
    outcome = rules.transfer(
        before,
        agent_id,
        target_list_id=list_id,
        target_accepts=_accepts_transfer(connection, list_id, before.list_id),
        note=note,
        message_id=new_id(),
        now=now_micros(),
        entitled=is_entitled(connection, agent_id, before.list_id),
    )
    write(connection, before, outcome)
    after = outcome.conversation
    connection.execute(MARK_ANNOUNCED, {"conversation_id": after.id, "last_reminder_time": after.update_time})
    return after


def return_to_list(connection: Connection, agent_id: str, conversation_id: str, note: str) -> Conversation:
    before = get(connection, conversation_id, for_update=True)
    outcome = rules.return_to_list(
        before,
        agent_id,
        note=note,
        message_id=new_id(),
        now=now_micros(),
        entitled=is_entitled(connection, agent_id, before.list_id),
    )
    write(connection, before, outcome)
    return outcome.conversation


# Supervisors: each reads the supervisor's lists in the transaction that acts, so a narrowed scope holds at once.


def force_close_by_supervisor(connection: Connection, supervisor_id: str, conversation_id: str) -> Conversation:
    """Of two supervisors closing at once, the second waits for the first's lock and finds it CLOSED."""
    before = get_for_supervisor(connection, supervisor_id, conversation_id, for_update=True)
    outcome = rules.close(before, CloseReason.FORCED, now_micros())
    write(connection, before, outcome)
    return outcome.conversation


def transfer_by_supervisor(
    connection: Connection, supervisor_id: str, conversation_id: str, list_id: str, note: str
) -> Conversation:
    """To another of the supervisor's lists; locks the conversation, then the target list, as an agent's
    transfer does."""
    before = get_for_supervisor(connection, supervisor_id, conversation_id, for_update=True)
    supervision.check_list_in_scope(list_id, supervisor_scope(connection, supervisor_id))
    outcome = rules.move_to_list(
        before,
        rules.Author(SenderType.SUPERVISOR, supervisor_id),
        target_list_id=list_id,
        target_accepts=_accepts_transfer(connection, list_id, before.list_id),
        note=note,
        message_id=new_id(),
        now=now_micros(),
    )
    write(connection, before, outcome)
    after = outcome.conversation
    connection.execute(MARK_ANNOUNCED, {"conversation_id": after.id, "last_reminder_time": after.update_time})
    return after


def set_priority(connection: Connection, supervisor_id: str, conversation_id: str, priority: int) -> Conversation:
    before = get_for_supervisor(connection, supervisor_id, conversation_id, for_update=True)
    outcome = rules.set_priority(before, priority, now_micros())
    write(connection, before, outcome)
    return outcome.conversation


def remove_participant(connection: Connection, supervisor_id: str, conversation_id: str, agent_id: str) -> Conversation:
    """A release racing the agent's own leave waits for its lock: whichever commits second finds the agent
    gone and changes nothing."""
    before = get_for_supervisor(connection, supervisor_id, conversation_id, for_update=True)
    outcome = rules.remove_participant(before, agent_id, now_micros())
    write(connection, before, outcome)
    return outcome.conversation


def whisper(connection: Connection, supervisor_id: str, conversation_id: str, text: str) -> Message:
    before = get_for_supervisor(connection, supervisor_id, conversation_id, for_update=True)
    outcome = rules.whisper(before, supervisor_id, text, new_id(), now_micros())
    write(connection, before, outcome)
    assert outcome.message is not None
    return outcome.message


def lock_enabled_supervisor(connection: Connection, supervisor_id: str) -> None:
    """Locks the supervisor's row and refuses it if it was disabled or deleted meanwhile. Disabling, deleting or
    narrowing a supervisor takes the same row first and then makes it leave what it may no longer be in, so a
    barge-in and such a change commit one after the other: the change sees the barge-in, or the barge-in sees
    the change (and the scope it reads after this lock), never neither."""
    if not connection.execute(LOCK_SUPERVISOR, {"supervisor_id": supervisor_id}).scalar():
        name = format_name(SUPERVISORS, supervisor_id)
        raise DomainError(Reason.PRINCIPAL_DISABLED, f"{name} is disabled or deleted")


def barge_in(connection: Connection, supervisor_id: str, conversation_id: str) -> Conversation:
    """A barge-in and a close take the conversation's lock in turn: one after the close finds it CLOSED. The
    supervisor's row is locked first, as a change of the supervisor locks it before its conversations."""
    lock_enabled_supervisor(connection, supervisor_id)
    before = get_for_supervisor(connection, supervisor_id, conversation_id, for_update=True)
    outcome = rules.barge_in(before, supervisor_id, now_micros())
    write(connection, before, outcome)
    return outcome.conversation


def send_supervisor_message(
    connection: Connection,
    supervisor_id: str,
    conversation_id: str,
    text: str,
    request_id: str | None,
    expected_last_message_id: str | None = None,
) -> Message:
    """A supervisor who barged in writes to the customer. A retry with the same request_id (per conversation
    and supervisor) is answered with the first message and writes nothing. A send and a close or a leave take
    the conversation's lock in turn: one after them finds it CLOSED, or the supervisor gone. Run it with
    `retry_on_conflict=True`."""
    scope = rules.supervisor_message_scope(conversation_id, supervisor_id)
    if request_id is not None:
        earlier = _message_by_key(connection, scope, request_id)
        if earlier is not None:
            return earlier
    before = get_for_supervisor(connection, supervisor_id, conversation_id, for_update=True)
    outcome = rules.add_supervisor_message(
        before,
        supervisor_id,
        message_id=new_id(),
        text=text,
        request_id=request_id,
        now=now_micros(),
        expected_last_message_id=expected_last_message_id,
        newest_message_id=_newest_message_if_expected(connection, conversation_id, expected_last_message_id),
    )
    write(connection, before, outcome, scope)
    assert outcome.message is not None
    return outcome.message


def leave_by_supervisor(connection: Connection, supervisor_id: str, conversation_id: str) -> Conversation:
    """Of two leaves, or a leave and a close, at once, the second waits for the first's lock and finds the
    supervisor gone: it changes nothing."""
    before = get_for_supervisor(connection, supervisor_id, conversation_id, for_update=True)
    outcome = rules.supervisor_leave(before, supervisor_id, now_micros(), LeaveCause.LEFT)
    write(connection, before, outcome)
    return outcome.conversation


def supervisor_leaves(
    connection: Connection, supervisor_id: str, cause: LeaveCause, keep_list_ids: Collection[str] = ()
) -> None:
    """Makes the supervisor leave the open conversations it barged into, but those on `keep_list_ids`, each
    locked in id order; the caller holds the supervisor's row, so no barge-in of it commits meanwhile."""
    now = now_micros()
    for conversation_id, list_id, supervising in connection.execute(OPEN_SUPERVISED).all():
        if list_id in keep_list_ids or not any(s["supervisor_id"] == supervisor_id for s in supervising or ()):
            continue
        before = get(connection, conversation_id, for_update=True)
        write(connection, before, rules.supervisor_leave(before, supervisor_id, now, cause))
