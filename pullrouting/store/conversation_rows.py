"""Rows of the conversation tables as domain objects: shared by the lifecycle transactions, subscriptions
and the Watch streams' starting reads."""

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Integer, Row, and_, bindparam, or_, select

from pullrouting.domain.model import (
    OPEN_STATES,
    CloseReason,
    Conversation,
    ConversationState,
    Message,
    MessageVisibility,
    Participant,
    SenderType,
    SupervisorParticipant,
)
from pullrouting.store.tables import conversations, participants

# Built once (see store/conversations.py).
PARTICIPANTS_OF = (
    select(participants)
    .where(participants.c.conversation_id.in_(bindparam("conversation_ids", expanding=True)))
    .order_by(participants.c.join_time, participants.c.agent_id)
)
# A page of them, after the (create_time, id) given.
OPEN_ON_LISTS_AFTER = (
    select(conversations)
    .where(
        conversations.c.list_id.in_(bindparam("list_ids", expanding=True)),
        conversations.c.state.in_([state.value for state in OPEN_STATES]),
        or_(
            conversations.c.create_time > bindparam("create_time"),
            and_(conversations.c.create_time == bindparam("create_time"), conversations.c.id > bindparam("id")),
        ),
    )
    .order_by(conversations.c.create_time, conversations.c.id)
    .limit(bindparam("limit", type_=Integer))
)


def _participants(connection: Connection, conversation_ids: list[str]) -> dict[str, tuple[Participant, ...]]:
    found: dict[str, list[Participant]] = {}
    for row in connection.execute(PARTICIPANTS_OF, {"conversation_ids": conversation_ids}):
        found.setdefault(row.conversation_id, []).append(Participant(row.agent_id, row.join_time))
    return {conversation_id: tuple(items) for conversation_id, items in found.items()}


def _value(member: StrEnum | None) -> str | None:
    return None if member is None else member.value


def conversation_row(conversation: Conversation) -> dict[str, Any]:
    """The conversation's row, every column the domain holds: what INSERT writes and UPDATE sets, so a
    change to any field is stored. Participants have their own table."""
    return {
        "id": conversation.id,
        "list_id": conversation.list_id,
        "channel_id": conversation.channel_id,
        "customer_id": conversation.customer_id,
        "customer_display_name": conversation.customer_display_name,
        "state": conversation.state.value,
        "create_time": conversation.create_time,
        "update_time": conversation.update_time,
        "close_time": conversation.close_time,
        "first_join_time": conversation.first_join_time,
        "message_count": conversation.message_count,
        "last_message_time": conversation.last_message_time,
        "close_reason": _value(conversation.close_reason),
        "priority": conversation.priority,
        "waiting_since": conversation.waiting_since,
        "last_message_sender": _value(conversation.last_message_sender),
        "last_message_agent_id": conversation.last_message_agent_id,
        "last_message_preview": conversation.last_message_preview,
        "transfer_count": conversation.transfer_count,
        "wrap_up_codes": list(conversation.wrap_up_codes) or None,
        "wrap_up_note": conversation.wrap_up_note or None,
        "supervisors": [
            {"supervisor_id": s.supervisor_id, "join_time": s.join_time} for s in conversation.supervisors
        ]
        or None,
    }


def conversation_from_row(row: Row, participants: tuple[Participant, ...]) -> Conversation:
    """The inverse of `conversation_row`."""
    return Conversation(
        id=row.id,
        list_id=row.list_id,
        channel_id=row.channel_id,
        customer_id=row.customer_id,
        customer_display_name=row.customer_display_name,
        state=ConversationState(row.state),
        create_time=row.create_time,
        update_time=row.update_time,
        participants=participants,
        close_time=row.close_time,
        first_join_time=row.first_join_time,
        message_count=row.message_count,
        last_message_time=row.last_message_time,
        close_reason=None if row.close_reason is None else CloseReason(row.close_reason),
        priority=row.priority,
        waiting_since=row.waiting_since,
        last_message_sender=None if row.last_message_sender is None else SenderType(row.last_message_sender),
        last_message_agent_id=row.last_message_agent_id,
        last_message_preview=row.last_message_preview,
        transfer_count=row.transfer_count,
        wrap_up_codes=tuple(row.wrap_up_codes or ()),
        wrap_up_note=row.wrap_up_note or "",
        supervisors=tuple(SupervisorParticipant(**s) for s in row.supervisors or ()),
    )


def load_conversations(connection: Connection, rows: Iterable[Row]) -> list[Conversation]:
    rows = list(rows)
    joined = _participants(connection, [row.id for row in rows]) if rows else {}
    return [conversation_from_row(row, joined.get(row.id, ())) for row in rows]


def message_from_row(row: Row) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        sender_type=SenderType(row.sender_type),
        text=row.text,
        create_time=row.create_time,
        agent_id=row.agent_id,
        idempotency_key=row.idempotency_key,
        visibility=MessageVisibility(row.visibility),
        supervisor_id=row.supervisor_id,
    )


def open_on_lists(
    connection: Connection, list_ids: Iterable[str], after: tuple[int, str], limit: int
) -> list[Conversation]:
    """Up to `limit` open requests on these lists, oldest first, after the (create_time, id) `after`."""
    create_time, conversation_id = after
    parameters = {"list_ids": list(list_ids), "create_time": create_time, "id": conversation_id, "limit": limit}
    return load_conversations(connection, connection.execute(OPEN_ON_LISTS_AFTER, parameters))
