import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConversationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONVERSATION_STATE_UNSPECIFIED: _ClassVar[ConversationState]
    CONVERSATION_STATE_UNREAD: _ClassVar[ConversationState]
    CONVERSATION_STATE_ACTIVE: _ClassVar[ConversationState]
    CONVERSATION_STATE_INACTIVE: _ClassVar[ConversationState]
    CONVERSATION_STATE_CLOSED: _ClassVar[ConversationState]

class CloseReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLOSE_REASON_UNSPECIFIED: _ClassVar[CloseReason]
    CLOSE_REASON_AGENT: _ClassVar[CloseReason]
    CLOSE_REASON_CUSTOMER: _ClassVar[CloseReason]
    CLOSE_REASON_FORCED: _ClassVar[CloseReason]
    CLOSE_REASON_INACTIVITY: _ClassVar[CloseReason]

class ParticipantRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_ROLE_UNSPECIFIED: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_AGENT: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_SUPERVISOR: _ClassVar[ParticipantRole]

class SenderType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SENDER_TYPE_UNSPECIFIED: _ClassVar[SenderType]
    SENDER_TYPE_CUSTOMER: _ClassVar[SenderType]
    SENDER_TYPE_AGENT: _ClassVar[SenderType]
    SENDER_TYPE_SUPERVISOR: _ClassVar[SenderType]

class MessageVisibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_VISIBILITY_UNSPECIFIED: _ClassVar[MessageVisibility]
    MESSAGE_VISIBILITY_PUBLIC: _ClassVar[MessageVisibility]
    MESSAGE_VISIBILITY_INTERNAL: _ClassVar[MessageVisibility]

class InvitationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVITATION_STATE_UNSPECIFIED: _ClassVar[InvitationState]
    INVITATION_STATE_PENDING: _ClassVar[InvitationState]
    INVITATION_STATE_ACCEPTED: _ClassVar[InvitationState]
    INVITATION_STATE_DECLINED: _ClassVar[InvitationState]
    INVITATION_STATE_EXPIRED: _ClassVar[InvitationState]
    INVITATION_STATE_WITHDRAWN: _ClassVar[InvitationState]
CONVERSATION_STATE_UNSPECIFIED: ConversationState
CONVERSATION_STATE_UNREAD: ConversationState
CONVERSATION_STATE_ACTIVE: ConversationState
CONVERSATION_STATE_INACTIVE: ConversationState
CONVERSATION_STATE_CLOSED: ConversationState
CLOSE_REASON_UNSPECIFIED: CloseReason
CLOSE_REASON_AGENT: CloseReason
CLOSE_REASON_CUSTOMER: CloseReason
CLOSE_REASON_FORCED: CloseReason
CLOSE_REASON_INACTIVITY: CloseReason
PARTICIPANT_ROLE_UNSPECIFIED: ParticipantRole
PARTICIPANT_ROLE_AGENT: ParticipantRole
PARTICIPANT_ROLE_SUPERVISOR: ParticipantRole
SENDER_TYPE_UNSPECIFIED: SenderType
SENDER_TYPE_CUSTOMER: SenderType
SENDER_TYPE_AGENT: SenderType
SENDER_TYPE_SUPERVISOR: SenderType
MESSAGE_VISIBILITY_UNSPECIFIED: MessageVisibility
MESSAGE_VISIBILITY_PUBLIC: MessageVisibility
MESSAGE_VISIBILITY_INTERNAL: MessageVisibility
INVITATION_STATE_UNSPECIFIED: InvitationState
INVITATION_STATE_PENDING: InvitationState
INVITATION_STATE_ACCEPTED: InvitationState
INVITATION_STATE_DECLINED: InvitationState
INVITATION_STATE_EXPIRED: InvitationState
INVITATION_STATE_WITHDRAWN: InvitationState

class Customer(_message.Message):
    __slots__ = ("id", "display_name")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class Participant(_message.Message):
    __slots__ = ("agent", "join_time", "role", "supervisor")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    agent: str
    join_time: _timestamp_pb2.Timestamp
    role: ParticipantRole
    supervisor: str
    def __init__(self, agent: _Optional[str] = ..., join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., role: _Optional[_Union[ParticipantRole, str]] = ..., supervisor: _Optional[str] = ...) -> None: ...

class Conversation(_message.Message):
    __slots__ = ("name", "list", "channel", "customer", "state", "participants", "create_time", "update_time", "close_time", "first_join_time", "message_count", "last_message_time", "close_reason", "waiting_since", "last_message", "priority", "transfer_count", "wrap_up")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    FIRST_JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_REASON_FIELD_NUMBER: _ClassVar[int]
    WAITING_SINCE_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_COUNT_FIELD_NUMBER: _ClassVar[int]
    WRAP_UP_FIELD_NUMBER: _ClassVar[int]
    name: str
    list: str
    channel: str
    customer: Customer
    state: ConversationState
    participants: _containers.RepeatedCompositeFieldContainer[Participant]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    first_join_time: _timestamp_pb2.Timestamp
    message_count: int
    last_message_time: _timestamp_pb2.Timestamp
    close_reason: CloseReason
    waiting_since: _timestamp_pb2.Timestamp
    last_message: MessagePreview
    priority: int
    transfer_count: int
    wrap_up: WrapUp
    def __init__(self, name: _Optional[str] = ..., list: _Optional[str] = ..., channel: _Optional[str] = ..., customer: _Optional[_Union[Customer, _Mapping]] = ..., state: _Optional[_Union[ConversationState, str]] = ..., participants: _Optional[_Iterable[_Union[Participant, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., first_join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., message_count: _Optional[int] = ..., last_message_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_reason: _Optional[_Union[CloseReason, str]] = ..., waiting_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_message: _Optional[_Union[MessagePreview, _Mapping]] = ..., priority: _Optional[int] = ..., transfer_count: _Optional[int] = ..., wrap_up: _Optional[_Union[WrapUp, _Mapping]] = ...) -> None: ...

class MessagePreview(_message.Message):
    __slots__ = ("sender_type", "agent", "text", "create_time")
    SENDER_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    sender_type: SenderType
    agent: str
    text: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, sender_type: _Optional[_Union[SenderType, str]] = ..., agent: _Optional[str] = ..., text: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ("name", "sender_type", "agent", "text", "create_time", "idempotency_key", "visibility", "supervisor")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SENDER_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    name: str
    sender_type: SenderType
    agent: str
    text: str
    create_time: _timestamp_pb2.Timestamp
    idempotency_key: str
    visibility: MessageVisibility
    supervisor: str
    def __init__(self, name: _Optional[str] = ..., sender_type: _Optional[_Union[SenderType, str]] = ..., agent: _Optional[str] = ..., text: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., visibility: _Optional[_Union[MessageVisibility, str]] = ..., supervisor: _Optional[str] = ...) -> None: ...

class WrapUp(_message.Message):
    __slots__ = ("codes", "note")
    CODES_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    codes: _containers.RepeatedScalarFieldContainer[str]
    note: str
    def __init__(self, codes: _Optional[_Iterable[str]] = ..., note: _Optional[str] = ...) -> None: ...

class Invitation(_message.Message):
    __slots__ = ("name", "inviter", "invitee", "note", "state", "create_time", "expire_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INVITER_FIELD_NUMBER: _ClassVar[int]
    INVITEE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    inviter: str
    invitee: str
    note: str
    state: InvitationState
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., inviter: _Optional[str] = ..., invitee: _Optional[str] = ..., note: _Optional[str] = ..., state: _Optional[_Union[InvitationState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
