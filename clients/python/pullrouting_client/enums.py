"""The API's enums as Python IntEnums, generated from the proto by `make generate` (do not edit).

Each member equals the int a message field holds, so `conversation.state == ConversationState.ACTIVE` holds,
and `ConversationState(conversation.state)` names a field's value (a value this SDK does not know yet, from a
newer server, becomes a member named UNKNOWN_<n> instead of failing).
"""

import enum


class ProtoEnum(enum.IntEnum):
    """An enum of the API; unknown values (from a newer server) become UNKNOWN_<n> members."""

    @classmethod
    def _missing_(cls, value: object) -> "ProtoEnum | None":
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member


class ConversationState(ProtoEnum):
    """pullrouting.v1.ConversationState."""

    UNSPECIFIED = 0
    UNREAD = 1
    ACTIVE = 2
    INACTIVE = 3
    CLOSED = 4


class CloseReason(ProtoEnum):
    """pullrouting.v1.CloseReason."""

    UNSPECIFIED = 0
    AGENT = 1
    CUSTOMER = 2
    FORCED = 3
    INACTIVITY = 4


class ParticipantRole(ProtoEnum):
    """pullrouting.v1.ParticipantRole."""

    UNSPECIFIED = 0
    AGENT = 1
    SUPERVISOR = 2


class SenderType(ProtoEnum):
    """pullrouting.v1.SenderType."""

    UNSPECIFIED = 0
    CUSTOMER = 1
    AGENT = 2
    SUPERVISOR = 3


class MessageVisibility(ProtoEnum):
    """pullrouting.v1.MessageVisibility."""

    UNSPECIFIED = 0
    PUBLIC = 1
    INTERNAL = 2


class InvitationState(ProtoEnum):
    """pullrouting.v1.InvitationState."""

    UNSPECIFIED = 0
    PENDING = 1
    ACCEPTED = 2
    DECLINED = 3
    EXPIRED = 4
    WITHDRAWN = 5


class ListEventType(ProtoEnum):
    """pullrouting.v1.ListEventType."""

    UNSPECIFIED = 0
    SNAPSHOT = 1
    SYNCED = 2
    ADDED = 3
    UPDATED = 4
    REMOVED = 5
    SUBSCRIBED = 6
    UNSUBSCRIBED = 7


class ListAlert(ProtoEnum):
    """pullrouting.v1.ListAlert."""

    UNSPECIFIED = 0
    NEW_REQUEST = 1
    UNREAD_REMINDER = 2
    FOLLOW_UP = 3
    NO_REPLY = 4
    RELEASED = 5
    TRANSFERRED = 6


class ConversationEventType(ProtoEnum):
    """pullrouting.v1.ConversationEventType."""

    UNSPECIFIED = 0
    AGENT_JOINED = 1
    AGENT_LEFT = 2
    CUSTOMER_MESSAGE = 3
    AGENT_MESSAGE = 4
    STATE_CHANGED = 5
    CONVERSATION_CLOSED = 6
    SYNCED = 7
    SNAPSHOT = 8
    ACTIVITY = 9
    SUPERVISOR_JOINED = 10
    SUPERVISOR_LEFT = 11


class LeaveCause(ProtoEnum):
    """pullrouting.v1.LeaveCause."""

    UNSPECIFIED = 0
    LEFT = 1
    RELEASED = 2
    DISABLED = 3
    TRANSFERRED = 4
    REMOVED = 5
    OUT_OF_SCOPE = 6


class Activity(ProtoEnum):
    """pullrouting.v1.Activity."""

    UNSPECIFIED = 0
    NONE = 1
    TYPING = 2
    VIEWING = 3


class OutboundEventType(ProtoEnum):
    """pullrouting.v1.OutboundEventType."""

    UNSPECIFIED = 0
    AGENT_MESSAGE = 1
    CONVERSATION_CLOSED = 2
    SYNCED = 3
    AGENT_ACTIVITY = 4
    SUPERVISOR_JOINED = 5
    SUPERVISOR_LEFT = 6


class InvitationEventType(ProtoEnum):
    """pullrouting.v1.InvitationEventType."""

    UNSPECIFIED = 0
    INVITED = 1
    ACCEPTED = 2
    DECLINED = 3
    EXPIRED = 4
    WITHDRAWN = 5


class RoutingMode(ProtoEnum):
    """pullrouting.v1.RoutingMode."""

    UNSPECIFIED = 0
    PULL = 1
    PUSH = 2


class Presence(ProtoEnum):
    """pullrouting.v1.Presence."""

    UNSPECIFIED = 0
    AVAILABLE = 1
    AWAY = 2
    OFFLINE = 3


class AgentStatusEventType(ProtoEnum):
    """pullrouting.v1.AgentStatusEventType."""

    UNSPECIFIED = 0
    SNAPSHOT = 1
    SYNCED = 2
    ADDED = 3
    UPDATED = 4
    REMOVED = 5
