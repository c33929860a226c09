"""The seed's workflow and "Example Chat", end to end over gRPC: the admin configures MRD, channel type, List
L1 and PULL channel C2; a comment on the Facebook page lands on L1; subscribed agents join, leave, come back
and close."""

from scenario import create_scenario, join, last_event_id, leave, stored_events

from pullrouting.v1 import agent_service_pb2
from pullrouting.v1.conversation_pb2 import (
    CLOSE_REASON_AGENT,
    CONVERSATION_STATE_ACTIVE,
    CONVERSATION_STATE_CLOSED,
    CONVERSATION_STATE_INACTIVE,
    CONVERSATION_STATE_UNREAD,
)


async def test_example_chat(server):
    scenario = await create_scenario(server, agents=2)
    assert (scenario.mrd, scenario.channel_type, scenario.list, scenario.channel) == (
        "mediaRoutingDomains/social",
        "channelTypes/facebook-page-comments",
        "lists/l1",
        "channels/c2",
    )
    alice, bob = scenario.agents

    async def state() -> agent_service_pb2.ListConversationsResponse:
        return await alice.stub.ListConversations(agent_service_pb2.ListConversationsRequest(parent=scenario.list))

    def list_events_since(mark: int) -> list[str]:
        return [e.type for e in stored_events(server.database_url, mark) if e.kind == "list"]

    # A new comment is posted on the company's Facebook page: the request lands on L1, UNREAD.
    mark = last_event_id(server.database_url)
    posted = await scenario.post("Is my order shipped?", customer_id="fb-user-42")
    assert posted.created
    name = posted.conversation.name
    assert posted.conversation.list == scenario.list
    assert posted.conversation.state == CONVERSATION_STATE_UNREAD
    assert list_events_since(mark) == ["ADDED"]
    for agent in (alice, bob):
        listed = await agent.stub.ListConversations(agent_service_pb2.ListConversationsRequest(parent=scenario.list))
        assert [c.name for c in listed.conversations] == [name]

    # Both subscribed agents join: ACTIVE, with both in it.
    joined = (await join(alice, name)).conversation
    assert joined.state == CONVERSATION_STATE_ACTIVE
    both = (await join(bob, name)).conversation
    assert [p.agent for p in both.participants] == [alice.name, bob.name]
    reply = await bob.stub.SendMessage(
        agent_service_pb2.SendMessageRequest(conversation=name, text="Let me check.", client_message_id="b-1")
    )
    assert reply.message.agent == bob.name

    # One leaves: still ACTIVE. The other leaves: INACTIVE, still listed.
    one_left = (await leave(alice, name)).conversation
    assert one_left.state == CONVERSATION_STATE_ACTIVE
    empty = (await leave(bob, name)).conversation
    assert empty.state == CONVERSATION_STATE_INACTIVE
    assert [c.state for c in (await state()).conversations] == [CONVERSATION_STATE_INACTIVE]

    # The customer writes again: same request, still INACTIVE, and no new notification on the List: its row
    # is refreshed silently (an UPDATED without alert), so that the watchers' row shows the new message.
    mark = last_event_id(server.database_url)
    again = await scenario.post("Hello? Anyone?", customer_id="fb-user-42")
    assert not again.created and again.conversation.name == name
    assert again.conversation.state == CONVERSATION_STATE_INACTIVE
    (refreshed,) = [e for e in stored_events(server.database_url, mark) if e.kind == "list"]
    assert refreshed.type == "UPDATED" and "alert" not in refreshed.payload
    assert refreshed.payload["conversation"]["message_count"] == again.conversation.message_count
    summary = (await alice.stub.ListLists(agent_service_pb2.ListListsRequest())).lists[0]
    assert (summary.unread_count, summary.active_count, summary.inactive_count) == (0, 0, 1)

    # An agent joins again: ACTIVE; then closes it: CLOSED and gone from the List.
    back = (await join(alice, name)).conversation
    assert back.state == CONVERSATION_STATE_ACTIVE
    assert back.first_join_time == joined.first_join_time
    mark = last_event_id(server.database_url)
    closed = (await alice.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=name))).conversation
    assert closed.state == CONVERSATION_STATE_CLOSED and closed.close_reason == CLOSE_REASON_AGENT
    assert closed.message_count == 3
    assert list_events_since(mark) == ["REMOVED"]
    assert list((await state()).conversations) == []
    history = await alice.stub.ListConversations(
        agent_service_pb2.ListConversationsRequest(parent=scenario.list, states=[CONVERSATION_STATE_CLOSED])
    )
    assert [c.name for c in history.conversations] == [name]

    # CLOSED is terminal: the customer's next comment opens a new request.
    follow_up = await scenario.post("One more thing", customer_id="fb-user-42")
    assert follow_up.created and follow_up.conversation.name != name
    assert follow_up.conversation.state == CONVERSATION_STATE_UNREAD
