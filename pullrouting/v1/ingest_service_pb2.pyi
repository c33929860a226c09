import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from pullrouting.v1 import conversation_pb2 as _conversation_pb2
from pullrouting.v1 import events_pb2 as _events_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PostCustomerMessageRequest(_message.Message):
    __slots__ = ("service_identifier", "customer", "text", "source_message_id", "priority")
    SERVICE_IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    service_identifier: str
    customer: _conversation_pb2.Customer
    text: str
    source_message_id: str
    priority: int
    def __init__(self, service_identifier: _Optional[str] = ..., customer: _Optional[_Union[_conversation_pb2.Customer, _Mapping]] = ..., text: _Optional[str] = ..., source_message_id: _Optional[str] = ..., priority: _Optional[int] = ...) -> None: ...

class PostCustomerMessageResponse(_message.Message):
    __slots__ = ("conversation", "message", "created")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    conversation: _conversation_pb2.Conversation
    message: _conversation_pb2.Message
    created: bool
    def __init__(self, conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ..., message: _Optional[_Union[_conversation_pb2.Message, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class EndConversationRequest(_message.Message):
    __slots__ = ("conversation", "service_identifier", "customer_id")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    SERVICE_IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    conversation: str
    service_identifier: str
    customer_id: str
    def __init__(self, conversation: _Optional[str] = ..., service_identifier: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class EndConversationResponse(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: _conversation_pb2.Conversation
    def __init__(self, conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ...) -> None: ...

class WatchOutboundRequest(_message.Message):
    __slots__ = ("service_identifier", "resume_token")
    SERVICE_IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    RESUME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    service_identifier: str
    resume_token: str
    def __init__(self, service_identifier: _Optional[str] = ..., resume_token: _Optional[str] = ...) -> None: ...

class WatchOutboundResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _events_pb2.OutboundEvent
    def __init__(self, event: _Optional[_Union[_events_pb2.OutboundEvent, _Mapping]] = ...) -> None: ...

class StreamCustomerMessagesRequest(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: PostCustomerMessageRequest
    def __init__(self, message: _Optional[_Union[PostCustomerMessageRequest, _Mapping]] = ...) -> None: ...

class StreamCustomerMessagesResponse(_message.Message):
    __slots__ = ("source_message_id", "posted", "error")
    SOURCE_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    POSTED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    source_message_id: str
    posted: PostCustomerMessageResponse
    error: _status_pb2.Status
    def __init__(self, source_message_id: _Optional[str] = ..., posted: _Optional[_Union[PostCustomerMessageResponse, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class PostCustomerActivityRequest(_message.Message):
    __slots__ = ("conversation", "activity")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    conversation: str
    activity: _events_pb2.Activity
    def __init__(self, conversation: _Optional[str] = ..., activity: _Optional[_Union[_events_pb2.Activity, str]] = ...) -> None: ...

class PostCustomerActivityResponse(_message.Message):
    __slots__ = ("expire_time",)
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
