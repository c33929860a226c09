"""Resume tokens are bound to the database, the principal and the stream, and signed: a forged, foreign or
pre-signing token never reaches another stream's events. Deleting an agent ends its subscriptions with
UNSUBSCRIBED events, and a replayed subscription counts only for a List the agent is entitled to now."""

import base64

import grpc
from scenario import Scenario, add_second_list, create_scenario, stored_events
from streams import read_event, read_until
from support import expect_error, serve, violated_fields

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2, resources_pb2

L = events_pb2.ListEventType
INVALID = grpc.StatusCode.INVALID_ARGUMENT
# What an attacker writes by hand: the token format of before, at the first position.
FORGED_FROM_THE_START = base64.urlsafe_b64encode(b"pr1:0").decode().rstrip("=")


def watch_lists(agent, token: str) -> grpc.aio.UnaryStreamCall:
    return agent.stub.WatchLists(agent_service_pb2.WatchListsRequest(resume_token=token))


async def entitle(scenario: Scenario, agent, lists: list[str]) -> None:
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name=agent.name, lists=lists), update_mask={"paths": ["lists"]}
        )
    )


async def dave_lost_list_b(scenario: Scenario) -> tuple[object, str, str]:
    """`dave`, entitled to L1 (A) and L2 (B) and subscribed to B, where customer `secret` wrote, is narrowed to
    A. Returns dave, B, and the service identifier of B's channel."""
    list_b, service_b = await add_second_list(scenario)
    dave = await scenario.add_agent("dave", lists=[scenario.list, list_b], subscribe=False)
    await dave.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=list_b))
    await scenario.post(customer_id="secret", service_identifier=service_b)
    await entitle(scenario, dave, [scenario.list])
    return dave, list_b, service_b


async def test_a_forged_token_from_the_start_gets_a_reset_snapshot_of_what_the_agent_may_see_now(any_server):
    scenario = await create_scenario(any_server, agents=0)
    dave, list_b, service_b = await dave_lost_list_b(scenario)

    stream = watch_lists(dave, FORGED_FROM_THE_START)
    received = await read_until(stream, lambda event: event.type == L.LIST_EVENT_TYPE_SYNCED)
    await scenario.post(customer_id="secret-2", service_identifier=service_b)
    await dave.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
    received += await read_until(stream, lambda event: event.type == L.LIST_EVENT_TYPE_SYNCED)

    assert received[0].reset
    assert [event.type for event in received] == [
        L.LIST_EVENT_TYPE_SYNCED,
        L.LIST_EVENT_TYPE_SUBSCRIBED,
        L.LIST_EVENT_TYPE_SYNCED,
    ]
    assert all(event.list != list_b and event.conversation.list != list_b for event in received)


async def test_a_replayed_subscription_to_a_list_no_longer_entitled_sends_nothing_of_it(any_server):
    scenario = await create_scenario(any_server, agents=0)
    list_b, service_b = await add_second_list(scenario)
    dave = await scenario.add_agent("dave", lists=[scenario.list, list_b], subscribe=False)
    before = (await read_event(watch_lists(dave, ""))).resume_token  # SYNCED, subscribed to nothing
    await dave.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=list_b))
    await scenario.post(customer_id="secret", service_identifier=service_b)
    await entitle(scenario, dave, [scenario.list])

    stream = watch_lists(dave, before)
    await dave.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
    received = await read_until(
        stream, lambda event: event.type == L.LIST_EVENT_TYPE_SYNCED and event.list == scenario.list
    )

    assert all(event.list != list_b and event.conversation.list != list_b for event in received)
    assert [event.type for event in received] == [L.LIST_EVENT_TYPE_SUBSCRIBED, L.LIST_EVENT_TYPE_SYNCED]


async def test_another_agents_token_is_refused(any_server):
    scenario = await create_scenario(any_server, agents=2)
    alice, bob = scenario.agents
    alices = (await read_event(watch_lists(alice, ""))).resume_token

    error = await expect_error(read_event(watch_lists(bob, alices)), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"resume_token"}


async def test_a_token_of_another_stream_is_refused(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    conversation = await scenario.new_conversation()
    await agent.stub.JoinConversation(agent_service_pb2.JoinConversationRequest(name=conversation.name))
    watch = agent.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=conversation.name))
    conversation_token = (await read_until(watch, lambda e: e.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED))[
        -1
    ].resume_token

    await expect_error(read_event(watch_lists(agent, conversation_token)), INVALID, "FIELD_INVALID")


async def test_an_altered_token_is_refused(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    token = (await read_event(watch_lists(agent, ""))).resume_token
    version, _, mac = token.split(".")

    await expect_error(read_event(watch_lists(agent, f"{version}.0.{mac}")), INVALID, "FIELD_INVALID")


async def test_a_token_of_another_database_is_refused(server, tmp_path):
    scenario = await create_scenario(server, agents=1)
    token = (await read_event(watch_lists(scenario.agents[0], ""))).resume_token
    async for other in serve(f"sqlite:///{tmp_path}/other.db"):
        twin = await create_scenario(other, agents=1)

        await expect_error(read_event(watch_lists(twin.agents[0], token)), INVALID, "FIELD_INVALID")


async def test_deleting_an_agent_ends_its_subscriptions_with_events(any_server):
    scenario = await create_scenario(any_server, agents=0)
    list_b, _ = await add_second_list(scenario)
    dave = await scenario.add_agent("dave", lists=[scenario.list, list_b])
    mark = stored_events(any_server.database_url)[-1].id

    await scenario.admin.DeleteAgent(admin_service_pb2.DeleteAgentRequest(name=dave.name))

    unsubscribed = [
        (event.type, event.agent_id, event.list_id)
        for event in stored_events(any_server.database_url, after=mark)
        if event.kind == "subscription"
    ]
    assert sorted(unsubscribed) == [("UNSUBSCRIBED", "dave", "l1"), ("UNSUBSCRIBED", "dave", "l2")]
