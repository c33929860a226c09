"""Read positions (MarkRead) and the unread counts desks show: the messages of others in a conversation after
the agent's read position (all of them before it marks any). Moving a position locks the conversation first,
as every write to a conversation does (store/conversations.py), so it takes its place in the event order
among the conversation's messages, and the unread count it announces is exact at that place."""

from collections.abc import Collection

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, not_, or_, select, tuple_

from pullrouting.domain import conversation as rules
from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.events import AgentEventType, Event
from pullrouting.domain.model import SenderType
from pullrouting.domain.names import CONVERSATIONS, MESSAGES, format_name
from pullrouting.store import conversations as conversation_store
from pullrouting.store import events
from pullrouting.store.subscriptions import is_entitled
from pullrouting.store.tables import messages, read_positions

MESSAGE_KEY = select(messages.c.create_time).where(
    messages.c.id == bindparam("message_id"), messages.c.conversation_id == bindparam("conversation_id")
)
READ_POSITION = select(read_positions.c.message_create_time, read_positions.c.message_id).where(
    read_positions.c.agent_id == bindparam("agent_id"),
    read_positions.c.conversation_id == bindparam("conversation_id"),
)
DELETE_READ_POSITION = delete(read_positions).where(
    read_positions.c.agent_id == bindparam("agent_id"),
    read_positions.c.conversation_id == bindparam("conversation_id"),
)
INSERT_READ_POSITION = insert(read_positions)
BY_OTHERS = not_(and_(messages.c.sender_type == SenderType.AGENT.value, messages.c.agent_id == bindparam("agent_id")))
# Per conversation: messages of others after the agent's read position, if it has one.
UNREAD_COUNTS = (
    select(messages.c.conversation_id, func.count())
    .select_from(messages)
    .outerjoin(
        read_positions,
        and_(
            read_positions.c.conversation_id == messages.c.conversation_id,
            read_positions.c.agent_id == bindparam("agent_id"),
        ),
    )
    .where(
        messages.c.conversation_id.in_(bindparam("conversation_ids", expanding=True)),
        BY_OTHERS,
        or_(
            read_positions.c.message_id.is_(None),
            tuple_(messages.c.create_time, messages.c.id)
            > tuple_(read_positions.c.message_create_time, read_positions.c.message_id),
        ),
    )
    .group_by(messages.c.conversation_id)
)


def unread_counts(connection: Connection, agent_id: str, conversation_ids: Collection[str]) -> dict[str, int]:
    """The agent's unread count in each of the conversations (0 for those with none unread)."""
    if not conversation_ids:
        return {}
    parameters = {"agent_id": agent_id, "conversation_ids": list(conversation_ids)}
    counts = dict.fromkeys(conversation_ids, 0)
    counts.update({row[0]: row[1] for row in connection.execute(UNREAD_COUNTS, parameters)})
    return counts


def mark_read(connection: Connection, agent_id: str, conversation_id: str, message: tuple[str, str], now: int) -> int:
    """Moves the agent's read position to `message` (its conversation's id and its own); returns the unread
    count after it. NOT_FOUND for a message that is not the conversation's; refused as ListMessages is for
    an agent who may not read the conversation."""
    message_conversation_id, message_id = message
    conversation = conversation_store.get(connection, conversation_id, for_update=True)
    rules.check_may_see(conversation, agent_id, is_entitled(connection, agent_id, conversation.list_id))
    key = {"agent_id": agent_id, "conversation_id": conversation_id}
    create_time = connection.execute(MESSAGE_KEY, {**key, "message_id": message_id}).scalar()
    if create_time is None or message_conversation_id != conversation_id:
        name = f"{format_name(CONVERSATIONS, message_conversation_id)}/{MESSAGES}/{message_id}"
        raise DomainError(Reason.RESOURCE_NOT_FOUND, f"{name} does not exist", resource=name)
    before = connection.execute(READ_POSITION, key).first()
    if before is None or tuple(before) != (create_time, message_id):
        connection.execute(DELETE_READ_POSITION, key)
        connection.execute(INSERT_READ_POSITION, {**key, "message_create_time": create_time, "message_id": message_id})
        read = Event(
            AgentEventType.READ,
            conversation_id=conversation_id,
            agent_id=agent_id,
            payload={"message_id": message_id},
        )
        events.append(connection, [read], now)
    return unread_counts(connection, agent_id, [conversation_id])[conversation_id]
