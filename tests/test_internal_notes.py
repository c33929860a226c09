"""Internal notes and the collision guard: an INTERNAL message is seen by agents and supervisors, never sent to
the connector, and marked in transcripts; a send on a stale view (someone wrote since the message the agent
expects to be the newest) is refused with STALE_VIEW naming the newest message, and of several agents
answering the same view at once exactly one gets through, on SQLite and PostgreSQL."""

import grpc
from scenario import create_scenario, expect_refusal, join
from streams import read_event, read_until
from support import error_details, gather_all
from test_concurrency import refusals

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, events_pb2, ingest_service_pb2

INTERNAL = conversation_pb2.MESSAGE_VISIBILITY_INTERNAL
PUBLIC = conversation_pb2.MESSAGE_VISIBILITY_PUBLIC
ROUNDS = 10


def send(agent, conversation: str, text: str, visibility: int = 0, expected_last_message: str = ""):
    return agent.stub.SendMessage(
        agent_service_pb2.SendMessageRequest(
            conversation=conversation, text=text, visibility=visibility, expected_last_message=expected_last_message
        )
    )


def answer_call(agent, name: str, seen: str):
    """A reply to the view that ends with `seen`, to start later."""
    return lambda: send(agent, name, f"Reply by {agent.id}", expected_last_message=seen)


async def test_an_internal_note_reaches_agents_and_transcripts_but_never_the_connector(any_server):
    scenario = await create_scenario(any_server, agents=2)
    writer, colleague = scenario.agents
    outbound = scenario.ingest.WatchOutbound(ingest_service_pb2.WatchOutboundRequest())
    assert (await read_event(outbound)).type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED
    conversation = await scenario.new_conversation()
    await join(writer, conversation.name)
    await join(colleague, conversation.name)
    watch = colleague.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=conversation.name))
    await read_until(watch, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)

    note = (await send(writer, conversation.name, "VIP customer, be quick", INTERNAL)).message
    reply = (await send(writer, conversation.name, "Hello! Looking into it.")).message

    assert (note.visibility, reply.visibility) == (INTERNAL, PUBLIC)
    seen = await read_until(watch, lambda event: event.message.name == reply.name)
    assert [e.message for e in seen if e.type == events_pb2.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE] == [note, reply]
    # The connector's stream: the reply is the first thing it is asked to deliver.
    delivered = await read_event(outbound)
    assert (delivered.type, delivered.message) == (events_pb2.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE, reply)
    agent_page = await colleague.stub.ListMessages(agent_service_pb2.ListMessagesRequest(parent=conversation.name))
    supervisor_page = await scenario.admin.ListConversationMessages(
        admin_service_pb2.ListConversationMessagesRequest(parent=conversation.name)
    )
    for page in (agent_page, supervisor_page):
        assert [(m.text, m.visibility) for m in page.messages] == [
            ("Hello", PUBLIC),
            ("VIP customer, be quick", INTERNAL),
            ("Hello! Looking into it.", PUBLIC),
        ]
    outbound.cancel()


async def test_an_internal_note_does_not_answer_the_customer(any_server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    conversation = await scenario.new_conversation()
    await join(agent, conversation.name)

    await send(agent, conversation.name, "Checking with the warehouse", INTERNAL)

    after = (
        await agent.stub.GetConversation(agent_service_pb2.GetConversationRequest(name=conversation.name))
    ).conversation
    assert after.waiting_since == conversation.waiting_since
    assert after.last_message == conversation.last_message
    assert after.message_count == 2


async def test_a_send_on_a_stale_view_is_refused_naming_the_newest_message(any_server):
    scenario = await create_scenario(any_server, agents=2)
    first, second = scenario.agents
    posted = await scenario.post(text="Where is my parcel?")
    name, seen = posted.conversation.name, posted.message.name
    await join(first, name)
    await join(second, name)

    answered = (await send(first, name, "On its way", expected_last_message=seen)).message
    refused = await expect_refusal(
        any_server,
        lambda: send(second, name, "It left this morning", expected_last_message=seen),
        grpc.StatusCode.FAILED_PRECONDITION,
        "STALE_VIEW",
    )

    assert error_details(refused)[0].metadata["newest_message"] == answered.name
    # Having seen the newest message, the agent may write.
    await send(second, name, "Tracking number follows", expected_last_message=answered.name)
    other = (await scenario.new_conversation("customer-2")).name
    stranger = (await scenario.post(customer_id="customer-2")).message.name
    assert stranger.startswith(other)
    error = await expect_refusal(
        any_server,
        lambda: send(second, name, "Hi", expected_last_message=stranger),
        grpc.StatusCode.INVALID_ARGUMENT,
        "FIELD_INVALID",
    )
    assert error_details(error)[1].field_violations[0].field == "expected_last_message"
    await expect_refusal(
        any_server, lambda: send(second, name, "Hi", visibility=7), grpc.StatusCode.INVALID_ARGUMENT, "FIELD_INVALID"
    )


async def test_of_agents_answering_the_same_view_at_once_one_gets_through(any_server):
    scenario = await create_scenario(any_server, agents=8)
    for round_number in range(ROUNDS):
        posted = await scenario.post(customer_id=f"customer-{round_number}")
        name, seen = posted.conversation.name, posted.message.name
        for agent in scenario.agents:
            await join(agent, name)

        results = await gather_all([answer_call(agent, name, seen) for agent in scenario.agents])

        assert sorted(refusals(results)) == ["STALE_VIEW"] * (len(scenario.agents) - 1)
        messages = (
            await scenario.agents[0].stub.ListMessages(agent_service_pb2.ListMessagesRequest(parent=name))
        ).messages
        assert len(messages) == 2
