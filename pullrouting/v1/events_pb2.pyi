import datetime

from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from pullrouting.v1 import conversation_pb2 as _conversation_pb2
from pullrouting.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIST_EVENT_TYPE_UNSPECIFIED: _ClassVar[ListEventType]
    LIST_EVENT_TYPE_SNAPSHOT: _ClassVar[ListEventType]
    LIST_EVENT_TYPE_SYNCED: _ClassVar[ListEventType]
    LIST_EVENT_TYPE_ADDED: _ClassVar[ListEventType]
    LIST_EVENT_TYPE_UPDATED: _ClassVar[ListEventType]
    LIST_EVENT_TYPE_REMOVED: _ClassVar[ListEventType]
    LIST_EVENT_TYPE_SUBSCRIBED: _ClassVar[ListEventType]
    LIST_EVENT_TYPE_UNSUBSCRIBED: _ClassVar[ListEventType]

class ListAlert(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIST_ALERT_UNSPECIFIED: _ClassVar[ListAlert]
    LIST_ALERT_NEW_REQUEST: _ClassVar[ListAlert]
    LIST_ALERT_UNREAD_REMINDER: _ClassVar[ListAlert]
    LIST_ALERT_FOLLOW_UP: _ClassVar[ListAlert]
    LIST_ALERT_NO_REPLY: _ClassVar[ListAlert]
    LIST_ALERT_RELEASED: _ClassVar[ListAlert]
    LIST_ALERT_TRANSFERRED: _ClassVar[ListAlert]

class ConversationEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONVERSATION_EVENT_TYPE_UNSPECIFIED: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_AGENT_JOINED: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_AGENT_LEFT: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_AGENT_MESSAGE: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_STATE_CHANGED: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_CONVERSATION_CLOSED: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_SYNCED: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_SNAPSHOT: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_ACTIVITY: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_SUPERVISOR_JOINED: _ClassVar[ConversationEventType]
    CONVERSATION_EVENT_TYPE_SUPERVISOR_LEFT: _ClassVar[ConversationEventType]

class LeaveCause(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEAVE_CAUSE_UNSPECIFIED: _ClassVar[LeaveCause]
    LEAVE_CAUSE_LEFT: _ClassVar[LeaveCause]
    LEAVE_CAUSE_RELEASED: _ClassVar[LeaveCause]
    LEAVE_CAUSE_DISABLED: _ClassVar[LeaveCause]
    LEAVE_CAUSE_TRANSFERRED: _ClassVar[LeaveCause]
    LEAVE_CAUSE_REMOVED: _ClassVar[LeaveCause]
    LEAVE_CAUSE_OUT_OF_SCOPE: _ClassVar[LeaveCause]

class Activity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_UNSPECIFIED: _ClassVar[Activity]
    ACTIVITY_NONE: _ClassVar[Activity]
    ACTIVITY_TYPING: _ClassVar[Activity]
    ACTIVITY_VIEWING: _ClassVar[Activity]

class OutboundEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTBOUND_EVENT_TYPE_UNSPECIFIED: _ClassVar[OutboundEventType]
    OUTBOUND_EVENT_TYPE_AGENT_MESSAGE: _ClassVar[OutboundEventType]
    OUTBOUND_EVENT_TYPE_CONVERSATION_CLOSED: _ClassVar[OutboundEventType]
    OUTBOUND_EVENT_TYPE_SYNCED: _ClassVar[OutboundEventType]
    OUTBOUND_EVENT_TYPE_AGENT_ACTIVITY: _ClassVar[OutboundEventType]
    OUTBOUND_EVENT_TYPE_SUPERVISOR_JOINED: _ClassVar[OutboundEventType]
    OUTBOUND_EVENT_TYPE_SUPERVISOR_LEFT: _ClassVar[OutboundEventType]

class InvitationEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVITATION_EVENT_TYPE_UNSPECIFIED: _ClassVar[InvitationEventType]
    INVITATION_EVENT_TYPE_INVITED: _ClassVar[InvitationEventType]
    INVITATION_EVENT_TYPE_ACCEPTED: _ClassVar[InvitationEventType]
    INVITATION_EVENT_TYPE_DECLINED: _ClassVar[InvitationEventType]
    INVITATION_EVENT_TYPE_EXPIRED: _ClassVar[InvitationEventType]
    INVITATION_EVENT_TYPE_WITHDRAWN: _ClassVar[InvitationEventType]
LIST_EVENT_TYPE_UNSPECIFIED: ListEventType
LIST_EVENT_TYPE_SNAPSHOT: ListEventType
LIST_EVENT_TYPE_SYNCED: ListEventType
LIST_EVENT_TYPE_ADDED: ListEventType
LIST_EVENT_TYPE_UPDATED: ListEventType
LIST_EVENT_TYPE_REMOVED: ListEventType
LIST_EVENT_TYPE_SUBSCRIBED: ListEventType
LIST_EVENT_TYPE_UNSUBSCRIBED: ListEventType
LIST_ALERT_UNSPECIFIED: ListAlert
LIST_ALERT_NEW_REQUEST: ListAlert
LIST_ALERT_UNREAD_REMINDER: ListAlert
LIST_ALERT_FOLLOW_UP: ListAlert
LIST_ALERT_NO_REPLY: ListAlert
LIST_ALERT_RELEASED: ListAlert
LIST_ALERT_TRANSFERRED: ListAlert
CONVERSATION_EVENT_TYPE_UNSPECIFIED: ConversationEventType
CONVERSATION_EVENT_TYPE_AGENT_JOINED: ConversationEventType
CONVERSATION_EVENT_TYPE_AGENT_LEFT: ConversationEventType
CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE: ConversationEventType
CONVERSATION_EVENT_TYPE_AGENT_MESSAGE: ConversationEventType
CONVERSATION_EVENT_TYPE_STATE_CHANGED: ConversationEventType
CONVERSATION_EVENT_TYPE_CONVERSATION_CLOSED: ConversationEventType
CONVERSATION_EVENT_TYPE_SYNCED: ConversationEventType
CONVERSATION_EVENT_TYPE_SNAPSHOT: ConversationEventType
CONVERSATION_EVENT_TYPE_ACTIVITY: ConversationEventType
CONVERSATION_EVENT_TYPE_SUPERVISOR_JOINED: ConversationEventType
CONVERSATION_EVENT_TYPE_SUPERVISOR_LEFT: ConversationEventType
LEAVE_CAUSE_UNSPECIFIED: LeaveCause
LEAVE_CAUSE_LEFT: LeaveCause
LEAVE_CAUSE_RELEASED: LeaveCause
LEAVE_CAUSE_DISABLED: LeaveCause
LEAVE_CAUSE_TRANSFERRED: LeaveCause
LEAVE_CAUSE_REMOVED: LeaveCause
LEAVE_CAUSE_OUT_OF_SCOPE: LeaveCause
ACTIVITY_UNSPECIFIED: Activity
ACTIVITY_NONE: Activity
ACTIVITY_TYPING: Activity
ACTIVITY_VIEWING: Activity
OUTBOUND_EVENT_TYPE_UNSPECIFIED: OutboundEventType
OUTBOUND_EVENT_TYPE_AGENT_MESSAGE: OutboundEventType
OUTBOUND_EVENT_TYPE_CONVERSATION_CLOSED: OutboundEventType
OUTBOUND_EVENT_TYPE_SYNCED: OutboundEventType
OUTBOUND_EVENT_TYPE_AGENT_ACTIVITY: OutboundEventType
OUTBOUND_EVENT_TYPE_SUPERVISOR_JOINED: OutboundEventType
OUTBOUND_EVENT_TYPE_SUPERVISOR_LEFT: OutboundEventType
INVITATION_EVENT_TYPE_UNSPECIFIED: InvitationEventType
INVITATION_EVENT_TYPE_INVITED: InvitationEventType
INVITATION_EVENT_TYPE_ACCEPTED: InvitationEventType
INVITATION_EVENT_TYPE_DECLINED: InvitationEventType
INVITATION_EVENT_TYPE_EXPIRED: InvitationEventType
INVITATION_EVENT_TYPE_WITHDRAWN: InvitationEventType

class ListEvent(_message.Message):
    __slots__ = ("type", "list", "conversation", "resume_token", "reset", "reminder", "event_time", "alert")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    RESUME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    REMINDER_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    type: ListEventType
    list: str
    conversation: _conversation_pb2.Conversation
    resume_token: str
    reset: bool
    reminder: bool
    event_time: _timestamp_pb2.Timestamp
    alert: ListAlert
    def __init__(self, type: _Optional[_Union[ListEventType, str]] = ..., list: _Optional[str] = ..., conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ..., resume_token: _Optional[str] = ..., reset: _Optional[bool] = ..., reminder: _Optional[bool] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., alert: _Optional[_Union[ListAlert, str]] = ...) -> None: ...

class ConversationEvent(_message.Message):
    __slots__ = ("type", "conversation", "agent", "message", "previous_state", "close_reason", "resume_token", "reset", "event_time", "leave_cause", "activity", "supervisor")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    CLOSE_REASON_FIELD_NUMBER: _ClassVar[int]
    RESUME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    LEAVE_CAUSE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    type: ConversationEventType
    conversation: _conversation_pb2.Conversation
    agent: str
    message: _conversation_pb2.Message
    previous_state: _conversation_pb2.ConversationState
    close_reason: _conversation_pb2.CloseReason
    resume_token: str
    reset: bool
    event_time: _timestamp_pb2.Timestamp
    leave_cause: LeaveCause
    activity: ActivityChange
    supervisor: str
    def __init__(self, type: _Optional[_Union[ConversationEventType, str]] = ..., conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ..., agent: _Optional[str] = ..., message: _Optional[_Union[_conversation_pb2.Message, _Mapping]] = ..., previous_state: _Optional[_Union[_conversation_pb2.ConversationState, str]] = ..., close_reason: _Optional[_Union[_conversation_pb2.CloseReason, str]] = ..., resume_token: _Optional[str] = ..., reset: _Optional[bool] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., leave_cause: _Optional[_Union[LeaveCause, str]] = ..., activity: _Optional[_Union[ActivityChange, _Mapping]] = ..., supervisor: _Optional[str] = ...) -> None: ...

class ActivityChange(_message.Message):
    __slots__ = ("conversation", "sender_type", "agent", "activity", "expired", "event_time")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    SENDER_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    conversation: str
    sender_type: _conversation_pb2.SenderType
    agent: str
    activity: Activity
    expired: bool
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, conversation: _Optional[str] = ..., sender_type: _Optional[_Union[_conversation_pb2.SenderType, str]] = ..., agent: _Optional[str] = ..., activity: _Optional[_Union[Activity, str]] = ..., expired: _Optional[bool] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OutboundEvent(_message.Message):
    __slots__ = ("type", "conversation", "service_identifier", "customer", "message", "close_reason", "resume_token", "event_time", "activity", "supervisor")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    SERVICE_IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CLOSE_REASON_FIELD_NUMBER: _ClassVar[int]
    RESUME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    type: OutboundEventType
    conversation: str
    service_identifier: str
    customer: _conversation_pb2.Customer
    message: _conversation_pb2.Message
    close_reason: _conversation_pb2.CloseReason
    resume_token: str
    event_time: _timestamp_pb2.Timestamp
    activity: ActivityChange
    supervisor: str
    def __init__(self, type: _Optional[_Union[OutboundEventType, str]] = ..., conversation: _Optional[str] = ..., service_identifier: _Optional[str] = ..., customer: _Optional[_Union[_conversation_pb2.Customer, _Mapping]] = ..., message: _Optional[_Union[_conversation_pb2.Message, _Mapping]] = ..., close_reason: _Optional[_Union[_conversation_pb2.CloseReason, str]] = ..., resume_token: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., activity: _Optional[_Union[ActivityChange, _Mapping]] = ..., supervisor: _Optional[str] = ...) -> None: ...

class PresenceChange(_message.Message):
    __slots__ = ("presence",)
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    presence: _resources_pb2.Presence
    def __init__(self, presence: _Optional[_Union[_resources_pb2.Presence, str]] = ...) -> None: ...

class AgentDomainLoad(_message.Message):
    __slots__ = ("media_routing_domain", "open_conversations", "max_conversations")
    MEDIA_ROUTING_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    OPEN_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    media_routing_domain: str
    open_conversations: int
    max_conversations: int
    def __init__(self, media_routing_domain: _Optional[str] = ..., open_conversations: _Optional[int] = ..., max_conversations: _Optional[int] = ...) -> None: ...

class AgentLoad(_message.Message):
    __slots__ = ("agent", "media_routing_domains")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ROUTING_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    agent: str
    media_routing_domains: _containers.RepeatedCompositeFieldContainer[AgentDomainLoad]
    def __init__(self, agent: _Optional[str] = ..., media_routing_domains: _Optional[_Iterable[_Union[AgentDomainLoad, _Mapping]]] = ...) -> None: ...

class ReadPosition(_message.Message):
    __slots__ = ("conversation", "message")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    conversation: str
    message: str
    def __init__(self, conversation: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class DeskEvent(_message.Message):
    __slots__ = ("list_event", "conversation_event", "presence", "read", "invitation", "activity", "load", "resume_token", "reset", "unread_count")
    LIST_EVENT_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_EVENT_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    RESUME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    list_event: ListEvent
    conversation_event: ConversationEvent
    presence: PresenceChange
    read: ReadPosition
    invitation: InvitationEvent
    activity: ActivityChange
    load: AgentLoad
    resume_token: str
    reset: bool
    unread_count: int
    def __init__(self, list_event: _Optional[_Union[ListEvent, _Mapping]] = ..., conversation_event: _Optional[_Union[ConversationEvent, _Mapping]] = ..., presence: _Optional[_Union[PresenceChange, _Mapping]] = ..., read: _Optional[_Union[ReadPosition, _Mapping]] = ..., invitation: _Optional[_Union[InvitationEvent, _Mapping]] = ..., activity: _Optional[_Union[ActivityChange, _Mapping]] = ..., load: _Optional[_Union[AgentLoad, _Mapping]] = ..., resume_token: _Optional[str] = ..., reset: _Optional[bool] = ..., unread_count: _Optional[int] = ...) -> None: ...

class InvitationEvent(_message.Message):
    __slots__ = ("type", "invitation", "conversation")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    type: InvitationEventType
    invitation: _conversation_pb2.Invitation
    conversation: _conversation_pb2.Conversation
    def __init__(self, type: _Optional[_Union[InvitationEventType, str]] = ..., invitation: _Optional[_Union[_conversation_pb2.Invitation, _Mapping]] = ..., conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ...) -> None: ...
