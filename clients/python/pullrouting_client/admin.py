"""AdminService for administrators and supervisors: resources made from keyword arguments, updates whose
field mask is the arguments given, all pages read for you, typed refusals."""

from collections.abc import Iterable
from typing import Any

import grpc

from pullrouting.v1 import admin_service_pb2 as pb
from pullrouting.v1 import admin_service_pb2_grpc, conversation_pb2, resources_pb2
from pullrouting_client.calls import DEFAULT_TIMEOUT, PAGE_SIZE, ServiceClient
from pullrouting_client.enums import ConversationState


class AdminClient(ServiceClient):
    """The calls of the admin token (or an admin's OIDC token).

    Resource fields are keyword arguments named as in the proto's messages (docs/api.md), e.g.
    `await admin.create_list("l1", display_name="L1", max_participants=2)`; enums take `pullrouting_client.enums`
    members (`routing_mode=RoutingMode.PULL`). An `update_*` call changes exactly the fields it is given: its
    update_mask is their names, so `update_agent("agents/ann", enabled=False)` changes nothing else.
    """

    def __init__(self, channel: grpc.aio.Channel, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        super().__init__(channel, timeout=timeout)
        self.stub = admin_service_pb2_grpc.AdminServiceStub(channel)

    # The calls every resource type has, by the name of its request and response fields.

    async def _create(self, rpc: str, kind: str, resource: Any, resource_id: str) -> Any:
        request = getattr(pb, f"{rpc}Request")(**{f"{kind}_id": resource_id, kind: resource})
        return await self._unary(getattr(self.stub, rpc), request)

    async def _get(self, rpc: str, kind: str, name: str) -> Any:
        return getattr(await self._unary(getattr(self.stub, rpc), getattr(pb, f"{rpc}Request")(name=name)), kind)

    async def _update(self, rpc: str, kind: str, resource: Any, paths: Iterable[str]) -> Any:
        request = getattr(pb, f"{rpc}Request")(**{kind: resource, "update_mask": {"paths": list(paths)}})
        return getattr(await self._unary(getattr(self.stub, rpc), request), kind)

    async def _delete(self, rpc: str, name: str) -> None:
        await self._unary(getattr(self.stub, rpc), getattr(pb, f"{rpc}Request")(name=name))

    async def _list(self, rpc: str, field: str, request_type: Any) -> list[Any]:
        return await self._all_pages(
            getattr(self.stub, rpc), lambda token: request_type(page_size=PAGE_SIZE, page_token=token), field
        )

    # Media routing domains.

    async def create_media_routing_domain(
        self, media_routing_domain_id: str, **fields: Any
    ) -> resources_pb2.MediaRoutingDomain:
        """Creates `mediaRoutingDomains/{media_routing_domain_id}` (display_name, description...)."""
        resource = resources_pb2.MediaRoutingDomain(**fields)
        return (
            await self._create("CreateMediaRoutingDomain", "media_routing_domain", resource, media_routing_domain_id)
        ).media_routing_domain

    async def get_media_routing_domain(self, name: str) -> resources_pb2.MediaRoutingDomain:
        """One media routing domain by name."""
        return await self._get("GetMediaRoutingDomain", "media_routing_domain", name)

    async def list_media_routing_domains(self) -> list[resources_pb2.MediaRoutingDomain]:
        """Every media routing domain."""
        return await self._list("ListMediaRoutingDomains", "media_routing_domains", pb.ListMediaRoutingDomainsRequest)

    async def update_media_routing_domain(self, name: str, **fields: Any) -> resources_pb2.MediaRoutingDomain:
        """Changes the given fields of a media routing domain, and only those."""
        resource = resources_pb2.MediaRoutingDomain(name=name, **fields)
        return await self._update("UpdateMediaRoutingDomain", "media_routing_domain", resource, fields)

    async def delete_media_routing_domain(self, name: str) -> None:
        """Deletes a media routing domain no channel type uses (else `ResourceInUse`)."""
        await self._delete("DeleteMediaRoutingDomain", name)

    # Channel types.

    async def create_channel_type(self, channel_type_id: str, **fields: Any) -> resources_pb2.ChannelType:
        """Creates `channelTypes/{channel_type_id}` (display_name, media_routing_domain...)."""
        resource = resources_pb2.ChannelType(**fields)
        return (await self._create("CreateChannelType", "channel_type", resource, channel_type_id)).channel_type

    async def get_channel_type(self, name: str) -> resources_pb2.ChannelType:
        """One channel type by name."""
        return await self._get("GetChannelType", "channel_type", name)

    async def list_channel_types(self) -> list[resources_pb2.ChannelType]:
        """Every channel type."""
        return await self._list("ListChannelTypes", "channel_types", pb.ListChannelTypesRequest)

    async def update_channel_type(self, name: str, **fields: Any) -> resources_pb2.ChannelType:
        """Changes the given fields of a channel type, and only those."""
        resource = resources_pb2.ChannelType(name=name, **fields)
        return await self._update("UpdateChannelType", "channel_type", resource, fields)

    async def delete_channel_type(self, name: str) -> None:
        """Deletes a channel type no channel uses (else `ResourceInUse`)."""
        await self._delete("DeleteChannelType", name)

    # Lists.

    async def create_list(self, list_id: str, **fields: Any) -> resources_pb2.List:
        """Creates `lists/{list_id}` (display_name, description, max_participants...)."""
        return (await self._create("CreateList", "list", resources_pb2.List(**fields), list_id)).list

    async def get_list(self, name: str) -> resources_pb2.List:
        """One List by name."""
        return await self._get("GetList", "list", name)

    async def list_lists(self) -> list[resources_pb2.List]:
        """Every List."""
        return await self._list("ListLists", "lists", pb.AdminServiceListListsRequest)

    async def update_list(self, name: str, **fields: Any) -> resources_pb2.List:
        """Changes the given fields of a List, and only those."""
        return await self._update("UpdateList", "list", resources_pb2.List(name=name, **fields), fields)

    async def delete_list(self, name: str) -> None:
        """Deletes a List no channel maps to (else `ResourceInUse`)."""
        await self._delete("DeleteList", name)

    # Channels.

    async def create_channel(self, channel_id: str, **fields: Any) -> resources_pb2.Channel:
        """Creates `channels/{channel_id}` (display_name, channel_type, service_identifier, routing_mode, list...)."""
        return (await self._create("CreateChannel", "channel", resources_pb2.Channel(**fields), channel_id)).channel

    async def get_channel(self, name: str) -> resources_pb2.Channel:
        """One channel by name."""
        return await self._get("GetChannel", "channel", name)

    async def list_channels(self) -> list[resources_pb2.Channel]:
        """Every channel."""
        return await self._list("ListChannels", "channels", pb.ListChannelsRequest)

    async def update_channel(self, name: str, **fields: Any) -> resources_pb2.Channel:
        """Changes the given fields of a channel, and only those (e.g. `enabled=False`)."""
        return await self._update("UpdateChannel", "channel", resources_pb2.Channel(name=name, **fields), fields)

    async def delete_channel(self, name: str) -> None:
        """Deletes a channel with no open conversation (else `ResourceInUse`)."""
        await self._delete("DeleteChannel", name)

    # Agents.

    async def create_agent(self, agent_id: str, **fields: Any) -> tuple[resources_pb2.Agent, str]:
        """Creates `agents/{agent_id}` (display_name, lists...); returns the agent and its token, which is
        shown this once."""
        response = await self._create("CreateAgent", "agent", resources_pb2.Agent(**fields), agent_id)
        return response.agent, response.token

    async def get_agent(self, name: str) -> resources_pb2.Agent:
        """One agent by name."""
        return await self._get("GetAgent", "agent", name)

    async def list_agents(self) -> list[resources_pb2.Agent]:
        """Every agent."""
        return await self._list("ListAgents", "agents", pb.ListAgentsRequest)

    async def update_agent(self, name: str, **fields: Any) -> resources_pb2.Agent:
        """Changes the given fields of an agent, and only those (`lists=[...]`, `enabled=False`...)."""
        return await self._update("UpdateAgent", "agent", resources_pb2.Agent(name=name, **fields), fields)

    async def delete_agent(self, name: str) -> None:
        """Deletes an agent; its token stops working and its id is never given out again."""
        await self._delete("DeleteAgent", name)

    async def rotate_agent_token(self, name: str) -> str:
        """A new token for the agent; the old one stops working."""
        return (await self._unary(self.stub.RotateAgentToken, pb.RotateAgentTokenRequest(name=name))).token

    # Ingestors.

    async def create_ingestor(self, ingestor_id: str, **fields: Any) -> tuple[resources_pb2.Ingestor, str]:
        """Creates `ingestors/{ingestor_id}` (display_name, channels...); returns it and its token, which is
        shown this once."""
        response = await self._create("CreateIngestor", "ingestor", resources_pb2.Ingestor(**fields), ingestor_id)
        return response.ingestor, response.token

    async def get_ingestor(self, name: str) -> resources_pb2.Ingestor:
        """One ingestor credential by name."""
        return await self._get("GetIngestor", "ingestor", name)

    async def list_ingestors(self) -> list[resources_pb2.Ingestor]:
        """Every ingestor credential."""
        return await self._list("ListIngestors", "ingestors", pb.ListIngestorsRequest)

    async def update_ingestor(self, name: str, **fields: Any) -> resources_pb2.Ingestor:
        """Changes the given fields of an ingestor credential, and only those."""
        return await self._update("UpdateIngestor", "ingestor", resources_pb2.Ingestor(name=name, **fields), fields)

    async def delete_ingestor(self, name: str) -> None:
        """Deletes an ingestor credential; its token stops working."""
        await self._delete("DeleteIngestor", name)

    async def rotate_ingestor_token(self, name: str) -> str:
        """A new token for the ingestor credential; the old one stops working."""
        return (await self._unary(self.stub.RotateIngestorToken, pb.RotateIngestorTokenRequest(name=name))).token

    # Supervisors.

    async def create_supervisor(self, supervisor_id: str, **fields: Any) -> tuple[resources_pb2.Supervisor, str]:
        """Creates `supervisors/{supervisor_id}` (display_name, lists it supervises...); returns it and its token,
        which is shown this once."""
        response = await self._create(
            "CreateSupervisor", "supervisor", resources_pb2.Supervisor(**fields), supervisor_id
        )
        return response.supervisor, response.token

    async def get_supervisor(self, name: str) -> resources_pb2.Supervisor:
        """One supervisor by name."""
        return await self._get("GetSupervisor", "supervisor", name)

    async def list_supervisors(self) -> list[resources_pb2.Supervisor]:
        """Every supervisor."""
        return await self._list("ListSupervisors", "supervisors", pb.ListSupervisorsRequest)

    async def update_supervisor(self, name: str, **fields: Any) -> resources_pb2.Supervisor:
        """Changes the given fields of a supervisor, and only those (`lists=[...]`, `enabled=False`...); its open
        streams follow at once."""
        resource = resources_pb2.Supervisor(name=name, **fields)
        return await self._update("UpdateSupervisor", "supervisor", resource, fields)

    async def delete_supervisor(self, name: str) -> None:
        """Deletes a supervisor; its token stops working and its id is never given out again."""
        await self._delete("DeleteSupervisor", name)

    async def rotate_supervisor_token(self, name: str) -> str:
        """A new token for the supervisor; the old one stops working."""
        return (await self._unary(self.stub.RotateSupervisorToken, pb.RotateSupervisorTokenRequest(name=name))).token

    async def list_audit_records(self, filter: str = "") -> list[pb.AuditRecord]:
        """Audit records, newest first, all pages; `filter` is AIP-160 on actor, action, resource and
        create_time (`'actor = "supervisors/sam" AND action = "Whisper"'`)."""
        return await self._all_pages(
            self.stub.ListAuditRecords,
            lambda token: pb.ListAuditRecordsRequest(filter=filter, page_size=PAGE_SIZE, page_token=token),
            "audit_records",
        )

    # Conversations (supervision).

    async def list_conversations(
        self, list_name: str = "", states: Iterable[ConversationState] = (), order_by: str = ""
    ) -> list[conversation_pb2.Conversation]:
        """Conversations on one List (or all with `list_name` empty), the open ones unless `states` says
        otherwise, all pages."""
        return await self._all_pages(
            self.stub.ListConversations,
            lambda token: pb.AdminServiceListConversationsRequest(
                parent=list_name, states=list(states), order_by=order_by, page_size=PAGE_SIZE, page_token=token
            ),
            "conversations",
        )

    async def get_conversation(self, name: str) -> conversation_pb2.Conversation:
        """Any conversation by name."""
        request = pb.AdminServiceGetConversationRequest(name=name)
        return (await self._unary(self.stub.GetConversation, request)).conversation

    async def list_conversation_messages(self, name: str) -> list[conversation_pb2.Message]:
        """The transcript of any conversation, oldest first."""
        return await self._all_pages(
            self.stub.ListConversationMessages,
            lambda token: pb.ListConversationMessagesRequest(parent=name, page_size=PAGE_SIZE, page_token=token),
            "messages",
        )

    async def force_close_conversation(self, name: str) -> conversation_pb2.Conversation:
        """Closes any open conversation with reason FORCED."""
        request = pb.ForceCloseConversationRequest(name=name)
        return (await self._unary(self.stub.ForceCloseConversation, request)).conversation
