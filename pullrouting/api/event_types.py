"""The domain's event types and list alerts as the proto enums the Watch streams send them with: one table per
enum."""

from pullrouting.domain.events import (
    ConversationEventType,
    ListAlert,
    ListEventType,
    OutboundEventType,
    SubscriptionEventType,
)
from pullrouting.v1 import events_pb2

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
}

OUTBOUND_EVENT_TYPE_TO_PROTO: dict[OutboundEventType, int] = {
    OutboundEventType.AGENT_MESSAGE: events_pb2.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE,
    OutboundEventType.CONVERSATION_CLOSED: events_pb2.OUTBOUND_EVENT_TYPE_CONVERSATION_CLOSED,
}
