"""Events: what a state change tells the world. Each is written in the transaction that made the change,
and streams rebuild their messages from it. Types match the proto enums without their prefix."""

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from pullrouting.domain.model import CloseReason, Conversation, ConversationState, Message, Participant, SenderType
from pullrouting.domain.principal import Principal


class EventKind(StrEnum):
    LIST = "list"  # ListEventType: ADDED, UPDATED, REMOVED
    CONVERSATION = "conversation"  # ConversationEventType: AGENT_JOINED ... CONVERSATION_CLOSED
    OUTBOUND = "outbound"  # OutboundEventType: AGENT_MESSAGE, CONVERSATION_CLOSED
    SUBSCRIPTION = "subscription"  # ListEventType: SUBSCRIBED, UNSUBSCRIBED
    PRINCIPAL = "principal"  # CHANGED: an agent or ingestor was disabled or deleted, or its token replaced


@dataclass(frozen=True)
class Event:
    kind: EventKind
    type: str
    list_id: str | None = None
    conversation_id: str | None = None
    channel_id: str | None = None
    agent_id: str | None = None
    # JSON-ready: "conversation" (snapshot after the event), "message", "previous_state", "close_reason",
    # "reminder", as each type needs.
    payload: dict[str, Any] = field(default_factory=dict)


# Payloads are built on every event, and asdict() (recursion, a deep copy of every value) cost 3 % of the
# event loop while ingesting; these give the same dicts.
CONVERSATION_FIELDS = tuple(f.name for f in fields(Conversation))
MESSAGE_FIELDS = tuple(f.name for f in fields(Message))


def conversation_dict(conversation: Conversation) -> dict[str, Any]:
    """The conversation as event payloads carry it: its fields, participants as dicts."""
    values = {name: getattr(conversation, name) for name in CONVERSATION_FIELDS}
    values["participants"] = tuple(
        {"agent_id": p.agent_id, "join_time": p.join_time} for p in conversation.participants
    )
    return values


def conversation_payload(
    conversation: Conversation,
    *,
    message: Message | None = None,
    previous_state: ConversationState | None = None,
    close_reason: CloseReason | None = None,
    reminder: bool = False,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"conversation": conversation_dict(conversation)}
    if message is not None:
        payload["message"] = {name: getattr(message, name) for name in MESSAGE_FIELDS}
    if previous_state is not None:
        payload["previous_state"] = previous_state.value
    if close_reason is not None:
        payload["close_reason"] = close_reason.value
    if reminder:
        payload["reminder"] = True
    return payload


def conversation_from_payload(data: dict[str, Any]) -> Conversation:

    values = dict(data)
    values["state"] = ConversationState(values["state"])
    values["participants"] = tuple(Participant(**p) for p in values["participants"])
    if values.get("close_reason") is not None:
        values["close_reason"] = CloseReason(values["close_reason"])
    return Conversation(**values)


def message_from_payload(data: dict[str, Any]) -> Message:

    return Message(**{**data, "sender_type": SenderType(data["sender_type"])})


def principal_changed(principal: Principal) -> Event:
    """Tells the streams open under this agent's or ingestor's credentials to check them again."""
    return Event(kind=EventKind.PRINCIPAL, type="CHANGED", payload={"principal": str(principal)})
