"""Transfer and return: a participant hands a request on to another list (every participant released, REMOVED
on the old list, ADDED with alert TRANSFERRED on the new one, UNREAD again, transfer_count one higher) or gives
it back to its own list (alert RELEASED); the note is an internal message. Races with joins, closes and other
transfers are decided by the database, on SQLite and PostgreSQL."""

import grpc
from google.protobuf import field_mask_pb2
from metrics_scrape import scrape, value
from scenario import (
    Scenario,
    conversation_id,
    create_scenario,
    expect_refusal,
    join,
    join_call,
    last_event_id,
    participant_rows,
    stored_events,
)
from sqlalchemy import create_engine, select
from streams import read_event, read_to_end, read_until, watch_from_synced
from support import error_details, gather_all
from test_concurrency import close_call, refusals

from pullrouting.store.tables import conversations
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, events_pb2, resources_pb2

ROUNDS = 10
INTERNAL = conversation_pb2.MESSAGE_VISIBILITY_INTERNAL


async def add_list(scenario: Scenario, list_id: str, accepts_transfers_from: tuple[str, ...] = ()) -> str:
    created = await scenario.admin.CreateList(
        admin_service_pb2.CreateListRequest(
            list_id=list_id,
            list=resources_pb2.List(display_name=list_id.upper(), accepts_transfers_from=accepts_transfers_from),
        )
    )
    return created.list.name


def transfer(agent, name: str, list_name: str, note: str = ""):
    return agent.stub.TransferConversation(
        agent_service_pb2.TransferConversationRequest(name=name, list=list_name, note=note)
    )


def transfer_call(agent, name: str, list_name: str):
    return lambda: transfer(agent, name, list_name)


def return_conversation(agent, name: str, note: str = ""):
    return agent.stub.ReturnConversation(agent_service_pb2.ReturnConversationRequest(name=name, note=note))


def last_reminder_time(database_url: str, name: str) -> int | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(conversations.c.last_reminder_time).where(conversations.c.id == conversation_id(name))
            return connection.execute(query).scalar_one()
    finally:
        engine.dispose()


async def test_a_transfer_moves_the_request_to_the_other_list_and_releases_its_participants(any_server):
    scenario = await create_scenario(any_server, agents=2)
    mover, colleague = scenario.agents
    target = await add_list(scenario, "l2", accepts_transfers_from=(scenario.list,))
    taker = await scenario.add_agent("taker", lists=[target])
    old_list_stream = await watch_from_synced(colleague)
    new_list_stream = await watch_from_synced(taker)
    conversation = await scenario.new_conversation()
    await join(mover, conversation.name)
    await join(colleague, conversation.name)
    mover_stream = mover.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=conversation.name))
    await read_until(mover_stream, lambda event: event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)
    mark = last_event_id(any_server.database_url)

    moved = (await transfer(mover, conversation.name, target, note="Billing question, see order 42")).conversation

    assert (moved.list, moved.state, list(moved.participants), moved.transfer_count) == (
        target,
        conversation_pb2.CONVERSATION_STATE_UNREAD,
        [],
        1,
    )
    # The mover's stream: the note, then its own release, then the end.
    mover_events = await read_to_end(mover_stream)
    assert [(e.type, e.agent) for e in mover_events] == [
        (events_pb2.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE, mover.name),
        (events_pb2.CONVERSATION_EVENT_TYPE_AGENT_LEFT, mover.name),
    ]
    assert mover_events[0].message.visibility == INTERNAL
    assert mover_events[1].leave_cause == events_pb2.LEAVE_CAUSE_TRANSFERRED
    # The old list's watchers see it leave; the new list's see it land, alerted.
    removed = await read_until(old_list_stream, lambda event: event.type == events_pb2.LIST_EVENT_TYPE_REMOVED)
    assert (removed[-1].list, removed[-1].conversation.list) == (scenario.list, target)
    added = await read_event(new_list_stream)
    assert (added.type, added.alert, added.list) == (
        events_pb2.LIST_EVENT_TYPE_ADDED,
        events_pb2.LIST_ALERT_TRANSFERRED,
        target,
    )
    assert added.conversation == moved
    # What was stored: both participants released, the state back to UNREAD, no word to the customer.
    events = [(e.kind, e.type, e.agent_id, e.list_id) for e in stored_events(any_server.database_url, mark)]
    assert events == [
        ("conversation", "AGENT_MESSAGE", mover.id, "l1"),
        ("conversation", "AGENT_LEFT", mover.id, "l2"),
        ("conversation", "AGENT_LEFT", colleague.id, "l2"),
        ("conversation", "STATE_CHANGED", mover.id, "l2"),
        ("list", "REMOVED", None, "l1"),
        ("list", "ADDED", None, "l2"),
    ]
    assert participant_rows(any_server.database_url, conversation.name.rpartition("/")[2]) == []
    # The agent taking it reads the note, marked internal; an UNREAD reminder counts from the transfer.
    messages = (await taker.stub.ListMessages(agent_service_pb2.ListMessagesRequest(parent=conversation.name))).messages
    assert [(m.text, m.visibility) for m in messages] == [
        ("Hello", conversation_pb2.MESSAGE_VISIBILITY_PUBLIC),
        ("Billing question, see order 42", INTERNAL),
    ]
    assert last_reminder_time(any_server.database_url, conversation.name) == moved.update_time.ToMicroseconds()
    joined = (await join(taker, conversation.name)).conversation
    assert joined.state == conversation_pb2.CONVERSATION_STATE_ACTIVE


async def test_a_transfer_is_refused_when_it_may_not_happen_and_changes_nothing(any_server):
    scenario = await create_scenario(any_server, agents=2)
    member, bystander = scenario.agents
    target = await add_list(scenario, "l2", accepts_transfers_from=("lists/l1",))
    await add_list(scenario, "l3", accepts_transfers_from=(target,))
    conversation = await scenario.new_conversation()
    await join(member, conversation.name)
    name, server = conversation.name, any_server
    code = grpc.StatusCode

    not_accepted = await expect_refusal(
        server, lambda: transfer(member, name, "lists/l3"), code.PERMISSION_DENIED, "TRANSFER_NOT_ACCEPTED"
    )
    missing = await expect_refusal(
        server, lambda: transfer(member, name, "lists/nowhere"), code.PERMISSION_DENIED, "TRANSFER_NOT_ACCEPTED"
    )
    # A list that does not exist is refused as one that does not accept: the caller learns nothing of it.
    assert not_accepted.details().replace("lists/l3", "X") == missing.details().replace("lists/nowhere", "X")
    assert error_details(missing)[0].metadata == {"list": "lists/nowhere"}
    await expect_refusal(server, lambda: transfer(bystander, name, target), code.FAILED_PRECONDITION, "NOT_PARTICIPANT")
    await expect_refusal(server, lambda: transfer(member, name, scenario.list), code.INVALID_ARGUMENT, "FIELD_INVALID")
    await expect_refusal(
        server, lambda: transfer(member, name, target, note="x" * 5000), code.INVALID_ARGUMENT, "FIELD_INVALID"
    )
    await expect_refusal(server, lambda: transfer(member, name, "not a list"), code.INVALID_ARGUMENT, "FIELD_INVALID")
    await member.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=name))
    await expect_refusal(
        server, lambda: transfer(member, name, target), code.FAILED_PRECONDITION, "CONVERSATION_CLOSED"
    )


async def test_a_list_named_as_a_transfer_source_is_not_deleted_under_it(any_server):
    scenario = await create_scenario(any_server, agents=0)
    target = await add_list(scenario, "l2", accepts_transfers_from=(scenario.list,))
    shown = (await scenario.admin.GetList(admin_service_pb2.GetListRequest(name=target))).list
    assert list(shown.accepts_transfers_from) == [scenario.list]
    await expect_refusal(
        any_server,
        lambda: add_list(scenario, "l3", accepts_transfers_from=("lists/missing",)),
        grpc.StatusCode.NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )
    await expect_refusal(
        any_server,
        lambda: add_list(scenario, "l3", accepts_transfers_from=(scenario.list, scenario.list)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "FIELD_INVALID",
    )
    await scenario.admin.DeleteChannel(admin_service_pb2.DeleteChannelRequest(name=scenario.channel))
    await expect_refusal(
        any_server,
        lambda: scenario.admin.DeleteList(admin_service_pb2.DeleteListRequest(name=scenario.list)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "RESOURCE_IN_USE",
    )
    await scenario.admin.UpdateList(
        admin_service_pb2.UpdateListRequest(
            list=resources_pb2.List(name=target), update_mask=field_mask_pb2.FieldMask(paths=["accepts_transfers_from"])
        )
    )
    await scenario.admin.DeleteList(admin_service_pb2.DeleteListRequest(name=scenario.list))


async def test_a_return_leaves_the_request_to_its_list_alerted_released(any_server):
    scenario = await create_scenario(any_server, agents=3)
    first, second, watcher = scenario.agents
    stream = await watch_from_synced(watcher)
    conversation = await scenario.new_conversation()
    await join(first, conversation.name)
    await join(second, conversation.name)

    still_active = (await return_conversation(first, conversation.name, note="Over to you")).conversation
    inactive = (await return_conversation(second, conversation.name)).conversation

    assert (still_active.state, [p.agent for p in still_active.participants]) == (
        conversation_pb2.CONVERSATION_STATE_ACTIVE,
        [second.name],
    )
    assert (inactive.state, list(inactive.participants)) == (conversation_pb2.CONVERSATION_STATE_INACTIVE, [])
    released = [
        event
        for event in await read_until(stream, lambda event: event.conversation == inactive)
        if event.alert == events_pb2.LIST_ALERT_RELEASED
    ]
    assert [event.conversation for event in released] == [still_active, inactive]
    messages = (
        await watcher.stub.ListMessages(agent_service_pb2.ListMessagesRequest(parent=conversation.name))
    ).messages
    assert [(m.text, m.agent, m.visibility) for m in messages][1:] == [("Over to you", first.name, INTERNAL)]
    await expect_refusal(
        any_server,
        lambda: return_conversation(first, conversation.name),
        grpc.StatusCode.FAILED_PRECONDITION,
        "NOT_PARTICIPANT",
    )


# Races.


async def test_joins_racing_a_transfer_leave_nobody_behind_on_the_old_list(any_server):
    scenario = await create_scenario(any_server, agents=11)
    mover, joiners = scenario.agents[0], scenario.agents[1:]
    target = await add_list(scenario, "l2")
    for round_number in range(ROUNDS):
        conversation = await scenario.new_conversation(f"customer-{round_number}")
        await join(mover, conversation.name)
        mark = last_event_id(any_server.database_url)
        calls = [join_call(agent, conversation.name) for agent in joiners]
        calls.insert(round_number % (len(calls) + 1), transfer_call(mover, conversation.name, target))
        results = await gather_all(calls)
        # A join after the transfer is on the new list, which the joiners are not entitled to.
        assert set(refusals(results)) <= {"NOT_ENTITLED"}
        assert participant_rows(any_server.database_url, conversation_id(conversation.name)) == []
        events = [e for e in stored_events(any_server.database_url, mark)]
        joined = [e.agent_id for e in events if e.type == "AGENT_JOINED"]
        released = [e.agent_id for e in events if e.type == "AGENT_LEFT"]
        assert sorted(released) == sorted([mover.id, *joined])
        assert len(joined) == len(joiners) - len(refusals(results))
        assert [(e.type, e.list_id) for e in events if e.kind == "list"][-2:] == [("REMOVED", "l1"), ("ADDED", "l2")]


async def test_a_transfer_racing_a_close_is_one_or_the_other(any_server):
    scenario = await create_scenario(any_server, agents=2)
    mover, closer = scenario.agents
    target = await add_list(scenario, "l2")
    for round_number in range(ROUNDS):
        conversation = await scenario.new_conversation(f"customer-{round_number}")
        await join(mover, conversation.name)
        calls = [transfer_call(mover, conversation.name, target), close_call(closer, conversation.name)]
        results = await gather_all(calls[:: 1 if round_number % 2 else -1])
        # Closed first: the transfer finds it closed. Transferred first: the closer may not touch the new list.
        assert sorted(refusals(results)) in (["CONVERSATION_CLOSED"], ["NOT_ENTITLED"])
        assert participant_rows(any_server.database_url, conversation_id(conversation.name)) == []


async def test_simultaneous_transfers_move_the_request_once(any_server):
    scenario = await create_scenario(any_server, agents=6)
    targets = [await add_list(scenario, f"l{number}") for number in (2, 3)]
    for round_number in range(ROUNDS):
        conversation = await scenario.new_conversation(f"customer-{round_number}")
        for agent in scenario.agents:
            await join(agent, conversation.name)
        mark = last_event_id(any_server.database_url)
        results = await gather_all(
            [transfer_call(agent, conversation.name, targets[n % 2]) for n, agent in enumerate(scenario.agents)]
        )
        # The first transfer releases everybody onto a list the others are not entitled to: they are out.
        assert sorted(refusals(results)) == ["NOT_ENTITLED"] * (len(scenario.agents) - 1)
        moved = next(r for r in results if not isinstance(r, BaseException)).conversation
        assert moved.transfer_count == 1
        events = [e for e in stored_events(any_server.database_url, mark) if e.kind == "list"]
        assert [(e.type, e.list_id) for e in events] == [("REMOVED", "l1"), ("ADDED", moved.list.rpartition("/")[2])]
        await scenario.admin.ForceCloseConversation(admin_service_pb2.ForceCloseConversationRequest(name=moved.name))


async def test_a_transfer_on_one_instance_reaches_the_watchers_of_another(two_instances):
    first, second = two_instances
    scenario = await create_scenario(first, agents=1)
    mover = scenario.agents[0]
    target = await add_list(scenario, "l2")
    taker = await scenario.add_agent("taker", lists=[target])
    taker_on_second = second.agent(taker.token)
    stream = taker_on_second.WatchLists(agent_service_pb2.WatchListsRequest())
    await read_until(stream, lambda event: event.type == events_pb2.LIST_EVENT_TYPE_SYNCED)
    conversation = await scenario.new_conversation()
    await join(mover, conversation.name)

    moved = (await transfer(mover, conversation.name, target)).conversation

    added = await read_event(stream)
    assert (added.type, added.alert, added.conversation) == (
        events_pb2.LIST_EVENT_TYPE_ADDED,
        events_pb2.LIST_ALERT_TRANSFERRED,
        moved,
    )
    stream.cancel()


async def test_a_transferred_request_joined_again_counts_one_first_join(measured_server):
    scenario = await create_scenario(measured_server, agents=1)
    mover = scenario.agents[0]
    target = await add_list(scenario, "l2")
    taker = await scenario.add_agent("taker", lists=[target])
    conversation = await scenario.new_conversation()
    await join(mover, conversation.name)
    await transfer(mover, conversation.name, target)

    await join(taker, conversation.name)

    samples = await scrape(measured_server)
    assert value(samples, "pullrouting_time_to_first_join_seconds_count", list="l1") == 1
    assert ("pullrouting_time_to_first_join_seconds_count", frozenset({("list", "l2")})) not in samples
    assert value(samples, "pullrouting_alerts_total", list="l2", alert="TRANSFERRED") == 1
