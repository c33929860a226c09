"""`python -m bench.stalled_streams`: what clients that stop reading inside a snapshot or a history cost the
server, the figures of docs/security.md.

Starts `pullrouting serve` on a fresh SQLite database; puts OPEN_REQUESTS requests on a List and one
conversation of MESSAGES messages of 4 KB; opens STALLED_LISTS WatchLists and STALLED_CONVERSATIONS
WatchConversation streams whose clients read one event and then nothing (a small receive window, so the
server's writes block); and prints the server's RSS before and after each, then how many of the streams the
events that follow cut off (SLOW_CONSUMER)."""

import asyncio
import os
import secrets
import tempfile
from pathlib import Path

import grpc

from bench import processes
from pullrouting.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    agent_service_pb2,
    agent_service_pb2_grpc,
    conversation_pb2,
    ingest_service_pb2,
    ingest_service_pb2_grpc,
    resources_pb2,
)
from pullrouting_client import bearer_token_interceptors

OPEN_REQUESTS = 3_000
MESSAGES = 2_000
STALLED_LISTS = 100
STALLED_CONVERSATIONS = 50
# Events after the stall: past the default stream buffer (PULLROUTING_STREAM_BUFFER_EVENTS, 1024).
LATER_EVENTS = 1_100
SERVICE = "stalled.example"
CONCURRENCY = 16
SETTLE_SECONDS = 3.0
CUT_OFF_DEADLINE = 30.0


class Setup:
    def __init__(self, address: str, admin_token: str) -> None:
        self.address = address
        self._channels: list[grpc.aio.Channel] = []
        self.admin = admin_service_pb2_grpc.AdminServiceStub(self.channel(admin_token))
        self.ingest: ingest_service_pb2_grpc.IngestServiceStub | None = None

    def channel(self, token: str, stalling: bool = False) -> grpc.aio.Channel:
        options = [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 4096)] if stalling else []
        channel = grpc.aio.insecure_channel(
            self.address, interceptors=bearer_token_interceptors(token), options=options
        )
        self._channels.append(channel)
        return channel

    async def resources(self) -> str:
        """The List, its channel, a connector and an agent subscribed to the List; returns the agent's token."""
        await self.admin.CreateMediaRoutingDomain(
            admin_service_pb2.CreateMediaRoutingDomainRequest(
                media_routing_domain_id="social",
                media_routing_domain=resources_pb2.MediaRoutingDomain(display_name="Social"),
            )
        )
        await self.admin.CreateChannelType(
            admin_service_pb2.CreateChannelTypeRequest(
                channel_type_id="comments",
                channel_type=resources_pb2.ChannelType(
                    display_name="Comments", media_routing_domain="mediaRoutingDomains/social"
                ),
            )
        )
        await self.admin.CreateList(
            admin_service_pb2.CreateListRequest(list_id="big", list=resources_pb2.List(display_name="Big"))
        )
        await self.admin.CreateChannel(
            admin_service_pb2.CreateChannelRequest(
                channel_id="big",
                channel=resources_pb2.Channel(
                    display_name="Big",
                    channel_type="channelTypes/comments",
                    service_identifier=SERVICE,
                    routing_mode=resources_pb2.ROUTING_MODE_PULL,
                    list="lists/big",
                ),
            )
        )
        ingestor = await self.admin.CreateIngestor(
            admin_service_pb2.CreateIngestorRequest(
                ingestor_id="connector", ingestor=resources_pb2.Ingestor(display_name="Connector")
            )
        )
        self.ingest = ingest_service_pb2_grpc.IngestServiceStub(self.channel(ingestor.token))
        agent = await self.admin.CreateAgent(
            admin_service_pb2.CreateAgentRequest(
                agent_id="agent", agent=resources_pb2.Agent(display_name="Agent", lists=["lists/big"])
            )
        )
        stub = agent_service_pb2_grpc.AgentServiceStub(self.channel(agent.token))
        await stub.Subscribe(agent_service_pb2.SubscribeRequest(list="lists/big"))
        return agent.token

    async def post(self, customers: list[str], text: str) -> list[str]:
        """One message of each customer, CONCURRENCY at a time; returns the conversations' names."""
        assert self.ingest is not None
        ingest = self.ingest
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(number: int, customer: str) -> str:
            async with gate:
                posted = await ingest.PostCustomerMessage(
                    ingest_service_pb2.PostCustomerMessageRequest(
                        service_identifier=SERVICE,
                        customer=conversation_pb2.Customer(id=customer, display_name=f"Customer {customer}"),
                        text=text,
                        source_message_id=f"{customer}-{number}-{secrets.token_hex(4)}",
                    )
                )
                return posted.conversation.name

        return await asyncio.gather(*(one(number, customer) for number, customer in enumerate(customers)))

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()


async def _stall(calls: list[grpc.aio.UnaryStreamCall]) -> None:
    """Each client reads one event, then nothing."""
    for call in calls:
        await call.read()


async def _cut_off(calls: list[grpc.aio.UnaryStreamCall]) -> int:
    """Reads each stalled stream again: how many end with SLOW_CONSUMER."""

    async def ended(call: grpc.aio.UnaryStreamCall) -> bool:
        try:
            async with asyncio.timeout(CUT_OFF_DEADLINE):
                while await call.read() is not grpc.aio.EOF:
                    pass
        except grpc.aio.AioRpcError as error:
            return error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        except TimeoutError:
            return False
        return False

    return sum(await asyncio.gather(*(ended(call) for call in calls)))


async def measure(server: processes.ServerProcess, admin_token: str) -> None:
    setup = Setup(server.address, admin_token)
    try:
        agent_token = await setup.resources()
        await setup.post([f"waiting-{number}" for number in range(OPEN_REQUESTS)], "Hello")
        [conversation] = set(await setup.post(["talkative"] * MESSAGES, "x" * 4096))
        await agent_service_pb2_grpc.AgentServiceStub(setup.channel(agent_token)).JoinConversation(
            agent_service_pb2.JoinConversationRequest(name=conversation)
        )
        print(
            f"server RSS with {OPEN_REQUESTS:,} open requests and {MESSAGES:,} messages of 4 KB: "
            f"{server.memory_mb('VmRSS'):.0f} MB"
        )

        lists = [
            agent_service_pb2_grpc.AgentServiceStub(setup.channel(agent_token, stalling=True)).WatchLists(
                agent_service_pb2.WatchListsRequest()
            )
            for _ in range(STALLED_LISTS)
        ]
        await _stall(lists)
        await asyncio.sleep(SETTLE_SECONDS)
        print(f"+ {STALLED_LISTS} WatchLists stalled in the snapshot: {server.memory_mb('VmRSS'):.0f} MB")

        chats = [
            agent_service_pb2_grpc.AgentServiceStub(setup.channel(agent_token, stalling=True)).WatchConversation(
                agent_service_pb2.WatchConversationRequest(name=conversation)
            )
            for _ in range(STALLED_CONVERSATIONS)
        ]
        await _stall(chats)
        await asyncio.sleep(SETTLE_SECONDS)
        print(f"+ {STALLED_CONVERSATIONS} WatchConversation stalled in the history: {server.memory_mb('VmRSS'):.0f} MB")

        await setup.post(["talkative"] * LATER_EVENTS, "later")
        print(
            f"after {LATER_EVENTS:,} more messages: {await _cut_off(lists)} of {STALLED_LISTS} WatchLists and "
            f"{await _cut_off(chats)} of {STALLED_CONVERSATIONS} WatchConversation cut off (SLOW_CONSUMER)"
        )
    finally:
        await setup.close()


def main() -> None:
    admin_token = f"pra_{secrets.token_urlsafe(32)}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULLROUTING_")}
    env.update(
        PULLROUTING_ADMIN_TOKEN=admin_token,
        PULLROUTING_RATE_LIMIT_PER_SECOND="0",
        PULLROUTING_MAX_STREAMS_PER_AGENT="0",
    )
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'stalled.db'}"
        with processes.running(processes.pullrouting_command(url), env) as server:
            asyncio.run(measure(server, admin_token))


if __name__ == "__main__":
    main()
