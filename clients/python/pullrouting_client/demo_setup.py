"""What the tour needs on a server, made with the admin token: the seed's resources (MRD "Social", channel type
"Facebook Page Comments", List L1, PULL channel C2 for one Facebook page; kept when they exist already), an
agent entitled to L1 and an ingestor credential for C2, whose tokens it returns (rotated when they exist)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc

from pullrouting.v1 import admin_service_pb2 as pb
from pullrouting.v1 import admin_service_pb2_grpc, resources_pb2
from pullrouting_client import names

SERVICE_IDENTIFIER = "facebook-page-1234567890"
LIST = names.list_name("l1")
CHANNEL = names.channel_name("c2")


@dataclass(frozen=True)
class Credentials:
    agent_token: str
    ingestor_token: str


async def _create_unless_exists(call: grpc.aio.UnaryUnaryMultiCallable, request: object) -> None:
    try:
        await call(request)
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.ALREADY_EXISTS:
            raise


async def _token(
    create: grpc.aio.UnaryUnaryMultiCallable, request: object, rotate: Callable[[], Awaitable[Any]]
) -> str:
    """The token of a new credential; of a fresh one for a credential that exists already."""
    try:
        return (await create(request)).token
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.ALREADY_EXISTS:
            raise
    return (await rotate()).token


async def set_up(channel: grpc.aio.Channel, agent_id: str, ingestor_id: str) -> Credentials:
    admin = admin_service_pb2_grpc.AdminServiceStub(channel)
    await _create_unless_exists(
        admin.CreateMediaRoutingDomain,
        pb.CreateMediaRoutingDomainRequest(
            media_routing_domain_id="social",
            media_routing_domain=resources_pb2.MediaRoutingDomain(
                display_name="Social", description="Social media requests"
            ),
        ),
    )
    await _create_unless_exists(
        admin.CreateChannelType,
        pb.CreateChannelTypeRequest(
            channel_type_id="facebook-page-comments",
            channel_type=resources_pb2.ChannelType(
                display_name="Facebook Page Comments", media_routing_domain="mediaRoutingDomains/social"
            ),
        ),
    )
    await _create_unless_exists(
        admin.CreateList,
        pb.CreateListRequest(
            list_id="l1", list=resources_pb2.List(display_name="L1", description="Comments on our Facebook page")
        ),
    )
    await _create_unless_exists(
        admin.CreateChannel,
        pb.CreateChannelRequest(
            channel_id="c2",
            channel=resources_pb2.Channel(
                display_name="C2",
                channel_type="channelTypes/facebook-page-comments",
                service_identifier=SERVICE_IDENTIFIER,
                routing_mode=resources_pb2.ROUTING_MODE_PULL,
                list=LIST,
            ),
        ),
    )
    agent_token = await _token(
        admin.CreateAgent,
        pb.CreateAgentRequest(agent_id=agent_id, agent=resources_pb2.Agent(display_name=agent_id, lists=[LIST])),
        lambda: admin.RotateAgentToken(pb.RotateAgentTokenRequest(name=names.agent_name(agent_id))),
    )
    ingestor_token = await _token(
        admin.CreateIngestor,
        pb.CreateIngestorRequest(
            ingestor_id=ingestor_id,
            ingestor=resources_pb2.Ingestor(display_name="Facebook comments connector", channels=[CHANNEL]),
        ),
        lambda: admin.RotateIngestorToken(pb.RotateIngestorTokenRequest(name=names.name(names.INGESTORS, ingestor_id))),
    )
    return Credentials(agent_token, ingestor_token)
