"""WatchLists, WatchConversation and WatchOutbound over a real port: snapshot, SYNCED, live events, resume
tokens, resets, slow consumers and shutdown."""

import asyncio
import logging

import grpc
import pytest
from scenario import Scenario, add_second_list, create_scenario, join, leave
from sqlalchemy import create_engine
from streams import open_when_allowed, read_event, read_events, read_to_end, read_until, token_position
from support import Server, error_details, error_reason, expect_error, serve, within

from pullrouting.store import events as event_store
from pullrouting.v1 import (
    agent_service_pb2,
    conversation_pb2,
    events_pb2,
    ingest_service_pb2,
)
from pullrouting.v1.agent_service_pb2_grpc import AgentServiceStub
from pullrouting_client import bearer_token_interceptors

L = events_pb2.ListEventType
C = events_pb2.ConversationEventType


def watch_lists(agent, token: str = ""):
    return agent.stub.WatchLists(agent_service_pb2.WatchListsRequest(resume_token=token))


def watch_conversation(agent, name: str, token: str = ""):
    return agent.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=name, resume_token=token))


async def test_snapshot_then_live_and_each_agent_sees_only_its_lists(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    second_list, second_identifier = await add_second_list(scenario)
    first_agent = scenario.agents[0]
    second_agent = await scenario.add_agent("agent-l2", lists=[second_list])
    waiting = await scenario.new_conversation("early-customer")
    await scenario.post(customer_id="other-early", service_identifier=second_identifier)

    first_stream, second_stream = watch_lists(first_agent), watch_lists(second_agent)
    first_snapshot = await read_events(first_stream, 2)
    assert [e.type for e in first_snapshot] == [L.LIST_EVENT_TYPE_SNAPSHOT, L.LIST_EVENT_TYPE_SYNCED]
    assert first_snapshot[0].conversation.name == waiting.name
    second_snapshot = await read_events(second_stream, 2)
    assert second_snapshot[0].conversation.customer.id == "other-early"
    assert second_snapshot[0].list == second_list

    landed = await scenario.new_conversation("live-customer")
    await scenario.post(customer_id="other-live", service_identifier=second_identifier)
    added = await read_event(first_stream)
    assert (added.type, added.conversation.name, added.list) == (L.LIST_EVENT_TYPE_ADDED, landed.name, scenario.list)
    other_added = await read_event(second_stream)
    assert (other_added.type, other_added.conversation.customer.id) == (L.LIST_EVENT_TYPE_ADDED, "other-live")

    # Whatever comes next on the first stream must still be about L1: a marker event on L1 proves nothing
    # from L2 was queued before it.
    await join(first_agent, landed.name)
    updated = await read_event(first_stream)
    assert (updated.type, updated.list) == (L.LIST_EVENT_TYPE_UPDATED, scenario.list)
    assert {e.resume_token for e in [*first_snapshot[1:], added, updated]} == {
        first_snapshot[1].resume_token,
        added.resume_token,
        updated.resume_token,
    }


async def test_seed_example_chat_as_the_agents_see_it(server: Server):
    scenario = await create_scenario(server, agents=2)
    alice, bob = scenario.agents
    alice_lists, bob_lists = watch_lists(alice), watch_lists(bob)
    for stream in (alice_lists, bob_lists):
        assert (await read_event(stream)).type == L.LIST_EVENT_TYPE_SYNCED

    posted = await scenario.post("Where is my order?")
    name = posted.conversation.name
    for stream in (alice_lists, bob_lists):
        added = await read_event(stream)
        assert (added.type, added.alert, added.conversation.state) == (
            L.LIST_EVENT_TYPE_ADDED,
            events_pb2.LIST_ALERT_NEW_REQUEST,
            conversation_pb2.CONVERSATION_STATE_UNREAD,
        )

    await join(alice, name)
    alice_chat = watch_conversation(alice, name)
    history = await read_until(alice_chat, lambda e: e.type == C.CONVERSATION_EVENT_TYPE_SYNCED)
    assert [e.type for e in history] == [C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE, C.CONVERSATION_EVENT_TYPE_SYNCED]
    assert history[0].message.text == "Where is my order?"

    await join(bob, name)
    bob_joined = await read_event(alice_chat)
    assert (bob_joined.type, bob_joined.agent) == (C.CONVERSATION_EVENT_TYPE_AGENT_JOINED, bob.name)
    bob_chat = watch_conversation(bob, name)
    await read_until(bob_chat, lambda e: e.type == C.CONVERSATION_EVENT_TYPE_SYNCED)

    await leave(alice, name)
    alice_tail = await read_to_end(alice_chat)
    assert [e.type for e in alice_tail] == [C.CONVERSATION_EVENT_TYPE_AGENT_LEFT]
    assert (await read_event(bob_chat)).agent == alice.name

    await leave(bob, name)
    bob_tail = await read_to_end(bob_chat)
    # The leaver's stream ends at its own AGENT_LEFT, whose conversation already shows the new state.
    assert [e.type for e in bob_tail] == [C.CONVERSATION_EVENT_TYPE_AGENT_LEFT]
    assert bob_tail[0].conversation.state == conversation_pb2.CONVERSATION_STATE_INACTIVE

    list_updates = await read_events(bob_lists, 4)
    assert [e.conversation.state for e in list_updates] == [
        conversation_pb2.CONVERSATION_STATE_ACTIVE,
        conversation_pb2.CONVERSATION_STATE_ACTIVE,
        conversation_pb2.CONVERSATION_STATE_ACTIVE,
        conversation_pb2.CONVERSATION_STATE_INACTIVE,
    ]

    # The customer writes again on the INACTIVE request: the row is refreshed without an alert; then the rejoin.
    await scenario.post("Hello?")
    refreshed = await read_event(bob_lists)
    assert (refreshed.type, refreshed.alert, refreshed.conversation.state) == (
        L.LIST_EVENT_TYPE_UPDATED,
        events_pb2.LIST_ALERT_UNSPECIFIED,
        conversation_pb2.CONVERSATION_STATE_INACTIVE,
    )
    assert refreshed.conversation.message_count == 2
    await join(alice, name)
    rejoined = await read_event(bob_lists)
    assert (rejoined.type, rejoined.conversation.state) == (
        L.LIST_EVENT_TYPE_UPDATED,
        conversation_pb2.CONVERSATION_STATE_ACTIVE,
    )
    assert rejoined.conversation.message_count == 2

    await alice.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=name))
    removed = await read_event(alice_lists, timeout=10)
    while removed.type != L.LIST_EVENT_TYPE_REMOVED:
        removed = await read_event(alice_lists)
    assert removed.conversation.close_reason == conversation_pb2.CLOSE_REASON_AGENT


async def test_list_events_carry_the_conversation_the_change_returned(any_server: Server):
    # Live and resumed list events build the conversation from the event's payload, calls from the stored
    # state: both must give the same message, participants, times and close reason included.
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    stream = watch_lists(agent)
    synced = await read_event(stream)
    added = (await scenario.post()).conversation
    joined = (await join(agent, added.name)).conversation
    closed = (
        await agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=added.name))
    ).conversation
    live = await read_events(stream, 3)
    resumed = await read_events(watch_lists(agent, synced.resume_token), 3)
    for events in (live, resumed):
        assert [e.conversation for e in events] == [added, joined, closed]


async def test_resume_after_disconnect_mid_burst_loses_and_repeats_nothing(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    stream = watch_lists(agent)
    synced = await read_event(stream)
    burst = 60
    posting = asyncio.create_task(_post_burst(scenario, burst))

    received = await read_events(stream, burst // 3)
    stream.cancel()
    resumed = watch_lists(agent, received[-1].resume_token)
    received += await read_events(resumed, burst - len(received))
    await posting

    assert [e.type for e in received] == [L.LIST_EVENT_TYPE_ADDED] * burst
    assert len({e.conversation.name for e in received}) == burst
    positions = [e.resume_token for e in received]
    assert len(set(positions)) == burst and synced.resume_token not in positions
    customers = [e.conversation.customer.id for e in received]
    assert customers == [f"burst-{i}" for i in range(burst)], "events arrived out of order"


async def _post_burst(scenario: Scenario, count: int) -> None:
    for number in range(count):
        await scenario.post(customer_id=f"burst-{number}")


async def test_token_older_than_retention_gives_a_reset_snapshot(server: Server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    stream = watch_lists(agent)
    old_token = (await read_event(stream)).resume_token
    kept = await scenario.new_conversation("kept")
    await read_event(stream)
    stream.cancel()
    _prune_everything(server.database_url)
    await scenario.new_conversation("newest")

    resumed = watch_lists(agent, old_token)
    snapshot = await read_until(resumed, lambda e: e.type == L.LIST_EVENT_TYPE_SYNCED)
    assert all(e.reset for e in snapshot)
    assert [e.conversation.customer.id for e in snapshot[:-1]] == ["kept", "newest"]
    assert snapshot[0].conversation.name == kept.name


def _prune_everything(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            event_store.prune(connection, older_than=event_store.now_micros() + 1)
    finally:
        engine.dispose()


@pytest.mark.parametrize("token", ["not-a-token", "cHIxOmFiYw", "!!!"])
async def test_malformed_resume_token_is_invalid_argument(server: Server, token: str):
    scenario = await create_scenario(server, agents=1)
    error = await expect_error(read_event(watch_lists(scenario.agents[0], token)), grpc.StatusCode.INVALID_ARGUMENT)
    assert "resume_token" in error.details()


async def test_subscribing_mid_stream_sends_that_lists_snapshot(server: Server):
    scenario = await create_scenario(server, agents=1, subscribe=False)
    agent = scenario.agents[0]
    waiting = await scenario.new_conversation()
    stream = watch_lists(agent)
    assert (await read_event(stream)).type == L.LIST_EVENT_TYPE_SYNCED

    await agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
    subscribed = await read_events(stream, 3)
    assert [e.type for e in subscribed] == [
        L.LIST_EVENT_TYPE_SUBSCRIBED,
        L.LIST_EVENT_TYPE_SNAPSHOT,
        L.LIST_EVENT_TYPE_SYNCED,
    ]
    assert subscribed[1].conversation.name == waiting.name

    await agent.stub.Unsubscribe(agent_service_pb2.UnsubscribeRequest(list=scenario.list))
    assert (await read_event(stream)).type == L.LIST_EVENT_TYPE_UNSUBSCRIBED
    await scenario.new_conversation("after-unsubscribe")
    await agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
    again = await read_until(stream, lambda e: e.type == L.LIST_EVENT_TYPE_SYNCED)
    assert [e.type for e in again] == [L.LIST_EVENT_TYPE_SUBSCRIBED] + [L.LIST_EVENT_TYPE_SNAPSHOT] * 2 + [
        L.LIST_EVENT_TYPE_SYNCED
    ]


async def test_watch_conversation_is_for_participants_only(server: Server):
    scenario = await create_scenario(server, agents=1)
    conversation = await scenario.new_conversation()
    await expect_error(
        read_event(watch_conversation(scenario.agents[0], conversation.name)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "NOT_PARTICIPANT",
    )


async def test_a_participant_resumes_past_the_close_and_past_its_leave(any_server: Server):
    scenario = await create_scenario(any_server, agents=2)
    agent, bystander = scenario.agents

    async def dropped_stream(customer_id: str) -> tuple[str, str]:
        """A conversation the agent is in, and the last token its stream got before the stream dropped."""
        name = (await scenario.new_conversation(customer_id)).name
        await join(agent, name)
        stream = watch_conversation(agent, name)
        synced = (await read_until(stream, lambda e: e.type == C.CONVERSATION_EVENT_TYPE_SYNCED))[-1]
        stream.cancel()
        return name, synced.resume_token

    closed, closed_token = await dropped_stream("closes")
    await scenario.post("bye, thanks", customer_id="closes")
    await scenario.ingest.EndConversation(ingest_service_pb2.EndConversationRequest(conversation=closed))
    tail = await read_to_end(watch_conversation(agent, closed, closed_token))
    assert [(e.type, e.message.text) for e in tail] == [
        (C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE, "bye, thanks"),
        (C.CONVERSATION_EVENT_TYPE_CONVERSATION_CLOSED, ""),
    ]
    assert tail[-1].close_reason == conversation_pb2.CLOSE_REASON_CUSTOMER

    left, left_token = await dropped_stream("stays")
    await scenario.post("bye, thanks", customer_id="stays")
    await leave(agent, left)  # from a second desk
    tail = await read_to_end(watch_conversation(agent, left, left_token))
    assert [(e.type, e.message.text, e.agent) for e in tail] == [
        (C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE, "bye, thanks", ""),
        (C.CONVERSATION_EVENT_TYPE_AGENT_LEFT, "", agent.name),
    ]

    # The token opens nothing for another agent: it is bound to the agent it was issued to.
    for name, token in ((closed, closed_token), (left, left_token)):
        await expect_error(
            read_event(watch_conversation(bystander, name, token)), grpc.StatusCode.INVALID_ARGUMENT, "FIELD_INVALID"
        )
    await expect_error(
        read_event(watch_conversation(agent, left, tail[-1].resume_token)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "NOT_PARTICIPANT",
    )


async def test_outbound_delivers_agent_messages_and_resumes(server: Server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    conversation = await scenario.new_conversation()
    await join(agent, conversation.name)
    outbound = scenario.ingest.WatchOutbound(
        ingest_service_pb2.WatchOutboundRequest(service_identifier=scenario.service_identifier)
    )
    assert (await read_event(outbound)).type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED
    await agent.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=conversation.name, text="Hi!"))
    first = await read_event(outbound)
    assert (first.type, first.message.text, first.customer.id, first.service_identifier) == (
        events_pb2.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE,
        "Hi!",
        "customer-1",
        scenario.service_identifier,
    )
    outbound.cancel()
    await agent.stub.SendMessage(
        agent_service_pb2.SendMessageRequest(conversation=conversation.name, text="Still there?")
    )
    await agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=conversation.name))
    resumed = scenario.ingest.WatchOutbound(ingest_service_pb2.WatchOutboundRequest(resume_token=first.resume_token))
    synced, *missed = await read_events(resumed, 3)
    assert synced.type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED
    assert synced.resume_token == first.resume_token
    assert [e.message.text for e in missed] == ["Still there?", ""]
    assert missed[1].type == events_pb2.OUTBOUND_EVENT_TYPE_CONVERSATION_CLOSED


async def test_stalled_consumer_is_cut_off_while_a_fast_one_gets_everything(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
):
    # A buffer small beside the burst, so the stalled stream overflows it, with room for the fast reader's chunk.
    async for server in serve(sqlite_url, stream_buffer_events=32):
        scenario = await create_scenario(server, agents=2)
        stalled_agent, fast_agent = scenario.agents
        # A small receive window, so the stalled client's transport cannot absorb the burst for it.
        stalled_channel = grpc.aio.insecure_channel(
            server.address,
            interceptors=bearer_token_interceptors(stalled_agent.token),
            options=[("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 4096)],
        )
        server.channels.append(stalled_channel)
        stalled = AgentServiceStub(stalled_channel).WatchLists(agent_service_pb2.WatchListsRequest())
        assert (await read_event(stalled)).type == L.LIST_EVENT_TYPE_SYNCED
        fast = watch_lists(fast_agent)
        assert (await read_event(fast)).type == L.LIST_EVENT_TYPE_SYNCED

        burst, chunk = 400, 16
        fast_received = []
        # The fast reader takes each chunk before the next is posted: never more than a chunk behind, however
        # loaded the machine, while the stalled one falls the whole burst behind.
        for first in range(0, burst, chunk):
            for number in range(first, first + chunk):
                await scenario.post(customer_id=f"burst-{number}")
            fast_received += await read_events(fast, chunk)
        assert [e.conversation.customer.id for e in fast_received] == [f"burst-{i}" for i in range(burst)]

        received = []
        with pytest.raises(grpc.aio.AioRpcError) as cut_off:
            while True:
                received.append(await read_event(stalled))
        assert cut_off.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error_reason(cut_off.value) == "SLOW_CONSUMER"
        assert len(received) < burst
        # The token in the refusal is at most that of the last event the client got: resuming from it loses
        # nothing (and may repeat what was still in flight).
        refusal_position = token_position(error_details(cut_off.value)[0].metadata["resume_token"])
        assert refusal_position <= token_position(received[-1].resume_token)
    # The call was ended once, by the cut-off; a slow client is not a server fault.
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []


def _stalling_watch(server: Server, token: str) -> grpc.aio.UnaryStreamCall:
    """A WatchLists call whose client reads nothing unless asked: a small receive window, so the server's
    writes to it block soon."""
    channel = grpc.aio.insecure_channel(
        server.address,
        interceptors=bearer_token_interceptors(token),
        options=[("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 4096)],
    )
    server.channels.append(channel)
    return AgentServiceStub(channel).WatchLists(agent_service_pb2.WatchListsRequest())


async def test_a_stream_cut_off_while_its_client_reads_nothing_ends_and_frees_its_slot(sqlite_url: str):
    async for server in serve(sqlite_url, stream_buffer_events=8, max_streams_per_agent=1):
        scenario = await create_scenario(server, agents=1)
        agent = scenario.agents[0]
        stalled = _stalling_watch(server, agent.token)
        assert (await read_event(stalled)).type == L.LIST_EVENT_TYPE_SYNCED
        # The burst fills the client's window, so the server's write to it blocks; then it overflows the
        # stream's buffer, and the stream is cut off while that write is blocked.
        await _post_burst(scenario, 400)
        # The client still reads nothing, and the agent's one stream slot is free again.
        await within(20, open_when_allowed(agent))


async def test_a_stream_cut_off_inside_a_subscription_snapshot_resumes_with_the_whole_snapshot(sqlite_url: str):
    async for server in serve(sqlite_url, stream_buffer_events=8):
        scenario = await create_scenario(server, agents=0)
        second_list, second_identifier = await add_second_list(scenario)
        agent = await scenario.add_agent("agent-l2", lists=[second_list], subscribe=False)
        waiting = 400
        for number in range(waiting):
            await scenario.post(customer_id=f"waiting-{number}", service_identifier=second_identifier)
        stalled = _stalling_watch(server, agent.token)
        assert (await read_event(stalled)).type == L.LIST_EVENT_TYPE_SYNCED

        # The subscription's snapshot fills the stalled client's window; the posts after it overflow its buffer.
        await agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=second_list))
        for number in range(20):
            await scenario.post(customer_id=f"later-{number}", service_identifier=second_identifier)
        received = []
        with pytest.raises(grpc.aio.AioRpcError) as cut_off:
            while True:
                received.append(await read_event(stalled))
        assert error_reason(cut_off.value) == "SLOW_CONSUMER"
        assert received[0].type == L.LIST_EVENT_TYPE_SUBSCRIBED
        assert len(received) < 1 + waiting, "the snapshot got through whole: the stream was not cut off inside it"

        # The resumed stream sends the subscription again with the list's snapshot read now, whole, and skips
        # the list's events that snapshot already shows: the next event is the next news.
        token = error_details(cut_off.value)[0].metadata["resume_token"]
        resumed_stream = watch_lists(agent, token)
        resumed = await read_until(resumed_stream, lambda e: e.type == L.LIST_EVENT_TYPE_SYNCED)
        assert resumed[0].type == L.LIST_EVENT_TYPE_SUBSCRIBED
        snapshot = [e.conversation.customer.id for e in resumed if e.type == L.LIST_EVENT_TYPE_SNAPSHOT]
        assert sorted(snapshot) == sorted(
            [f"waiting-{number}" for number in range(waiting)] + [f"later-{number}" for number in range(20)]
        )
        await scenario.post(customer_id="newest", service_identifier=second_identifier)
        newest = await read_event(resumed_stream)
        assert (newest.type, newest.conversation.customer.id) == (L.LIST_EVENT_TYPE_ADDED, "newest")


async def test_shutdown_ends_streams_with_unavailable(server: Server):
    scenario = await create_scenario(server, agents=1)
    stream = watch_lists(scenario.agents[0])
    await read_event(stream)
    await server.running.stop(5)
    with pytest.raises(grpc.aio.AioRpcError) as ended:
        await read_event(stream)
    assert ended.value.code() == grpc.StatusCode.UNAVAILABLE
