"""AgentService (and the supervisor's conversation methods of AdminService) over a real server."""

import grpc
from scenario import create_scenario, expect_refusal, join, leave, participant_rows
from support import dump_store, violated_fields

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, resources_pb2
from pullrouting.v1.conversation_pb2 import (
    CLOSE_REASON_AGENT,
    CLOSE_REASON_CUSTOMER,
    CLOSE_REASON_FORCED,
    CLOSE_REASON_INACTIVITY,
    CONVERSATION_STATE_ACTIVE,
    CONVERSATION_STATE_CLOSED,
    CONVERSATION_STATE_INACTIVE,
    CONVERSATION_STATE_UNREAD,
    SENDER_TYPE_AGENT,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
DENIED = grpc.StatusCode.PERMISSION_DENIED


async def create_list(scenario, list_id: str, max_participants: int = 0) -> str:
    created = await scenario.admin.CreateList(
        admin_service_pb2.CreateListRequest(
            list_id=list_id, list=resources_pb2.List(display_name=list_id.upper(), max_participants=max_participants)
        )
    )
    return created.list.name


def close(agent, name: str, reason: int = 0):
    return agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=name, reason=reason))


def send(agent, name: str, text: str = "How can I help?", client_message_id: str = ""):
    return agent.stub.SendMessage(
        agent_service_pb2.SendMessageRequest(conversation=name, text=text, client_message_id=client_message_id)
    )


def list_conversations(agent, parent: str, states=(), page_size: int = 0, page_token: str = ""):
    return agent.stub.ListConversations(
        agent_service_pb2.ListConversationsRequest(
            parent=parent, states=states, page_size=page_size, page_token=page_token
        )
    )


# Lists and subscriptions.


async def test_list_lists_shows_entitled_lists_with_subscription_and_counts(server):
    scenario = await create_scenario(server, agents=0)
    l2 = await create_list(scenario, "l2")
    await create_list(scenario, "l3")
    agent = await scenario.add_agent("agent-1", lists=[scenario.list, l2], subscribe=False)
    helper = await scenario.add_agent("helper")
    await agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
    unread = await scenario.new_conversation("customer-1")
    active = await scenario.new_conversation("customer-2")
    inactive = await scenario.new_conversation("customer-3")
    closed = await scenario.new_conversation("customer-4")
    await join(helper, active.name)
    await join(helper, inactive.name)
    await leave(helper, inactive.name)
    await close(helper, closed.name)
    assert unread.state == CONVERSATION_STATE_UNREAD

    first = await agent.stub.ListLists(agent_service_pb2.ListListsRequest(page_size=1))
    assert [s.list.name for s in first.lists] == [scenario.list]
    summary = first.lists[0]
    assert summary.subscribed and summary.list.display_name == "L1"
    assert (summary.unread_count, summary.active_count, summary.inactive_count) == (1, 1, 1)
    second = await agent.stub.ListLists(
        agent_service_pb2.ListListsRequest(page_size=1, page_token=first.next_page_token)
    )
    assert [(s.list.name, s.subscribed, s.unread_count) for s in second.lists] == [(l2, False, 0)]
    assert second.next_page_token == ""
    everything = await agent.stub.ListLists(agent_service_pb2.ListListsRequest())
    assert [s.list.name for s in everything.lists] == [scenario.list, l2]
    await expect_refusal(
        server,
        lambda: agent.stub.ListLists(agent_service_pb2.ListListsRequest(page_token="garbage")),
        INVALID,
        "FIELD_INVALID",
    )


async def test_subscribe_is_for_entitled_lists_and_idempotent(server):
    scenario = await create_scenario(server, agents=1, subscribe=False)
    agent = scenario.agents[0]
    l2 = await create_list(scenario, "l2")
    subscribed = await agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
    assert subscribed.subscription.list == scenario.list
    before = dump_store(server.database_url)
    again = await agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
    assert again == subscribed
    assert dump_store(server.database_url) == before
    await expect_refusal(
        server, lambda: agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=l2)), DENIED, "NOT_ENTITLED"
    )
    await expect_refusal(
        server,
        lambda: agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list="lists/nope")),
        grpc.StatusCode.NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )
    error = await expect_refusal(
        server, lambda: agent.stub.Subscribe(agent_service_pb2.SubscribeRequest()), INVALID, "FIELD_INVALID"
    )
    assert violated_fields(error) == {"list"}


async def test_unsubscribe_is_idempotent_and_list_subscriptions_pages(server):
    scenario = await create_scenario(server, agents=0)
    l2 = await create_list(scenario, "l2")
    agent = await scenario.add_agent("agent-1", lists=[scenario.list, l2])
    first = await agent.stub.ListSubscriptions(agent_service_pb2.ListSubscriptionsRequest(page_size=1))
    second = await agent.stub.ListSubscriptions(
        agent_service_pb2.ListSubscriptionsRequest(page_size=1, page_token=first.next_page_token)
    )
    assert [s.list for s in [*first.subscriptions, *second.subscriptions]] == [scenario.list, l2]
    assert second.next_page_token == ""
    await agent.stub.Unsubscribe(agent_service_pb2.UnsubscribeRequest(list=scenario.list))
    before = dump_store(server.database_url)
    await agent.stub.Unsubscribe(agent_service_pb2.UnsubscribeRequest(list=scenario.list))
    await agent.stub.Unsubscribe(agent_service_pb2.UnsubscribeRequest(list="lists/never-heard-of"))
    assert dump_store(server.database_url) == before
    remaining = await agent.stub.ListSubscriptions(agent_service_pb2.ListSubscriptionsRequest())
    assert [s.list for s in remaining.subscriptions] == [l2]
    error = await expect_refusal(
        server,
        lambda: agent.stub.Unsubscribe(agent_service_pb2.UnsubscribeRequest(list="l1")),
        INVALID,
        "FIELD_INVALID",
    )
    assert violated_fields(error) == {"list"}


# Reading conversations.


async def test_list_conversations_pages_oldest_first_with_a_states_filter(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    created = [await scenario.new_conversation(f"customer-{n}") for n in range(5)]
    await join(agent, created[1].name)
    await close(agent, created[3].name)
    names, token = [], ""
    while True:
        page = await list_conversations(agent, scenario.list, page_size=2, page_token=token)
        names += [c.name for c in page.conversations]
        token = page.next_page_token
        if not token:
            break
    assert names == [created[n].name for n in (0, 1, 2, 4)]
    active = await list_conversations(agent, scenario.list, states=[CONVERSATION_STATE_ACTIVE])
    assert [c.name for c in active.conversations] == [created[1].name]
    assert active.conversations[0].participants[0].agent == agent.name
    closed = await list_conversations(agent, scenario.list, states=[CONVERSATION_STATE_CLOSED])
    assert [c.name for c in closed.conversations] == [created[3].name]


async def test_list_conversations_refusals(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    l2 = await create_list(scenario, "l2")
    await expect_refusal(server, lambda: list_conversations(agent, l2), DENIED, "NOT_ENTITLED")
    await expect_refusal(
        server, lambda: list_conversations(agent, "lists/nope"), grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"
    )
    for call, field in [
        (lambda: list_conversations(agent, ""), "parent"),
        (lambda: list_conversations(agent, scenario.list, states=[0]), "states"),
        (lambda: list_conversations(agent, scenario.list, states=[42]), "states"),
        (lambda: list_conversations(agent, scenario.list, page_size=-1), "page_size"),
        (lambda: list_conversations(agent, scenario.list, page_token="bm9wZQ=="), "page_token"),
    ]:
        error = await expect_refusal(server, call, INVALID, "FIELD_INVALID")
        assert violated_fields(error) == {field}


async def test_get_conversation_is_for_entitled_agents(server):
    scenario = await create_scenario(server, agents=1)
    outsider = await scenario.add_agent("outsider", lists=[])
    conversation = await scenario.new_conversation()
    got = await scenario.agents[0].stub.GetConversation(
        agent_service_pb2.GetConversationRequest(name=conversation.name)
    )
    assert got.conversation == conversation
    await expect_refusal(
        server,
        lambda: outsider.stub.GetConversation(agent_service_pb2.GetConversationRequest(name=conversation.name)),
        DENIED,
        "NOT_ENTITLED",
    )
    await expect_refusal(
        server,
        lambda: outsider.stub.GetConversation(agent_service_pb2.GetConversationRequest(name="conversations/nope")),
        grpc.StatusCode.NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )
    error = await expect_refusal(
        server,
        lambda: outsider.stub.GetConversation(agent_service_pb2.GetConversationRequest(name="agents/x")),
        INVALID,
        "FIELD_INVALID",
    )
    assert violated_fields(error) == {"name"}


# Joining and leaving.


async def test_join_and_leave_walk_the_states(server):
    scenario = await create_scenario(server, agents=2)
    first, second = scenario.agents
    conversation = await scenario.new_conversation()
    joined = (await join(first, conversation.name)).conversation
    assert joined.state == CONVERSATION_STATE_ACTIVE
    assert [p.agent for p in joined.participants] == [first.name]
    assert joined.first_join_time == joined.participants[0].join_time == joined.update_time
    before = dump_store(server.database_url)
    assert (await join(first, conversation.name)).conversation == joined
    assert dump_store(server.database_url) == before
    both = (await join(second, conversation.name)).conversation
    assert [p.agent for p in both.participants] == [first.name, second.name]
    assert both.first_join_time == joined.first_join_time
    one_left = (await leave(first, conversation.name)).conversation
    assert one_left.state == CONVERSATION_STATE_ACTIVE
    assert [p.agent for p in one_left.participants] == [second.name]
    before = dump_store(server.database_url)
    assert (await leave(first, conversation.name)).conversation == one_left
    assert dump_store(server.database_url) == before
    empty = (await leave(second, conversation.name)).conversation
    assert empty.state == CONVERSATION_STATE_INACTIVE and list(empty.participants) == []
    back = (await join(first, conversation.name)).conversation
    assert back.state == CONVERSATION_STATE_ACTIVE
    assert back.first_join_time == joined.first_join_time


async def test_join_needs_entitlement_then_subscription_and_an_open_conversation(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    outsider = await scenario.add_agent("outsider", lists=[])
    unsubscribed = await scenario.add_agent("unsubscribed", subscribe=False)
    conversation = await scenario.new_conversation()
    await expect_refusal(server, lambda: join(outsider, conversation.name), DENIED, "NOT_ENTITLED")
    await expect_refusal(server, lambda: join(unsubscribed, conversation.name), PRECONDITION, "NOT_SUBSCRIBED")
    await expect_refusal(
        server, lambda: join(agent, "conversations/nope"), grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"
    )
    error = await expect_refusal(server, lambda: join(agent, ""), INVALID, "FIELD_INVALID")
    assert violated_fields(error) == {"name"}
    await close(agent, conversation.name)
    await expect_refusal(server, lambda: join(agent, conversation.name), PRECONDITION, "CONVERSATION_CLOSED")


async def test_join_past_the_lists_participant_cap_is_refused(server):
    scenario = await create_scenario(server, agents=3, max_participants=2)
    first, second, third = scenario.agents
    conversation = await scenario.new_conversation()
    await join(first, conversation.name)
    await join(second, conversation.name)
    error = await expect_refusal(server, lambda: join(third, conversation.name), PRECONDITION, "LIST_FULL")
    assert "2" in error.details()
    await leave(first, conversation.name)
    assert len((await join(third, conversation.name)).conversation.participants) == 2


async def test_join_past_the_agents_mrd_cap_is_refused(server):
    scenario = await create_scenario(server, agents=1, max_conversations_per_agent=2)
    agent = scenario.agents[0]
    conversations = [await scenario.new_conversation(f"customer-{n}") for n in range(3)]
    await join(agent, conversations[0].name)
    await join(agent, conversations[1].name)
    await expect_refusal(server, lambda: join(agent, conversations[2].name), PRECONDITION, "AGENT_AT_CAPACITY")
    assert (await join(agent, conversations[1].name)).conversation.state == CONVERSATION_STATE_ACTIVE
    await close(agent, conversations[0].name)
    await join(agent, conversations[2].name)
    await leave(agent, conversations[1].name)
    fourth = await scenario.new_conversation("customer-9")
    await join(agent, fourth.name)


async def test_the_mrd_cap_counts_only_conversations_of_that_mrd(server):
    scenario = await create_scenario(server, agents=0, max_conversations_per_agent=1)
    mrd = await scenario.admin.CreateMediaRoutingDomain(
        admin_service_pb2.CreateMediaRoutingDomainRequest(
            media_routing_domain_id="chat",
            media_routing_domain=resources_pb2.MediaRoutingDomain(display_name="Chat", max_conversations_per_agent=1),
        )
    )
    chat_type = await scenario.admin.CreateChannelType(
        admin_service_pb2.CreateChannelTypeRequest(
            channel_type_id="web-chat",
            channel_type=resources_pb2.ChannelType(
                display_name="Web chat", media_routing_domain=mrd.media_routing_domain.name
            ),
        )
    )
    await scenario.add_pull_channel("site", "acme.com", channel_type=chat_type.channel_type.name)
    agent = await scenario.add_agent("agent-1")
    social = await scenario.new_conversation()
    chat = await scenario.post(customer_id="visitor-1", service_identifier="acme.com")
    await join(agent, social.name)
    await join(agent, chat.conversation.name)
    other_social = await scenario.new_conversation("customer-2")
    await expect_refusal(server, lambda: join(agent, other_social.name), PRECONDITION, "AGENT_AT_CAPACITY")


# Closing.


async def test_close_defaults_to_reason_agent_and_lets_everyone_go(server):
    scenario = await create_scenario(server, agents=2)
    first, second = scenario.agents
    conversation = await scenario.new_conversation()
    await join(first, conversation.name)
    await join(second, conversation.name)
    closed = (await close(second, conversation.name)).conversation
    assert closed.state == CONVERSATION_STATE_CLOSED and closed.close_reason == CLOSE_REASON_AGENT
    assert list(closed.participants) == [] and closed.close_time == closed.update_time
    assert participant_rows(server.database_url, conversation.name.rpartition("/")[2]) == []
    await expect_refusal(server, lambda: close(first, conversation.name), PRECONDITION, "CONVERSATION_CLOSED")
    await expect_refusal(server, lambda: send(first, conversation.name), PRECONDITION, "CONVERSATION_CLOSED")
    assert (await leave(first, conversation.name)).conversation == closed


async def test_close_reasons_agents_may_and_may_not_give(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    unsubscribed = await scenario.add_agent("unsubscribed", subscribe=False)
    conversation = await scenario.new_conversation()
    for reason in (CLOSE_REASON_CUSTOMER, CLOSE_REASON_FORCED):
        await expect_refusal(
            server, lambda reason=reason: close(agent, conversation.name, reason), DENIED, "CLOSE_REASON_NOT_ALLOWED"
        )
    error = await expect_refusal(server, lambda: close(agent, conversation.name, 77), INVALID, "FIELD_INVALID")
    assert violated_fields(error) == {"reason"}
    await expect_refusal(server, lambda: close(unsubscribed, conversation.name), PRECONDITION, "NOT_SUBSCRIBED")
    closed = (await close(agent, conversation.name, CLOSE_REASON_INACTIVITY)).conversation
    assert closed.close_reason == CLOSE_REASON_INACTIVITY


# Writing.


async def test_send_message_is_for_participants_and_idempotent(server):
    scenario = await create_scenario(server, agents=2)
    writer, bystander = scenario.agents
    conversation = await scenario.new_conversation()
    await expect_refusal(server, lambda: send(writer, conversation.name), PRECONDITION, "NOT_PARTICIPANT")
    await join(writer, conversation.name)
    sent = (await send(writer, conversation.name, "Hi, I am Bob", "desk-1")).message
    assert sent.name.startswith(conversation.name + "/messages/")
    assert (sent.sender_type, sent.agent, sent.text, sent.idempotency_key) == (
        SENDER_TYPE_AGENT,
        writer.name,
        "Hi, I am Bob",
        "desk-1",
    )
    before = dump_store(server.database_url)
    assert (await send(writer, conversation.name, "Hi, I am Bob", "desk-1")).message == sent
    assert dump_store(server.database_url) == before
    await join(bystander, conversation.name)
    other = (await send(bystander, conversation.name, "Me too", "desk-1")).message
    assert other.name != sent.name
    unkeyed = [(await send(writer, conversation.name, "again")).message for _ in range(2)]
    assert unkeyed[0].name != unkeyed[1].name
    got = await writer.stub.GetConversation(agent_service_pb2.GetConversationRequest(name=conversation.name))
    assert got.conversation.message_count == 5
    assert got.conversation.last_message_time == unkeyed[1].create_time


async def test_bad_messages_name_every_offending_field(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    conversation = await scenario.new_conversation()
    await join(agent, conversation.name)
    error = await expect_refusal(server, lambda: send(agent, "", ""), INVALID, "FIELD_INVALID")
    assert violated_fields(error) == {"conversation", "text"}
    error = await expect_refusal(
        server, lambda: send(agent, conversation.name, "x" * 4097, "k" * 501), INVALID, "FIELD_INVALID"
    )
    assert violated_fields(error) == {"text", "client_message_id"}
    assert len((await send(agent, conversation.name, "x" * 4096)).message.text) == 4096


async def test_an_agent_who_lost_the_entitlement_may_still_leave(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    conversation = await scenario.new_conversation()
    await join(agent, conversation.name)
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name=agent.name, lists=[]), update_mask={"paths": ["lists"]}
        )
    )
    left = (await leave(agent, conversation.name)).conversation
    assert left.state == CONVERSATION_STATE_INACTIVE
    await expect_refusal(server, lambda: leave(agent, conversation.name), DENIED, "NOT_ENTITLED")


# Supervision (AdminService).


async def test_supervisors_list_conversations_across_lists(server):
    scenario = await create_scenario(server, agents=1)
    l2 = await create_list(scenario, "l2")
    await scenario.add_pull_channel("c3", "page-2", list_name=l2)
    on_l1 = await scenario.new_conversation()
    on_l2 = (await scenario.post(service_identifier="page-2")).conversation
    closed = await scenario.new_conversation("customer-3")
    await scenario.admin.ForceCloseConversation(admin_service_pb2.ForceCloseConversationRequest(name=closed.name))

    def listing(parent: str = "", states=(), page_size: int = 0, page_token: str = ""):
        return scenario.admin.ListConversations(
            admin_service_pb2.AdminServiceListConversationsRequest(
                parent=parent, states=states, page_size=page_size, page_token=page_token
            )
        )

    for parent in ("", "lists/-"):
        assert [c.name for c in (await listing(parent)).conversations] == [on_l1.name, on_l2.name]
    assert [c.name for c in (await listing(l2)).conversations] == [on_l2.name]
    every_state = [CONVERSATION_STATE_UNREAD, CONVERSATION_STATE_CLOSED]
    first = await listing(states=every_state, page_size=2)
    second = await listing(states=every_state, page_size=2, page_token=first.next_page_token)
    assert [c.name for c in [*first.conversations, *second.conversations]] == [on_l1.name, on_l2.name, closed.name]
    assert second.next_page_token == ""
    await expect_refusal(server, lambda: listing("lists/nope"), grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
    error = await expect_refusal(server, lambda: listing("channels/c2"), INVALID, "FIELD_INVALID")
    assert violated_fields(error) == {"parent"}
    error = await expect_refusal(server, lambda: listing(states=[9]), INVALID, "FIELD_INVALID")
    assert violated_fields(error) == {"states"}


async def test_supervisors_get_and_force_close_conversations(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    conversation = await scenario.new_conversation()
    await join(agent, conversation.name)
    got = await scenario.admin.GetConversation(
        admin_service_pb2.AdminServiceGetConversationRequest(name=conversation.name)
    )
    assert got.conversation.state == CONVERSATION_STATE_ACTIVE
    closed = await scenario.admin.ForceCloseConversation(
        admin_service_pb2.ForceCloseConversationRequest(name=conversation.name)
    )
    assert closed.conversation.state == CONVERSATION_STATE_CLOSED
    assert closed.conversation.close_reason == CLOSE_REASON_FORCED
    assert list(closed.conversation.participants) == []
    await expect_refusal(
        server,
        lambda: scenario.admin.ForceCloseConversation(
            admin_service_pb2.ForceCloseConversationRequest(name=conversation.name)
        ),
        PRECONDITION,
        "CONVERSATION_CLOSED",
    )
    for call in (
        lambda: scenario.admin.GetConversation(
            admin_service_pb2.AdminServiceGetConversationRequest(name="conversations/nope")
        ),
        lambda: scenario.admin.ForceCloseConversation(
            admin_service_pb2.ForceCloseConversationRequest(name="conversations/nope")
        ),
    ):
        await expect_refusal(server, call, grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
    for call in (
        lambda: scenario.admin.GetConversation(admin_service_pb2.AdminServiceGetConversationRequest()),
        lambda: scenario.admin.ForceCloseConversation(admin_service_pb2.ForceCloseConversationRequest(name="x")),
    ):
        error = await expect_refusal(server, call, INVALID, "FIELD_INVALID")
        assert violated_fields(error) == {"name"}
    await expect_refusal(
        server,
        lambda: server.admin(agent.token).ForceCloseConversation(
            admin_service_pb2.ForceCloseConversationRequest(name=conversation.name)
        ),
        DENIED,
        "ROLE_NOT_ALLOWED",
    )
