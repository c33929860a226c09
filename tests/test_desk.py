"""WatchDesk and MarkRead over a real port: one stream with the agent's presence, its conversations and its
lists; unread counts; resuming with the desk's token, across its joins, leaves and closes it did not see."""

import grpc
import pytest
from scenario import Agent, Scenario, add_second_list, conversation_id, create_scenario, expect_refusal, join, leave
from sqlalchemy import create_engine
from streams import read_event, read_until
from support import Server, error_details, error_reason, expect_error, serve, violated_fields

from pullrouting.store import events as event_store
from pullrouting.v1 import agent_service_pb2, conversation_pb2, events_pb2, resources_pb2
from pullrouting.v1.agent_service_pb2_grpc import AgentServiceStub
from pullrouting_client import bearer_token_interceptors

L = events_pb2.ListEventType
C = events_pb2.ConversationEventType
# Requests landing while a desk reads nothing: many times its buffer.
BURST = 300


def watch_desk(agent: Agent, token: str = ""):
    return agent.stub.WatchDesk(agent_service_pb2.WatchDeskRequest(resume_token=token))


def what(event: events_pb2.DeskEvent) -> tuple[str, int]:
    """(which member, its type) of a desk event: ("list_event", L.ADDED), ("presence", 0)..."""
    member = event.WhichOneof("event")
    inner = getattr(event, member)
    return member, getattr(inner, "type", 0)


def is_synced(event: events_pb2.DeskEvent) -> bool:
    return what(event) == ("list_event", L.LIST_EVENT_TYPE_SYNCED) and not event.list_event.list


async def next_of(stream, member: str, event_type: int = 0) -> events_pb2.DeskEvent:
    """The next desk event of that member (and type), after whatever comes before it."""
    received = await read_until(stream, lambda e: what(e) == (member, event_type))
    return received[-1]


async def opening(agent: Agent, token: str = ""):
    stream = watch_desk(agent, token)
    return stream, await read_until(stream, is_synced)


async def mark_read(agent: Agent, message: conversation_pb2.Message) -> int:
    conversation = message.name.partition("/messages/")[0]
    request = agent_service_pb2.MarkReadRequest(conversation=conversation, message=message.name)
    return (await agent.stub.MarkRead(request)).unread_count


async def send(agent: Agent, conversation: str, text: str) -> conversation_pb2.Message:
    request = agent_service_pb2.SendMessageRequest(conversation=conversation, text=text)
    return (await agent.stub.SendMessage(request)).message


async def test_opening_shows_presence_then_own_conversations_then_lists(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    alice = scenario.agents[0]
    mine = (await scenario.post("first", customer_id="mine")).conversation
    await join(alice, mine.name)
    await scenario.post("second", customer_id="mine")
    waiting = await scenario.new_conversation("waiting")

    _stream, events = await opening(alice)
    assert [what(e) for e in events] == [
        ("presence", 0),
        ("load", 0),
        ("conversation_event", C.CONVERSATION_EVENT_TYPE_SNAPSHOT),
        ("list_event", L.LIST_EVENT_TYPE_SNAPSHOT),
        ("list_event", L.LIST_EVENT_TYPE_SNAPSHOT),
        ("list_event", L.LIST_EVENT_TYPE_SYNCED),
    ]
    assert events[0].presence.presence == resources_pb2.PRESENCE_AVAILABLE
    assert events[2].conversation_event.conversation.name == mine.name
    assert events[2].unread_count == 2, "both customer messages are unread until marked"
    listed = {e.list_event.conversation.name: e.unread_count for e in events[3:5]}
    assert listed == {mine.name: 2, waiting.name: 0}
    # The opening's items resume with the whole opening; SYNCED is where live events start.
    assert len({e.resume_token for e in events[:-1]}) == 1
    assert events[-1].resume_token != events[0].resume_token


async def test_live_events_of_lists_and_conversations_with_unread_counts(any_server: Server):
    scenario = await create_scenario(any_server, agents=2)
    alice, bob = scenario.agents
    stream, _ = await opening(alice)

    posted = await scenario.post("Where is my order?")
    name = posted.conversation.name
    added = await read_event(stream)
    assert what(added) == ("list_event", L.LIST_EVENT_TYPE_ADDED)
    assert added.list_event.alert == events_pb2.LIST_ALERT_NEW_REQUEST
    assert added.unread_count == 0, "not counted for a conversation the agent is not in"

    await join(alice, name)
    joined = await next_of(stream, "conversation_event", C.CONVERSATION_EVENT_TYPE_AGENT_JOINED)
    assert joined.unread_count == 1

    await scenario.post("Hello?")
    customer = await next_of(stream, "conversation_event", C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE)
    assert customer.unread_count == 2

    own = await send(alice, name, "On its way")
    sent = await next_of(stream, "conversation_event", C.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE)
    assert sent.conversation_event.message.name == own.name
    assert sent.unread_count == 2, "the agent's own messages are never unread"

    assert await mark_read(alice, customer.conversation_event.message) == 0
    read = await next_of(stream, "read")
    assert (read.read.conversation, read.read.message) == (name, customer.conversation_event.message.name)
    assert read.unread_count == 0

    # Another agent's messages count as unread too.
    await join(bob, name)
    await send(bob, name, "I can help as well")
    bobs = await next_of(stream, "conversation_event", C.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE)
    assert bobs.unread_count == 1

    await leave(alice, name)
    left = await next_of(stream, "conversation_event", C.CONVERSATION_EVENT_TYPE_AGENT_LEFT)
    assert left.conversation_event.agent == alice.name
    # After its leave the conversation is a list row again, its messages not the desk's.
    await read_until(stream, lambda e: what(e) == ("list_event", L.LIST_EVENT_TYPE_UPDATED))
    await send(bob, name, "Alice had to go")
    after_leave = await read_event(stream)
    assert what(after_leave) == ("list_event", L.LIST_EVENT_TYPE_UPDATED)
    assert after_leave.unread_count == 0


async def test_own_conversations_stay_on_the_desk_after_unsubscribing(server: Server):
    scenario = await create_scenario(server, agents=1)
    alice = scenario.agents[0]
    name = (await scenario.post("Hi")).conversation.name
    await join(alice, name)
    stream, _ = await opening(alice)

    await alice.stub.Unsubscribe(agent_service_pb2.UnsubscribeRequest(list=scenario.list))
    unsubscribed = await read_event(stream)
    assert what(unsubscribed) == ("list_event", L.LIST_EVENT_TYPE_UNSUBSCRIBED)
    await scenario.post("Are you still there?")
    message = await read_event(stream)
    assert what(message) == ("conversation_event", C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE)
    assert message.unread_count == 2


async def test_presence_changes_reach_the_desk(server: Server):
    scenario = await create_scenario(server, agents=1)
    alice = scenario.agents[0]
    stream, _ = await opening(alice)
    await alice.stub.SetPresence(agent_service_pb2.SetPresenceRequest(presence=resources_pb2.PRESENCE_AWAY))
    changed = await next_of(stream, "presence")
    assert changed.presence.presence == resources_pb2.PRESENCE_AWAY


async def test_resuming_delivers_what_was_missed_across_joins_leaves_and_closes(any_server: Server):
    scenario = await create_scenario(any_server, agents=2)
    alice, bob = scenario.agents
    closed_by_bob = (await scenario.post("one", customer_id="closed-by-bob")).conversation.name
    left_later = (await scenario.post("two", customer_id="left-later")).conversation.name
    for name in (closed_by_bob, left_later):
        await join(alice, name)
    await join(bob, closed_by_bob)
    stream, events = await opening(alice)
    token = events[-1].resume_token
    stream.cancel()

    # While alice's desk is away: bob closes one of her conversations, she leaves the other from another
    # device, and she joins a new one in which the customer writes.
    close = agent_service_pb2.CloseConversationRequest(name=closed_by_bob, reason=conversation_pb2.CLOSE_REASON_AGENT)
    await bob.stub.CloseConversation(close)
    await leave(alice, left_later)
    joined_later = (await scenario.post("three", customer_id="joined-later")).conversation.name
    await join(alice, joined_later)
    await scenario.post("four", customer_id="joined-later")

    resumed = watch_desk(alice, token)
    missed = await read_until(
        resumed, lambda e: what(e) == ("conversation_event", C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE)
    )
    conversation_events = [
        (e.conversation_event.conversation.name, e.conversation_event.type)
        for e in missed
        if what(e)[0] == "conversation_event"
    ]
    assert conversation_events == [
        (closed_by_bob, C.CONVERSATION_EVENT_TYPE_CONVERSATION_CLOSED),
        # Its state change to INACTIVE follows the leave: no longer alice's business.
        (left_later, C.CONVERSATION_EVENT_TYPE_AGENT_LEFT),
        (joined_later, C.CONVERSATION_EVENT_TYPE_AGENT_JOINED),
        (joined_later, C.CONVERSATION_EVENT_TYPE_STATE_CHANGED),
        (joined_later, C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE),
    ]
    assert not any(e.reset for e in missed)
    # Exactly once: resuming from the last one gets the next live event and nothing again.
    resumed.cancel()
    again = watch_desk(alice, missed[-1].resume_token)
    await scenario.post("five", customer_id="joined-later")
    next_event = await read_until(again, lambda e: what(e)[0] == "conversation_event")
    assert next_event[-1].conversation_event.message.text == "five"


async def test_token_older_than_retention_gives_the_opening_again_marked_reset(server: Server):
    scenario = await create_scenario(server, agents=1)
    alice = scenario.agents[0]
    name = (await scenario.post("Hi")).conversation.name
    await join(alice, name)
    stream, events = await opening(alice)
    stream.cancel()
    await scenario.post("Hello?")
    engine = create_engine(server.database_url)
    with engine.begin() as connection:
        event_store.prune(connection, older_than=event_store.now_micros() + 1)
    engine.dispose()
    await scenario.post("Anyone?")

    _resumed, again = await opening(alice, events[-1].resume_token)
    assert all(e.reset for e in again)
    assert what(again[2]) == ("conversation_event", C.CONVERSATION_EVENT_TYPE_SNAPSHOT)
    assert again[2].unread_count == 3


async def test_desk_follows_changes_made_through_another_instance(two_instances: tuple[Server, Server]):
    first, second = two_instances
    scenario = await create_scenario(first, agents=1)
    alice = scenario.agents[0]
    name = (await scenario.post("Hi")).conversation.name
    await join(alice, name)
    stream, _ = await opening(alice)
    alice_elsewhere = second.agent(alice.token)
    await alice_elsewhere.SetPresence(agent_service_pb2.SetPresenceRequest(presence=resources_pb2.PRESENCE_AWAY))
    await alice_elsewhere.SendMessage(agent_service_pb2.SendMessageRequest(conversation=name, text="From B"))
    events = await read_until(stream, lambda e: what(e)[0] == "conversation_event")
    assert [e.presence.presence for e in events if what(e)[0] == "presence"] == [resources_pb2.PRESENCE_AWAY]
    assert events[-1].conversation_event.message.text == "From B"


async def test_mark_read_refusals_change_nothing(server: Server):
    scenario = await create_scenario(server, agents=1)
    alice = scenario.agents[0]
    first = (await scenario.post("Hi", customer_id="first")).message
    second = (await scenario.post("Hi", customer_id="second")).message
    first_conversation = first.name.partition("/messages/")[0]
    second_list, second_identifier = await add_second_list(scenario)
    elsewhere = (await scenario.post("Hi", customer_id="other", service_identifier=second_identifier)).message

    def mark(conversation: str, message: str):
        return lambda: alice.stub.MarkRead(
            agent_service_pb2.MarkReadRequest(conversation=conversation, message=message)
        )

    error = await expect_refusal(
        server, mark("conversations/", "nope"), grpc.StatusCode.INVALID_ARGUMENT, "FIELD_INVALID"
    )
    assert violated_fields(error) == {"conversation", "message"}
    await expect_refusal(
        server, mark(first_conversation, second.name), grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"
    )
    await expect_refusal(
        server,
        mark(first_conversation, f"{first_conversation}/messages/{conversation_id(second.name)}"),
        grpc.StatusCode.NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )
    other_conversation = elsewhere.name.partition("/messages/")[0]
    await expect_refusal(
        server, mark(other_conversation, elsewhere.name), grpc.StatusCode.PERMISSION_DENIED, "NOT_ENTITLED"
    )
    assert second_list
    # Reading an entitled list's request before joining is allowed, as ListMessages is.
    assert await mark_read(alice, first) == 0


async def test_marking_the_same_position_again_announces_nothing(server: Server):
    scenario: Scenario = await create_scenario(server, agents=1)
    alice = scenario.agents[0]
    posted = await scenario.post("Hi")
    await join(alice, posted.conversation.name)
    stream, _ = await opening(alice)
    assert await mark_read(alice, posted.message) == 0
    await next_of(stream, "read")
    assert await mark_read(alice, posted.message) == 0
    await scenario.post("Next")
    follows = await read_until(stream, lambda e: what(e)[0] != "list_event")
    assert what(follows[-1]) == ("conversation_event", C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE)
    assert follows[-1].unread_count == 1


async def test_tokens_of_other_streams_and_other_agents_are_refused(server: Server):
    scenario = await create_scenario(server, agents=2)
    alice, bob = scenario.agents
    lists_token = (await read_event(alice.stub.WatchLists(agent_service_pb2.WatchListsRequest()))).resume_token
    _stream, events = await opening(alice)
    for agent, token in ((alice, lists_token), (bob, events[-1].resume_token)):
        error = await expect_error(read_event(watch_desk(agent, token)), grpc.StatusCode.INVALID_ARGUMENT)
        assert violated_fields(error) == {"resume_token"}


async def test_a_stalled_desk_is_cut_off_and_resumes_with_nothing_lost(sqlite_url: str):
    async for server in serve(sqlite_url, stream_buffer_events=8):
        scenario = await create_scenario(server, agents=1)
        alice = scenario.agents[0]
        # A small receive window, so the server's writes to the client that reads nothing block soon.
        channel = grpc.aio.insecure_channel(
            server.address,
            interceptors=bearer_token_interceptors(alice.token),
            options=[("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 4096)],
        )
        server.channels.append(channel)
        stalled = AgentServiceStub(channel).WatchDesk(agent_service_pb2.WatchDeskRequest())
        await read_until(stalled, is_synced)
        for number in range(BURST):
            await scenario.post(customer_id=f"burst-{number}")
        received = []
        with pytest.raises(grpc.aio.AioRpcError) as cut_off:
            while True:
                received.append(await read_event(stalled))
        assert error_reason(cut_off.value) == "SLOW_CONSUMER"
        assert len(received) < BURST

        resumed = watch_desk(alice, error_details(cut_off.value)[0].metadata["resume_token"])
        rest = await read_until(resumed, lambda e: e.list_event.conversation.customer.id == f"burst-{BURST - 1}")
        customers = [e.list_event.conversation.customer.id for e in [*received, *rest]]
        assert set(customers) == {f"burst-{number}" for number in range(BURST)}
