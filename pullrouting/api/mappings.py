"""The domain's conversations, messages, event types and list alerts as protobuf messages and enums, shared by the
agent, ingest and admin servicers and the watch streams; and the request fields they have in common
(states filters, close reasons, the order of conversation listings)."""

from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from pullrouting.api.pagination import decode_page_token, page
from pullrouting.api.timestamps import to_timestamp
from pullrouting.domain.errors import InvalidInput
from pullrouting.domain.events import (
    AgentEventType,
    ConversationEventType,
    LeaveCause,
    ListAlert,
    ListEventType,
    OutboundEventType,
    SubscriptionEventType,
    conversation_dict,
)
from pullrouting.domain.invitations import Invitation, InvitationState
from pullrouting.domain.model import (
    OPEN_STATES,
    CloseReason,
    Conversation,
    ConversationState,
    Message,
    MessageVisibility,
    SenderType,
)
from pullrouting.domain.names import AGENTS, CHANNELS, CONVERSATIONS, LISTS, SUPERVISORS, WRAP_UP_CODES, format_name
from pullrouting.domain.ordering import ConversationOrder
from pullrouting.v1 import conversation_pb2, events_pb2

STATE_TO_PROTO = {
    ConversationState.UNREAD: conversation_pb2.CONVERSATION_STATE_UNREAD,
    ConversationState.ACTIVE: conversation_pb2.CONVERSATION_STATE_ACTIVE,
    ConversationState.INACTIVE: conversation_pb2.CONVERSATION_STATE_INACTIVE,
    ConversationState.CLOSED: conversation_pb2.CONVERSATION_STATE_CLOSED,
}
STATE_FROM_PROTO = {value: state for state, value in STATE_TO_PROTO.items()}

CLOSE_REASON_TO_PROTO = {
    CloseReason.AGENT: conversation_pb2.CLOSE_REASON_AGENT,
    CloseReason.CUSTOMER: conversation_pb2.CLOSE_REASON_CUSTOMER,
    CloseReason.FORCED: conversation_pb2.CLOSE_REASON_FORCED,
    CloseReason.INACTIVITY: conversation_pb2.CLOSE_REASON_INACTIVITY,
}
CLOSE_REASON_FROM_PROTO = {value: reason for reason, value in CLOSE_REASON_TO_PROTO.items()}

# By the values events carry.
_STATE_BY_VALUE = {state.value: value for state, value in STATE_TO_PROTO.items()}
_CLOSE_REASON_BY_VALUE = {reason.value: value for reason, value in CLOSE_REASON_TO_PROTO.items()}

SENDER_TYPE_TO_PROTO = {
    SenderType.CUSTOMER: conversation_pb2.SENDER_TYPE_CUSTOMER,
    SenderType.AGENT: conversation_pb2.SENDER_TYPE_AGENT,
    SenderType.SUPERVISOR: conversation_pb2.SENDER_TYPE_SUPERVISOR,
}
_SENDER_TYPE_BY_VALUE = {sender.value: value for sender, value in SENDER_TYPE_TO_PROTO.items()}

VISIBILITY_TO_PROTO = {
    MessageVisibility.PUBLIC: conversation_pb2.MESSAGE_VISIBILITY_PUBLIC,
    MessageVisibility.INTERNAL: conversation_pb2.MESSAGE_VISIBILITY_INTERNAL,
}
VISIBILITY_FROM_PROTO = {value: visibility for visibility, value in VISIBILITY_TO_PROTO.items()}


# The event types and list alerts, one table per proto enum.
LIST_EVENT_TYPE_TO_PROTO: dict[ListEventType | SubscriptionEventType, int] = {
    ListEventType.ADDED: events_pb2.LIST_EVENT_TYPE_ADDED,
    ListEventType.UPDATED: events_pb2.LIST_EVENT_TYPE_UPDATED,
    ListEventType.REMOVED: events_pb2.LIST_EVENT_TYPE_REMOVED,
    SubscriptionEventType.SUBSCRIBED: events_pb2.LIST_EVENT_TYPE_SUBSCRIBED,
    SubscriptionEventType.UNSUBSCRIBED: events_pb2.LIST_EVENT_TYPE_UNSUBSCRIBED,
}

LIST_ALERT_TO_PROTO: dict[ListAlert | None, int] = {
    None: events_pb2.LIST_ALERT_UNSPECIFIED,
    ListAlert.NEW_REQUEST: events_pb2.LIST_ALERT_NEW_REQUEST,
    ListAlert.UNREAD_REMINDER: events_pb2.LIST_ALERT_UNREAD_REMINDER,
    ListAlert.FOLLOW_UP: events_pb2.LIST_ALERT_FOLLOW_UP,
    ListAlert.NO_REPLY: events_pb2.LIST_ALERT_NO_REPLY,
    ListAlert.RELEASED: events_pb2.LIST_ALERT_RELEASED,
    ListAlert.TRANSFERRED: events_pb2.LIST_ALERT_TRANSFERRED,
}

CONVERSATION_EVENT_TYPE_TO_PROTO: dict[ConversationEventType, int] = {
    ConversationEventType.AGENT_JOINED: events_pb2.CONVERSATION_EVENT_TYPE_AGENT_JOINED,
    ConversationEventType.AGENT_LEFT: events_pb2.CONVERSATION_EVENT_TYPE_AGENT_LEFT,
    ConversationEventType.CUSTOMER_MESSAGE: events_pb2.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE,
    ConversationEventType.AGENT_MESSAGE: events_pb2.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE,
    ConversationEventType.STATE_CHANGED: events_pb2.CONVERSATION_EVENT_TYPE_STATE_CHANGED,
    ConversationEventType.CONVERSATION_CLOSED: events_pb2.CONVERSATION_EVENT_TYPE_CONVERSATION_CLOSED,
    ConversationEventType.SUPERVISOR_JOINED: events_pb2.CONVERSATION_EVENT_TYPE_SUPERVISOR_JOINED,
    ConversationEventType.SUPERVISOR_LEFT: events_pb2.CONVERSATION_EVENT_TYPE_SUPERVISOR_LEFT,
}

LEAVE_CAUSE_TO_PROTO: dict[LeaveCause, int] = {
    LeaveCause.LEFT: events_pb2.LEAVE_CAUSE_LEFT,
    LeaveCause.RELEASED: events_pb2.LEAVE_CAUSE_RELEASED,
    LeaveCause.DISABLED: events_pb2.LEAVE_CAUSE_DISABLED,
    LeaveCause.TRANSFERRED: events_pb2.LEAVE_CAUSE_TRANSFERRED,
    LeaveCause.REMOVED: events_pb2.LEAVE_CAUSE_REMOVED,
    LeaveCause.OUT_OF_SCOPE: events_pb2.LEAVE_CAUSE_OUT_OF_SCOPE,
}

OUTBOUND_EVENT_TYPE_TO_PROTO: dict[OutboundEventType, int] = {
    OutboundEventType.AGENT_MESSAGE: events_pb2.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE,
    OutboundEventType.CONVERSATION_CLOSED: events_pb2.OUTBOUND_EVENT_TYPE_CONVERSATION_CLOSED,
    OutboundEventType.SUPERVISOR_JOINED: events_pb2.OUTBOUND_EVENT_TYPE_SUPERVISOR_JOINED,
    OutboundEventType.SUPERVISOR_LEFT: events_pb2.OUTBOUND_EVENT_TYPE_SUPERVISOR_LEFT,
}


def message_name(message: Message) -> str:
    return f"{format_name(CONVERSATIONS, message.conversation_id)}/messages/{message.id}"


def conversation_to_proto(
    conversation: Conversation, proto: conversation_pb2.Conversation | None = None
) -> conversation_pb2.Conversation:
    """Fills `proto` (a new message when None): a field of a larger message is filled where it is, since
    building a message apart and passing it in copies it, and streams build one per event."""
    if proto is None:
        proto = conversation_pb2.Conversation()
    conversation_payload_to_proto(conversation_dict(conversation), proto)
    return proto


def conversation_payload_to_proto(data: Mapping[str, Any], proto: conversation_pb2.Conversation) -> None:
    """Fills `proto` from a conversation as an event's payload carries it (domain/events.py: the
    Conversation's fields, enums by value), without building the Conversation first: a catch-up fills one per
    missed event, and the domain object cost as much as the message. The one mapping of a conversation's
    fields to the message: conversation_to_proto goes through it too."""
    proto.name = format_name(CONVERSATIONS, data["id"])
    proto.list = format_name(LISTS, data["list_id"])
    proto.channel = format_name(CHANNELS, data["channel_id"])
    proto.customer.id = data["customer_id"]
    proto.customer.display_name = data["customer_display_name"]
    proto.state = _STATE_BY_VALUE[data["state"]]
    for participant in data["participants"]:
        added = proto.participants.add(
            agent=format_name(AGENTS, participant["agent_id"]), role=conversation_pb2.PARTICIPANT_ROLE_AGENT
        )
        added.join_time.FromMicroseconds(participant["join_time"])
    # Events written before barge-ins existed have no supervisors.
    for supervisor in data.get("supervisors") or ():
        added = proto.participants.add(
            supervisor=format_name(SUPERVISORS, supervisor["supervisor_id"]),
            role=conversation_pb2.PARTICIPANT_ROLE_SUPERVISOR,
        )
        added.join_time.FromMicroseconds(supervisor["join_time"])
    _set_time(proto.create_time, data["create_time"])
    _set_time(proto.update_time, data["update_time"])
    _set_time(proto.close_time, data["close_time"])
    _set_time(proto.first_join_time, data["first_join_time"])
    proto.message_count = data["message_count"]
    _set_time(proto.last_message_time, data["last_message_time"])
    if data["close_reason"] is not None:
        proto.close_reason = _CLOSE_REASON_BY_VALUE[data["close_reason"]]
    # Events written before waiting times and previews lack these.
    _set_time(proto.waiting_since, data.get("waiting_since"))
    proto.priority = data.get("priority", 0)
    proto.transfer_count = data.get("transfer_count", 0)
    codes, note = data.get("wrap_up_codes") or (), data.get("wrap_up_note") or ""
    if codes or note:
        proto.wrap_up.codes.extend(format_name(WRAP_UP_CODES, code) for code in codes)
        proto.wrap_up.note = note
    sender = data.get("last_message_sender")
    if sender is not None:
        preview = proto.last_message
        preview.sender_type = _SENDER_TYPE_BY_VALUE[sender]
        if data["last_message_agent_id"] is not None:
            preview.agent = format_name(AGENTS, data["last_message_agent_id"])
        preview.text = data["last_message_preview"]
        preview.create_time.FromMicroseconds(data["last_message_time"])


def _set_time(field: Timestamp, micros: int | None) -> None:
    """None leaves the field unset."""
    if micros is not None:
        field.FromMicroseconds(micros)


def message_key(message: Message) -> tuple[int, str]:
    """Where a transcript page ends: a message's time and id."""
    return message.create_time, message.id


def message_to_proto(message: Message) -> conversation_pb2.Message:
    return conversation_pb2.Message(
        name=message_name(message),
        sender_type=SENDER_TYPE_TO_PROTO[message.sender_type],
        agent=format_name(AGENTS, message.agent_id) if message.agent_id is not None else "",
        text=message.text,
        create_time=to_timestamp(message.create_time),
        idempotency_key=message.idempotency_key or "",
        visibility=VISIBILITY_TO_PROTO[message.visibility],
        supervisor=format_name(SUPERVISORS, message.supervisor_id) if message.supervisor_id is not None else "",
    )


def states_filter(states: Sequence[int]) -> tuple[ConversationState, ...]:
    """The states a listing asks for; none means the open ones. INVALID_ARGUMENT for unknown values."""
    if not states:
        return OPEN_STATES
    if any(value not in STATE_FROM_PROTO for value in states):
        raise InvalidInput.of("states", "must hold only UNREAD, ACTIVE, INACTIVE or CLOSED")
    return tuple(dict.fromkeys(STATE_FROM_PROTO[value] for value in states))


def visibility_from_proto(value: int, field_path: str) -> MessageVisibility:
    """PUBLIC for MESSAGE_VISIBILITY_UNSPECIFIED; INVALID_ARGUMENT for a value this server does not know."""
    if value == conversation_pb2.MESSAGE_VISIBILITY_UNSPECIFIED:
        return MessageVisibility.PUBLIC
    if value not in VISIBILITY_FROM_PROTO:
        raise InvalidInput.of(field_path, "must be PUBLIC or INTERNAL")
    return VISIBILITY_FROM_PROTO[value]


def close_reason_from_proto(value: int, field_path: str) -> CloseReason | None:
    """None for CLOSE_REASON_UNSPECIFIED; INVALID_ARGUMENT for a value this server does not know."""
    if value == conversation_pb2.CLOSE_REASON_UNSPECIFIED:
        return None
    if value not in CLOSE_REASON_FROM_PROTO:
        raise InvalidInput.of(field_path, "is not a known close reason")
    return CLOSE_REASON_FROM_PROTO[value]


def ordered_page_after(token: str, order: ConversationOrder) -> tuple[int | str, ...] | None:
    """The sort key a page token of a conversation listing in `order` resumes after; None for the first page.
    A token of the default order is the key alone (as before orders existed); any other starts with the
    order, so that a token is refused with another order_by instead of skipping or repeating items."""
    prefix = () if order.is_default else (order.canonical,)
    key_types = tuple(str if sort_key.field == "id" else int for sort_key in order.keys)
    key = decode_page_token(token, (str,) * len(prefix) + key_types)
    if key is None:
        return None
    if key[: len(prefix)] != prefix:
        raise InvalidInput.of("page_token", "is not a page token this method issued for this order_by")
    return key[len(prefix) :]


def ordered_page(
    conversations: list[Conversation], size: int, order: ConversationOrder
) -> tuple[list[Conversation], str]:
    """`page` for a listing of conversations in `order`."""
    prefix = () if order.is_default else (order.canonical,)
    return page(conversations, size, lambda conversation: (*prefix, *order.key_of(conversation)))


INVITATION_STATE_TO_PROTO = {
    InvitationState.PENDING: conversation_pb2.INVITATION_STATE_PENDING,
    InvitationState.ACCEPTED: conversation_pb2.INVITATION_STATE_ACCEPTED,
    InvitationState.DECLINED: conversation_pb2.INVITATION_STATE_DECLINED,
    InvitationState.EXPIRED: conversation_pb2.INVITATION_STATE_EXPIRED,
    InvitationState.WITHDRAWN: conversation_pb2.INVITATION_STATE_WITHDRAWN,
}

INVITATION_EVENT_TYPE_TO_PROTO: dict[AgentEventType, int] = {
    AgentEventType.INVITED: events_pb2.INVITATION_EVENT_TYPE_INVITED,
    AgentEventType.INVITATION_ACCEPTED: events_pb2.INVITATION_EVENT_TYPE_ACCEPTED,
    AgentEventType.INVITATION_DECLINED: events_pb2.INVITATION_EVENT_TYPE_DECLINED,
    AgentEventType.INVITATION_EXPIRED: events_pb2.INVITATION_EVENT_TYPE_EXPIRED,
    AgentEventType.INVITATION_WITHDRAWN: events_pb2.INVITATION_EVENT_TYPE_WITHDRAWN,
}


def invitation_to_proto(invitation: Invitation) -> conversation_pb2.Invitation:
    return conversation_pb2.Invitation(
        name=invitation.name,
        inviter=format_name(AGENTS, invitation.inviter_id),
        invitee=format_name(AGENTS, invitation.invitee_id),
        note=invitation.note,
        state=INVITATION_STATE_TO_PROTO[invitation.state],
        create_time=to_timestamp(invitation.create_time),
        expire_time=to_timestamp(invitation.expire_time),
        update_time=to_timestamp(invitation.update_time),
    )


def supervisor_of(payload: Mapping[str, Any]) -> str:
    """The supervisor a SUPERVISOR_JOINED or SUPERVISOR_LEFT event names, `supervisors/{id}`; empty on other events."""
    supervisor_id = payload.get("supervisor_id")
    return format_name(SUPERVISORS, supervisor_id) if supervisor_id else ""
