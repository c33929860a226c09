"""The seed's setup, made through AdminService as an administrator would: an MRD, a channel type, a List, a
PULL channel mapped to it, agents entitled to the List (optionally subscribed) and an ingestor credential."""

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from sqlalchemy import create_engine, func, select
from support import Server, dump_store, expect_error

from pullrouting.store.tables import events, participants
from pullrouting.v1 import (
    admin_service_pb2,
    agent_service_pb2,
    agent_service_pb2_grpc,
    conversation_pb2,
    ingest_service_pb2,
    ingest_service_pb2_grpc,
    resources_pb2,
    supervisor_service_pb2_grpc,
)

_source_ids = itertools.count(1)


@dataclass
class Agent:
    name: str
    id: str
    token: str
    stub: agent_service_pb2_grpc.AgentServiceStub


@dataclass
class Supervisor:
    name: str
    token: str
    stub: supervisor_service_pb2_grpc.SupervisorServiceStub


@dataclass
class Scenario:
    server: Server
    admin: Any
    mrd: str
    channel_type: str
    list: str
    channel: str
    service_identifier: str
    ingestor_token: str
    ingest: ingest_service_pb2_grpc.IngestServiceStub
    agents: list[Agent] = field(default_factory=list)

    async def post(
        self,
        text: str = "Hello",
        customer_id: str = "customer-1",
        source_message_id: str | None = None,
        service_identifier: str | None = None,
        priority: int = 0,
    ) -> ingest_service_pb2.PostCustomerMessageResponse:
        """A customer message, on the scenario's channel unless told otherwise; a fresh source_message_id
        unless one is given."""
        return await self.ingest.PostCustomerMessage(
            ingest_service_pb2.PostCustomerMessageRequest(
                service_identifier=service_identifier or self.service_identifier,
                customer=conversation_pb2.Customer(id=customer_id, display_name="Customer"),
                text=text,
                source_message_id=source_message_id or f"src-{next(_source_ids)}",
                priority=priority,
            )
        )

    async def new_conversation(self, customer_id: str = "customer-1") -> conversation_pb2.Conversation:
        return (await self.post(customer_id=customer_id)).conversation

    async def add_pull_channel(
        self, channel_id: str, service_identifier: str, *, list_name: str | None = None, channel_type: str | None = None
    ) -> str:
        """Another PULL channel, on the scenario's List and channel type unless told otherwise; returns its name."""
        created = await self.admin.CreateChannel(
            admin_service_pb2.CreateChannelRequest(
                channel_id=channel_id,
                channel=resources_pb2.Channel(
                    display_name=channel_id.upper(),
                    channel_type=channel_type or self.channel_type,
                    service_identifier=service_identifier,
                    routing_mode=resources_pb2.ROUTING_MODE_PULL,
                    list=list_name or self.list,
                ),
            )
        )
        return created.channel.name

    async def add_agent(self, agent_id: str, *, lists: list[str] | None = None, subscribe: bool = True) -> Agent:
        """An agent entitled to `lists` (the scenario's list by default), subscribed to them unless told not."""
        lists = [self.list] if lists is None else lists
        created = await self.admin.CreateAgent(
            admin_service_pb2.CreateAgentRequest(
                agent_id=agent_id, agent=resources_pb2.Agent(display_name=agent_id, lists=lists)
            )
        )
        agent = Agent(created.agent.name, agent_id, created.token, self.server.agent(created.token))
        if subscribe:
            for list_name in lists:
                await agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=list_name))
        self.agents.append(agent)
        return agent

    async def add_supervisor(self, supervisor_id: str, lists: list[str]) -> Supervisor:
        """A supervisor of `lists`, with its token and a stub that presents it."""
        created = await self.admin.CreateSupervisor(
            admin_service_pb2.CreateSupervisorRequest(
                supervisor_id=supervisor_id,
                supervisor=resources_pb2.Supervisor(display_name=supervisor_id.title(), lists=lists),
            )
        )
        return Supervisor(created.supervisor.name, created.token, self.server.supervisor(created.token))


async def create_scenario(
    server: Server,
    *,
    agents: int = 2,
    subscribe: bool = True,
    max_participants: int = 0,
    max_conversations_per_agent: int = 0,
    ingestor_channels: list[str] | None = None,
) -> Scenario:
    """MRD `social`, channel type `facebook-page-comments`, List `l1`, PULL channel `c2` on L1 serving
    `facebook.com/acme`, agents `agent-1`..`agent-N` entitled to L1, and ingestor `connector`."""
    admin = server.admin()
    mrd = await admin.CreateMediaRoutingDomain(
        admin_service_pb2.CreateMediaRoutingDomainRequest(
            media_routing_domain_id="social",
            media_routing_domain=resources_pb2.MediaRoutingDomain(
                display_name="Social", max_conversations_per_agent=max_conversations_per_agent
            ),
        )
    )
    channel_type = await admin.CreateChannelType(
        admin_service_pb2.CreateChannelTypeRequest(
            channel_type_id="facebook-page-comments",
            channel_type=resources_pb2.ChannelType(
                display_name="Facebook Page Comments", media_routing_domain=mrd.media_routing_domain.name
            ),
        )
    )
    routing_list = await admin.CreateList(
        admin_service_pb2.CreateListRequest(
            list_id="l1", list=resources_pb2.List(display_name="L1", max_participants=max_participants)
        )
    )
    channel = await admin.CreateChannel(
        admin_service_pb2.CreateChannelRequest(
            channel_id="c2",
            channel=resources_pb2.Channel(
                display_name="C2",
                channel_type=channel_type.channel_type.name,
                service_identifier="facebook.com/acme",
                routing_mode=resources_pb2.ROUTING_MODE_PULL,
                list=routing_list.list.name,
            ),
        )
    )
    ingestor = await admin.CreateIngestor(
        admin_service_pb2.CreateIngestorRequest(
            ingestor_id="connector",
            ingestor=resources_pb2.Ingestor(display_name="Connector", channels=ingestor_channels or []),
        )
    )
    scenario = Scenario(
        server=server,
        admin=admin,
        mrd=mrd.media_routing_domain.name,
        channel_type=channel_type.channel_type.name,
        list=routing_list.list.name,
        channel=channel.channel.name,
        service_identifier=channel.channel.service_identifier,
        ingestor_token=ingestor.token,
        ingest=server.ingest(ingestor.token),
    )
    for number in range(1, agents + 1):
        await scenario.add_agent(f"agent-{number}", subscribe=subscribe)
    return scenario


def stored_events(database_url: str, after: int = 0) -> list[Any]:
    """The events table in id order, read straight from the database."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(events).where(events.c.id > after).order_by(events.c.id)))
    finally:
        engine.dispose()


def last_event_id(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()
    finally:
        engine.dispose()


def participant_rows(database_url: str, conversation_id: str) -> list[str]:
    """The agent ids in the participants table for one conversation."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(participants.c.agent_id).where(participants.c.conversation_id == conversation_id)
            return [row.agent_id for row in connection.execute(query)]
    finally:
        engine.dispose()


def conversation_id(name: str) -> str:
    return name.rpartition("/")[2]


async def expect_refusal(
    server: Server, call: Callable[[], Awaitable[Any]], code: grpc.StatusCode, reason: str | None = None
) -> grpc.aio.AioRpcError:
    """Makes the call, which must fail with `code` (and `reason`) and leave every table as it was."""
    before = dump_store(server.database_url)
    error = await expect_error(call(), code, reason)
    assert dump_store(server.database_url) == before, "a refused call changed the store"
    return error


def join(agent: Agent, name: str) -> Awaitable[agent_service_pb2.JoinConversationResponse]:
    return agent.stub.JoinConversation(agent_service_pb2.JoinConversationRequest(name=name))


def leave(agent: Agent, name: str) -> Awaitable[agent_service_pb2.LeaveConversationResponse]:
    return agent.stub.LeaveConversation(agent_service_pb2.LeaveConversationRequest(name=name))


def join_call(agent: Agent, name: str) -> Callable[[], Awaitable[agent_service_pb2.JoinConversationResponse]]:
    """A join to start later, for gather_all and expect_refusal."""
    return lambda: join(agent, name)


async def add_second_list(scenario: Scenario) -> tuple[str, str]:
    """List `l2` with PULL channel `c3` serving `facebook.com/other`; returns (list, service identifier)."""
    admin = scenario.admin
    created = await admin.CreateList(
        admin_service_pb2.CreateListRequest(list_id="l2", list=resources_pb2.List(display_name="L2"))
    )
    await scenario.add_pull_channel("c3", "facebook.com/other", list_name=created.list.name)
    return created.list.name, "facebook.com/other"
