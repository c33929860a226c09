"""Streams already open end when their credentials stop being valid: the agent or ingestor disabled or
deleted, or its token rotated. Removing an entitlement ends the subscription and its list events."""

import grpc
import pytest
from scenario import Scenario, add_second_list, create_scenario, join
from streams import READ_TIMEOUT, read_event, read_until, watch_from_synced
from support import error_reason, expect_error, within

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2, ingest_service_pb2, resources_pb2

L = events_pb2.ListEventType
DENIED = grpc.StatusCode.PERMISSION_DENIED
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED


async def ends_with(stream, code: grpc.StatusCode, reason: str) -> None:
    """Reads the stream until the server ends it, which must be with `code` and `reason`."""
    with pytest.raises(grpc.aio.AioRpcError) as ended:
        while True:
            response = await within(READ_TIMEOUT, stream.read())
            assert response is not grpc.aio.EOF, "the stream ended with OK"
    assert ended.value.code() == code, ended.value.details()
    assert error_reason(ended.value) == reason


async def ends_released_or_denied(stream, agent_name: str) -> None:
    """A disabled agent's conversation stream ends either with the agent's release (AGENT_LEFT, DISABLED),
    or, when the credential check comes first, PRINCIPAL_DISABLED: both are written in one transaction."""
    last = None
    try:
        while (response := await within(READ_TIMEOUT, stream.read())) is not grpc.aio.EOF:
            last = response.event
    except grpc.aio.AioRpcError as error:
        assert (error.code(), error_reason(error)) == (DENIED, "PRINCIPAL_DISABLED")
        return
    assert last is not None and last.type == events_pb2.CONVERSATION_EVENT_TYPE_AGENT_LEFT
    assert (last.agent, last.leave_cause) == (agent_name, events_pb2.LEAVE_CAUSE_DISABLED)


async def set_agent_enabled(scenario: Scenario, name: str, enabled: bool) -> None:
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name=name, enabled=enabled), update_mask={"paths": ["enabled"]}
        )
    )


async def open_conversation_stream(scenario: Scenario, agent) -> grpc.aio.UnaryStreamCall:
    conversation = await scenario.new_conversation()
    await join(agent, conversation.name)
    stream = agent.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=conversation.name))
    await read_until(stream, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)
    return stream


async def test_disabling_an_agent_ends_its_open_streams_and_no_one_elses(any_server):
    scenario = await create_scenario(any_server, agents=2)
    disabled, other = scenario.agents
    lists_stream = await watch_from_synced(disabled)
    conversation_stream = await open_conversation_stream(scenario, disabled)
    await read_until(lists_stream, lambda event: event.type == L.LIST_EVENT_TYPE_UPDATED)
    others_stream = await watch_from_synced(other)

    await set_agent_enabled(scenario, disabled.name, False)

    await ends_with(lists_stream, DENIED, "PRINCIPAL_DISABLED")
    await ends_released_or_denied(conversation_stream, disabled.name)
    await expect_error(
        disabled.stub.WatchLists(agent_service_pb2.WatchListsRequest()).read(), DENIED, "PRINCIPAL_DISABLED"
    )
    posted = await scenario.post(customer_id="after-the-disable")
    event = await read_until(others_stream, lambda e: e.type == L.LIST_EVENT_TYPE_ADDED)
    assert event[-1].conversation.name == posted.conversation.name


async def test_an_update_that_leaves_the_agent_enabled_keeps_its_streams(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    stream = await watch_from_synced(agent)

    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(agent=resources_pb2.Agent(name=agent.name, display_name="Renamed"))
    )
    posted = await scenario.post()

    assert (await read_event(stream)).conversation.name == posted.conversation.name


async def test_rotating_an_agent_token_ends_the_streams_opened_with_the_old_one(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    stream = await watch_from_synced(agent)

    await scenario.admin.RotateAgentToken(admin_service_pb2.RotateAgentTokenRequest(name=agent.name))

    await ends_with(stream, UNAUTHENTICATED, "TOKEN_INVALID")


async def test_deleting_an_agent_ends_its_streams(server):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    stream = await watch_from_synced(agent)

    await scenario.admin.DeleteAgent(admin_service_pb2.DeleteAgentRequest(name=agent.name))

    await ends_with(stream, UNAUTHENTICATED, "TOKEN_INVALID")


async def open_outbound_stream(scenario: Scenario) -> grpc.aio.UnaryStreamCall:
    """An outbound stream that has delivered an agent's message, so it is open for sure."""
    stream = scenario.ingest.WatchOutbound(ingest_service_pb2.WatchOutboundRequest())
    await read_until(stream, lambda event: event.type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED)
    agent = scenario.agents[0]
    conversation = await scenario.new_conversation()
    await join(agent, conversation.name)
    await agent.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=conversation.name, text="Hi"))
    received = await read_until(stream, lambda event: event.type == events_pb2.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE)
    assert received[-1].message.text == "Hi"
    return stream


async def test_disabling_an_ingestor_ends_its_outbound_stream(any_server):
    scenario = await create_scenario(any_server, agents=1)
    stream = await open_outbound_stream(scenario)

    await scenario.admin.UpdateIngestor(
        admin_service_pb2.UpdateIngestorRequest(
            ingestor=resources_pb2.Ingestor(name="ingestors/connector", enabled=False),
            update_mask={"paths": ["enabled"]},
        )
    )

    await ends_with(stream, DENIED, "PRINCIPAL_DISABLED")


async def test_rotating_an_ingestor_token_ends_its_outbound_stream(server):
    scenario = await create_scenario(server, agents=1)
    stream = await open_outbound_stream(scenario)

    await scenario.admin.RotateIngestorToken(admin_service_pb2.RotateIngestorTokenRequest(name="ingestors/connector"))

    await ends_with(stream, UNAUTHENTICATED, "TOKEN_INVALID")


async def test_removing_an_entitlement_ends_the_subscription_and_its_list_events(any_server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    second_list, second_service = await add_second_list(scenario)
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name=agent.name, lists=[scenario.list, second_list]),
            update_mask={"paths": ["lists"]},
        )
    )
    await agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=second_list))
    stream = await watch_from_synced(agent)

    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name=agent.name, lists=[second_list]), update_mask={"paths": ["lists"]}
        )
    )

    unsubscribed = await read_event(stream)
    assert (unsubscribed.type, unsubscribed.list) == (L.LIST_EVENT_TYPE_UNSUBSCRIBED, scenario.list)
    subscriptions = await agent.stub.ListSubscriptions(agent_service_pb2.ListSubscriptionsRequest())
    assert [s.list for s in subscriptions.subscriptions] == [second_list]
    await scenario.post(customer_id="on-the-removed-list")
    kept = await scenario.post(customer_id="on-the-kept-list", service_identifier=second_service)
    # Events arrive in commit order: the next one being the kept list's shows the removed list's was not sent.
    next_event = await read_event(stream)
    assert (next_event.type, next_event.conversation.name) == (L.LIST_EVENT_TYPE_ADDED, kept.conversation.name)
    await expect_error(
        agent.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list)), DENIED, "NOT_ENTITLED"
    )
