"""Waiting time, previews and priority: `waiting_since` is when the oldest customer message not yet answered
by an agent arrived, `last_message` shows the last message's sender and first 200 characters, `priority`
comes from the message that opened the request; ListConversations orders by them (AIP-132 `order_by`) with
page tokens that stay right under the order, and the WatchLists snapshot has the default listing's order."""

import grpc
from scenario import Scenario, create_scenario, expect_refusal
from streams import read_until
from support import Server, violated_fields

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2
from pullrouting.v1.conversation_pb2 import SENDER_TYPE_AGENT, SENDER_TYPE_CUSTOMER, Conversation

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def join(agent, name: str):
    return agent.stub.JoinConversation(agent_service_pb2.JoinConversationRequest(name=name))


def answer(agent, name: str, text: str = "On it"):
    return agent.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=name, text=text))


async def listed(agent, scenario: Scenario, order_by: str = "", page_size: int = 0, page_token: str = ""):
    return await agent.stub.ListConversations(
        agent_service_pb2.ListConversationsRequest(
            parent=scenario.list, order_by=order_by, page_size=page_size, page_token=page_token
        )
    )


async def all_pages(agent, scenario: Scenario, order_by: str) -> list[str]:
    """Every conversation's customer, one per page."""
    customers, token = [], ""
    while True:
        found = await listed(agent, scenario, order_by, page_size=1, page_token=token)
        customers += [c.customer.id for c in found.conversations]
        token = found.next_page_token
        if not token:
            return customers


async def test_waiting_since_and_the_last_message_follow_the_conversation(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    long_text = "x" * 150 + "y" * 150
    first = await scenario.post(long_text)
    opened = first.conversation
    assert opened.waiting_since == first.message.create_time
    preview = opened.last_message
    assert (preview.sender_type, preview.agent, preview.text) == (SENDER_TYPE_CUSTOMER, "", long_text[:200])
    assert preview.create_time == first.message.create_time

    second = await scenario.post("Anyone?")
    assert second.conversation.waiting_since == first.message.create_time  # still the oldest unanswered
    assert second.conversation.last_message.text == "Anyone?"

    await join(agent, opened.name)
    sent = (await answer(agent, opened.name, "Checking now")).message
    got = await agent.stub.GetConversation(agent_service_pb2.GetConversationRequest(name=opened.name))
    answered = got.conversation
    assert not answered.HasField("waiting_since")
    assert (answered.last_message.sender_type, answered.last_message.agent) == (SENDER_TYPE_AGENT, agent.name)
    assert (answered.last_message.text, answered.last_message.create_time) == ("Checking now", sent.create_time)

    third = await scenario.post("Thanks, and?")
    assert third.conversation.waiting_since == third.message.create_time
    closed = (
        await agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=opened.name))
    ).conversation
    assert not closed.HasField("waiting_since")
    assert closed.last_message.text == "Thanks, and?"


async def test_priority_is_set_by_the_opening_message_and_checked(any_server: Server):
    scenario = await create_scenario(any_server, agents=0)
    opened = (await scenario.post(priority=7)).conversation
    assert opened.priority == 7
    assert (await scenario.post(priority=2)).conversation.priority == 7  # an open request keeps its own
    assert (await scenario.post(customer_id="plain")).conversation.priority == 0
    for priority in (-1, 10):
        error = await expect_refusal(
            any_server, lambda p=priority: scenario.post(customer_id="new", priority=p), INVALID, "FIELD_INVALID"
        )
        assert violated_fields(error) == {"priority"}


async def four_requests(scenario: Scenario, agent) -> None:
    """a: priority 1, answered (nobody waits); b: priority 5, waiting; c: priority 5, waiting since later
    than d's; d: priority 0, created last but waiting since before c."""
    a = (await scenario.post(customer_id="a", priority=1)).conversation
    await join(agent, a.name)
    await answer(agent, a.name)
    await scenario.post(customer_id="b", priority=5)
    c = (await scenario.post(customer_id="c", priority=5)).conversation
    await join(agent, c.name)
    await answer(agent, c.name)
    await scenario.post(customer_id="d")
    await scenario.post(customer_id="c", text="And?")


async def test_list_conversations_orders_by_waiting_time_creation_and_priority(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    await four_requests(scenario, agent)
    expected = {
        "": ["a", "b", "c", "d"],
        "create_time": ["a", "b", "c", "d"],
        "create_time desc": ["d", "c", "b", "a"],
        "waiting_since": ["b", "d", "c", "a"],
        "waiting_since desc": ["a", "c", "d", "b"],
        "priority desc": ["b", "c", "a", "d"],
        "priority desc, waiting_since": ["b", "c", "a", "d"],
        "priority desc,create_time desc": ["c", "b", "a", "d"],
        "priority, waiting_since desc": ["d", "a", "c", "b"],
        " waiting_since asc ,priority": ["b", "d", "c", "a"],
    }
    for order_by, customers in expected.items():
        whole = await listed(agent, scenario, order_by)
        assert [c.customer.id for c in whole.conversations] == customers, order_by
        assert await all_pages(agent, scenario, order_by) == customers, order_by
    supervised = await scenario.admin.ListConversations(
        admin_service_pb2.AdminServiceListConversationsRequest(parent="lists/-", order_by="priority desc")
    )
    assert [c.customer.id for c in supervised.conversations] == ["b", "c", "a", "d"]


async def test_page_tokens_stay_right_as_requests_arrive_and_are_refused_with_another_order(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    await four_requests(scenario, agent)
    first = await listed(agent, scenario, "waiting_since", page_size=2)
    assert [c.customer.id for c in first.conversations] == ["b", "d"]
    await scenario.post(customer_id="e", priority=9)  # waits the shortest: after c, before a
    rest = await listed(agent, scenario, "waiting_since", page_token=first.next_page_token)
    assert [c.customer.id for c in rest.conversations] == ["c", "e", "a"]

    for other in ("", "priority desc", "waiting_since desc"):
        error = await expect_refusal(
            any_server,
            lambda o=other: listed(agent, scenario, o, page_size=2, page_token=first.next_page_token),
            INVALID,
            "FIELD_INVALID",
        )
        assert violated_fields(error) == {"page_token"}
    default_page = await listed(agent, scenario, page_size=2)
    error = await expect_error_of(any_server, agent, scenario, "priority desc", default_page.next_page_token)
    assert violated_fields(error) == {"page_token"}


async def expect_error_of(server: Server, agent, scenario: Scenario, order_by: str, token: str):
    return await expect_refusal(
        server, lambda: listed(agent, scenario, order_by, page_token=token), INVALID, "FIELD_INVALID"
    )


async def test_an_unknown_order_is_refused_naming_it(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    await scenario.post()
    for order_by, named in (
        ("bogus", "'bogus'"),
        ("priority up", "'up'"),
        ("priority desc desc", "'priority desc desc'"),
        ("priority,,create_time", "''"),
        ("priority, priority desc", "'priority'"),
        ("update_time", "'update_time'"),
        ("priority," * 100, "at most 200 characters"),
    ):
        error = await expect_error_of(any_server, agent, scenario, order_by, "")
        assert violated_fields(error) == {"order_by"}, order_by
        assert named in error.details(), (order_by, error.details())
    await expect_refusal(
        any_server,
        lambda: scenario.admin.ListConversations(
            admin_service_pb2.AdminServiceListConversationsRequest(order_by="name")
        ),
        INVALID,
        "FIELD_INVALID",
    )


async def test_the_watch_snapshot_has_the_default_listing_order(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    await four_requests(scenario, agent)
    stream = agent.stub.WatchLists(agent_service_pb2.WatchListsRequest())
    snapshot = await read_until(stream, lambda event: event.type == events_pb2.LIST_EVENT_TYPE_SYNCED)
    shown: list[Conversation] = [event.conversation for event in snapshot[:-1]]
    assert shown == list((await listed(agent, scenario)).conversations)
    stream.cancel()
