"""Events: what a state change tells the world. Each is written in the transaction that made the change,
and streams rebuild their messages from it. Each kind has its own enum of types, named as the proto enum
its stream sends them with, without the prefix (the API's tables map one to the other)."""

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from pullrouting.domain.model import (
    CloseReason,
    Conversation,
    ConversationState,
    Message,
    MessageVisibility,
    Participant,
    SenderType,
    SupervisorParticipant,
)
from pullrouting.domain.principal import Principal


class EventKind(StrEnum):
    """Which streams an event is for; each kind has its enum of types below."""

    LIST = "list"
    CONVERSATION = "conversation"
    OUTBOUND = "outbound"
    SUBSCRIPTION = "subscription"
    PRINCIPAL = "principal"
    AGENT = "agent"


class ListEventType(StrEnum):
    """What happened to a request on its list: WatchLists' ListEventType."""

    ADDED = "ADDED"
    UPDATED = "UPDATED"
    REMOVED = "REMOVED"


class ListAlert(StrEnum):
    """Why a list event should make a desk ring: WatchLists' ListAlert. An event without one is a silent
    refresh of the row."""

    NEW_REQUEST = "NEW_REQUEST"
    UNREAD_REMINDER = "UNREAD_REMINDER"
    FOLLOW_UP = "FOLLOW_UP"
    NO_REPLY = "NO_REPLY"
    RELEASED = "RELEASED"
    TRANSFERRED = "TRANSFERRED"


class LeaveCause(StrEnum):
    """Why an agent left a conversation, or a supervisor: WatchConversation's LeaveCause, on AGENT_LEFT and
    SUPERVISOR_LEFT."""

    LEFT = "LEFT"
    RELEASED = "RELEASED"
    DISABLED = "DISABLED"
    TRANSFERRED = "TRANSFERRED"
    # A supervisor took the agent out.
    REMOVED = "REMOVED"
    # The supervisor's lists no longer include the conversation's (supervisors only).
    OUT_OF_SCOPE = "OUT_OF_SCOPE"


class ConversationEventType(StrEnum):
    """What happened in a conversation: WatchConversation's ConversationEventType."""

    AGENT_JOINED = "AGENT_JOINED"
    AGENT_LEFT = "AGENT_LEFT"
    CUSTOMER_MESSAGE = "CUSTOMER_MESSAGE"
    AGENT_MESSAGE = "AGENT_MESSAGE"
    STATE_CHANGED = "STATE_CHANGED"
    CONVERSATION_CLOSED = "CONVERSATION_CLOSED"
    SUPERVISOR_JOINED = "SUPERVISOR_JOINED"
    SUPERVISOR_LEFT = "SUPERVISOR_LEFT"


class OutboundEventType(StrEnum):
    """What the connector is asked to do: WatchOutbound's OutboundEventType."""

    AGENT_MESSAGE = "AGENT_MESSAGE"
    CONVERSATION_CLOSED = "CONVERSATION_CLOSED"
    SUPERVISOR_JOINED = "SUPERVISOR_JOINED"
    SUPERVISOR_LEFT = "SUPERVISOR_LEFT"


class SubscriptionEventType(StrEnum):
    """An agent's subscriptions, for its own WatchLists streams, which send them as ListEventType values."""

    SUBSCRIBED = "SUBSCRIBED"
    UNSUBSCRIBED = "UNSUBSCRIBED"


class PrincipalEventType(StrEnum):
    """An agent or ingestor was disabled or deleted, or its token replaced: its streams check it again. No
    stream sends it."""

    CHANGED = "CHANGED"


class AgentEventType(StrEnum):
    """What happened to an agent, for its own desks (WatchDesk): its presence changed (payload "presence",
    "previous_presence"), or it moved its read position in a conversation (payload "message_id")."""

    PRESENCE_CHANGED = "PRESENCE_CHANGED"
    READ = "READ"
    # Invitations (payload "invitation", and "conversation" on INVITED): to the invited agent, then to the
    # inviter when it is answered or expires (domain/invitations.py).
    INVITED = "INVITED"
    INVITATION_ACCEPTED = "INVITATION_ACCEPTED"
    INVITATION_DECLINED = "INVITATION_DECLINED"
    INVITATION_EXPIRED = "INVITATION_EXPIRED"
    # To both agents: the invitation can no longer be accepted (domain/invitations.py `withdraw`).
    INVITATION_WITHDRAWN = "INVITATION_WITHDRAWN"


EventType = (
    ListEventType
    | ConversationEventType
    | OutboundEventType
    | SubscriptionEventType
    | PrincipalEventType
    | AgentEventType
)
EVENT_TYPES: dict[EventKind, type[EventType]] = {
    EventKind.LIST: ListEventType,
    EventKind.CONVERSATION: ConversationEventType,
    EventKind.OUTBOUND: OutboundEventType,
    EventKind.SUBSCRIPTION: SubscriptionEventType,
    EventKind.PRINCIPAL: PrincipalEventType,
    EventKind.AGENT: AgentEventType,
}
KIND_OF_TYPE: dict[type[EventType], EventKind] = {types: kind for kind, types in EVENT_TYPES.items()}
# The stored (kind, type) strings of every event type: rows are read back by one lookup.
EVENT_TYPE_BY_VALUES: dict[tuple[str, str], EventType] = {
    (kind.value, event_type.value): event_type for kind, types in EVENT_TYPES.items() for event_type in types
}


@dataclass(frozen=True)
class Event:
    type: EventType
    list_id: str | None = None
    conversation_id: str | None = None
    channel_id: str | None = None
    agent_id: str | None = None
    # JSON-ready: "conversation" (snapshot after the event), "message", "previous_state", "close_reason",
    # "released", "alert", "leave_cause", as each type needs.
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> EventKind:
        return KIND_OF_TYPE[type(self.type)]


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
    values["supervisors"] = tuple(
        {"supervisor_id": s.supervisor_id, "join_time": s.join_time} for s in conversation.supervisors
    )
    return values


def conversation_payload(
    conversation: Conversation,
    *,
    message: Message | None = None,
    previous_state: ConversationState | None = None,
    close_reason: CloseReason | None = None,
    released: Sequence[str] = (),
    alert: ListAlert | None = None,
    leave_cause: LeaveCause | None = None,
    supervisor_id: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"conversation": conversation_dict(conversation)}
    if supervisor_id is not None:
        # Who barged in.
        payload["supervisor_id"] = supervisor_id
    if message is not None:
        payload["message"] = {name: getattr(message, name) for name in MESSAGE_FIELDS}
    if previous_state is not None:
        payload["previous_state"] = previous_state.value
    if close_reason is not None:
        payload["close_reason"] = close_reason.value
    if released:
        # The participants a close let go: who was in the conversation until then.
        payload["released"] = list(released)
    if alert is not None:
        payload["alert"] = alert.value
    if leave_cause is not None:
        payload["leave_cause"] = leave_cause.value
    return payload


def leave_cause_of(payload: dict[str, Any]) -> LeaveCause:
    """Why an AGENT_LEFT or a SUPERVISOR_LEFT happened. Events written before causes existed were all the
    agent's own leave."""
    return LeaveCause(payload.get("leave_cause", LeaveCause.LEFT))


def alert_of(payload: dict[str, Any], event_type: ListEventType) -> ListAlert | None:
    """The alert a list event carries. Events written before alerts existed carry none: there an ADDED was
    a new request and `reminder` marked an unread reminder."""
    if "alert" in payload:
        return ListAlert(payload["alert"])
    if payload.get("reminder"):
        return ListAlert.UNREAD_REMINDER
    return ListAlert.NEW_REQUEST if event_type is ListEventType.ADDED else None


def conversation_from_payload(data: dict[str, Any]) -> Conversation:

    values = dict(data)
    values["state"] = ConversationState(values["state"])
    if values.get("last_message_sender") is not None:
        values["last_message_sender"] = SenderType(values["last_message_sender"])
    values["participants"] = tuple(Participant(**p) for p in values["participants"])
    # Events written before barge-ins existed have no supervisors.
    values["supervisors"] = tuple(SupervisorParticipant(**s) for s in values.get("supervisors", ()))
    values["wrap_up_codes"] = tuple(values.get("wrap_up_codes", ()))
    if values.get("close_reason") is not None:
        values["close_reason"] = CloseReason(values["close_reason"])
    return Conversation(**values)


def message_from_payload(data: dict[str, Any]) -> Message:
    """Messages written before internal notes existed were all PUBLIC."""
    visibility = MessageVisibility(data.get("visibility", MessageVisibility.PUBLIC))
    return Message(**{**data, "sender_type": SenderType(data["sender_type"]), "visibility": visibility})


def principal_changed(principal: Principal) -> Event:
    """Tells the streams open under this agent's or ingestor's credentials to check them again."""
    return Event(PrincipalEventType.CHANGED, payload={"principal": str(principal)})
