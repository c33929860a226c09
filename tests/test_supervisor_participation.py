"""What a supervisor who barged in does next: it writes to the customer (SendMessage) and leaves
(LeaveConversation); disabled, deleted or no longer scoped to the conversation's List, it leaves at once.
Races against closes, other leaves and the admin decided by the database, on SQLite and PostgreSQL."""

from functools import partial

import grpc
from scenario import (
    add_second_list,
    conversation_id,
    create_scenario,
    expect_refusal,
    join,
    last_event_id,
)
from streams import read_event, read_until
from support import error_details, gather_all, violated_fields
from test_concurrency import refusals
from test_supervisor_actions import ROUNDS, barge_in, events_of, force_close, new_supervisor, transfer

from pullrouting.v1 import (
    admin_service_pb2,
    agent_service_pb2,
    conversation_pb2,
    events_pb2,
    ingest_service_pb2,
    resources_pb2,
)
from pullrouting.v1 import supervisor_service_pb2 as supervisor

Code = grpc.StatusCode
SUPERVISOR_SENDER = conversation_pb2.SENDER_TYPE_SUPERVISOR
PUBLIC = conversation_pb2.MESSAGE_VISIBILITY_PUBLIC
SUPERVISOR_LEFT = events_pb2.CONVERSATION_EVENT_TYPE_SUPERVISOR_LEFT


def send(stub, name: str, text: str = "This is Sam, the team lead", **fields):
    return stub.SendMessage(supervisor.SupervisorServiceSendMessageRequest(name=name, text=text, **fields))


def leave_as_supervisor(stub, name: str):
    return stub.LeaveConversation(supervisor.SupervisorServiceLeaveConversationRequest(name=name))


def update_supervisor(scenario, supervisor_id: str, **fields):
    return scenario.admin.UpdateSupervisor(
        admin_service_pb2.UpdateSupervisorRequest(
            supervisor=resources_pb2.Supervisor(name=f"supervisors/{supervisor_id}", **fields),
            update_mask={"paths": list(fields)},
        )
    )


def disable(scenario, supervisor_id: str):
    return update_supervisor(scenario, supervisor_id, enabled=False)


def supervisors_in(conversation) -> list[str]:
    return [p.supervisor for p in conversation.participants if p.role == conversation_pb2.PARTICIPANT_ROLE_SUPERVISOR]


async def get_conversation(stub, name: str):
    return (await stub.GetConversation(supervisor.SupervisorServiceGetConversationRequest(name=name))).conversation


def supervisor_leaves(scenario, name: str, after: int = 0) -> list[tuple[str, str, str | None]]:
    """(kind, supervisor, leave cause) of each SUPERVISOR_LEFT stored for the conversation."""
    return [
        (e.kind, e.payload["supervisor_id"], e.payload.get("leave_cause"))
        for e in events_of(scenario, name, after)
        if e.type == "SUPERVISOR_LEFT"
    ]


def watch_conversation(agent, name: str):
    return agent.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=name))


async def synced_outbound(scenario):
    outbound = scenario.ingest.WatchOutbound(ingest_service_pb2.WatchOutboundRequest())
    assert (await read_event(outbound)).type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED
    return outbound


async def test_a_supervisor_who_barged_in_writes_to_the_customer_as_itself(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    outbound = await synced_outbound(scenario)
    conversation = await scenario.new_conversation()
    agent = scenario.agents[0]
    await join(agent, conversation.name)
    watch = watch_conversation(agent, conversation.name)
    await read_until(watch, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)
    desk = agent.stub.WatchDesk(agent_service_pb2.WatchDeskRequest())
    monitor = sam.MonitorConversation(supervisor.MonitorConversationRequest(name=conversation.name))
    await read_until(monitor, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)
    await barge_in(sam, conversation.name)

    message = (await send(sam, conversation.name, request_id="sam-1")).message

    assert (message.sender_type, message.supervisor, message.agent, message.visibility, message.idempotency_key) == (
        SUPERVISOR_SENDER,
        "supervisors/sam",
        "",
        PUBLIC,
        "sam-1",
    )
    seen = await read_until(watch, lambda event: event.message.name == message.name)
    assert (seen[-1].type, seen[-1].message) == (events_pb2.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE, message)
    on_desk = await read_until(
        desk,
        lambda event: (
            event.WhichOneof("event") == "conversation_event" and event.conversation_event.message.name == message.name
        ),
    )
    assert on_desk[-1].conversation_event.message == message
    monitored = await read_until(monitor, lambda event: event.message.name == message.name)
    assert monitored[-1].message == message
    told = await read_until(outbound, lambda event: event.type == events_pb2.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE)
    assert (told[-1].message, told[-1].conversation) == (message, conversation.name)
    # It answers the customer: nobody waits any more, and the row shows the supervisor's message.
    row = await get_conversation(sam, conversation.name)
    assert not row.HasField("waiting_since")
    assert (row.last_message.sender_type, row.last_message.text) == (SUPERVISOR_SENDER, message.text)
    transcript = await agent.stub.ListMessages(agent_service_pb2.ListMessagesRequest(parent=conversation.name))
    assert transcript.messages[-1] == message
    records = await scenario.admin.ListAuditRecords(
        admin_service_pb2.ListAuditRecordsRequest(filter='action = "SendMessage"')
    )
    assert [(r.actor, r.resource, r.detail) for r in records.audit_records] == [
        ("supervisors/sam", conversation.name, f"message: {message.name}")
    ]
    for stream in (watch, desk, monitor, outbound):
        stream.cancel()


async def test_a_retried_request_id_answers_with_the_first_message_and_writes_nothing(any_server):
    scenario = await create_scenario(any_server, agents=0)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    conversation = await scenario.new_conversation()
    await barge_in(sam, conversation.name)
    first = (await send(sam, conversation.name, "Hello", request_id="r-1")).message
    mark = last_event_id(any_server.database_url)

    again = (await send(sam, conversation.name, "Something else entirely", request_id="r-1")).message

    assert again == first
    assert events_of(scenario, conversation.name, mark) == []
    other = (await send(sam, conversation.name, "Hello", request_id="r-2")).message
    assert other.name != first.name


async def test_a_send_on_a_stale_view_is_refused_naming_the_newest_message(any_server):
    scenario = await create_scenario(any_server, agents=0)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    conversation = await scenario.new_conversation()
    await barge_in(sam, conversation.name)
    seen = (await send(sam, conversation.name, "Hello")).message
    newer = (await scenario.post(customer_id=conversation.customer.id, text="Are you there?")).message

    error = await expect_refusal(
        any_server,
        lambda: send(sam, conversation.name, "Yes", expected_last_message=seen.name),
        Code.FAILED_PRECONDITION,
        "STALE_VIEW",
    )

    info = next(d for d in error_details(error) if hasattr(d, "metadata"))
    assert info.metadata["newest_message"] == newer.name
    written = (await send(sam, conversation.name, "Yes", expected_last_message=newer.name)).message
    assert written.text == "Yes"


async def test_a_supervisor_writes_only_while_it_is_in_the_conversation(any_server):
    scenario = await create_scenario(any_server, agents=1)
    _, second_service = await add_second_list(scenario)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    conversation = await scenario.new_conversation()
    foreign = (await scenario.post(customer_id="foreign", service_identifier=second_service)).conversation

    await expect_refusal(any_server, lambda: send(sam, conversation.name), Code.FAILED_PRECONDITION, "NOT_PARTICIPANT")
    for name in (foreign.name, "conversations/nowhere"):
        await expect_refusal(any_server, partial(send, sam, name), Code.PERMISSION_DENIED, "NOT_ENTITLED")
        await expect_refusal(
            any_server, partial(leave_as_supervisor, sam, name), Code.PERMISSION_DENIED, "NOT_ENTITLED"
        )
    await barge_in(sam, conversation.name)
    await leave_as_supervisor(sam, conversation.name)
    await expect_refusal(any_server, lambda: send(sam, conversation.name), Code.FAILED_PRECONDITION, "NOT_PARTICIPANT")
    # Another supervisor's barge-in does not let this one write.
    kim = await new_supervisor(scenario, "kim", [scenario.list])
    await barge_in(kim, conversation.name)
    await expect_refusal(any_server, lambda: send(sam, conversation.name), Code.FAILED_PRECONDITION, "NOT_PARTICIPANT")
    await force_close(kim, conversation.name)
    await expect_refusal(
        any_server, lambda: send(kim, conversation.name), Code.FAILED_PRECONDITION, "CONVERSATION_CLOSED"
    )


async def test_bad_input_is_refused_naming_every_field_and_changes_nothing(any_server):
    scenario = await create_scenario(any_server, agents=0)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    conversation = await scenario.new_conversation()
    await barge_in(sam, conversation.name)
    elsewhere = (await scenario.post(customer_id="someone-else")).message.name
    cases = [
        (dict(name="Not A/Name!"), {"name"}),
        (dict(name=""), {"name"}),
        (dict(name="conversations/" + "x" * 200), {"name"}),
        (dict(text=""), {"text"}),
        (dict(text="x" * 4097), {"text"}),
        (dict(request_id="r" * 501), {"request_id"}),
        (dict(expected_last_message="conversations/c/messages/"), {"expected_last_message"}),
        (dict(expected_last_message=elsewhere), {"expected_last_message"}),
        (dict(name="bad", text="", request_id="r" * 501), {"name", "text", "request_id"}),
    ]
    for fields, named in cases:
        request = {"name": conversation.name, "text": "Hello", **fields}
        error = await expect_refusal(
            any_server,
            lambda request=request: sam.SendMessage(supervisor.SupervisorServiceSendMessageRequest(**request)),
            Code.INVALID_ARGUMENT,
            "FIELD_INVALID",
        )
        assert violated_fields(error) == named, fields
    for name in ("Not A/Name!", "", "lists/l1"):
        error = await expect_refusal(
            any_server, partial(leave_as_supervisor, sam, name), Code.INVALID_ARGUMENT, "FIELD_INVALID"
        )
        assert violated_fields(error) == {"name"}


async def test_a_leave_tells_the_agents_the_monitors_and_the_connector(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    outbound = await synced_outbound(scenario)
    conversation = await scenario.new_conversation()
    agent = scenario.agents[0]
    await join(agent, conversation.name)
    await barge_in(sam, conversation.name)
    watch = watch_conversation(agent, conversation.name)
    await read_until(watch, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)
    monitor = sam.MonitorConversation(supervisor.MonitorConversationRequest(name=conversation.name))
    await read_until(monitor, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)

    left = (await leave_as_supervisor(sam, conversation.name)).conversation

    assert supervisors_in(left) == []
    assert left.state == conversation_pb2.CONVERSATION_STATE_ACTIVE
    for stream in (watch, monitor):
        event = await read_event(stream)
        assert (event.type, event.supervisor, event.agent, event.leave_cause) == (
            SUPERVISOR_LEFT,
            "supervisors/sam",
            "",
            events_pb2.LEAVE_CAUSE_LEFT,
        )
        assert supervisors_in(event.conversation) == []
    told = await read_until(outbound, lambda event: event.type == events_pb2.OUTBOUND_EVENT_TYPE_SUPERVISOR_LEFT)
    assert (told[-1].supervisor, told[-1].conversation) == ("supervisors/sam", conversation.name)
    mark = last_event_id(any_server.database_url)
    assert (await leave_as_supervisor(sam, conversation.name)).conversation == left
    assert events_of(scenario, conversation.name, mark) == [], "leaving again changed something"
    records = await scenario.admin.ListAuditRecords(
        admin_service_pb2.ListAuditRecordsRequest(filter='action = "LeaveConversation"')
    )
    assert [(r.actor, r.resource) for r in records.audit_records] == [("supervisors/sam", conversation.name)] * 2
    # It may barge in again.
    assert supervisors_in((await barge_in(sam, conversation.name)).conversation) == ["supervisors/sam"]
    for stream in (watch, monitor, outbound):
        stream.cancel()


async def test_a_disabled_or_deleted_supervisor_leaves_every_conversation_it_barged_into(any_server):
    scenario = await create_scenario(any_server, agents=0)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    kim = await new_supervisor(scenario, "kim", [scenario.list])
    first, second = await scenario.new_conversation("ann"), await scenario.new_conversation("bob")
    for name in (first.name, second.name):
        await barge_in(sam, name)
    await barge_in(kim, first.name)
    mark = last_event_id(any_server.database_url)

    await disable(scenario, "sam")

    for name in (first.name, second.name):
        assert supervisor_leaves(scenario, name, mark) == [
            ("conversation", "sam", "DISABLED"),
            ("outbound", "sam", None),
        ]
    assert supervisors_in(await get_conversation(kim, first.name)) == ["supervisors/kim"]
    mark = last_event_id(any_server.database_url)
    await scenario.admin.DeleteSupervisor(admin_service_pb2.DeleteSupervisorRequest(name="supervisors/kim"))
    assert supervisor_leaves(scenario, first.name, mark) == [
        ("conversation", "kim", "DISABLED"),
        ("outbound", "kim", None),
    ]
    await update_supervisor(scenario, "sam", enabled=True)
    assert supervisors_in(await get_conversation(sam, first.name)) == []


async def test_a_supervisor_that_loses_a_list_leaves_its_conversations_there_only(any_server):
    scenario = await create_scenario(any_server, agents=0)
    second_list, second_service = await add_second_list(scenario)
    sam = await new_supervisor(scenario, "sam", [scenario.list, second_list])
    kept = await scenario.new_conversation()
    lost = (await scenario.post(customer_id="other", service_identifier=second_service)).conversation
    for name in (kept.name, lost.name):
        await barge_in(sam, name)
    mark = last_event_id(any_server.database_url)

    await update_supervisor(scenario, "sam", lists=[scenario.list], display_name="Sam")

    assert supervisor_leaves(scenario, lost.name, mark) == [
        ("conversation", "sam", "OUT_OF_SCOPE"),
        ("outbound", "sam", None),
    ]
    assert supervisor_leaves(scenario, kept.name, mark) == []
    assert supervisors_in(await get_conversation(sam, kept.name)) == ["supervisors/sam"]
    # An update that keeps its lists changes nothing of its conversations.
    mark = last_event_id(any_server.database_url)
    await update_supervisor(scenario, "sam", display_name="Samantha")
    assert events_of(scenario, kept.name, mark) == []


async def test_a_transfer_lets_the_supervisor_go_with_a_supervisor_left(any_server):
    scenario = await create_scenario(any_server, agents=1)
    second_list, _ = await add_second_list(scenario)
    sam = await new_supervisor(scenario, "sam", [scenario.list, second_list])
    conversation = await scenario.new_conversation()
    agent = scenario.agents[0]
    await join(agent, conversation.name)
    await barge_in(sam, conversation.name)
    watch = watch_conversation(agent, conversation.name)
    await read_until(watch, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)
    mark = last_event_id(any_server.database_url)

    await transfer(sam, conversation.name, second_list)

    assert supervisor_leaves(scenario, conversation.name, mark) == [
        ("conversation", "sam", "TRANSFERRED"),
        ("outbound", "sam", None),
    ]
    # The agent's stream, which ends at its own leave, sees the supervisor go first.
    seen = await read_until(watch, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_AGENT_LEFT)
    assert [e.type for e in seen][:2] == [SUPERVISOR_LEFT, events_pb2.CONVERSATION_EVENT_TYPE_AGENT_LEFT]
    assert seen[0].leave_cause == events_pb2.LEAVE_CAUSE_TRANSFERRED
    watch.cancel()


def close_as_agent(agent, name: str):
    return agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=name))


async def test_a_send_racing_a_close_is_ordered_by_the_database(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    agent = scenario.agents[0]
    for _ in range(ROUNDS):
        conversation = await scenario.new_conversation()
        await join(agent, conversation.name)
        await barge_in(sam, conversation.name)
        mark = last_event_id(any_server.database_url)

        results = await gather_all(
            [partial(send, sam, conversation.name), partial(close_as_agent, agent, conversation.name)]
        )

        types = [e.type for e in events_of(scenario, conversation.name, mark) if e.kind == "conversation"]
        assert types[-1] == "CONVERSATION_CLOSED"
        if refusals(results) == ["CONVERSATION_CLOSED"]:
            assert "AGENT_MESSAGE" not in types
        else:
            assert refusals(results) == []
            assert types == ["AGENT_MESSAGE", "CONVERSATION_CLOSED"]


async def test_a_leave_racing_a_close_is_ordered_by_the_database(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    agent = scenario.agents[0]
    for _ in range(ROUNDS):
        conversation = await scenario.new_conversation()
        await join(agent, conversation.name)
        await barge_in(sam, conversation.name)
        mark = last_event_id(any_server.database_url)

        results = await gather_all(
            [partial(leave_as_supervisor, sam, conversation.name), partial(close_as_agent, agent, conversation.name)]
        )

        assert refusals(results) == []
        types = [e.type for e in events_of(scenario, conversation.name, mark) if e.kind == "conversation"]
        assert types in (["SUPERVISOR_LEFT", "CONVERSATION_CLOSED"], ["CONVERSATION_CLOSED"])
        assert supervisors_in(await get_conversation(sam, conversation.name)) == []


async def test_of_two_leaves_at_once_one_leaves(any_server):
    scenario = await create_scenario(any_server, agents=0)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    for round_number in range(ROUNDS):
        conversation = await scenario.new_conversation(f"customer-{round_number}")
        await barge_in(sam, conversation.name)
        mark = last_event_id(any_server.database_url)

        results = await gather_all([partial(leave_as_supervisor, sam, conversation.name) for _ in range(2)])

        assert refusals(results) == []
        assert results[0].conversation == results[1].conversation
        assert supervisor_leaves(scenario, conversation.name, mark) == [
            ("conversation", "sam", "LEFT"),
            ("outbound", "sam", None),
        ]


async def test_a_leave_racing_a_disable_leaves_once(any_server):
    scenario = await create_scenario(any_server, agents=0)
    for round_number in range(ROUNDS):
        supervisor_id = f"s{round_number}"
        stub = await new_supervisor(scenario, supervisor_id, [scenario.list])
        conversation = await scenario.new_conversation(f"customer-{round_number}")
        await barge_in(stub, conversation.name)
        mark = last_event_id(any_server.database_url)

        results = await gather_all(
            [partial(leave_as_supervisor, stub, conversation.name), partial(disable, scenario, supervisor_id)]
        )

        # A leave the admission let in before the disable leaves; one after it is refused as disabled.
        assert refusals(results) in ([], ["PRINCIPAL_DISABLED"])
        left = supervisor_leaves(scenario, conversation.name, mark)
        assert [(kind, who) for kind, who, _ in left] == [("conversation", supervisor_id), ("outbound", supervisor_id)]
        assert left[0][2] in ("LEFT", "DISABLED")


async def test_a_barge_in_racing_a_disable_never_leaves_a_disabled_supervisor_in(any_server):
    scenario = await create_scenario(any_server, agents=0)
    for round_number in range(ROUNDS):
        supervisor_id = f"s{round_number}"
        stub = await new_supervisor(scenario, supervisor_id, [scenario.list])
        conversation = await scenario.new_conversation(f"customer-{round_number}")

        results = await gather_all(
            [partial(barge_in, stub, conversation.name), partial(disable, scenario, supervisor_id)]
        )

        assert refusals(results) in ([], ["PRINCIPAL_DISABLED"])
        stored = [e for e in events_of(scenario, conversation.name) if e.kind == "conversation"]
        assert supervisor_id not in [s["supervisor_id"] for s in stored[-1].payload["conversation"]["supervisors"]]


async def test_a_supervisor_left_on_one_instance_reaches_the_agent_on_another(two_instances):
    first, second = two_instances
    scenario = await create_scenario(first, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    conversation = await scenario.new_conversation()
    agent = scenario.agents[0]
    await join(agent, conversation.name)
    await barge_in(sam, conversation.name)
    watch = second.agent(agent.token).WatchConversation(
        agent_service_pb2.WatchConversationRequest(name=conversation.name)
    )
    await read_until(watch, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)

    message = (await send(sam, conversation.name)).message
    await leave_as_supervisor(sam, conversation.name)

    seen = await read_until(watch, lambda event: event.type == SUPERVISOR_LEFT)
    assert [e.message for e in seen if e.type == events_pb2.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE] == [message]
    assert (seen[-1].supervisor, seen[-1].leave_cause) == ("supervisors/sam", events_pb2.LEAVE_CAUSE_LEFT)
    assert conversation_id(conversation.name) == conversation_id(seen[-1].conversation.name)
    watch.cancel()
