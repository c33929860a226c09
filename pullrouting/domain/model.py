"""The request (conversation) as the domain sees it. Times are integer microseconds since the epoch."""

from dataclasses import dataclass, field
from enum import StrEnum


class ConversationState(StrEnum):
    UNREAD = "UNREAD"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    CLOSED = "CLOSED"


OPEN_STATES = (ConversationState.UNREAD, ConversationState.ACTIVE, ConversationState.INACTIVE)


class CloseReason(StrEnum):
    AGENT = "AGENT"
    CUSTOMER = "CUSTOMER"
    FORCED = "FORCED"
    INACTIVITY = "INACTIVITY"


class SenderType(StrEnum):
    CUSTOMER = "CUSTOMER"
    AGENT = "AGENT"
    SUPERVISOR = "SUPERVISOR"


class MessageVisibility(StrEnum):
    """PUBLIC messages reach the customer; INTERNAL notes stay among agents and supervisors."""

    PUBLIC = "PUBLIC"
    INTERNAL = "INTERNAL"


@dataclass(frozen=True)
class Participant:
    agent_id: str
    join_time: int


@dataclass(frozen=True)
class SupervisorParticipant:
    """A supervisor who barged in: a participant that counts against no cap and makes no state."""

    supervisor_id: str
    join_time: int


@dataclass(frozen=True)
class Conversation:
    id: str
    list_id: str
    channel_id: str
    customer_id: str
    customer_display_name: str
    state: ConversationState
    create_time: int
    update_time: int
    participants: tuple[Participant, ...] = ()
    close_time: int | None = None
    first_join_time: int | None = None
    message_count: int = 0
    last_message_time: int | None = None
    close_reason: CloseReason | None = None
    # 0 (the default) to 9, set by the connector on the request's first message.
    priority: int = 0
    # When the oldest customer message not yet answered by an agent message arrived; None when nobody waits.
    waiting_since: int | None = None
    # The last message, as rows show it: who wrote it and its first characters (its time: last_message_time).
    last_message_sender: SenderType | None = None
    last_message_agent_id: str | None = None
    last_message_preview: str | None = None
    # How many times it moved to another list.
    transfer_count: int = 0
    # What the closing agent recorded: wrap-up code ids and a note.
    wrap_up_codes: tuple[str, ...] = ()
    wrap_up_note: str = ""
    # Supervisors who barged in; `participants` are the agents.
    supervisors: tuple[SupervisorParticipant, ...] = ()


@dataclass(frozen=True)
class WrapUp:
    """How a conversation ended, as its closing agent records it: wrap-up code ids and a note."""

    codes: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Message:
    id: str
    conversation_id: str
    sender_type: SenderType
    text: str
    create_time: int
    agent_id: str | None = None
    idempotency_key: str | None = None
    visibility: MessageVisibility = MessageVisibility.PUBLIC
    # The writing supervisor's id, for SUPERVISOR messages.
    supervisor_id: str | None = None


@dataclass(frozen=True)
class Subscription:
    agent_id: str
    list_id: str
    create_time: int = field(default=0)
