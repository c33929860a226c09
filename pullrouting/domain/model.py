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


@dataclass(frozen=True)
class Participant:
    agent_id: str
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


@dataclass(frozen=True)
class Message:
    id: str
    conversation_id: str
    sender_type: SenderType
    text: str
    create_time: int
    agent_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Subscription:
    agent_id: str
    list_id: str
    create_time: int = field(default=0)
