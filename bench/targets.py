"""The two servers as the load shapes see them. `Bare` makes the same calls with raw bytes of the same size
as pullrouting's messages; `Pullrouting` sets up resources through AdminService and drives the public API as
connectors and agent desktops do."""

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from bench import bare
from bench.load import Watcher
from pullrouting.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    agent_service_pb2,
    agent_service_pb2_grpc,
    conversation_pb2,
    events_pb2,
    ingest_service_pb2,
    ingest_service_pb2_grpc,
    resources_pb2,
)

# Streams per client connection: agents' streams share connections, as they would behind a proxy.
STREAMS_PER_CHANNEL = 50
SETUP_CONCURRENCY = 16
KEY_LENGTH = 36
CONNECTORS = 4
BULK_SERVICE = "bulk.example"
WATCHED_SERVICE = "watched.example"
LIST_TYPE = events_pb2.ListEventType


def _channel_options() -> list[tuple[str, int]]:
    # Each client connection is its own subchannel, not shared through gRPC's global subchannel pool.
    return [("grpc.use_local_subchannel_pool", 1)]


def sample_post() -> bytes:
    """A PostCustomerMessageRequest as the benchmark sends it: the bare unary carries the same bytes."""
    return ingest_service_pb2.PostCustomerMessageRequest(
        service_identifier=BULK_SERVICE,
        customer=conversation_pb2.Customer(id="customer-000001", display_name="Customer 000001"),
        text="Hello, I have a question about my order.",
        source_message_id="new-000001",
    ).SerializeToString()


def sample_list_event() -> bytes:
    """A WatchListsResponse carrying an ADDED event: the bare streams send this many bytes per event."""
    conversation = conversation_pb2.Conversation(
        name="conversations/" + "0" * KEY_LENGTH,
        list="lists/watched",
        channel="channels/watched",
        customer=conversation_pb2.Customer(id="fan-000001", display_name="Customer"),
        state=conversation_pb2.CONVERSATION_STATE_UNREAD,
        message_count=1,
    )
    for field in ("create_time", "update_time", "last_message_time"):
        getattr(conversation, field).GetCurrentTime()
    event = events_pb2.ListEvent(
        type=LIST_TYPE.LIST_EVENT_TYPE_ADDED, list="lists/watched", conversation=conversation, resume_token="MTIzNDU2"
    )
    event.event_time.GetCurrentTime()
    return agent_service_pb2.WatchListsResponse(event=event).SerializeToString()


class Channels:
    """Client connections, opened on demand `per_channel` users at a time, closed together."""

    def __init__(self, address: str) -> None:
        self._address = address
        self._open: list[grpc.aio.Channel] = []

    def new(self) -> grpc.aio.Channel:
        channel = grpc.aio.insecure_channel(self._address, options=_channel_options())
        self._open.append(channel)
        return channel

    def spread(self, count: int) -> list[grpc.aio.Channel]:
        """`count` users' connections, STREAMS_PER_CHANNEL users to each."""
        shared = [self.new() for _ in range(-(-count // STREAMS_PER_CHANNEL))]
        return [shared[index // STREAMS_PER_CHANNEL] for index in range(count)]

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self._open))


class Bare:
    def __init__(self, address: str) -> None:
        self.channels = Channels(address)
        self._post = sample_post()
        self._event = sample_list_event()
        self._keys = itertools.count()
        control = self.channels.new()
        self._unary = control.unary_unary(bare.UNARY)
        self._publish = control.unary_unary(bare.PUBLISH)
        self._replay = control.unary_stream(bare.REPLAY)

    async def unary(self, _worker: int, _iteration: int) -> None:
        await self._unary(self._post)

    def watchers(self, count: int) -> list[Watcher]:
        return [self._watch(channel) for channel in self.channels.spread(count)]

    async def _watch(self, channel: grpc.aio.Channel) -> Watcher:
        async for payload in attached(lambda: channel.unary_stream(bare.WATCH)(b""), lambda p: p == bare.ATTACHED):
            yield None if payload == bare.ATTACHED else payload[:KEY_LENGTH].decode()

    async def publish(self) -> str:
        key = f"{next(self._keys):0{KEY_LENGTH}d}"
        await self._publish(key.encode() + self._event[KEY_LENGTH:])
        return key

    def replay_request(self, count: int) -> bytes:
        """What asks the bare Replay method for `count` list events."""
        return f"{count} ".encode() + self._event

    def replay(self, count: int) -> Callable[[], AsyncIterator[bytes]]:
        async def stream() -> AsyncIterator[bytes]:
            async for payload in self._replay(self.replay_request(count)):
                yield payload

        return stream


# Streams opened by the thousand at once on a loaded machine are now and then ended (CANCELLED, UNAVAILABLE)
# before their first message, on the bare server as on pullrouting: opened again, as a client would.
REOPENED_CODES = (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE)
REOPEN_PAUSE = 0.1


async def attached(open_call: Callable[[], Any], is_attached: Callable[[Any], bool]) -> AsyncIterator[Any]:
    """The responses of a stream opened with `open_call`, opened again if it ends with REOPENED_CODES before
    the response `is_attached` holds for."""
    while True:
        seen_attached = False
        try:
            async for response in open_call():
                seen_attached = seen_attached or is_attached(response)
                yield response
            return
        except grpc.aio.AioRpcError as error:
            if seen_attached or error.code() not in REOPENED_CODES:
                raise
        await asyncio.sleep(REOPEN_PAUSE)


def _auth(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


async def bounded(calls: list[Callable[[], Awaitable[Any]]], concurrency: int = SETUP_CONCURRENCY) -> list[Any]:
    """Runs the calls `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(call: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await call()

    return await asyncio.gather(*(one(call) for call in calls))


class Pullrouting:
    """Two Lists: `bulk` takes the ingested requests (and the join/leave agents), `watched` is what the
    fan-out agents watch, so their streams start from a small snapshot."""

    def __init__(self, address: str, admin_token: str) -> None:
        self.channels = Channels(address)
        self._admin = admin_service_pb2_grpc.AdminServiceStub(self.channels.new())
        self._admin_auth = _auth(admin_token)
        self._ingest = ingest_service_pb2_grpc.IngestServiceStub(self.channels.new())
        self._connector_auth: list[tuple[tuple[str, str]]] = []
        self._agent_auth: dict[str, tuple[tuple[str, str]]] = {}
        self._agents: dict[str, agent_service_pb2_grpc.AgentServiceStub] = {}
        self.conversations: dict[int, str] = {}
        self._fan_customers = itertools.count()

    async def _create(self, method: str, request: Any) -> Any:
        return await getattr(self._admin, method)(request, metadata=self._admin_auth)

    async def setup(self, join_leave_agents: int, fan_out_agents: int) -> None:
        await self._create(
            "CreateMediaRoutingDomain",
            admin_service_pb2.CreateMediaRoutingDomainRequest(
                media_routing_domain_id="social",
                media_routing_domain=resources_pb2.MediaRoutingDomain(display_name="Social"),
            ),
        )
        await self._create(
            "CreateChannelType",
            admin_service_pb2.CreateChannelTypeRequest(
                channel_type_id="comments",
                channel_type=resources_pb2.ChannelType(
                    display_name="Comments", media_routing_domain="mediaRoutingDomains/social"
                ),
            ),
        )
        for name, service in (("bulk", BULK_SERVICE), ("watched", WATCHED_SERVICE)):
            list_request = admin_service_pb2.CreateListRequest(list_id=name, list=resources_pb2.List(display_name=name))
            await self._create("CreateList", list_request)
            await self._create(
                "CreateChannel",
                admin_service_pb2.CreateChannelRequest(
                    channel_id=name,
                    channel=resources_pb2.Channel(
                        display_name=name,
                        channel_type="channelTypes/comments",
                        service_identifier=service,
                        routing_mode=resources_pb2.ROUTING_MODE_PULL,
                        list=f"lists/{name}",
                    ),
                ),
            )
        ingestors = await bounded(
            [
                lambda number=number: self._create(
                    "CreateIngestor",
                    admin_service_pb2.CreateIngestorRequest(
                        ingestor_id=f"connector-{number}", ingestor=resources_pb2.Ingestor(display_name="Connector")
                    ),
                )
                for number in range(CONNECTORS)
            ]
        )
        self._connector_auth = [_auth(created.token) for created in ingestors]
        agents = [(f"jl-{number}", "bulk") for number in range(join_leave_agents)]
        agents += [(f"fan-{number}", "watched") for number in range(fan_out_agents)]
        agents.append(("catch-up", "bulk"))
        channels = self.channels.spread(len(agents))
        await bounded(
            [lambda a=agent, c=channel: self._add_agent(*a, c) for agent, channel in zip(agents, channels, strict=True)]
        )

    async def _add_agent(self, agent_id: str, list_id: str, channel: grpc.aio.Channel) -> None:
        created = await self._create(
            "CreateAgent",
            admin_service_pb2.CreateAgentRequest(
                agent_id=agent_id, agent=resources_pb2.Agent(display_name=agent_id, lists=[f"lists/{list_id}"])
            ),
        )
        stub = agent_service_pb2_grpc.AgentServiceStub(channel)
        self._agents[agent_id] = stub
        self._agent_auth[agent_id] = _auth(created.token)
        await stub.Subscribe(agent_service_pb2.SubscribeRequest(list=f"lists/{list_id}"), metadata=_auth(created.token))

    def _post(
        self, service: str, connector: int, customer: str, source_id: str
    ) -> Awaitable[ingest_service_pb2.PostCustomerMessageResponse]:
        return self._ingest.PostCustomerMessage(
            ingest_service_pb2.PostCustomerMessageRequest(
                service_identifier=service,
                customer=conversation_pb2.Customer(id=customer, display_name=f"Customer {customer}"),
                text="Hello, I have a question about my order.",
                source_message_id=source_id,
            ),
            metadata=self._connector_auth[connector % CONNECTORS],
        )

    def new_requests(self, workers: int) -> Callable[[int, int], Awaitable[None]]:
        """Each call opens a request on `bulk` for a new customer."""

        async def call(worker: int, iteration: int) -> None:
            number = iteration * workers + worker
            posted = await self._post(BULK_SERVICE, worker, f"customer-{number}", f"new-{number}")
            self.conversations[number] = posted.conversation.name

        return call

    async def stream_new_requests(self, total: int) -> float:
        """Messages per second over one StreamCustomerMessages stream per connector, each message opening a
        request on `bulk` for a new customer: written as fast as the stream takes them, every acknowledgement
        read."""

        async def one(connector: int) -> None:
            call = self._ingest.StreamCustomerMessages(metadata=self._connector_auth[connector])

            async def write() -> None:
                for number in range(connector, total, CONNECTORS):
                    message = ingest_service_pb2.PostCustomerMessageRequest(
                        service_identifier=BULK_SERVICE,
                        customer=conversation_pb2.Customer(id=f"streamed-{number}", display_name="Streamed"),
                        text="Hello, I have a question about my order.",
                        source_message_id=f"streamed-{number}",
                    )
                    await call.write(ingest_service_pb2.StreamCustomerMessagesRequest(message=message))
                await call.done_writing()

            writer = asyncio.create_task(write())
            async for acknowledgement in call:
                if acknowledgement.HasField("error"):
                    raise RuntimeError(f"streamed message refused: {acknowledgement.error.message}")
            await writer

        start = time.perf_counter()
        await asyncio.gather(*(one(connector) for connector in range(CONNECTORS)))
        return total / (time.perf_counter() - start)

    def follow_ups(self, workers: int) -> Callable[[int, int], Awaitable[None]]:
        """Each call appends to an open request of an earlier customer."""

        async def call(worker: int, iteration: int) -> None:
            number = iteration * workers + worker
            customer = number % len(self.conversations)
            await self._post(BULK_SERVICE, worker, f"customer-{customer}", f"follow-up-{number}")

        return call

    async def join_leave(self, worker: int, _iteration: int) -> None:
        """Agent jl-N joins request N and leaves it again: two calls."""
        agent = f"jl-{worker}"
        request = {"name": self.conversations[worker]}
        await self._agents[agent].JoinConversation(
            agent_service_pb2.JoinConversationRequest(**request), metadata=self._agent_auth[agent]
        )
        await self._agents[agent].LeaveConversation(
            agent_service_pb2.LeaveConversationRequest(**request), metadata=self._agent_auth[agent]
        )

    def auth_of(self, agent: str) -> tuple[tuple[str, str]]:
        """The call metadata of an agent set up here."""
        return self._agent_auth[agent]

    def watchers(self, first: int, count: int) -> list[Watcher]:
        return [self._watch(f"fan-{number}") for number in range(first, first + count)]

    async def _watch(self, agent: str) -> Watcher:
        call = self._agents[agent].WatchLists(agent_service_pb2.WatchListsRequest(), metadata=self._agent_auth[agent])
        async for response in call:
            event = response.event
            if event.type == LIST_TYPE.LIST_EVENT_TYPE_SYNCED:
                yield None
            elif event.type == LIST_TYPE.LIST_EVENT_TYPE_ADDED:
                yield event.conversation.name

    async def publish(self) -> str:
        number = next(self._fan_customers)
        posted = await self._post(WATCHED_SERVICE, 0, f"fan-customer-{number}", f"fan-{number}")
        return posted.conversation.name

    async def catch_up_token(self) -> str:
        """The catch-up agent's position now, as its desktop would hold it before going offline."""
        call = self._agents["catch-up"].WatchLists(
            agent_service_pb2.WatchListsRequest(), metadata=self._agent_auth["catch-up"]
        )
        async for response in call:
            if response.event.type == LIST_TYPE.LIST_EVENT_TYPE_SYNCED:
                call.cancel()
                return response.event.resume_token
        raise RuntimeError("WatchLists ended before SYNCED")

    def resume(self, token: str) -> Callable[[], AsyncIterator[agent_service_pb2.WatchListsResponse]]:
        async def stream() -> AsyncIterator[agent_service_pb2.WatchListsResponse]:
            request = agent_service_pb2.WatchListsRequest(resume_token=token)
            async for response in self._agents["catch-up"].WatchLists(request, metadata=self._agent_auth["catch-up"]):
                yield response

        return stream
