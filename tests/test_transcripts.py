"""Transcripts: AgentService.ListMessages gives a conversation's messages, oldest first, a page at a time,
to its participants and to agents entitled to its list (before joining, and after it closed), refused as
GetConversation is to anyone else; AdminService.ListConversationMessages gives supervisors any transcript."""

import grpc
from scenario import Scenario, add_second_list, create_scenario, expect_refusal, join
from support import Server, violated_fields

from pullrouting.v1 import admin_service_pb2, agent_service_pb2
from pullrouting.v1.conversation_pb2 import SENDER_TYPE_AGENT, SENDER_TYPE_CUSTOMER


async def transcript(agent, name: str, page_size: int = 0) -> list:
    """Every message, page by page."""
    messages, token = [], ""
    while True:
        found = await agent.stub.ListMessages(
            agent_service_pb2.ListMessagesRequest(parent=name, page_size=page_size, page_token=token)
        )
        messages += found.messages
        token = found.next_page_token
        if not token:
            return messages


async def supervised(scenario: Scenario, name: str, page_size: int = 0) -> list:
    messages, token = [], ""
    while True:
        found = await scenario.admin.ListConversationMessages(
            admin_service_pb2.ListConversationMessagesRequest(parent=name, page_size=page_size, page_token=token)
        )
        messages += found.messages
        token = found.next_page_token
        if not token:
            return messages


async def test_an_entitled_agent_reads_a_transcript_before_joining_and_after_the_close(any_server: Server):
    scenario = await create_scenario(any_server, agents=2)
    writer, reader = scenario.agents
    first = await scenario.post("My order is late")
    name = first.conversation.name
    assert [m.text for m in await transcript(reader, name)] == ["My order is late"]  # before anyone joined

    await join(writer, name)
    sent = (
        await writer.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=name, text="Checking"))
    ).message
    for text in ("Order 42", "Thanks"):
        await scenario.post(text)
    await writer.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=name))

    expected = ["My order is late", "Checking", "Order 42", "Thanks"]
    for page_size in (0, 1, 3):
        for agent in (writer, reader):
            read = await transcript(agent, name, page_size)
            assert [m.text for m in read] == expected, page_size
        assert [m.text for m in await supervised(scenario, name, page_size)] == expected
    read = await transcript(reader, name)
    assert read[0] == first.message
    assert read[1] == sent
    assert [m.sender_type for m in read] == [SENDER_TYPE_CUSTOMER, SENDER_TYPE_AGENT, *[SENDER_TYPE_CUSTOMER] * 2]
    assert [m.create_time.ToMicroseconds() for m in read] == sorted(m.create_time.ToMicroseconds() for m in read)


async def test_a_transcript_is_refused_as_get_conversation_is(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    _, foreign_service = await add_second_list(scenario)
    foreign = (await scenario.post(customer_id="other", service_identifier=foreign_service)).conversation.name

    def list_messages(name: str, **fields):
        return lambda: agent.stub.ListMessages(agent_service_pb2.ListMessagesRequest(parent=name, **fields))

    def get(name: str):
        return lambda: agent.stub.GetConversation(agent_service_pb2.GetConversationRequest(name=name))

    for call in (list_messages(foreign), get(foreign)):
        await expect_refusal(any_server, call, grpc.StatusCode.PERMISSION_DENIED, "NOT_ENTITLED")
    missing = "conversations/does-not-exist"
    for call in (list_messages(missing), get(missing)):
        await expect_refusal(any_server, call, grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
    await expect_refusal(
        any_server,
        lambda: scenario.admin.ListConversationMessages(
            admin_service_pb2.ListConversationMessagesRequest(parent=missing)
        ),
        grpc.StatusCode.NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )
    own = (await scenario.post()).conversation.name
    for fields, field in (({"page_size": -1}, "page_size"), ({"page_token": "bm90LW91cnM"}, "page_token")):
        error = await expect_refusal(
            any_server, list_messages(own, **fields), grpc.StatusCode.INVALID_ARGUMENT, "FIELD_INVALID"
        )
        assert violated_fields(error) == {field}


async def test_a_participant_who_lost_the_entitlement_still_reads_its_conversation(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    name = (await scenario.post("Hello")).conversation.name
    await join(agent, name)
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(agent={"name": agent.name, "lists": []}, update_mask={"paths": ["lists"]})
    )
    assert [m.text for m in await transcript(agent, name)] == ["Hello"]
