"""What a supervisor does to the requests of its Lists: force-close, transfer, set the priority, take an agent
out, whisper to the agents. Each within its scope, as read in the acting transaction; races against the agents
and against another supervisor decided by the database, on SQLite and PostgreSQL."""

from functools import partial

import grpc
from scenario import (
    Scenario,
    add_second_list,
    conversation_id,
    create_scenario,
    expect_refusal,
    join,
    last_event_id,
    leave,
    stored_events,
)
from streams import read_event, read_until
from support import gather_all, violated_fields
from test_concurrency import refusals

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
ROUNDS = 10
INTERNAL = conversation_pb2.MESSAGE_VISIBILITY_INTERNAL


async def new_supervisor(scenario: Scenario, supervisor_id: str, lists: list[str]):
    created = await scenario.admin.CreateSupervisor(
        admin_service_pb2.CreateSupervisorRequest(
            supervisor_id=supervisor_id,
            supervisor=resources_pb2.Supervisor(display_name=supervisor_id.title(), lists=lists),
        )
    )
    return scenario.server.supervisor(created.token)


def force_close(stub, name: str):
    return stub.ForceCloseConversation(supervisor.SupervisorServiceForceCloseConversationRequest(name=name))


def transfer(stub, name: str, target: str, note: str = ""):
    return stub.TransferConversation(
        supervisor.SupervisorServiceTransferConversationRequest(name=name, list=target, note=note)
    )


def release(stub, name: str, agent: str):
    return stub.ReleaseParticipant(supervisor.ReleaseParticipantRequest(name=name, agent=agent))


# Every action, called with a supervisor's stub and a conversation.
ACTIONS = [
    force_close,
    lambda stub, name: transfer(stub, name, "lists/l1"),
    lambda stub, name: stub.SetPriority(supervisor.SetPriorityRequest(name=name, priority=9)),
    lambda stub, name: release(stub, name, "agents/agent-1"),
    lambda stub, name: stub.Whisper(supervisor.WhisperRequest(name=name, text="psst")),
]


def events_of(scenario: Scenario, name: str, after: int = 0) -> list:
    return [e for e in stored_events(scenario.server.database_url, after) if e.conversation_id == conversation_id(name)]


async def test_a_force_close_lets_the_agents_go_and_tells_the_connector(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    conversation = await scenario.new_conversation()
    await join(scenario.agents[0], conversation.name)

    closed = (await force_close(sam, conversation.name)).conversation

    assert (closed.state, closed.close_reason) == (
        conversation_pb2.CONVERSATION_STATE_CLOSED,
        conversation_pb2.CLOSE_REASON_FORCED,
    )
    assert list(closed.participants) == []
    kinds = [(e.kind, e.type) for e in events_of(scenario, conversation.name)]
    assert ("outbound", "CONVERSATION_CLOSED") in kinds and ("list", "REMOVED") in kinds
    await expect_refusal(
        any_server, lambda: force_close(sam, conversation.name), Code.FAILED_PRECONDITION, "CONVERSATION_CLOSED"
    )


async def test_every_action_off_the_supervisors_lists_is_refused_alike_and_changes_nothing(any_server):
    scenario = await create_scenario(any_server, agents=1)
    second_list, second_service = await add_second_list(scenario)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    foreign = (await scenario.post(customer_id="foreign", service_identifier=second_service)).conversation
    own = await scenario.new_conversation()

    for name in (foreign.name, "conversations/nowhere"):
        for action in ACTIONS:
            await expect_refusal(any_server, partial(action, sam, name), Code.PERMISSION_DENIED, "NOT_ENTITLED")
    # Nor may it push a request onto a list that is not its own, whether it exists or not.
    for target in (second_list, "lists/nowhere"):
        await expect_refusal(
            any_server, partial(transfer, sam, own.name, target), Code.PERMISSION_DENIED, "NOT_ENTITLED"
        )


async def test_a_narrowed_scope_holds_for_the_next_action(any_server):
    scenario = await create_scenario(any_server, agents=0)
    second_list, _ = await add_second_list(scenario)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    conversation = await scenario.new_conversation()
    await scenario.admin.UpdateSupervisor(
        admin_service_pb2.UpdateSupervisorRequest(
            supervisor=resources_pb2.Supervisor(name="supervisors/sam", lists=[second_list]),
            update_mask={"paths": ["lists"]},
        )
    )

    await expect_refusal(
        any_server, lambda: force_close(sam, conversation.name), Code.PERMISSION_DENIED, "NOT_ENTITLED"
    )


async def test_a_transfer_moves_the_request_with_the_supervisors_note(any_server):
    scenario = await create_scenario(any_server, agents=1)
    second_list, _ = await add_second_list(scenario)
    sam = await new_supervisor(scenario, "sam", [scenario.list, second_list])
    conversation = await scenario.new_conversation()
    await join(scenario.agents[0], conversation.name)

    moved = (
        await sam.TransferConversation(
            supervisor.SupervisorServiceTransferConversationRequest(
                name=conversation.name, list=second_list, note="Billing question"
            )
        )
    ).conversation

    assert (moved.list, moved.state, list(moved.participants), moved.transfer_count) == (
        second_list,
        conversation_pb2.CONVERSATION_STATE_UNREAD,
        [],
        1,
    )
    note = (await sam.ListMessages(supervisor.SupervisorServiceListMessagesRequest(parent=conversation.name))).messages[
        -1
    ]
    assert (note.text, note.visibility, note.sender_type, note.supervisor, note.agent) == (
        "Billing question",
        INTERNAL,
        conversation_pb2.SENDER_TYPE_SUPERVISOR,
        "supervisors/sam",
        "",
    )
    left = [e for e in events_of(scenario, conversation.name) if e.type == "AGENT_LEFT"]
    assert [(e.agent_id, e.payload["leave_cause"]) for e in left] == [("agent-1", "TRANSFERRED")]
    error = await expect_refusal(
        any_server,
        lambda: sam.TransferConversation(
            supervisor.SupervisorServiceTransferConversationRequest(name=conversation.name, list=second_list)
        ),
        Code.INVALID_ARGUMENT,
        "FIELD_INVALID",
    )
    assert violated_fields(error) == {"list"}


async def test_a_transfer_respects_the_targets_accepted_sources(any_server):
    scenario = await create_scenario(any_server, agents=0)
    second_list, _ = await add_second_list(scenario)
    await scenario.admin.UpdateList(
        admin_service_pb2.UpdateListRequest(
            list=resources_pb2.List(name=second_list, accepts_transfers_from=[second_list]),
            update_mask={"paths": ["accepts_transfers_from"]},
        )
    )
    sam = await new_supervisor(scenario, "sam", [scenario.list, second_list])
    conversation = await scenario.new_conversation()

    await expect_refusal(
        any_server,
        lambda: sam.TransferConversation(
            supervisor.SupervisorServiceTransferConversationRequest(name=conversation.name, list=second_list)
        ),
        Code.PERMISSION_DENIED,
        "TRANSFER_NOT_ACCEPTED",
    )


async def test_a_priority_is_set_within_bounds(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    conversation = await scenario.new_conversation()
    watch = scenario.agents[0].stub.WatchLists(agent_service_pb2.WatchListsRequest())
    await read_until(watch, lambda event: event.type == events_pb2.LIST_EVENT_TYPE_SYNCED)

    updated = (await sam.SetPriority(supervisor.SetPriorityRequest(name=conversation.name, priority=7))).conversation

    assert updated.priority == 7
    row = await read_event(watch)
    assert (row.type, row.conversation.priority) == (events_pb2.LIST_EVENT_TYPE_UPDATED, 7)
    mark = last_event_id(any_server.database_url)
    await sam.SetPriority(supervisor.SetPriorityRequest(name=conversation.name, priority=7))
    assert events_of(scenario, conversation.name, mark) == [], "the same priority changed something"
    error = await expect_refusal(
        any_server,
        lambda: sam.SetPriority(supervisor.SetPriorityRequest(name=conversation.name, priority=10)),
        Code.INVALID_ARGUMENT,
        "FIELD_INVALID",
    )
    assert violated_fields(error) == {"priority"}
    watch.cancel()


async def test_a_released_agent_leaves_with_cause_removed_and_the_list_is_alerted(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    conversation = await scenario.new_conversation()
    await join(scenario.agents[0], conversation.name)
    mark = last_event_id(any_server.database_url)

    after = (
        await sam.ReleaseParticipant(
            supervisor.ReleaseParticipantRequest(name=conversation.name, agent="agents/agent-1")
        )
    ).conversation

    assert (after.state, list(after.participants)) == (conversation_pb2.CONVERSATION_STATE_INACTIVE, [])
    events = events_of(scenario, conversation.name, mark)
    assert [(e.type, e.agent_id, e.payload.get("leave_cause")) for e in events if e.type == "AGENT_LEFT"] == [
        ("AGENT_LEFT", "agent-1", "REMOVED")
    ]
    assert [e.payload.get("alert") for e in events if e.kind == "list"] == ["RELEASED"]


async def test_a_whisper_reaches_the_agents_and_transcripts_never_the_connector(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    outbound = scenario.ingest.WatchOutbound(ingest_service_pb2.WatchOutboundRequest())
    assert (await read_event(outbound)).type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED
    conversation = await scenario.new_conversation()
    agent = scenario.agents[0]
    await join(agent, conversation.name)
    watch = agent.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=conversation.name))
    await read_until(watch, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)

    note = (await sam.Whisper(supervisor.WhisperRequest(name=conversation.name, text="Offer the refund"))).message
    reply = (
        await agent.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=conversation.name, text="Hi"))
    ).message

    assert (note.sender_type, note.supervisor, note.visibility) == (
        conversation_pb2.SENDER_TYPE_SUPERVISOR,
        "supervisors/sam",
        INTERNAL,
    )
    seen = await read_until(watch, lambda event: event.message.name == reply.name)
    assert [e.message for e in seen if e.type == events_pb2.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE] == [note, reply]
    assert (await read_event(outbound)).message == reply
    transcript = await agent.stub.ListMessages(agent_service_pb2.ListMessagesRequest(parent=conversation.name))
    assert note in transcript.messages
    error = await expect_refusal(
        any_server,
        lambda: sam.Whisper(supervisor.WhisperRequest(name=conversation.name, text="")),
        Code.INVALID_ARGUMENT,
    )
    assert violated_fields(error) == {"text"}
    watch.cancel()
    outbound.cancel()


async def test_of_two_supervisors_force_closing_at_once_one_closes(any_server):
    scenario = await create_scenario(any_server, agents=1)
    stubs = [await new_supervisor(scenario, f"s{n}", [scenario.list]) for n in range(2)]
    for _ in range(ROUNDS):
        conversation = await scenario.new_conversation()
        await join(scenario.agents[0], conversation.name)
        mark = last_event_id(any_server.database_url)

        results = await gather_all([partial(force_close, stub, conversation.name) for stub in stubs])

        assert refusals(results) == ["CONVERSATION_CLOSED"]
        events = events_of(scenario, conversation.name, mark)
        assert [(e.kind, e.type) for e in events if e.type == "CONVERSATION_CLOSED"] == [
            ("conversation", "CONVERSATION_CLOSED"),
            ("outbound", "CONVERSATION_CLOSED"),
        ]


async def test_a_release_racing_the_agents_own_leave_lets_it_go_once(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    agent = scenario.agents[0]
    for _ in range(ROUNDS):
        conversation = await scenario.new_conversation()
        await join(agent, conversation.name)
        mark = last_event_id(any_server.database_url)

        results = await gather_all(
            [partial(leave, agent, conversation.name), partial(release, sam, conversation.name, agent.name)]
        )

        assert refusals(results) == []
        left = [e for e in events_of(scenario, conversation.name, mark) if e.type == "AGENT_LEFT"]
        assert len(left) == 1 and left[0].payload["leave_cause"] in ("LEFT", "REMOVED")
        await scenario.ingest.EndConversation(ingest_service_pb2.EndConversationRequest(conversation=conversation.name))


async def test_supervisors_on_two_instances_force_closing_at_once_close_once(two_instances):
    first, second = two_instances
    scenario = await create_scenario(first, agents=1)
    here = await new_supervisor(scenario, "here", [scenario.list])
    created = await scenario.admin.CreateSupervisor(
        admin_service_pb2.CreateSupervisorRequest(
            supervisor_id="there", supervisor=resources_pb2.Supervisor(display_name="There", lists=[scenario.list])
        )
    )
    there = second.supervisor(created.token)
    for _ in range(ROUNDS):
        conversation = await scenario.new_conversation()
        await join(scenario.agents[0], conversation.name)
        mark = last_event_id(first.database_url)

        results = await gather_all([partial(force_close, stub, conversation.name) for stub in (here, there)])

        assert refusals(results) == ["CONVERSATION_CLOSED"]
        closes = [e for e in events_of(scenario, conversation.name, mark) if e.type == "CONVERSATION_CLOSED"]
        assert len(closes) == 2  # one conversation event and one outbound event


def barge_in(stub, name: str):
    return stub.BargeIn(supervisor.BargeInRequest(name=name))


async def test_a_barge_in_makes_the_supervisor_a_participant_the_agents_and_the_connector_see(any_server):
    scenario = await create_scenario(any_server, agents=2, max_participants=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    outbound = scenario.ingest.WatchOutbound(ingest_service_pb2.WatchOutboundRequest())
    assert (await read_event(outbound)).type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED
    conversation = await scenario.new_conversation()
    agent, other = scenario.agents
    await join(agent, conversation.name)
    watch = agent.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=conversation.name))
    await read_until(watch, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)

    joined = (await barge_in(sam, conversation.name)).conversation

    assert joined.state == conversation_pb2.CONVERSATION_STATE_ACTIVE
    assert [(p.agent, p.supervisor, p.role) for p in joined.participants] == [
        (agent.name, "", conversation_pb2.PARTICIPANT_ROLE_AGENT),
        ("", "supervisors/sam", conversation_pb2.PARTICIPANT_ROLE_SUPERVISOR),
    ]
    seen = await read_event(watch)
    assert (seen.type, seen.supervisor, seen.agent) == (
        events_pb2.CONVERSATION_EVENT_TYPE_SUPERVISOR_JOINED,
        "supervisors/sam",
        "",
    )
    told = await read_event(outbound)
    assert (told.type, told.supervisor, told.conversation) == (
        events_pb2.OUTBOUND_EVENT_TYPE_SUPERVISOR_JOINED,
        "supervisors/sam",
        conversation.name,
    )
    # The List's cap counts agents only: the supervisor took no place, and the List is full with one agent.
    await expect_refusal(any_server, lambda: join(other, conversation.name), Code.FAILED_PRECONDITION, "LIST_FULL")
    mark = last_event_id(any_server.database_url)
    assert (await barge_in(sam, conversation.name)).conversation == joined
    assert events_of(scenario, conversation.name, mark) == [], "barging in again changed something"

    closed = (await force_close(sam, conversation.name)).conversation
    assert list(closed.participants) == []
    watch.cancel()
    outbound.cancel()


async def test_a_transfer_lets_the_supervisors_go_and_an_unread_request_stays_unread(any_server):
    scenario = await create_scenario(any_server, agents=0)
    second_list, _ = await add_second_list(scenario)
    sam = await new_supervisor(scenario, "sam", [scenario.list, second_list])
    conversation = await scenario.new_conversation()

    joined = (await barge_in(sam, conversation.name)).conversation

    assert joined.state == conversation_pb2.CONVERSATION_STATE_UNREAD
    moved = (await transfer(sam, conversation.name, second_list)).conversation
    assert list(moved.participants) == []
    assert (await get_conversation_of(sam, conversation.name)).participants == moved.participants


async def get_conversation_of(stub, name: str):
    return (await stub.GetConversation(supervisor.SupervisorServiceGetConversationRequest(name=name))).conversation


async def test_a_barge_in_racing_a_close_is_ordered_by_the_database(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario, "sam", [scenario.list])
    agent = scenario.agents[0]
    for _ in range(ROUNDS):
        conversation = await scenario.new_conversation()
        await join(agent, conversation.name)
        mark = last_event_id(any_server.database_url)

        results = await gather_all(
            [
                partial(barge_in, sam, conversation.name),
                partial(
                    agent.stub.CloseConversation, agent_service_pb2.CloseConversationRequest(name=conversation.name)
                ),
            ]
        )

        types = [e.type for e in events_of(scenario, conversation.name, mark) if e.kind == "conversation"]
        assert types[-1] == "CONVERSATION_CLOSED"
        if refusals(results) == ["CONVERSATION_CLOSED"]:
            assert "SUPERVISOR_JOINED" not in types
        else:
            assert refusals(results) == []
            assert types.index("SUPERVISOR_JOINED") < types.index("CONVERSATION_CLOSED")
        assert list((await get_conversation_of(sam, conversation.name)).participants) == []
