"""Narrowing an ingestor's channels reaches its open WatchOutbound at once: a stream for a channel it lost
ends with CHANNEL_NOT_PERMITTED, and a stream for all its channels stops carrying the lost channel's replies."""

import grpc
import pytest
from scenario import Scenario, add_second_list, create_scenario
from streams import READ_TIMEOUT, read_until
from support import error_reason, within

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2, ingest_service_pb2, resources_pb2

AGENT_MESSAGE = events_pb2.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE


async def scope_ingestor(scenario: Scenario, channels: list[str]) -> None:
    await scenario.admin.UpdateIngestor(
        admin_service_pb2.UpdateIngestorRequest(
            ingestor=resources_pb2.Ingestor(name="ingestors/connector", channels=channels),
            update_mask={"paths": ["channels"]},
        )
    )


async def joined_request(scenario: Scenario, customer_id: str, service_identifier: str) -> str:
    """A customer's new request, joined by the scenario's agent; returns its name."""
    posted = await scenario.post(customer_id=customer_id, service_identifier=service_identifier)
    name = posted.conversation.name
    await scenario.agents[0].stub.JoinConversation(agent_service_pb2.JoinConversationRequest(name=name))
    return name


async def reply(scenario: Scenario, name: str, text: str) -> None:
    await scenario.agents[0].stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=name, text=text))


async def test_a_stream_for_a_channel_the_ingestor_lost_ends_with_channel_not_permitted(any_server):
    scenario = await create_scenario(any_server, agents=1, ingestor_channels=["channels/c2"])
    await add_second_list(scenario)
    await scope_ingestor(scenario, ["channels/c2", "channels/c3"])
    request = ingest_service_pb2.WatchOutboundRequest(service_identifier="facebook.com/acme")
    stream = scenario.ingest.WatchOutbound(request)
    await read_until(stream, lambda event: event.type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED)
    first = await joined_request(scenario, "customer-1", "facebook.com/acme")
    second = await joined_request(scenario, "customer-2", "facebook.com/acme")
    await reply(scenario, first, "before")
    await read_until(stream, lambda event: event.type == AGENT_MESSAGE)

    await scope_ingestor(scenario, ["channels/c3"])
    await reply(scenario, second, "after: card 4111 1111 1111 1111")

    with pytest.raises(grpc.aio.AioRpcError) as ended:
        while True:
            response = await within(READ_TIMEOUT, stream.read())
            assert response is not grpc.aio.EOF, "the stream ended with OK"
            assert response.event.message.text != "after: card 4111 1111 1111 1111"
    assert ended.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_reason(ended.value) == "CHANNEL_NOT_PERMITTED"


async def test_a_stream_for_all_channels_stops_carrying_a_lost_channel(any_server):
    scenario = await create_scenario(any_server, agents=0, ingestor_channels=["channels/c2"])
    second_list, other = await add_second_list(scenario)
    await scenario.add_agent("agent-1", lists=[scenario.list, second_list])
    await scope_ingestor(scenario, ["channels/c2", "channels/c3"])
    stream = scenario.ingest.WatchOutbound(ingest_service_pb2.WatchOutboundRequest())
    await read_until(stream, lambda event: event.type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED)

    lost = await joined_request(scenario, "customer-1", "facebook.com/acme")
    kept = await joined_request(scenario, "customer-2", other)

    await scope_ingestor(scenario, ["channels/c3"])
    await reply(scenario, lost, "lost channel")
    await reply(scenario, kept, "kept channel")

    received = await read_until(stream, lambda event: event.type == AGENT_MESSAGE)
    assert [(event.service_identifier, event.message.text) for event in received if event.type == AGENT_MESSAGE] == [
        (other, "kept channel")
    ]
