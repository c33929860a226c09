"""IngestService: customer messages in, customer-side closes, over a real server."""

import grpc
from scenario import create_scenario, expect_refusal, join
from support import dump_store, violated_fields

from pullrouting.v1 import (
    admin_service_pb2,
    agent_service_pb2,
    conversation_pb2,
    ingest_service_pb2,
    resources_pb2,
)
from pullrouting.v1.conversation_pb2 import (
    CLOSE_REASON_CUSTOMER,
    CONVERSATION_STATE_ACTIVE,
    CONVERSATION_STATE_CLOSED,
    CONVERSATION_STATE_UNREAD,
    SENDER_TYPE_CUSTOMER,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def post_request(**fields) -> ingest_service_pb2.PostCustomerMessageRequest:
    values = {
        "service_identifier": "facebook.com/acme",
        "customer": conversation_pb2.Customer(id="customer-1", display_name="Ann"),
        "text": "Hello",
        "source_message_id": "fb-1",
    }
    values.update(fields)
    return ingest_service_pb2.PostCustomerMessageRequest(**values)


async def test_first_message_opens_an_unread_conversation_on_the_channels_list(server):
    scenario = await create_scenario(server, agents=0)
    response = await scenario.ingest.PostCustomerMessage(post_request())
    conversation, message = response.conversation, response.message
    assert response.created
    assert conversation.name.startswith("conversations/")
    assert conversation.list == scenario.list == "lists/l1"
    assert conversation.channel == scenario.channel == "channels/c2"
    assert (conversation.customer.id, conversation.customer.display_name) == ("customer-1", "Ann")
    assert conversation.state == CONVERSATION_STATE_UNREAD
    assert list(conversation.participants) == []
    assert conversation.message_count == 1
    assert conversation.last_message_time == conversation.create_time == conversation.update_time
    assert not conversation.HasField("first_join_time") and not conversation.HasField("close_time")
    assert message.name.startswith(conversation.name + "/messages/")
    assert message.sender_type == SENDER_TYPE_CUSTOMER
    assert (message.text, message.idempotency_key, message.agent) == ("Hello", "fb-1", "")
    assert message.create_time == conversation.create_time


async def test_later_messages_append_to_the_customers_open_conversation(server):
    scenario = await create_scenario(server, agents=1)
    first = await scenario.ingest.PostCustomerMessage(post_request())
    await scenario.agents[0].stub.JoinConversation(
        agent_service_pb2.JoinConversationRequest(name=first.conversation.name)
    )
    second = await scenario.ingest.PostCustomerMessage(post_request(text="Anyone?", source_message_id="fb-2"))
    assert not second.created
    assert second.conversation.name == first.conversation.name
    assert second.conversation.state == CONVERSATION_STATE_ACTIVE
    assert second.conversation.message_count == 2
    assert second.conversation.last_message_time == second.message.create_time
    assert second.message.create_time.ToMicroseconds() > first.message.create_time.ToMicroseconds()
    other = await scenario.ingest.PostCustomerMessage(
        post_request(customer=conversation_pb2.Customer(id="customer-2"), source_message_id="fb-3")
    )
    assert other.created and other.conversation.name != first.conversation.name


async def test_a_retry_returns_the_first_result_and_writes_nothing(server):
    scenario = await create_scenario(server, agents=0)
    first = await scenario.ingest.PostCustomerMessage(post_request())
    second = await scenario.ingest.PostCustomerMessage(post_request(text="More", source_message_id="fb-2"))
    before = dump_store(server.database_url)
    retry_first = await scenario.ingest.PostCustomerMessage(post_request())
    retry_second = await scenario.ingest.PostCustomerMessage(post_request(text="More", source_message_id="fb-2"))
    assert dump_store(server.database_url) == before
    assert retry_first.created and not retry_second.created
    assert retry_first.message == first.message and retry_second.message == second.message
    assert retry_first.conversation == retry_second.conversation == second.conversation


async def test_source_message_ids_are_scoped_to_the_channel(server):
    scenario = await create_scenario(server, agents=0)
    await scenario.add_pull_channel("c3", "wa:+4420")
    first = await scenario.ingest.PostCustomerMessage(post_request())
    other = await scenario.ingest.PostCustomerMessage(post_request(service_identifier="wa:+4420"))
    assert other.created and other.message.name != first.message.name
    assert other.conversation.channel == "channels/c3"


async def test_a_message_after_close_opens_a_new_conversation(server):
    scenario = await create_scenario(server, agents=0)
    first = await scenario.ingest.PostCustomerMessage(post_request())
    await scenario.ingest.EndConversation(
        ingest_service_pb2.EndConversationRequest(conversation=first.conversation.name)
    )
    again = await scenario.ingest.PostCustomerMessage(post_request(source_message_id="fb-2"))
    assert again.created
    assert again.conversation.name != first.conversation.name
    assert again.conversation.state == CONVERSATION_STATE_UNREAD and again.conversation.message_count == 1


async def test_unknown_disabled_and_push_channels_are_refused(server):
    scenario = await create_scenario(server, agents=0)
    await expect_refusal(
        server,
        lambda: scenario.ingest.PostCustomerMessage(post_request(service_identifier="nobody")),
        grpc.StatusCode.NOT_FOUND,
        "SERVICE_IDENTIFIER_UNKNOWN",
    )
    await scenario.admin.CreateChannel(
        admin_service_pb2.CreateChannelRequest(
            channel_id="push",
            channel=resources_pb2.Channel(
                display_name="Push",
                channel_type=scenario.channel_type,
                service_identifier="push-page",
                routing_mode=resources_pb2.ROUTING_MODE_PUSH,
            ),
        )
    )
    await expect_refusal(
        server,
        lambda: scenario.ingest.PostCustomerMessage(post_request(service_identifier="push-page")),
        grpc.StatusCode.FAILED_PRECONDITION,
        "CHANNEL_NOT_PULL",
    )
    await scenario.admin.UpdateChannel(
        admin_service_pb2.UpdateChannelRequest(
            channel=resources_pb2.Channel(name=scenario.channel, enabled=False),
            update_mask={"paths": ["enabled"]},
        )
    )
    await expect_refusal(
        server,
        lambda: scenario.ingest.PostCustomerMessage(post_request()),
        grpc.StatusCode.FAILED_PRECONDITION,
        "CHANNEL_DISABLED",
    )


async def test_a_scoped_ingestor_is_refused_on_other_channels(server):
    scenario = await create_scenario(server, agents=0)
    opened = await scenario.ingest.PostCustomerMessage(post_request())
    await scenario.add_pull_channel("c3", "wa:+4420")
    scoped = await scenario.admin.CreateIngestor(
        admin_service_pb2.CreateIngestorRequest(
            ingestor_id="whatsapp-only", ingestor=resources_pb2.Ingestor(display_name="WA", channels=["channels/c3"])
        )
    )
    ingest = server.ingest(scoped.token)
    for call in (
        lambda: ingest.PostCustomerMessage(post_request(source_message_id="fb-9")),
        lambda: ingest.EndConversation(
            ingest_service_pb2.EndConversationRequest(conversation=opened.conversation.name)
        ),
        lambda: ingest.EndConversation(
            ingest_service_pb2.EndConversationRequest(service_identifier="facebook.com/acme", customer_id="customer-1")
        ),
    ):
        await expect_refusal(server, call, grpc.StatusCode.PERMISSION_DENIED, "CHANNEL_NOT_PERMITTED")
    allowed = await ingest.PostCustomerMessage(post_request(service_identifier="wa:+4420"))
    assert allowed.created


async def test_bad_customer_messages_name_every_offending_field(server):
    scenario = await create_scenario(server, agents=0)
    error = await expect_refusal(
        server,
        lambda: scenario.ingest.PostCustomerMessage(ingest_service_pb2.PostCustomerMessageRequest()),
        INVALID,
        "FIELD_INVALID",
    )
    assert violated_fields(error) == {"service_identifier", "customer.id", "text", "source_message_id"}
    error = await expect_refusal(
        server,
        lambda: scenario.ingest.PostCustomerMessage(
            post_request(
                text="x" * 4097,
                customer=conversation_pb2.Customer(id="c" * 501, display_name="d" * 201),
                source_message_id="s" * 501,
            )
        ),
        INVALID,
        "FIELD_INVALID",
    )
    assert violated_fields(error) == {"text", "customer.id", "customer.display_name", "source_message_id"}
    longest = await scenario.ingest.PostCustomerMessage(post_request(text="x" * 4096))
    assert len(longest.message.text) == 4096


async def test_end_conversation_by_name_closes_it_with_reason_customer(server):
    scenario = await create_scenario(server, agents=1)
    opened = await scenario.ingest.PostCustomerMessage(post_request())
    name = opened.conversation.name
    await join(scenario.agents[0], name)
    ended = await scenario.ingest.EndConversation(ingest_service_pb2.EndConversationRequest(conversation=name))
    conversation = ended.conversation
    assert conversation.state == CONVERSATION_STATE_CLOSED
    assert conversation.close_reason == CLOSE_REASON_CUSTOMER
    assert conversation.HasField("close_time") and list(conversation.participants) == []
    await expect_refusal(
        server,
        lambda: scenario.ingest.EndConversation(ingest_service_pb2.EndConversationRequest(conversation=name)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "CONVERSATION_CLOSED",
    )


async def test_end_conversation_by_customer_closes_the_open_one(server):
    scenario = await create_scenario(server, agents=0)
    opened = await scenario.ingest.PostCustomerMessage(post_request())
    request = ingest_service_pb2.EndConversationRequest(
        service_identifier="facebook.com/acme", customer_id="customer-1"
    )
    ended = await scenario.ingest.EndConversation(request)
    assert ended.conversation.name == opened.conversation.name
    assert ended.conversation.state == CONVERSATION_STATE_CLOSED
    await expect_refusal(
        server, lambda: scenario.ingest.EndConversation(request), grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"
    )
    await expect_refusal(
        server,
        lambda: scenario.ingest.EndConversation(
            ingest_service_pb2.EndConversationRequest(service_identifier="nobody", customer_id="customer-1")
        ),
        grpc.StatusCode.NOT_FOUND,
        "SERVICE_IDENTIFIER_UNKNOWN",
    )


async def test_bad_end_conversation_requests_are_refused(server):
    scenario = await create_scenario(server, agents=0)
    opened = await scenario.ingest.PostCustomerMessage(post_request())
    cases = [
        (ingest_service_pb2.EndConversationRequest(), {"service_identifier", "customer_id"}),
        (ingest_service_pb2.EndConversationRequest(customer_id="customer-1"), {"service_identifier"}),
        (ingest_service_pb2.EndConversationRequest(conversation="lists/l1"), {"conversation"}),
        (
            ingest_service_pb2.EndConversationRequest(conversation=opened.conversation.name, customer_id="customer-1"),
            {"customer_id"},
        ),
    ]
    for request, fields in cases:
        error = await expect_refusal(
            server, lambda request=request: scenario.ingest.EndConversation(request), INVALID, "FIELD_INVALID"
        )
        assert violated_fields(error) == fields
    await expect_refusal(
        server,
        lambda: scenario.ingest.EndConversation(
            ingest_service_pb2.EndConversationRequest(conversation="conversations/nope")
        ),
        grpc.StatusCode.NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )


async def test_only_ingestors_may_call(server):
    scenario = await create_scenario(server, agents=1)
    as_agent = server.ingest(scenario.agents[0].token)
    await expect_refusal(
        server,
        lambda: as_agent.PostCustomerMessage(post_request()),
        grpc.StatusCode.PERMISSION_DENIED,
        "ROLE_NOT_ALLOWED",
    )
