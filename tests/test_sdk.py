"""The Python SDK (clients/python/pullrouting_client) against real servers: typed calls, resource names, TLS,
and watch iterators that reconnect across a server restart and a slow-consumer cut-off without losing or
repeating an event, and that give up at once on failures a retry cannot fix."""

import asyncio
import random
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
import pytest
from docs_shell import DOCS, PRINTED_ADDRESS, ROOT
from scenario import Scenario, create_scenario
from sqlalchemy import create_engine, select
from support import ADMIN_TOKEN, Server, within

from pullrouting import server as server_module
from pullrouting.domain.errors import Reason
from pullrouting.settings import Settings
from pullrouting.store.tables import messages
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, events_pb2, resources_pb2
from pullrouting_client import (
    DEFAULT_TIMEOUT,
    ERROR_BY_REASON,
    AdminClient,
    AgentClient,
    Backoff,
    ConversationClosed,
    ConversationEventType,
    ConversationState,
    DeadlineExceeded,
    FieldInvalid,
    IngestClient,
    ListAlert,
    ListEventType,
    ListFull,
    NotParticipant,
    NotSubscribed,
    Presence,
    PullroutingError,
    ResourceExists,
    ResourceNotFound,
    ResumableWatch,
    RoutingMode,
    SlowConsumer,
    Unavailable,
    bearer_token_interceptors,
    connect,
    names,
    sync,
)
from pullrouting_client.sync import SyncAgentClient, SyncIngestClient

L = events_pb2.ListEventType
C = events_pb2.ConversationEventType
DEADLINE = 15.0
# Quick reconnects in tests: the channel's own connection backoff (1 s, growing) would make them slow.
FAST_RECONNECT = [
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 200),
]
FAST_BACKOFF = Backoff(initial=0.01, maximum=0.2)


@asynccontextmanager
async def running(database_url: str, port: int = 0, **overrides: object) -> AsyncIterator[Server]:
    """A server on `port` (0: a free one) over `database_url`, stopped on the way out."""
    settings = Settings(
        listen=f"127.0.0.1:{port}",
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        **overrides,  # type: ignore[arg-type]
    )
    started = await server_module.start(settings)
    handle = Server(f"127.0.0.1:{started.port}", database_url, started, [])
    try:
        yield handle
    finally:
        for channel in handle.channels:
            await channel.close()
        await started.stop(None)


@pytest.fixture
async def channels() -> AsyncIterator[list[grpc.aio.Channel]]:
    """SDK channels opened by a test, closed after it."""
    opened: list[grpc.aio.Channel] = []
    yield opened
    for channel in opened:
        await channel.close()


def agent_client(
    channels: list[grpc.aio.Channel],
    address: str,
    token: str,
    options: list[tuple[str, int]] | None = None,
    root_certificates: bytes | None = None,
) -> AgentClient:
    channel = connect(address, token, options=[*FAST_RECONNECT, *(options or [])], root_certificates=root_certificates)
    channels.append(channel)
    return AgentClient(channel)


async def post(server: Server, scenario: Scenario, customer_id: str) -> None:
    """A customer message through `server` (which may be another instance than the scenario's)."""
    await IngestClient(server.channel(scenario.ingestor_token)).post(
        scenario.service_identifier, customer_id, "Hello", f"src-{customer_id}"
    )


async def test_agent_calls_and_names(server, channels):
    scenario = await create_scenario(server, agents=1, subscribe=False)
    agent = agent_client(channels, server.address, scenario.agents[0].token)
    list_name = names.list_name("l1")
    assert [summary.list.name for summary in await agent.list_lists()] == [list_name]
    assert (await agent.subscribe(list_name)).list == list_name

    conversation = (await scenario.post("Is my order shipped?")).conversation
    assert [c.name for c in await agent.list_conversations(list_name)] == [conversation.name]
    joined = await agent.join(conversation.name)
    assert joined.state == conversation_pb2.CONVERSATION_STATE_ACTIVE
    assert [p.agent for p in joined.participants] == [names.agent_name("agent-1")]
    first = await agent.send(conversation.name, "On its way", client_message_id="m-1")
    assert (await agent.send(conversation.name, "On its way", client_message_id="m-1")).name == first.name
    assert (await agent.get(conversation.name)).message_count == 2
    assert (await agent.leave(conversation.name)).state == conversation_pb2.CONVERSATION_STATE_INACTIVE
    closed = await agent.close(conversation.name)
    assert (closed.state, closed.close_reason) == (
        conversation_pb2.CONVERSATION_STATE_CLOSED,
        conversation_pb2.CLOSE_REASON_AGENT,
    )
    assert names.resource_id(closed.name, names.CONVERSATIONS) == closed.name.removeprefix("conversations/")
    assert await agent.list_conversations(list_name) == []
    summary = (await agent.list_lists())[0]
    assert (summary.subscribed, summary.unread_count, summary.active_count) == (True, 0, 0)


@pytest.mark.parametrize("bad", ["lists/l1", "conversations/", "conversations/a/b", "x"])
def test_resource_id_refuses_other_names(bad):
    with pytest.raises(ValueError):
        names.resource_id(bad, names.CONVERSATIONS)


def test_backoff_grows_with_jitter_up_to_its_maximum():
    backoff = Backoff(initial=0.1, maximum=1.0, multiplier=2.0)
    rng = random.Random(7)
    for attempt, ceiling in enumerate([0.1, 0.2, 0.4, 0.8, 1.0, 1.0]):
        delays = {backoff.delay(attempt, rng) for _ in range(20)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1, "no jitter"


async def test_watch_lists_resumes_across_a_restart_and_replays_what_it_missed(tmp_path, channels):
    database_url = f"sqlite:///{tmp_path}/restart.db"
    failures: list[grpc.StatusCode] = []
    retried_while_down = asyncio.Event()

    def on_retry(error: PullroutingError, delay: float) -> None:
        failures.append(error.status)
        if len(failures) >= 3:
            retried_while_down.set()

    async with running(database_url) as first:
        port = first.running.port
        scenario = await create_scenario(first, agents=1)
        agent = agent_client(channels, first.address, scenario.agents[0].token)
        watch = agent.watch_lists(backoff=FAST_BACKOFF, on_retry=on_retry)
        events = aiter(watch)
        assert (await within(DEADLINE, anext(events))).type == L.LIST_EVENT_TYPE_SYNCED
        await post(first, scenario, "before")
        before = await within(DEADLINE, anext(events))
        assert (before.type, before.conversation.customer.id) == (L.LIST_EVENT_TYPE_ADDED, "before")

    # While the watched address is down, the watch keeps trying; another instance on the same database
    # takes a customer message the watch has not seen.
    reading = asyncio.create_task(anext(events))
    await within(DEADLINE, retried_while_down.wait())
    async with running(database_url) as elsewhere:
        await post(elsewhere, scenario, "while-down")
    assert not reading.done()

    async with running(database_url, port) as again:
        missed = await within(DEADLINE, reading)
        await post(again, scenario, "after")
        live = await within(DEADLINE, anext(events))
    assert [(e.type, e.conversation.customer.id) for e in (missed, live)] == [
        (L.LIST_EVENT_TYPE_ADDED, "while-down"),
        (L.LIST_EVENT_TYPE_ADDED, "after"),
    ]
    assert failures[0] == grpc.StatusCode.UNAVAILABLE
    assert set(failures) == {grpc.StatusCode.UNAVAILABLE}
    assert watch.reconnects == len(failures)
    assert watch.resume_token == live.resume_token


async def test_a_slow_consumer_is_cut_off_and_resumes_without_loss(tmp_path, channels):
    # A small stream buffer on the server and a small receive window on the client, so that a client that
    # stops reading is cut off instead of its transport absorbing the burst.
    async with running(f"sqlite:///{tmp_path}/slow.db", stream_buffer_events=8) as server:
        scenario = await create_scenario(server, agents=1)
        small_window = [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 4096)]
        agent = agent_client(channels, server.address, scenario.agents[0].token, options=small_window)
        failures: list[PullroutingError] = []
        watch = agent.watch_lists(backoff=FAST_BACKOFF, on_retry=lambda error, _: failures.append(error))
        events = aiter(watch)
        assert (await within(DEADLINE, anext(events))).type == L.LIST_EVENT_TYPE_SYNCED

        burst = 300
        for number in range(burst):
            await scenario.post(customer_id=f"burst-{number}")
        received = [await within(DEADLINE, anext(events)) for _ in range(burst)]
    assert [e.conversation.customer.id for e in received] == [f"burst-{number}" for number in range(burst)]
    assert {e.type for e in received} == {L.LIST_EVENT_TYPE_ADDED}
    assert failures and all(isinstance(failure, SlowConsumer) for failure in failures)


async def test_watch_conversation_ends_when_the_agent_leaves(server, channels):
    scenario = await create_scenario(server, agents=1)
    agent = agent_client(channels, server.address, scenario.agents[0].token)
    conversation = (await scenario.post("Hi there")).conversation
    await agent.join(conversation.name)
    seen: list[int] = []

    async def follow() -> None:
        async for event in agent.watch_conversation(conversation.name, backoff=FAST_BACKOFF):
            seen.append(event.type)
            if event.type == C.CONVERSATION_EVENT_TYPE_SYNCED:
                await agent.send(conversation.name, "Hello!")
            elif event.type == C.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE:
                await agent.leave(conversation.name)

    await within(DEADLINE, follow())
    assert seen == [
        C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE,
        C.CONVERSATION_EVENT_TYPE_SYNCED,
        C.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE,
        C.CONVERSATION_EVENT_TYPE_AGENT_LEFT,
    ]


async def test_watch_outbound_hands_out_agent_messages(server, channels):
    scenario = await create_scenario(server, agents=1)
    ingest_channel = connect(server.address, scenario.ingestor_token)
    channels.append(ingest_channel)
    outbound = aiter(IngestClient(ingest_channel).watch_outbound(scenario.service_identifier))
    assert (await within(DEADLINE, anext(outbound))).type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED
    agent = agent_client(channels, server.address, scenario.agents[0].token)
    conversation = (await scenario.post("Hi", customer_id="fb-7")).conversation
    await agent.join(conversation.name)
    await agent.send(conversation.name, "Hello from us")
    event = await within(DEADLINE, anext(outbound))
    assert (event.type, event.customer.id, event.message.text) == (
        events_pb2.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE,
        "fb-7",
        "Hello from us",
    )


class _ScriptedCall:
    """A stream call that gives `responses`, or fails with `error` before the first."""

    def __init__(self, responses: list[agent_service_pb2.WatchListsResponse], error: grpc.RpcError | None = None):
        self._responses = responses
        self._error = error

    async def _run(self) -> AsyncIterator[agent_service_pb2.WatchListsResponse]:
        if self._error is not None:
            raise self._error
        for response in self._responses:
            yield response

    def __aiter__(self) -> AsyncIterator[agent_service_pb2.WatchListsResponse]:
        return self._run()

    def cancel(self) -> bool:
        return False


async def test_a_watch_reopens_a_call_grpc_cancelled_before_the_server_took_it():
    # With more calls waiting to be accepted than its backlog holds (thousands of desks reconnecting at once),
    # gRPC cancels some of them: nothing was refused, and the same call made again gets through.
    cancelled = grpc.aio.AioRpcError(grpc.StatusCode.CANCELLED, grpc.aio.Metadata(), grpc.aio.Metadata())
    event = events_pb2.ListEvent(type=events_pb2.LIST_EVENT_TYPE_SYNCED, resume_token="after-sync")
    opened: list[str] = []

    def open_stream(resume_token: str) -> _ScriptedCall:
        opened.append(resume_token)
        if len(opened) == 1:
            return _ScriptedCall([], cancelled)
        return _ScriptedCall([agent_service_pb2.WatchListsResponse(event=event)])

    watch: ResumableWatch[events_pb2.ListEvent] = ResumableWatch(
        open_stream, resume_token="before", backoff=FAST_BACKOFF
    )

    assert [received async for received in watch] == [event]
    assert (opened, watch.reconnects, watch.resume_token) == (["before", "before"], 1, "after-sync")


@pytest.mark.parametrize(
    ("case", "code", "reason"),
    [
        ("unknown token", grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID"),
        ("ingestor token", grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED"),
        ("disabled agent", grpc.StatusCode.PERMISSION_DENIED, "PRINCIPAL_DISABLED"),
        ("bad resume token", grpc.StatusCode.INVALID_ARGUMENT, "FIELD_INVALID"),
        ("not a participant", grpc.StatusCode.FAILED_PRECONDITION, "NOT_PARTICIPANT"),
    ],
)
async def test_watches_give_up_at_once_on_failures_a_retry_cannot_fix(server, channels, case, code, reason):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    token = {"unknown token": "prg_unknown", "ingestor token": scenario.ingestor_token}.get(case, agent.token)
    if case == "disabled agent":
        await scenario.admin.UpdateAgent(
            admin_service_pb2.UpdateAgentRequest(
                agent=resources_pb2.Agent(name=agent.name, enabled=False), update_mask={"paths": ["enabled"]}
            )
        )
    client = agent_client(channels, server.address, token)
    retries: list[PullroutingError] = []
    if case == "not a participant":
        conversation = (await scenario.post()).conversation
        watch = client.watch_conversation(conversation.name, on_retry=lambda error, _: retries.append(error))
    else:
        resume_token = "garbage" if case == "bad resume token" else ""
        watch = client.watch_lists(resume_token, on_retry=lambda error, _: retries.append(error))
    with pytest.raises(ERROR_BY_REASON[reason]) as failed:
        await within(DEADLINE, anext(aiter(watch)))
    assert (failed.value.status, failed.value.reason) == (code, reason)
    assert (retries, watch.reconnects) == ([], 0)


async def test_tls_with_the_servers_certificate_authority(tmp_path, certificate, channels):
    cert, key = certificate
    async with running(f"sqlite:///{tmp_path}/tls.db", tls_cert=str(cert), tls_key=str(key)) as server:
        # The admin token reaches the server over TLS: it is recognised, and refused here for its role.
        trusted = agent_client(channels, server.address, ADMIN_TOKEN, root_certificates=cert.read_bytes())
        with pytest.raises(PullroutingError) as refused:
            await within(DEADLINE, trusted.list_lists())
        assert refused.value.reason == "ROLE_NOT_ALLOWED"
        # A plaintext channel never gets a connection to a TLS port: it waits for one until its deadline.
        plaintext = AgentClient(connect(server.address, ADMIN_TOKEN, options=FAST_RECONNECT), timeout=1)
        channels.append(plaintext.channel)
        with pytest.raises(PullroutingError) as unreadable:
            await within(DEADLINE, plaintext.list_lists())
        assert unreadable.value.status in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def python_blocks() -> list[str]:
    """The python blocks of docs/clients.md, in order: the 20-line agent, then the error handling."""
    blocks = re.findall(r"^```python\n(.*?)^```", (DOCS / "clients.md").read_text(), flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 2, "expected the agent and the error handling in docs/clients.md"
    return blocks


async def test_the_documented_agent_works_a_request_as_printed(server):
    scenario = await create_scenario(server, agents=1, subscribe=False)
    code = python_blocks()[0].replace(PRINTED_ADDRESS, server.address).replace("prg_...", scenario.agents[0].token)
    assert len([line for line in code.splitlines() if line.strip()]) <= 20
    # Everything but the last line, `asyncio.run(main())`: this test's event loop runs `main()` instead.
    body, _, last = code.rstrip().rpartition("\n")
    assert last == "asyncio.run(main())"
    namespace: dict[str, object] = {}
    exec(body, namespace)
    running_snippet = asyncio.create_task(namespace["main"]())  # type: ignore[operator]
    name = (await scenario.post("Where is my parcel?")).conversation.name
    outbound = aiter(IngestClient(server.channel(scenario.ingestor_token)).watch_outbound())
    replies = []
    while len(replies) < 2:
        event = await within(DEADLINE, anext(outbound))
        if event.type == events_pb2.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE:
            replies.append(event.message.text)
            if len(replies) == 1:
                await scenario.post("Thanks, it is order 1234")
    await scenario.post("OK, bye!")
    await within(DEADLINE, running_snippet)
    assert replies[0] == "Hello, how can I help?"
    assert replies[1] in ("Noted: Where is my parcel?", "Noted: Thanks, it is order 1234")
    conversation = await AgentClient(server.channel(scenario.agents[0].token)).get(name)
    assert conversation.state == ConversationState.CLOSED


async def test_the_documented_error_handling_as_printed(server, channels):
    scenario = await create_scenario(server, agents=2, max_participants=1)
    namespace: dict[str, object] = {}
    exec(python_blocks()[1], namespace)
    take = namespace["take"]
    first, second = (agent_client(channels, server.address, agent.token) for agent in scenario.agents)
    name = (await scenario.post("Hello?")).conversation.name
    assert await within(DEADLINE, take(first, name, "Hi, I am on it"))  # type: ignore[operator]
    assert not await within(DEADLINE, take(second, name, "Hi from me too"))  # type: ignore[operator]
    await first.close(name)
    with pytest.raises(ConversationClosed):
        await within(DEADLINE, take(first, name, "Hi again"))  # type: ignore[operator]
    assert agent_messages_of(server, name) == ["Hi, I am on it"]


def agent_messages_of(server: Server, name: str) -> list[str]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            query = select(messages.c.text).where(
                messages.c.conversation_id == name.removeprefix("conversations/"), messages.c.agent_id.is_not(None)
            )
            return list(connection.scalars(query))
    finally:
        engine.dispose()


# Typed refusals, the admin client, the blocking clients, deadlines, retries and waiting for a starting server.


def test_every_reason_the_server_sends_has_its_exception_class():
    # A reason added to the server's table (pullrouting/domain/errors.py) needs its class in
    # clients/python/pullrouting_client/errors.py, named after it: `LIST_FULL` -> `ListFull`.
    assert set(ERROR_BY_REASON) == {reason.value for reason in Reason}
    for reason, kind in ERROR_BY_REASON.items():
        assert kind.__name__ == reason.title().replace("_", "")
        assert issubclass(kind, PullroutingError)


def test_the_enums_are_generated_from_the_proto():
    checked = subprocess.run(
        [sys.executable, str(ROOT / "clients/python/tools/generate_enums.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert ConversationState.ACTIVE == conversation_pb2.CONVERSATION_STATE_ACTIVE
    assert ListAlert.NEW_REQUEST == events_pb2.LIST_ALERT_NEW_REQUEST
    # A value of a newer server is named, not refused.
    assert ConversationState(99).name == "UNKNOWN_99"


async def test_refusals_raise_the_class_of_their_reason_with_status_and_metadata(server, channels):
    scenario = await create_scenario(server, agents=2, max_participants=1)
    first, second = (agent_client(channels, server.address, agent.token) for agent in scenario.agents)
    name = (await scenario.post("Hello?")).conversation.name
    await first.join(name)

    with pytest.raises(ListFull) as full:
        await second.join(name)
    assert (full.value.status, full.value.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "LIST_FULL")
    assert full.value.metadata and not full.value.retryable
    assert isinstance(full.value, PullroutingError)

    with pytest.raises(FieldInvalid) as invalid:
        await first.send(name, "")
    assert "text" in invalid.value.field_violations
    await second.unsubscribe(scenario.list)
    with pytest.raises(NotSubscribed):
        await second.close(name)


async def test_the_admin_client_takes_plain_arguments_and_updates_only_what_it_is_given(server, channels):
    channel = connect(server.address, ADMIN_TOKEN)
    channels.append(channel)
    admin = AdminClient(channel)
    await admin.create_media_routing_domain("social", display_name="Social")
    await admin.create_channel_type("fb", display_name="Facebook", media_routing_domain="mediaRoutingDomains/social")
    created = await admin.create_list("l1", display_name="L1", description="Comments")
    await admin.create_channel(
        "c2", display_name="C2", channel_type="channelTypes/fb", service_identifier="page-1",
        routing_mode=RoutingMode.PULL, list=created.name,
    )  # fmt: skip
    agent, token = await admin.create_agent("ann", display_name="Ann", lists=[created.name])
    assert (agent.name, agent.lists, token.startswith("prg_")) == ("agents/ann", [created.name], True)
    with pytest.raises(ResourceExists):
        await admin.create_list("l1", display_name="L1 again")

    updated = await admin.update_list(created.name, display_name="Comments L1")
    assert (updated.display_name, updated.description) == ("Comments L1", "Comments")
    disabled = await admin.update_agent(agent.name, enabled=False)
    assert (disabled.enabled, disabled.display_name, disabled.lists) == (False, "Ann", [created.name])
    assert [c.name for c in await admin.list_channels()] == ["channels/c2"]
    assert (await admin.get_channel("channels/c2")).routing_mode == RoutingMode.PULL
    new_token = await admin.rotate_agent_token(agent.name)
    assert new_token != token
    await admin.delete_agent(agent.name)
    with pytest.raises(ResourceNotFound):
        await admin.get_agent(agent.name)


async def test_the_blocking_clients_work_a_request(server):
    scenario = await create_scenario(server, agents=1, subscribe=False)

    def work() -> tuple[list[int], conversation_pb2.Message, str]:
        with sync.connect(server.address, scenario.agents[0].token) as agent_channel:
            agent = SyncAgentClient(agent_channel)
            agent.subscribe(scenario.list)
            watch = agent.watch_lists()
            seen: list[int] = []
            with sync.connect(server.address, scenario.ingestor_token) as ingest_channel:
                for event in watch:
                    seen.append(event.type)
                    if event.type == ListEventType.SYNCED:
                        SyncIngestClient(ingest_channel).post(scenario.service_identifier, "fb-1", "Hi", "src-1")
                    elif event.type == ListEventType.ADDED:
                        break
            name = event.conversation.name
            agent.join(name)
            message = agent.send(name, "Hello!", client_message_id="m-1")
            agent.leave(name)
            with pytest.raises(NotParticipant):
                agent.send(name, "after leaving")
            return seen, message, watch.resume_token

    # The server serves on this test's event loop, which blocking calls must not hold: they run in a thread.
    seen, message, resume_token = await within(DEADLINE, asyncio.to_thread(work))
    assert seen == [ListEventType.SYNCED, ListEventType.ADDED]
    assert (message.text, message.idempotency_key) == ("Hello!", "m-1")
    assert resume_token


async def test_a_call_past_its_deadline_raises_deadline_exceeded(channels):
    # A port that accepts connections and never answers: the call waits for the server, up to its deadline.
    silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    address = f"127.0.0.1:{silent.sockets[0].getsockname()[1]}"
    try:
        channel = connect(address, "prg_token")
        channels.append(channel)
        assert AgentClient(channel).timeout == DEFAULT_TIMEOUT == 10
        started = asyncio.get_running_loop().time()
        with pytest.raises(DeadlineExceeded) as late:
            await within(DEADLINE, AgentClient(channel, timeout=0.5).list_lists())
        assert late.value.retryable
        assert 0.5 <= asyncio.get_running_loop().time() - started < 5
    finally:
        silent.close()


async def test_a_call_made_while_the_server_starts_waits_for_it(tmp_path, channels):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    database_url = f"sqlite:///{tmp_path}/starting.db"
    async with running(database_url) as first:
        scenario = await create_scenario(first, agents=1)
    agent = agent_client(channels, f"127.0.0.1:{port}", scenario.agents[0].token)
    # Made before anything listens on the port: without wait-for-ready it would fail at once, UNAVAILABLE.
    early = asyncio.create_task(agent.list_lists())
    await asyncio.sleep(0.3)
    assert not early.done()
    async with running(database_url, port):
        summaries = await within(DEADLINE, early)
    assert [summary.list.name for summary in summaries] == [scenario.list]


class LosingProxy:
    """A gRPC proxy in front of a server that forwards every unary call and, for the first `lose` calls of
    `method`, drops the server's answer and answers UNAVAILABLE instead, as a connection lost after the server
    acted does. Records the request bytes of every call of `method`."""

    def __init__(self, upstream: str, method: str, lose: int) -> None:
        self.method, self.lose = method, lose
        self.requests: list[bytes] = []
        self._upstream = grpc.aio.insecure_channel(upstream)
        self.server = grpc.aio.server()
        self.server.add_generic_rpc_handlers([self])
        self.port = self.server.add_insecure_port("127.0.0.1:0")

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        method = details.method

        async def forward(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            metadata = [(k, v) for k, v in context.invocation_metadata() if k == "authorization"]
            answer = await self._upstream.unary_unary(method)(request, metadata=metadata)
            if method == self.method:
                self.requests.append(request)
                if len(self.requests) <= self.lose:
                    await context.abort(grpc.StatusCode.UNAVAILABLE, "connection lost")
            return answer

        return grpc.unary_unary_rpc_method_handler(forward)

    async def close(self) -> None:
        await self.server.stop(None)
        await self._upstream.close()


async def test_a_lost_answer_is_retried_with_the_same_idempotency_key(server, channels):
    scenario = await create_scenario(server, agents=1)
    name = (await scenario.post("Hello?")).conversation.name
    proxy = LosingProxy(server.address, "/pullrouting.v1.AgentService/SendMessage", lose=1)
    await proxy.server.start()
    try:
        address = f"127.0.0.1:{proxy.port}"
        agent = agent_client(channels, address, scenario.agents[0].token)
        await agent.join(name)
        message = await within(DEADLINE, agent.send(name, "On its way"))
        # gRPC retried the UNAVAILABLE with the very same request, client_message_id included: one message.
        assert len(proxy.requests) == 2 and proxy.requests[0] == proxy.requests[1]
        sent = agent_service_pb2.SendMessageRequest.FromString(proxy.requests[0])
        assert message.idempotency_key == sent.client_message_id != ""
        assert (await agent.get(name)).message_count == 2

        # Without the SDK's service config the same lost answer reaches the caller.
        bare = grpc.aio.insecure_channel(address, interceptors=bearer_token_interceptors(scenario.agents[0].token))
        channels.append(bare)
        proxy.lose = 3
        with pytest.raises(Unavailable):
            await within(DEADLINE, AgentClient(bare).send(name, "Again"))
    finally:
        await proxy.close()


async def next_member(events: AsyncIterator[events_pb2.DeskEvent], member: str) -> events_pb2.DeskEvent:
    """The next desk event of that member ("read", "conversation_event"...), past the others."""
    while (event := await within(DEADLINE, anext(events))).WhichOneof("event") != member:
        pass
    return event


async def test_watch_desk_resumes_across_a_restart_with_what_it_missed(tmp_path, channels):
    database_url = f"sqlite:///{tmp_path}/desk.db"
    retried_while_down = asyncio.Event()
    async with running(database_url) as first:
        port = first.running.port
        scenario = await create_scenario(first, agents=1)
        agent = agent_client(channels, first.address, scenario.agents[0].token)
        name = (await scenario.post("Hello?")).conversation.name
        await agent.join(name)
        watch = agent.watch_desk(backoff=FAST_BACKOFF, on_retry=lambda error, _: retried_while_down.set())
        events = aiter(watch)
        opening = [await within(DEADLINE, anext(events)) for _ in range(5)]
        members = [e.WhichOneof("event") for e in opening]
        assert members == ["presence", "load", "conversation_event", "list_event", "list_event"]
        assert Presence(opening[0].presence.presence) == Presence.AVAILABLE
        assert (opening[2].conversation_event.type, opening[2].unread_count) == (ConversationEventType.SNAPSHOT, 1)
        assert opening[4].list_event.type == ListEventType.SYNCED

    reading = asyncio.create_task(anext(events))
    await within(DEADLINE, retried_while_down.wait())
    async with running(database_url) as elsewhere:
        await post(elsewhere, scenario, "customer-1")  # the scenario's customer: the same conversation
    async with running(database_url, port):
        missed = await within(DEADLINE, reading)
        # The agent went offline with its stream, and is back with it: presence changes come first.
        if missed.WhichOneof("event") == "presence":
            missed = await next_member(events, "conversation_event")
        assert missed.conversation_event.type == ConversationEventType.CUSTOMER_MESSAGE
        assert (missed.conversation_event.conversation.name, missed.unread_count) == (name, 2)
        message = missed.conversation_event.message.name
        assert await agent.mark_read(name, message) == 0
        read = await next_member(events, "read")
    assert (read.WhichOneof("event"), read.read.message, read.unread_count) == ("read", message, 0)
    assert watch.resume_token == read.resume_token
