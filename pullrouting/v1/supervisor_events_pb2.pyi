import datetime

from google.api import resource_pb2 as _resource_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from pullrouting.v1 import events_pb2 as _events_pb2
from pullrouting.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AgentStatusEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGENT_STATUS_EVENT_TYPE_UNSPECIFIED: _ClassVar[AgentStatusEventType]
    AGENT_STATUS_EVENT_TYPE_SNAPSHOT: _ClassVar[AgentStatusEventType]
    AGENT_STATUS_EVENT_TYPE_SYNCED: _ClassVar[AgentStatusEventType]
    AGENT_STATUS_EVENT_TYPE_ADDED: _ClassVar[AgentStatusEventType]
    AGENT_STATUS_EVENT_TYPE_UPDATED: _ClassVar[AgentStatusEventType]
    AGENT_STATUS_EVENT_TYPE_REMOVED: _ClassVar[AgentStatusEventType]
AGENT_STATUS_EVENT_TYPE_UNSPECIFIED: AgentStatusEventType
AGENT_STATUS_EVENT_TYPE_SNAPSHOT: AgentStatusEventType
AGENT_STATUS_EVENT_TYPE_SYNCED: AgentStatusEventType
AGENT_STATUS_EVENT_TYPE_ADDED: AgentStatusEventType
AGENT_STATUS_EVENT_TYPE_UPDATED: AgentStatusEventType
AGENT_STATUS_EVENT_TYPE_REMOVED: AgentStatusEventType

class WaitingAge(_message.Message):
    __slots__ = ("waited_less_than", "count")
    WAITED_LESS_THAN_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    waited_less_than: _duration_pb2.Duration
    count: int
    def __init__(self, waited_less_than: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., count: _Optional[int] = ...) -> None: ...

class QueueFigures(_message.Message):
    __slots__ = ("list", "waiting", "oldest_waiting_time", "unread_count", "active_count", "inactive_count", "agents_available", "agents_away", "agents_offline", "read_time")
    LIST_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    OLDEST_WAITING_TIME_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    INACTIVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    AGENTS_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    AGENTS_AWAY_FIELD_NUMBER: _ClassVar[int]
    AGENTS_OFFLINE_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    list: str
    waiting: _containers.RepeatedCompositeFieldContainer[WaitingAge]
    oldest_waiting_time: _timestamp_pb2.Timestamp
    unread_count: int
    active_count: int
    inactive_count: int
    agents_available: int
    agents_away: int
    agents_offline: int
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, list: _Optional[str] = ..., waiting: _Optional[_Iterable[_Union[WaitingAge, _Mapping]]] = ..., oldest_waiting_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unread_count: _Optional[int] = ..., active_count: _Optional[int] = ..., inactive_count: _Optional[int] = ..., agents_available: _Optional[int] = ..., agents_away: _Optional[int] = ..., agents_offline: _Optional[int] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class QueueEvent(_message.Message):
    __slots__ = ("list_event", "figures", "resume_token", "reset")
    LIST_EVENT_FIELD_NUMBER: _ClassVar[int]
    FIGURES_FIELD_NUMBER: _ClassVar[int]
    RESUME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    list_event: _events_pb2.ListEvent
    figures: QueueFigures
    resume_token: str
    reset: bool
    def __init__(self, list_event: _Optional[_Union[_events_pb2.ListEvent, _Mapping]] = ..., figures: _Optional[_Union[QueueFigures, _Mapping]] = ..., resume_token: _Optional[str] = ..., reset: _Optional[bool] = ...) -> None: ...

class MediaRoutingDomainLoad(_message.Message):
    __slots__ = ("media_routing_domain", "open_conversations", "max_conversations")
    MEDIA_ROUTING_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    OPEN_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    media_routing_domain: str
    open_conversations: int
    max_conversations: int
    def __init__(self, media_routing_domain: _Optional[str] = ..., open_conversations: _Optional[int] = ..., max_conversations: _Optional[int] = ...) -> None: ...

class AgentStatus(_message.Message):
    __slots__ = ("agent", "display_name", "presence", "lists", "loads", "conversations", "read_time")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    LISTS_FIELD_NUMBER: _ClassVar[int]
    LOADS_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    agent: str
    display_name: str
    presence: _resources_pb2.Presence
    lists: _containers.RepeatedScalarFieldContainer[str]
    loads: _containers.RepeatedCompositeFieldContainer[MediaRoutingDomainLoad]
    conversations: _containers.RepeatedScalarFieldContainer[str]
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, agent: _Optional[str] = ..., display_name: _Optional[str] = ..., presence: _Optional[_Union[_resources_pb2.Presence, str]] = ..., lists: _Optional[_Iterable[str]] = ..., loads: _Optional[_Iterable[_Union[MediaRoutingDomainLoad, _Mapping]]] = ..., conversations: _Optional[_Iterable[str]] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AgentStatusEvent(_message.Message):
    __slots__ = ("type", "agent", "resume_token", "reset")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    RESUME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    type: AgentStatusEventType
    agent: AgentStatus
    resume_token: str
    reset: bool
    def __init__(self, type: _Optional[_Union[AgentStatusEventType, str]] = ..., agent: _Optional[_Union[AgentStatus, _Mapping]] = ..., resume_token: _Optional[str] = ..., reset: _Optional[bool] = ...) -> None: ...
