"""What the tour needs on a server, made with the admin token: the seed's resources (MRD "Social", channel type
"Facebook Page Comments", List L1, PULL channel C2 for one Facebook page; kept when they exist already), an
agent entitled to L1 and an ingestor credential for C2, whose tokens it returns (rotated when they exist)."""

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc

from pullrouting_client import names
from pullrouting_client.admin import AdminClient
from pullrouting_client.enums import RoutingMode
from pullrouting_client.errors import ResourceExists

SERVICE_IDENTIFIER = "facebook-page-1234567890"
LIST = names.list_name("l1")
CHANNEL = names.channel_name("c2")


@dataclass(frozen=True)
class Credentials:
    agent_token: str
    ingestor_token: str


async def _create_unless_exists(create: Awaitable[Any]) -> None:
    with contextlib.suppress(ResourceExists):
        await create


async def _token(create: Awaitable[tuple[Any, str]], rotate: Callable[[], Awaitable[str]]) -> str:
    """The token of a new credential; of a fresh one for a credential that exists already."""
    try:
        return (await create)[1]
    except ResourceExists:
        return await rotate()


async def set_up(channel: grpc.aio.Channel, agent_id: str, ingestor_id: str) -> Credentials:
    admin = AdminClient(channel)
    await _create_unless_exists(
        admin.create_media_routing_domain("social", display_name="Social", description="Social media requests")
    )
    await _create_unless_exists(
        admin.create_channel_type(
            "facebook-page-comments",
            display_name="Facebook Page Comments",
            media_routing_domain=names.name(names.MEDIA_ROUTING_DOMAINS, "social"),
        )
    )
    await _create_unless_exists(admin.create_list("l1", display_name="L1", description="Comments on our Facebook page"))
    await _create_unless_exists(
        admin.create_channel(
            "c2",
            display_name="C2",
            channel_type=names.name(names.CHANNEL_TYPES, "facebook-page-comments"),
            service_identifier=SERVICE_IDENTIFIER,
            routing_mode=RoutingMode.PULL,
            list=LIST,
        )
    )
    agent_token = await _token(
        admin.create_agent(agent_id, display_name=agent_id, lists=[LIST]),
        lambda: admin.rotate_agent_token(names.agent_name(agent_id)),
    )
    ingestor_token = await _token(
        admin.create_ingestor(ingestor_id, display_name="Facebook comments connector", channels=[CHANNEL]),
        lambda: admin.rotate_ingestor_token(names.name(names.INGESTORS, ingestor_id)),
    )
    return Credentials(agent_token, ingestor_token)
