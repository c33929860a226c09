"""Snapshots and histories go out a page at a time: a stream whose client stops reading in them holds one page,
whatever their size, and is cut off like any other. A subscription's event stays small however many requests
wait; the snapshot it sends is read when sent, and the list's events that snapshot already shows are skipped.
Subscription changes are throttled per agent."""

import asyncio
import gc
import json

import grpc
from scenario import Scenario, create_scenario, expect_refusal
from sqlalchemy import create_engine, select
from streams import read_event, read_until
from support import Server, error_details, error_reason, serve

from pullrouting.api.watch import HISTORY_PAGE, SNAPSHOT_PAGE
from pullrouting.domain.model import Conversation, Message
from pullrouting.store.tables import events
from pullrouting.v1 import agent_service_pb2, conversation_pb2, events_pb2
from pullrouting.v1.agent_service_pb2_grpc import AgentServiceStub
from pullrouting_client import bearer_token_interceptors

L = events_pb2.ListEventType
C = events_pb2.ConversationEventType
STALLED = 3
# Long ids and texts: a stalled client's window takes only the start of a snapshot or history.
PADDING = "x" * 400


def _stalling_stub(server: Server, token: str) -> AgentServiceStub:
    """A client with a small receive window that reads nothing unless asked: the server's writes to it block."""
    channel = grpc.aio.insecure_channel(
        server.address,
        interceptors=bearer_token_interceptors(token),
        options=[("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 4096)],
    )
    server.channels.append(channel)
    return AgentServiceStub(channel)


def _alive(kind: type) -> int:
    """How many objects of `kind` the process holds: the server runs in this process."""
    gc.collect()
    return sum(1 for found in gc.get_objects() if isinstance(found, kind))


async def _post_many(scenario: Scenario, count: int, customer_id: str | None = None, text: str = "Hello") -> None:
    """`count` customer messages, some at once: new requests of customers 0..count-1, or messages of one."""
    for first in range(0, count, 25):
        await asyncio.gather(
            *(
                scenario.post(text, customer_id=customer_id or f"{number}-{PADDING}")
                for number in range(first, min(first + 25, count))
            )
        )


async def _cut_off(stream: grpc.aio.UnaryStreamCall) -> tuple[list, grpc.aio.AioRpcError]:
    """What a stalled stream still delivers once read again, and the status that ends it; fails at SYNCED."""
    received = []
    try:
        while True:
            event = await read_event(stream)
            assert event.type not in (L.LIST_EVENT_TYPE_SYNCED, C.CONVERSATION_EVENT_TYPE_SYNCED), "not cut off"
            received.append(event)
    except grpc.aio.AioRpcError as error:
        return received, error


async def test_list_streams_stalled_in_their_snapshot_hold_a_page_each_and_are_cut_off(sqlite_url: str):
    async for server in serve(sqlite_url, stream_buffer_events=8):
        scenario = await create_scenario(server, agents=1)
        waiting = 4 * SNAPSHOT_PAGE
        await _post_many(scenario, waiting)
        before = _alive(Conversation)
        request = agent_service_pb2.WatchListsRequest()
        stalled = [_stalling_stub(server, scenario.agents[0].token).WatchLists(request) for _ in range(STALLED)]
        for stream in stalled:
            assert (await read_event(stream)).type == L.LIST_EVENT_TYPE_SNAPSHOT

        # At most the page being sent and the one being read, per stream: not the whole snapshot.
        held = _alive(Conversation) - before
        assert held <= STALLED * 2 * SNAPSHOT_PAGE, f"{STALLED} streams stalled in a snapshot hold {held} requests"

        # Events after the snapshot queue up from the stream's first message; past the buffer it is cut off.
        await _post_many(scenario, 20)
        for stream in stalled:
            received, error = await _cut_off(stream)
            assert (error.code(), error_reason(error)) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "SLOW_CONSUMER")
            assert len(received) < waiting - 1
            # Nothing was sent whole yet: the client starts over without a token.
            assert error_details(error)[0].metadata["resume_token"] == ""


async def test_conversation_streams_stalled_in_their_history_hold_a_page_each_and_are_cut_off(sqlite_url: str):
    async for server in serve(sqlite_url, stream_buffer_events=8):
        scenario = await create_scenario(server, agents=1)
        agent = scenario.agents[0]
        name = (await scenario.new_conversation("talkative")).name
        await agent.stub.JoinConversation(agent_service_pb2.JoinConversationRequest(name=name))
        messages = 6 * HISTORY_PAGE
        await _post_many(scenario, messages, customer_id="talkative", text=PADDING * 2)
        before = _alive(Message)
        request = agent_service_pb2.WatchConversationRequest(name=name)
        stalled = [_stalling_stub(server, agent.token).WatchConversation(request) for _ in range(STALLED)]
        for stream in stalled:
            assert (await read_event(stream)).type == C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE

        held = _alive(Message) - before
        assert held <= STALLED * 2 * HISTORY_PAGE, f"{STALLED} streams stalled in a history hold {held} messages"

        await _post_many(scenario, 20, customer_id="talkative")
        for stream in stalled:
            received, error = await _cut_off(stream)
            assert (error.code(), error_reason(error)) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "SLOW_CONSUMER")
            assert len(received) < messages


def _subscribed_payloads(database_url: str) -> dict[str, str]:
    """Each agent's SUBSCRIBED event payload as stored, by agent id."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(events.c.agent_id, events.c.payload).where(events.c.type == "SUBSCRIBED")
            return {row.agent_id: json.dumps(row.payload) for row in connection.execute(query)}
    finally:
        engine.dispose()


async def test_a_subscription_event_stays_small_however_many_requests_wait(any_server: Server):
    scenario = await create_scenario(any_server, agents=0)
    early = await scenario.add_agent("early")
    await _post_many(scenario, 50)
    late = await scenario.add_agent("late")
    payloads = _subscribed_payloads(any_server.database_url)
    assert payloads[late.id] == payloads[early.id], "the SUBSCRIBED event grew with the list"


async def test_a_subscription_sent_later_shows_the_list_as_it_is_then_and_nothing_older(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    helper = scenario.agents[0]
    agent = await scenario.add_agent("late", subscribe=False)
    waiting = (await scenario.new_conversation("waiting")).name
    stream = agent.stub.WatchLists(agent_service_pb2.WatchListsRequest())
    before_subscribing = (await read_event(stream)).resume_token
    stream.cancel()

    await agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
    # After the subscription the request changes on the list, and then once more without a list event.
    await helper.stub.JoinConversation(agent_service_pb2.JoinConversationRequest(name=waiting))
    await helper.stub.LeaveConversation(agent_service_pb2.LeaveConversationRequest(name=waiting))
    await scenario.post("Anyone?", customer_id="waiting")

    resumed = agent.stub.WatchLists(agent_service_pb2.WatchListsRequest(resume_token=before_subscribing))
    subscription = await read_until(resumed, lambda e: e.type == L.LIST_EVENT_TYPE_SYNCED)
    assert [e.type for e in subscription] == [
        L.LIST_EVENT_TYPE_SUBSCRIBED,
        L.LIST_EVENT_TYPE_SNAPSHOT,
        L.LIST_EVENT_TYPE_SYNCED,
    ]
    shown = subscription[1].conversation
    assert (shown.state, shown.message_count) == (conversation_pb2.CONVERSATION_STATE_INACTIVE, 2)
    # The join and the leave are in that snapshot already: the next event is the next change.
    newest = (await scenario.new_conversation("newest")).name
    added = await read_event(resumed)
    assert (added.type, added.conversation.name) == (L.LIST_EVENT_TYPE_ADDED, newest)


async def test_subscription_changes_past_the_limit_are_refused_per_agent(sqlite_url: str):
    async for server in serve(sqlite_url, subscription_changes_per_minute=4):
        await _toggle_past_the_limit(server)


async def _toggle_past_the_limit(server: Server) -> None:
    scenario = await create_scenario(server, agents=0)
    toggling = await scenario.add_agent("toggling", subscribe=False)
    other = await scenario.add_agent("other", subscribe=False)
    subscribe = agent_service_pb2.SubscribeRequest(list=scenario.list)
    unsubscribe = agent_service_pb2.UnsubscribeRequest(list=scenario.list)
    for _ in range(2):
        await toggling.stub.Subscribe(subscribe)
        await toggling.stub.Unsubscribe(unsubscribe)

    exhausted = grpc.StatusCode.RESOURCE_EXHAUSTED
    error = await expect_refusal(server, lambda: toggling.stub.Subscribe(subscribe), exhausted, "RATE_LIMITED")
    assert error_details(error)[0].metadata["limit"] == "4"
    await expect_refusal(server, lambda: toggling.stub.Unsubscribe(unsubscribe), exhausted, "RATE_LIMITED")
    # Other agents have budgets of their own.
    await other.stub.Subscribe(subscribe)
