"""Transcripts: a conversation's messages, oldest first, a page at a time, for the agents who may see the
conversation (its participants and the agents entitled to its list), for the supervisors of its list and for
the admin. Open and closed
conversations alike: messages are never deleted with their conversation's state."""

from sqlalchemy import Connection, select

from pullrouting.domain.model import Message
from pullrouting.store import conversations as conversation_store
from pullrouting.store.conversation_rows import message_from_row
from pullrouting.store.paging import keyset_page
from pullrouting.store.tables import messages

# Message times within a conversation are strictly increasing; the id makes the key total all the same.
TRANSCRIPT_KEY = (messages.c.create_time, messages.c.id)


def _page(connection: Connection, conversation_id: str, after: tuple[int, str] | None, limit: int) -> list[Message]:
    query = select(messages).where(messages.c.conversation_id == conversation_id)
    return [message_from_row(row) for row in connection.execute(keyset_page(query, TRANSCRIPT_KEY, after, limit))]


def for_agent(
    connection: Connection, agent_id: str, conversation_id: str, after: tuple[int, str] | None, limit: int
) -> list[Message]:
    """Refused as GetConversation is: NOT_FOUND, or NOT_ENTITLED for an agent neither in it nor entitled."""
    conversation_store.get_for_agent(connection, agent_id, conversation_id)
    return _page(connection, conversation_id, after, limit)


def for_supervisor(
    connection: Connection, supervisor_id: str, conversation_id: str, after: tuple[int, str] | None, limit: int
) -> list[Message]:
    """Refused as SupervisorService.GetConversation is: NOT_ENTITLED off the supervisor's lists."""
    conversation_store.get_for_supervisor(connection, supervisor_id, conversation_id)
    return _page(connection, conversation_id, after, limit)


def for_admin(connection: Connection, conversation_id: str, after: tuple[int, str] | None, limit: int) -> list[Message]:
    conversation_store.get(connection, conversation_id)
    return _page(connection, conversation_id, after, limit)
