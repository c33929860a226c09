"""AdminService: the standard methods (AIP-131..135) for the configuration resources, plus token
rotation. Each RPC names its resource kind and hands over to one of the generic methods at the bottom, which
record every change in the audit (api/audit.py)."""

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from pullrouting.api.admin_audit import AdminAuditMethods
from pullrouting.api.admin_conversations import AdminConversationMethods
from pullrouting.api.audit import audited
from pullrouting.api.pagination import after_id, page, page_size
from pullrouting.api.resources import (
    AGENT,
    CHANNEL,
    CHANNEL_TYPE,
    INGESTOR,
    LIST,
    MEDIA_ROUTING_DOMAIN,
    SUPERVISOR,
    WRAP_UP_CODE,
    Kind,
    M,
    R,
)
from pullrouting.domain.errors import Violations
from pullrouting.domain.names import check_id, check_name, new_id, parse_name
from pullrouting.domain.principal import Role
from pullrouting.domain.resources import ResourceRules
from pullrouting.store import resources as store
from pullrouting.store.credentials import hash_token, new_token
from pullrouting.store.database import Database
from pullrouting.v1 import admin_service_pb2 as pb
from pullrouting.v1 import admin_service_pb2_grpc

Context = grpc.aio.ServicerContext


class AdminServicer(AdminConversationMethods, AdminAuditMethods, admin_service_pb2_grpc.AdminServiceServicer):
    def __init__(self, database: Database, rules: ResourceRules) -> None:
        self._database = database
        self._rules = rules

    # Media routing domains

    async def CreateMediaRoutingDomain(
        self, request: pb.CreateMediaRoutingDomainRequest, context: Context
    ) -> pb.CreateMediaRoutingDomainResponse:
        mrd = await self._create(MEDIA_ROUTING_DOMAIN, request.media_routing_domain_id, request.media_routing_domain)
        return pb.CreateMediaRoutingDomainResponse(media_routing_domain=mrd)

    async def GetMediaRoutingDomain(
        self, request: pb.GetMediaRoutingDomainRequest, context: Context
    ) -> pb.GetMediaRoutingDomainResponse:
        return pb.GetMediaRoutingDomainResponse(
            media_routing_domain=await self._get(MEDIA_ROUTING_DOMAIN, request.name)
        )

    async def ListMediaRoutingDomains(
        self, request: pb.ListMediaRoutingDomainsRequest, context: Context
    ) -> pb.ListMediaRoutingDomainsResponse:
        mrds, next_page_token = await self._list(MEDIA_ROUTING_DOMAIN, request.page_size, request.page_token)
        return pb.ListMediaRoutingDomainsResponse(media_routing_domains=mrds, next_page_token=next_page_token)

    async def UpdateMediaRoutingDomain(
        self, request: pb.UpdateMediaRoutingDomainRequest, context: Context
    ) -> pb.UpdateMediaRoutingDomainResponse:
        mrd = await self._update(MEDIA_ROUTING_DOMAIN, request.media_routing_domain, request.update_mask)
        return pb.UpdateMediaRoutingDomainResponse(media_routing_domain=mrd)

    async def DeleteMediaRoutingDomain(
        self, request: pb.DeleteMediaRoutingDomainRequest, context: Context
    ) -> pb.DeleteMediaRoutingDomainResponse:
        await self._delete(MEDIA_ROUTING_DOMAIN, request.name)
        return pb.DeleteMediaRoutingDomainResponse()

    # Channel types

    async def CreateChannelType(
        self, request: pb.CreateChannelTypeRequest, context: Context
    ) -> pb.CreateChannelTypeResponse:
        channel_type = await self._create(CHANNEL_TYPE, request.channel_type_id, request.channel_type)
        return pb.CreateChannelTypeResponse(channel_type=channel_type)

    async def GetChannelType(self, request: pb.GetChannelTypeRequest, context: Context) -> pb.GetChannelTypeResponse:
        return pb.GetChannelTypeResponse(channel_type=await self._get(CHANNEL_TYPE, request.name))

    async def ListChannelTypes(
        self, request: pb.ListChannelTypesRequest, context: Context
    ) -> pb.ListChannelTypesResponse:
        channel_types, next_page_token = await self._list(CHANNEL_TYPE, request.page_size, request.page_token)
        return pb.ListChannelTypesResponse(channel_types=channel_types, next_page_token=next_page_token)

    async def UpdateChannelType(
        self, request: pb.UpdateChannelTypeRequest, context: Context
    ) -> pb.UpdateChannelTypeResponse:
        channel_type = await self._update(CHANNEL_TYPE, request.channel_type, request.update_mask)
        return pb.UpdateChannelTypeResponse(channel_type=channel_type)

    async def DeleteChannelType(
        self, request: pb.DeleteChannelTypeRequest, context: Context
    ) -> pb.DeleteChannelTypeResponse:
        await self._delete(CHANNEL_TYPE, request.name)
        return pb.DeleteChannelTypeResponse()

    # Lists

    async def CreateList(self, request: pb.CreateListRequest, context: Context) -> pb.CreateListResponse:
        return pb.CreateListResponse(list=await self._create(LIST, request.list_id, request.list))

    async def GetList(self, request: pb.GetListRequest, context: Context) -> pb.GetListResponse:
        return pb.GetListResponse(list=await self._get(LIST, request.name))

    async def ListLists(
        self, request: pb.AdminServiceListListsRequest, context: Context
    ) -> pb.AdminServiceListListsResponse:
        lists, next_page_token = await self._list(LIST, request.page_size, request.page_token)
        return pb.AdminServiceListListsResponse(lists=lists, next_page_token=next_page_token)

    async def UpdateList(self, request: pb.UpdateListRequest, context: Context) -> pb.UpdateListResponse:
        return pb.UpdateListResponse(list=await self._update(LIST, request.list, request.update_mask))

    async def DeleteList(self, request: pb.DeleteListRequest, context: Context) -> pb.DeleteListResponse:
        await self._delete(LIST, request.name)
        return pb.DeleteListResponse()

    # Channels

    async def CreateChannel(self, request: pb.CreateChannelRequest, context: Context) -> pb.CreateChannelResponse:
        return pb.CreateChannelResponse(channel=await self._create(CHANNEL, request.channel_id, request.channel))

    async def GetChannel(self, request: pb.GetChannelRequest, context: Context) -> pb.GetChannelResponse:
        return pb.GetChannelResponse(channel=await self._get(CHANNEL, request.name))

    async def ListChannels(self, request: pb.ListChannelsRequest, context: Context) -> pb.ListChannelsResponse:
        channels, next_page_token = await self._list(CHANNEL, request.page_size, request.page_token)
        return pb.ListChannelsResponse(channels=channels, next_page_token=next_page_token)

    async def UpdateChannel(self, request: pb.UpdateChannelRequest, context: Context) -> pb.UpdateChannelResponse:
        return pb.UpdateChannelResponse(channel=await self._update(CHANNEL, request.channel, request.update_mask))

    async def DeleteChannel(self, request: pb.DeleteChannelRequest, context: Context) -> pb.DeleteChannelResponse:
        await self._delete(CHANNEL, request.name)
        return pb.DeleteChannelResponse()

    # Agents

    async def CreateAgent(self, request: pb.CreateAgentRequest, context: Context) -> pb.CreateAgentResponse:
        token = new_token(Role.AGENT)
        agent = await self._create(AGENT, request.agent_id, request.agent, token=token)
        return pb.CreateAgentResponse(agent=agent, token=token)

    async def GetAgent(self, request: pb.GetAgentRequest, context: Context) -> pb.GetAgentResponse:
        return pb.GetAgentResponse(agent=await self._get(AGENT, request.name))

    async def ListAgents(self, request: pb.ListAgentsRequest, context: Context) -> pb.ListAgentsResponse:
        agents, next_page_token = await self._list(AGENT, request.page_size, request.page_token)
        return pb.ListAgentsResponse(agents=agents, next_page_token=next_page_token)

    async def UpdateAgent(self, request: pb.UpdateAgentRequest, context: Context) -> pb.UpdateAgentResponse:
        return pb.UpdateAgentResponse(agent=await self._update(AGENT, request.agent, request.update_mask))

    async def DeleteAgent(self, request: pb.DeleteAgentRequest, context: Context) -> pb.DeleteAgentResponse:
        await self._delete(AGENT, request.name)
        return pb.DeleteAgentResponse()

    async def RotateAgentToken(
        self, request: pb.RotateAgentTokenRequest, context: Context
    ) -> pb.RotateAgentTokenResponse:
        token = new_token(Role.AGENT)
        await self._replace_token(AGENT, request.name, token)
        return pb.RotateAgentTokenResponse(token=token)

    # Ingestors

    async def CreateIngestor(self, request: pb.CreateIngestorRequest, context: Context) -> pb.CreateIngestorResponse:
        token = new_token(Role.INGESTOR)
        ingestor = await self._create(INGESTOR, request.ingestor_id, request.ingestor, token=token)
        return pb.CreateIngestorResponse(ingestor=ingestor, token=token)

    async def GetIngestor(self, request: pb.GetIngestorRequest, context: Context) -> pb.GetIngestorResponse:
        return pb.GetIngestorResponse(ingestor=await self._get(INGESTOR, request.name))

    async def ListIngestors(self, request: pb.ListIngestorsRequest, context: Context) -> pb.ListIngestorsResponse:
        ingestors, next_page_token = await self._list(INGESTOR, request.page_size, request.page_token)
        return pb.ListIngestorsResponse(ingestors=ingestors, next_page_token=next_page_token)

    async def UpdateIngestor(self, request: pb.UpdateIngestorRequest, context: Context) -> pb.UpdateIngestorResponse:
        return pb.UpdateIngestorResponse(ingestor=await self._update(INGESTOR, request.ingestor, request.update_mask))

    async def DeleteIngestor(self, request: pb.DeleteIngestorRequest, context: Context) -> pb.DeleteIngestorResponse:
        await self._delete(INGESTOR, request.name)
        return pb.DeleteIngestorResponse()

    async def RotateIngestorToken(
        self, request: pb.RotateIngestorTokenRequest, context: Context
    ) -> pb.RotateIngestorTokenResponse:
        token = new_token(Role.INGESTOR)
        await self._replace_token(INGESTOR, request.name, token)
        return pb.RotateIngestorTokenResponse(token=token)

    # Supervisors

    async def CreateSupervisor(
        self, request: pb.CreateSupervisorRequest, context: Context
    ) -> pb.CreateSupervisorResponse:
        token = new_token(Role.SUPERVISOR)
        supervisor = await self._create(SUPERVISOR, request.supervisor_id, request.supervisor, token=token)
        return pb.CreateSupervisorResponse(supervisor=supervisor, token=token)

    async def GetSupervisor(self, request: pb.GetSupervisorRequest, context: Context) -> pb.GetSupervisorResponse:
        return pb.GetSupervisorResponse(supervisor=await self._get(SUPERVISOR, request.name))

    async def ListSupervisors(
        self, request: pb.ListSupervisorsRequest, context: Context
    ) -> pb.ListSupervisorsResponse:
        supervisors, next_page_token = await self._list(SUPERVISOR, request.page_size, request.page_token)
        return pb.ListSupervisorsResponse(supervisors=supervisors, next_page_token=next_page_token)

    async def UpdateSupervisor(
        self, request: pb.UpdateSupervisorRequest, context: Context
    ) -> pb.UpdateSupervisorResponse:
        supervisor = await self._update(SUPERVISOR, request.supervisor, request.update_mask)
        return pb.UpdateSupervisorResponse(supervisor=supervisor)

    async def DeleteSupervisor(
        self, request: pb.DeleteSupervisorRequest, context: Context
    ) -> pb.DeleteSupervisorResponse:
        await self._delete(SUPERVISOR, request.name)
        return pb.DeleteSupervisorResponse()

    async def RotateSupervisorToken(
        self, request: pb.RotateSupervisorTokenRequest, context: Context
    ) -> pb.RotateSupervisorTokenResponse:
        token = new_token(Role.SUPERVISOR)
        await self._replace_token(SUPERVISOR, request.name, token)
        return pb.RotateSupervisorTokenResponse(token=token)

    # Wrap-up codes

    async def CreateWrapUpCode(
        self, request: pb.CreateWrapUpCodeRequest, context: Context
    ) -> pb.CreateWrapUpCodeResponse:
        code = await self._create(WRAP_UP_CODE, request.wrap_up_code_id, request.wrap_up_code)
        return pb.CreateWrapUpCodeResponse(wrap_up_code=code)

    async def GetWrapUpCode(self, request: pb.GetWrapUpCodeRequest, context: Context) -> pb.GetWrapUpCodeResponse:
        return pb.GetWrapUpCodeResponse(wrap_up_code=await self._get(WRAP_UP_CODE, request.name))

    async def ListWrapUpCodes(self, request: pb.ListWrapUpCodesRequest, context: Context) -> pb.ListWrapUpCodesResponse:
        codes, next_page_token = await self._list(WRAP_UP_CODE, request.page_size, request.page_token)
        return pb.ListWrapUpCodesResponse(wrap_up_codes=codes, next_page_token=next_page_token)

    async def UpdateWrapUpCode(
        self, request: pb.UpdateWrapUpCodeRequest, context: Context
    ) -> pb.UpdateWrapUpCodeResponse:
        code = await self._update(WRAP_UP_CODE, request.wrap_up_code, request.update_mask)
        return pb.UpdateWrapUpCodeResponse(wrap_up_code=code)

    async def DeleteWrapUpCode(
        self, request: pb.DeleteWrapUpCodeRequest, context: Context
    ) -> pb.DeleteWrapUpCodeResponse:
        await self._delete(WRAP_UP_CODE, request.name)
        return pb.DeleteWrapUpCodeResponse()

    # The standard methods, for any kind. Writes retry when a constraint caught a concurrent change: a create of
    # an id just taken, or a delete racing a new dependent, is then reported as the refusal it amounts to.

    async def _create(self, kind: Kind[R, M], resource_id: str, message: M, token: str | None = None) -> M:
        violations = Violations()
        if resource_id:
            check_id(violations, resource_id, f"{kind.field}_id")
        resource = kind.from_proto(message, resource_id or new_id())
        resource.validate(violations, kind.field, self._rules)
        violations.raise_if_any()
        credentials = {} if token is None else {"token_hash": hash_token(token)}
        created = await self._database.run(
            audited(
                lambda connection: store.create(connection, kind.table, resource, kind.field, **credentials),
                f"Create{kind.kind_name}",
                resource.name,
            ),
            retry_on_conflict=True,
        )
        return kind.to_proto(created)

    async def _get(self, kind: Kind[R, M], name: str) -> M:
        resource_id = parse_name(name, kind.collection, "name")
        return kind.to_proto(
            await self._database.read(lambda connection: store.get(connection, kind.table, resource_id))
        )

    async def _list(self, kind: Kind[R, M], requested_page_size: int, page_token: str) -> tuple[list[M], str]:
        size, after = page_size(requested_page_size), after_id(page_token)
        # One more than the page shows whether another page follows.
        found = await self._database.read(lambda connection: store.list_after(connection, kind.table, after, size + 1))
        shown, next_page_token = page(found, size, lambda resource: (resource.id,))
        return [kind.to_proto(resource) for resource in shown], next_page_token

    async def _update(self, kind: Kind[R, M], message: M, update_mask: FieldMask) -> M:
        violations = Violations()
        resource_id = check_name(violations, message.name, kind.collection, f"{kind.field}.name")
        paths = _update_paths(kind, message, update_mask, violations)
        violations.raise_if_any()
        assert resource_id is not None  # raise_if_any saw to that
        requested = kind.from_proto(message, resource_id)
        changes = {path: getattr(requested, path) for path in paths}
        updated = await self._database.run(
            audited(
                lambda connection: store.update_fields(
                    connection, kind.table, resource_id, changes, kind.field, self._rules
                ),
                f"Update{kind.kind_name}",
                requested.name,
                f"update_mask: {', '.join(paths)}",
            ),
            retry_on_conflict=True,
        )
        return kind.to_proto(updated)

    async def _delete(self, kind: Kind[R, M], name: str) -> None:
        resource_id = parse_name(name, kind.collection, "name")
        await self._database.run(
            audited(
                lambda connection: store.delete_existing(connection, kind.table, resource_id),
                f"Delete{kind.kind_name}",
                name,
            ),
            retry_on_conflict=True,
        )

    async def _replace_token(self, kind: Kind[R, M], name: str, token: str) -> None:
        resource_id = parse_name(name, kind.collection, "name")
        await self._database.run(
            audited(
                lambda connection: store.set_token_hash(connection, kind.table, resource_id, hash_token(token)),
                f"Rotate{kind.kind_name}Token",
                name,
            )
        )


def _update_paths(kind: Kind[R, M], message: M, update_mask: FieldMask, violations: Violations) -> list[str]:
    """The fields to update (AIP-134): those the mask names, every updatable one for `*`, and without a mask
    the updatable fields the request sets."""
    if not update_mask.paths:
        paths = [field.name for field, _ in message.ListFields() if field.name in kind.updatable_fields]
        violations.check(bool(paths), "update_mask", "is required when the request sets no updatable field")
        return paths
    if list(update_mask.paths) == ["*"]:
        return sorted(kind.updatable_fields)
    updatable = ", ".join(sorted(kind.updatable_fields))
    for path in update_mask.paths:
        violations.check(
            path in kind.updatable_fields, "update_mask", f"{path!r} is not an updatable field; updatable: {updatable}"
        )
    return list(update_mask.paths)
