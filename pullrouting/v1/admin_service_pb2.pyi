import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from pullrouting.v1 import conversation_pb2 as _conversation_pb2
from pullrouting.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateMediaRoutingDomainRequest(_message.Message):
    __slots__ = ("media_routing_domain_id", "media_routing_domain")
    MEDIA_ROUTING_DOMAIN_ID_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ROUTING_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    media_routing_domain_id: str
    media_routing_domain: _resources_pb2.MediaRoutingDomain
    def __init__(self, media_routing_domain_id: _Optional[str] = ..., media_routing_domain: _Optional[_Union[_resources_pb2.MediaRoutingDomain, _Mapping]] = ...) -> None: ...

class CreateMediaRoutingDomainResponse(_message.Message):
    __slots__ = ("media_routing_domain",)
    MEDIA_ROUTING_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    media_routing_domain: _resources_pb2.MediaRoutingDomain
    def __init__(self, media_routing_domain: _Optional[_Union[_resources_pb2.MediaRoutingDomain, _Mapping]] = ...) -> None: ...

class GetMediaRoutingDomainRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetMediaRoutingDomainResponse(_message.Message):
    __slots__ = ("media_routing_domain",)
    MEDIA_ROUTING_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    media_routing_domain: _resources_pb2.MediaRoutingDomain
    def __init__(self, media_routing_domain: _Optional[_Union[_resources_pb2.MediaRoutingDomain, _Mapping]] = ...) -> None: ...

class ListMediaRoutingDomainsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMediaRoutingDomainsResponse(_message.Message):
    __slots__ = ("media_routing_domains", "next_page_token")
    MEDIA_ROUTING_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    media_routing_domains: _containers.RepeatedCompositeFieldContainer[_resources_pb2.MediaRoutingDomain]
    next_page_token: str
    def __init__(self, media_routing_domains: _Optional[_Iterable[_Union[_resources_pb2.MediaRoutingDomain, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateMediaRoutingDomainRequest(_message.Message):
    __slots__ = ("media_routing_domain", "update_mask")
    MEDIA_ROUTING_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    media_routing_domain: _resources_pb2.MediaRoutingDomain
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, media_routing_domain: _Optional[_Union[_resources_pb2.MediaRoutingDomain, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateMediaRoutingDomainResponse(_message.Message):
    __slots__ = ("media_routing_domain",)
    MEDIA_ROUTING_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    media_routing_domain: _resources_pb2.MediaRoutingDomain
    def __init__(self, media_routing_domain: _Optional[_Union[_resources_pb2.MediaRoutingDomain, _Mapping]] = ...) -> None: ...

class DeleteMediaRoutingDomainRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteMediaRoutingDomainResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateChannelTypeRequest(_message.Message):
    __slots__ = ("channel_type_id", "channel_type")
    CHANNEL_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    channel_type_id: str
    channel_type: _resources_pb2.ChannelType
    def __init__(self, channel_type_id: _Optional[str] = ..., channel_type: _Optional[_Union[_resources_pb2.ChannelType, _Mapping]] = ...) -> None: ...

class CreateChannelTypeResponse(_message.Message):
    __slots__ = ("channel_type",)
    CHANNEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    channel_type: _resources_pb2.ChannelType
    def __init__(self, channel_type: _Optional[_Union[_resources_pb2.ChannelType, _Mapping]] = ...) -> None: ...

class GetChannelTypeRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetChannelTypeResponse(_message.Message):
    __slots__ = ("channel_type",)
    CHANNEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    channel_type: _resources_pb2.ChannelType
    def __init__(self, channel_type: _Optional[_Union[_resources_pb2.ChannelType, _Mapping]] = ...) -> None: ...

class ListChannelTypesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChannelTypesResponse(_message.Message):
    __slots__ = ("channel_types", "next_page_token")
    CHANNEL_TYPES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channel_types: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ChannelType]
    next_page_token: str
    def __init__(self, channel_types: _Optional[_Iterable[_Union[_resources_pb2.ChannelType, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateChannelTypeRequest(_message.Message):
    __slots__ = ("channel_type", "update_mask")
    CHANNEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    channel_type: _resources_pb2.ChannelType
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, channel_type: _Optional[_Union[_resources_pb2.ChannelType, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateChannelTypeResponse(_message.Message):
    __slots__ = ("channel_type",)
    CHANNEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    channel_type: _resources_pb2.ChannelType
    def __init__(self, channel_type: _Optional[_Union[_resources_pb2.ChannelType, _Mapping]] = ...) -> None: ...

class DeleteChannelTypeRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteChannelTypeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateListRequest(_message.Message):
    __slots__ = ("list_id", "list")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    list: _resources_pb2.List
    def __init__(self, list_id: _Optional[str] = ..., list: _Optional[_Union[_resources_pb2.List, _Mapping]] = ...) -> None: ...

class CreateListResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: _resources_pb2.List
    def __init__(self, list: _Optional[_Union[_resources_pb2.List, _Mapping]] = ...) -> None: ...

class GetListRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetListResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: _resources_pb2.List
    def __init__(self, list: _Optional[_Union[_resources_pb2.List, _Mapping]] = ...) -> None: ...

class AdminServiceListListsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class AdminServiceListListsResponse(_message.Message):
    __slots__ = ("lists", "next_page_token")
    LISTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lists: _containers.RepeatedCompositeFieldContainer[_resources_pb2.List]
    next_page_token: str
    def __init__(self, lists: _Optional[_Iterable[_Union[_resources_pb2.List, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateListRequest(_message.Message):
    __slots__ = ("list", "update_mask")
    LIST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    list: _resources_pb2.List
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, list: _Optional[_Union[_resources_pb2.List, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateListResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: _resources_pb2.List
    def __init__(self, list: _Optional[_Union[_resources_pb2.List, _Mapping]] = ...) -> None: ...

class DeleteListRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteListResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateChannelRequest(_message.Message):
    __slots__ = ("channel_id", "channel")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    channel: _resources_pb2.Channel
    def __init__(self, channel_id: _Optional[str] = ..., channel: _Optional[_Union[_resources_pb2.Channel, _Mapping]] = ...) -> None: ...

class CreateChannelResponse(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: _resources_pb2.Channel
    def __init__(self, channel: _Optional[_Union[_resources_pb2.Channel, _Mapping]] = ...) -> None: ...

class GetChannelRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetChannelResponse(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: _resources_pb2.Channel
    def __init__(self, channel: _Optional[_Union[_resources_pb2.Channel, _Mapping]] = ...) -> None: ...

class ListChannelsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChannelsResponse(_message.Message):
    __slots__ = ("channels", "next_page_token")
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Channel]
    next_page_token: str
    def __init__(self, channels: _Optional[_Iterable[_Union[_resources_pb2.Channel, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateChannelRequest(_message.Message):
    __slots__ = ("channel", "update_mask")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    channel: _resources_pb2.Channel
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, channel: _Optional[_Union[_resources_pb2.Channel, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateChannelResponse(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: _resources_pb2.Channel
    def __init__(self, channel: _Optional[_Union[_resources_pb2.Channel, _Mapping]] = ...) -> None: ...

class DeleteChannelRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteChannelResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateAgentRequest(_message.Message):
    __slots__ = ("agent_id", "agent")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    agent: _resources_pb2.Agent
    def __init__(self, agent_id: _Optional[str] = ..., agent: _Optional[_Union[_resources_pb2.Agent, _Mapping]] = ...) -> None: ...

class CreateAgentResponse(_message.Message):
    __slots__ = ("agent", "token")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    agent: _resources_pb2.Agent
    token: str
    def __init__(self, agent: _Optional[_Union[_resources_pb2.Agent, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class GetAgentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetAgentResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: _resources_pb2.Agent
    def __init__(self, agent: _Optional[_Union[_resources_pb2.Agent, _Mapping]] = ...) -> None: ...

class ListAgentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAgentsResponse(_message.Message):
    __slots__ = ("agents", "next_page_token")
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Agent]
    next_page_token: str
    def __init__(self, agents: _Optional[_Iterable[_Union[_resources_pb2.Agent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateAgentRequest(_message.Message):
    __slots__ = ("agent", "update_mask")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    agent: _resources_pb2.Agent
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, agent: _Optional[_Union[_resources_pb2.Agent, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateAgentResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: _resources_pb2.Agent
    def __init__(self, agent: _Optional[_Union[_resources_pb2.Agent, _Mapping]] = ...) -> None: ...

class DeleteAgentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteAgentResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateAgentTokenRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RotateAgentTokenResponse(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class CreateIngestorRequest(_message.Message):
    __slots__ = ("ingestor_id", "ingestor")
    INGESTOR_ID_FIELD_NUMBER: _ClassVar[int]
    INGESTOR_FIELD_NUMBER: _ClassVar[int]
    ingestor_id: str
    ingestor: _resources_pb2.Ingestor
    def __init__(self, ingestor_id: _Optional[str] = ..., ingestor: _Optional[_Union[_resources_pb2.Ingestor, _Mapping]] = ...) -> None: ...

class CreateIngestorResponse(_message.Message):
    __slots__ = ("ingestor", "token")
    INGESTOR_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    ingestor: _resources_pb2.Ingestor
    token: str
    def __init__(self, ingestor: _Optional[_Union[_resources_pb2.Ingestor, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class GetIngestorRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetIngestorResponse(_message.Message):
    __slots__ = ("ingestor",)
    INGESTOR_FIELD_NUMBER: _ClassVar[int]
    ingestor: _resources_pb2.Ingestor
    def __init__(self, ingestor: _Optional[_Union[_resources_pb2.Ingestor, _Mapping]] = ...) -> None: ...

class ListIngestorsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListIngestorsResponse(_message.Message):
    __slots__ = ("ingestors", "next_page_token")
    INGESTORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ingestors: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Ingestor]
    next_page_token: str
    def __init__(self, ingestors: _Optional[_Iterable[_Union[_resources_pb2.Ingestor, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateIngestorRequest(_message.Message):
    __slots__ = ("ingestor", "update_mask")
    INGESTOR_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    ingestor: _resources_pb2.Ingestor
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, ingestor: _Optional[_Union[_resources_pb2.Ingestor, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateIngestorResponse(_message.Message):
    __slots__ = ("ingestor",)
    INGESTOR_FIELD_NUMBER: _ClassVar[int]
    ingestor: _resources_pb2.Ingestor
    def __init__(self, ingestor: _Optional[_Union[_resources_pb2.Ingestor, _Mapping]] = ...) -> None: ...

class DeleteIngestorRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteIngestorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateIngestorTokenRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RotateIngestorTokenResponse(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class AdminServiceListConversationsRequest(_message.Message):
    __slots__ = ("parent", "states", "page_size", "page_token", "order_by")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    states: _containers.RepeatedScalarFieldContainer[_conversation_pb2.ConversationState]
    page_size: int
    page_token: str
    order_by: str
    def __init__(self, parent: _Optional[str] = ..., states: _Optional[_Iterable[_Union[_conversation_pb2.ConversationState, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class AdminServiceListConversationsResponse(_message.Message):
    __slots__ = ("conversations", "next_page_token")
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    conversations: _containers.RepeatedCompositeFieldContainer[_conversation_pb2.Conversation]
    next_page_token: str
    def __init__(self, conversations: _Optional[_Iterable[_Union[_conversation_pb2.Conversation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AdminServiceGetConversationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class AdminServiceGetConversationResponse(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: _conversation_pb2.Conversation
    def __init__(self, conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ...) -> None: ...

class ListConversationMessagesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConversationMessagesResponse(_message.Message):
    __slots__ = ("messages", "next_page_token")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[_conversation_pb2.Message]
    next_page_token: str
    def __init__(self, messages: _Optional[_Iterable[_Union[_conversation_pb2.Message, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ForceCloseConversationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ForceCloseConversationResponse(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: _conversation_pb2.Conversation
    def __init__(self, conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ...) -> None: ...

class CreateWrapUpCodeRequest(_message.Message):
    __slots__ = ("wrap_up_code_id", "wrap_up_code")
    WRAP_UP_CODE_ID_FIELD_NUMBER: _ClassVar[int]
    WRAP_UP_CODE_FIELD_NUMBER: _ClassVar[int]
    wrap_up_code_id: str
    wrap_up_code: _resources_pb2.WrapUpCode
    def __init__(self, wrap_up_code_id: _Optional[str] = ..., wrap_up_code: _Optional[_Union[_resources_pb2.WrapUpCode, _Mapping]] = ...) -> None: ...

class CreateWrapUpCodeResponse(_message.Message):
    __slots__ = ("wrap_up_code",)
    WRAP_UP_CODE_FIELD_NUMBER: _ClassVar[int]
    wrap_up_code: _resources_pb2.WrapUpCode
    def __init__(self, wrap_up_code: _Optional[_Union[_resources_pb2.WrapUpCode, _Mapping]] = ...) -> None: ...

class GetWrapUpCodeRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetWrapUpCodeResponse(_message.Message):
    __slots__ = ("wrap_up_code",)
    WRAP_UP_CODE_FIELD_NUMBER: _ClassVar[int]
    wrap_up_code: _resources_pb2.WrapUpCode
    def __init__(self, wrap_up_code: _Optional[_Union[_resources_pb2.WrapUpCode, _Mapping]] = ...) -> None: ...

class ListWrapUpCodesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWrapUpCodesResponse(_message.Message):
    __slots__ = ("wrap_up_codes", "next_page_token")
    WRAP_UP_CODES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    wrap_up_codes: _containers.RepeatedCompositeFieldContainer[_resources_pb2.WrapUpCode]
    next_page_token: str
    def __init__(self, wrap_up_codes: _Optional[_Iterable[_Union[_resources_pb2.WrapUpCode, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateWrapUpCodeRequest(_message.Message):
    __slots__ = ("wrap_up_code", "update_mask")
    WRAP_UP_CODE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    wrap_up_code: _resources_pb2.WrapUpCode
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, wrap_up_code: _Optional[_Union[_resources_pb2.WrapUpCode, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateWrapUpCodeResponse(_message.Message):
    __slots__ = ("wrap_up_code",)
    WRAP_UP_CODE_FIELD_NUMBER: _ClassVar[int]
    wrap_up_code: _resources_pb2.WrapUpCode
    def __init__(self, wrap_up_code: _Optional[_Union[_resources_pb2.WrapUpCode, _Mapping]] = ...) -> None: ...

class DeleteWrapUpCodeRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteWrapUpCodeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateSupervisorRequest(_message.Message):
    __slots__ = ("supervisor_id", "supervisor")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    supervisor: _resources_pb2.Supervisor
    def __init__(self, supervisor_id: _Optional[str] = ..., supervisor: _Optional[_Union[_resources_pb2.Supervisor, _Mapping]] = ...) -> None: ...

class CreateSupervisorResponse(_message.Message):
    __slots__ = ("supervisor", "token")
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    supervisor: _resources_pb2.Supervisor
    token: str
    def __init__(self, supervisor: _Optional[_Union[_resources_pb2.Supervisor, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class GetSupervisorRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSupervisorResponse(_message.Message):
    __slots__ = ("supervisor",)
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    supervisor: _resources_pb2.Supervisor
    def __init__(self, supervisor: _Optional[_Union[_resources_pb2.Supervisor, _Mapping]] = ...) -> None: ...

class ListSupervisorsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSupervisorsResponse(_message.Message):
    __slots__ = ("supervisors", "next_page_token")
    SUPERVISORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    supervisors: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Supervisor]
    next_page_token: str
    def __init__(self, supervisors: _Optional[_Iterable[_Union[_resources_pb2.Supervisor, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSupervisorRequest(_message.Message):
    __slots__ = ("supervisor", "update_mask")
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    supervisor: _resources_pb2.Supervisor
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, supervisor: _Optional[_Union[_resources_pb2.Supervisor, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateSupervisorResponse(_message.Message):
    __slots__ = ("supervisor",)
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    supervisor: _resources_pb2.Supervisor
    def __init__(self, supervisor: _Optional[_Union[_resources_pb2.Supervisor, _Mapping]] = ...) -> None: ...

class DeleteSupervisorRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteSupervisorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateSupervisorTokenRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RotateSupervisorTokenResponse(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class AuditRecord(_message.Message):
    __slots__ = ("name", "actor", "action", "resource", "create_time", "detail")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    actor: str
    action: str
    resource: str
    create_time: _timestamp_pb2.Timestamp
    detail: str
    def __init__(self, name: _Optional[str] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., resource: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., detail: _Optional[str] = ...) -> None: ...

class ListAuditRecordsRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: str
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAuditRecordsResponse(_message.Message):
    __slots__ = ("audit_records", "next_page_token")
    AUDIT_RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    audit_records: _containers.RepeatedCompositeFieldContainer[AuditRecord]
    next_page_token: str
    def __init__(self, audit_records: _Optional[_Iterable[_Union[AuditRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
