"""The events each change writes: once, in order, in the transaction that made the change, each carrying
the conversation as it is after the change. Read straight from the events table."""

import grpc
import pytest
from scenario import conversation_id, create_scenario, expect_refusal, join, last_event_id, leave, stored_events
from support import dump_store, expect_error

from pullrouting.store import events as event_store
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, ingest_service_pb2
from pullrouting.v1.conversation_pb2 import CLOSE_REASON_INACTIVITY


class Recorder:
    """The events written since the last look."""

    def __init__(self, server) -> None:
        self.server = server
        self.mark = last_event_id(server.database_url)

    def new(self) -> list:
        found = stored_events(self.server.database_url, self.mark)
        if found:
            self.mark = found[-1].id
        return found

    def types(self) -> list[tuple[str, str]]:
        return [(e.kind, e.type) for e in self.new()]


async def test_a_new_request_is_added_to_the_list_with_its_first_message(server):
    scenario = await create_scenario(server, agents=0)
    recorder = Recorder(server)
    posted = await scenario.post("Hi there", source_message_id="fb-1")
    added, message = recorder.new()
    ids = {"list_id": "l1", "conversation_id": conversation_id(posted.conversation.name), "channel_id": "c2"}
    for event in (added, message):
        assert {key: getattr(event, key) for key in ids} == ids
        assert event.agent_id is None
        assert event.payload["conversation"]["state"] == "UNREAD"
        assert event.payload["conversation"]["message_count"] == 1
        assert event.create_time == posted.conversation.create_time.ToMicroseconds()
    assert (added.kind, added.type, message.kind, message.type) == ("list", "ADDED", "conversation", "CUSTOMER_MESSAGE")
    assert "message" not in added.payload
    assert message.payload["message"]["text"] == "Hi there"
    assert message.payload["message"]["idempotency_key"] == "fb-1"
    await scenario.post("Hi there", source_message_id="fb-1")
    assert recorder.new() == []


async def test_joins_and_leaves_report_the_agent_the_state_change_and_the_list_update(server):
    scenario = await create_scenario(server, agents=2)
    first, second = scenario.agents
    name = (await scenario.new_conversation()).name
    recorder = Recorder(server)
    await join(first, name)
    joined, changed, updated = recorder.new()
    assert [(e.kind, e.type) for e in (joined, changed, updated)] == [
        ("conversation", "AGENT_JOINED"),
        ("conversation", "STATE_CHANGED"),
        ("list", "UPDATED"),
    ]
    assert joined.agent_id == changed.agent_id == "agent-1" and updated.agent_id is None
    assert changed.payload["previous_state"] == "UNREAD"
    assert changed.payload["conversation"]["state"] == "ACTIVE"
    assert joined.payload["conversation"]["participants"][0]["agent_id"] == "agent-1"
    await join(first, name)
    assert recorder.new() == []
    await join(second, name)
    assert recorder.types() == [("conversation", "AGENT_JOINED"), ("list", "UPDATED")]
    await leave(first, name)
    assert recorder.types() == [("conversation", "AGENT_LEFT"), ("list", "UPDATED")]
    await leave(first, name)
    assert recorder.new() == []
    await leave(second, name)
    left, changed, updated = recorder.new()
    assert (left.type, left.agent_id, changed.type) == ("AGENT_LEFT", "agent-2", "STATE_CHANGED")
    assert (changed.payload["previous_state"], changed.payload["conversation"]["state"]) == ("ACTIVE", "INACTIVE")
    assert updated.payload["conversation"]["participants"] == []


async def test_a_customer_message_on_an_inactive_request_refreshes_the_list_silently(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    name = (await scenario.new_conversation()).name
    recorder = Recorder(server)
    await scenario.post()
    assert recorder.types() == [("conversation", "CUSTOMER_MESSAGE"), ("list", "UPDATED")]
    await join(agent, name)
    recorder.new()
    await scenario.post()
    assert recorder.types() == [("conversation", "CUSTOMER_MESSAGE"), ("list", "UPDATED")]
    await leave(agent, name)
    recorder.new()
    await scenario.post("Still there?")
    message, updated = recorder.new()
    assert [(e.kind, e.type) for e in (message, updated)] == [("conversation", "CUSTOMER_MESSAGE"), ("list", "UPDATED")]
    assert message.payload["conversation"] == updated.payload["conversation"]
    assert updated.payload["conversation"]["state"] == "INACTIVE"
    assert updated.payload["conversation"]["message_count"] == 4
    assert "alert" not in updated.payload


async def test_agent_messages_go_to_the_conversation_and_the_connector(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    name = (await scenario.new_conversation()).name
    await join(agent, name)
    recorder = Recorder(server)
    request = agent_service_pb2.SendMessageRequest(conversation=name, text="On it", client_message_id="d-1")
    sent = (await agent.stub.SendMessage(request)).message
    conversation_event, outbound, updated = recorder.new()
    assert [(e.kind, e.type) for e in (conversation_event, outbound, updated)] == [
        ("conversation", "AGENT_MESSAGE"),
        ("outbound", "AGENT_MESSAGE"),
        ("list", "UPDATED"),
    ]
    assert updated.payload["conversation"]["message_count"] == 2
    for event in (conversation_event, outbound):
        assert (event.channel_id, event.list_id, event.agent_id) == ("c2", "l1", "agent-1")
        assert event.payload["message"]["id"] == sent.name.rpartition("/")[2]
        assert event.payload["message"]["agent_id"] == "agent-1"
    await agent.stub.SendMessage(request)
    assert recorder.new() == []


@pytest.mark.parametrize("closer", ["agent", "supervisor", "customer"])
async def test_a_close_removes_the_request_and_tells_the_connector_unless_the_customer_ended_it(server, closer):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    name = (await scenario.new_conversation()).name
    await join(agent, name)
    recorder = Recorder(server)
    if closer == "agent":
        await agent.stub.CloseConversation(
            agent_service_pb2.CloseConversationRequest(name=name, reason=CLOSE_REASON_INACTIVITY)
        )
        reason, agent_id = "INACTIVITY", "agent-1"
    elif closer == "supervisor":
        await scenario.admin.ForceCloseConversation(admin_service_pb2.ForceCloseConversationRequest(name=name))
        reason, agent_id = "FORCED", None
    else:
        await scenario.ingest.EndConversation(ingest_service_pb2.EndConversationRequest(conversation=name))
        reason, agent_id = "CUSTOMER", None
    found = recorder.new()
    expected = [("conversation", "CONVERSATION_CLOSED"), ("list", "REMOVED")]
    if closer != "customer":
        expected.append(("outbound", "CONVERSATION_CLOSED"))
    assert [(e.kind, e.type) for e in found] == expected
    closed = found[0]
    assert closed.agent_id == agent_id
    assert closed.payload["close_reason"] == reason
    assert closed.payload["conversation"]["state"] == "CLOSED"
    assert closed.payload["conversation"]["participants"] == []
    assert all(e.channel_id == "c2" and e.list_id == "l1" for e in found)


async def test_subscriptions_are_announced_once(server):
    scenario = await create_scenario(server, agents=1, subscribe=False)
    agent = scenario.agents[0]
    recorder = Recorder(server)
    for _ in range(2):
        await agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
    (subscribed,) = recorder.new()
    assert (subscribed.kind, subscribed.type, subscribed.agent_id, subscribed.list_id) == (
        "subscription",
        "SUBSCRIBED",
        "agent-1",
        "l1",
    )
    for _ in range(2):
        await agent.stub.Unsubscribe(agent_service_pb2.UnsubscribeRequest(list=scenario.list))
    assert recorder.types() == [("subscription", "UNSUBSCRIBED")]


async def test_events_follow_the_order_of_the_changes_and_match_the_stored_state(server):
    scenario = await create_scenario(server, agents=2)
    first, second = scenario.agents
    recorder = Recorder(server)
    name = (await scenario.new_conversation()).name
    await join(first, name)
    await join(second, name)
    await scenario.post()
    last = (await leave(first, name)).conversation
    found = recorder.new()
    assert [e.id for e in found] == sorted(e.id for e in found)
    assert [e.type for e in found if e.kind == "conversation"] == [
        "CUSTOMER_MESSAGE",
        "AGENT_JOINED",
        "STATE_CHANGED",
        "AGENT_JOINED",
        "CUSTOMER_MESSAGE",
        "AGENT_LEFT",
    ]
    snapshot = found[-1].payload["conversation"]
    assert snapshot["update_time"] == last.update_time.ToMicroseconds() == found[-1].create_time
    assert [p["agent_id"] for p in snapshot["participants"]] == ["agent-2"]
    assert snapshot["message_count"] == last.message_count == 2


async def test_a_refused_change_writes_no_events(server):
    scenario = await create_scenario(server, agents=2, max_participants=1)
    first, second = scenario.agents
    name = (await scenario.new_conversation()).name
    await join(first, name)
    mark = last_event_id(server.database_url)
    await expect_refusal(server, lambda: join(second, name), grpc.StatusCode.FAILED_PRECONDITION, "LIST_FULL")
    assert last_event_id(server.database_url) == mark


async def test_a_change_whose_events_cannot_be_written_is_not_made(server, monkeypatch):
    """State and events commit together: if appending the events fails, the join is rolled back."""
    scenario = await create_scenario(server, agents=1)
    name = (await scenario.new_conversation()).name
    before = dump_store(server.database_url)

    def broken_append(connection, new_events, create_time=None):
        raise RuntimeError("the events table is unwritable")

    monkeypatch.setattr(event_store, "append", broken_append)
    await expect_error(join(scenario.agents[0], name), grpc.StatusCode.INTERNAL)
    assert dump_store(server.database_url) == before
