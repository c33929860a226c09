"""Agents let go of conversations by the system: a disabled or deleted agent at once (DISABLED). Each release
is an AGENT_LEFT carrying its cause; a request nobody is left in goes INACTIVE and its list is alerted RELEASED."""

from scenario import conversation_id, create_scenario, join, join_call, participant_rows, stored_events
from streams import read_until, watch_from_synced
from support import gather_all
from test_concurrency import refusals
from test_disable import set_agent_enabled

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, events_pb2

ROUNDS = 10
JOINS = 8

C = events_pb2.ConversationEventType
L = events_pb2.ListEventType


async def test_disabling_an_agent_releases_it_from_every_open_conversation(any_server):
    scenario = await create_scenario(any_server, agents=2)
    ann, bob = scenario.agents
    shared = await scenario.new_conversation("customer-1")
    alone = await scenario.new_conversation("customer-2")
    for agent, name in ((ann, shared.name), (bob, shared.name), (ann, alone.name)):
        await join(agent, name)
    conversation_stream = bob.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=shared.name))
    await read_until(conversation_stream, lambda event: event.type == C.CONVERSATION_EVENT_TYPE_SYNCED)
    list_stream = await watch_from_synced(bob)

    await set_agent_enabled(scenario, ann.name, False)

    left = (await read_until(conversation_stream, lambda event: event.type == C.CONVERSATION_EVENT_TYPE_AGENT_LEFT))[-1]
    assert (left.agent, left.leave_cause) == (ann.name, events_pb2.LEAVE_CAUSE_DISABLED)
    assert [p.agent for p in left.conversation.participants] == [bob.name]
    assert left.conversation.state == conversation_pb2.CONVERSATION_STATE_ACTIVE
    released = (await read_until(list_stream, lambda event: event.alert == events_pb2.LIST_ALERT_RELEASED))[-1]
    assert (released.type, released.conversation.name) == (L.LIST_EVENT_TYPE_UPDATED, alone.name)
    assert released.conversation.state == conversation_pb2.CONVERSATION_STATE_INACTIVE
    assert not released.conversation.participants


async def test_an_ordinary_leave_is_left_and_rings_no_desk(server):
    scenario = await create_scenario(server, agents=1)
    ann = scenario.agents[0]
    conversation = await scenario.new_conversation()
    await join(ann, conversation.name)
    stream = ann.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=conversation.name))
    await read_until(stream, lambda event: event.type == C.CONVERSATION_EVENT_TYPE_SYNCED)
    list_stream = await watch_from_synced(ann)

    await ann.stub.LeaveConversation(agent_service_pb2.LeaveConversationRequest(name=conversation.name))

    left = (await read_until(stream, lambda event: event.type == C.CONVERSATION_EVENT_TYPE_AGENT_LEFT))[-1]
    assert left.leave_cause == events_pb2.LEAVE_CAUSE_LEFT
    updated = (await read_until(list_stream, lambda event: event.type == L.LIST_EVENT_TYPE_UPDATED))[-1]
    assert updated.conversation.state == conversation_pb2.CONVERSATION_STATE_INACTIVE
    assert updated.alert == events_pb2.LIST_ALERT_UNSPECIFIED


async def test_deleting_an_agent_in_open_conversations_releases_it_in_the_same_transaction(any_server):
    scenario = await create_scenario(any_server, agents=1)
    ann = scenario.agents[0]
    conversation = await scenario.new_conversation()
    await join(ann, conversation.name)

    await scenario.admin.DeleteAgent(admin_service_pb2.DeleteAgentRequest(name=ann.name))

    got = (
        await scenario.admin.GetConversation(
            admin_service_pb2.AdminServiceGetConversationRequest(name=conversation.name)
        )
    ).conversation
    assert got.state == conversation_pb2.CONVERSATION_STATE_INACTIVE and not got.participants
    written = [
        (row.kind, row.type, row.payload.get("leave_cause"), row.payload.get("alert"))
        for row in stored_events(any_server.database_url)
    ][-4:]
    assert written == [
        ("principal", "CHANGED", None, None),
        ("conversation", "AGENT_LEFT", "DISABLED", None),
        ("conversation", "STATE_CHANGED", None, None),
        ("list", "UPDATED", None, "RELEASED"),
    ]


async def test_a_join_racing_a_disable_never_leaves_the_disabled_agent_in_a_conversation(any_server):
    """The disable releases the agent from what it is in; a join committing around it must either be seen by
    that release or see the disable, on both databases, whatever the interleaving."""
    scenario = await create_scenario(any_server, agents=1)
    ann = scenario.agents[0]
    for _ in range(ROUNDS):
        await set_agent_enabled(scenario, ann.name, True)
        names = [(await scenario.new_conversation()).name for _ in range(JOINS)]
        results = await gather_all(
            [join_call(ann, name) for name in names] + [lambda: set_agent_enabled(scenario, ann.name, False)]
        )
        assert set(refusals(results)) <= {"PRINCIPAL_DISABLED"}
        for name in names:
            assert ann.id not in participant_rows(any_server.database_url, conversation_id(name))
