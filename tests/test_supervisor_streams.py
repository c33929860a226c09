"""A supervisor's live streams over a real port, on both databases: WatchQueues (its Lists as WatchLists sends
them, and each List's figures), WatchAgents (the agents of its Lists, their presence and load) and
MonitorConversation (silent); resumed and reset; narrowed while open; across two instances."""

import asyncio

import grpc
import pytest
from metrics_scrape import scrape, value
from scenario import (
    Scenario,
    add_second_list,
    create_scenario,
    join,
    last_event_id,
    participant_rows,
    stored_events,
)
from streams import READ_TIMEOUT, read_event, read_until
from support import error_reason, expect_error, serve, violated_fields

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, events_pb2, resources_pb2
from pullrouting.v1 import supervisor_events_pb2 as sev
from pullrouting.v1 import supervisor_service_pb2 as sup
from pullrouting.v1.supervisor_service_pb2_grpc import SupervisorServiceStub
from pullrouting_client import bearer_token_interceptors

Code = grpc.StatusCode
ListType = events_pb2.ListEventType
StatusType = sev.AgentStatusEventType
MINUTE = 60


async def wait_until_counted(server, kind: str, count: int) -> None:
    """Scrapes until the gauge of open streams of `kind` says `count` (a cancelled stream ends on its own
    schedule); fails after the read deadline."""
    async with asyncio.timeout(READ_TIMEOUT):
        while value(await scrape(server), "pullrouting_open_streams", kind=kind) != count:
            await asyncio.sleep(0.05)


def watch_queues(stub, token: str = "") -> grpc.aio.UnaryStreamCall:
    return stub.WatchQueues(sup.WatchQueuesRequest(resume_token=token))


def watch_agents(stub, token: str = "") -> grpc.aio.UnaryStreamCall:
    return stub.WatchAgents(sup.WatchAgentsRequest(resume_token=token))


def monitor(stub, name: str, token: str = "") -> grpc.aio.UnaryStreamCall:
    return stub.MonitorConversation(sup.MonitorConversationRequest(name=name, resume_token=token))


def is_synced(event) -> bool:
    return event.WhichOneof("event") == "list_event" and event.list_event.type == ListType.LIST_EVENT_TYPE_SYNCED


def listed(event, event_type: int) -> bool:
    return event.WhichOneof("event") == "list_event" and event.list_event.type == event_type


def figures_of(event, list_name: str) -> sev.QueueFigures | None:
    return event.figures if event.WhichOneof("event") == "figures" and event.figures.list == list_name else None


async def next_figures(stream, list_name: str, done=lambda figures: True) -> sev.QueueFigures:
    """The first figures of `list_name` for which `done` holds."""
    events = await read_until(stream, lambda e: (f := figures_of(e, list_name)) is not None and done(f))
    return events[-1].figures


async def set_scope(scenario: Scenario, supervisor: str, lists: list[str]) -> None:
    await scenario.admin.UpdateSupervisor(
        admin_service_pb2.UpdateSupervisorRequest(
            supervisor=resources_pb2.Supervisor(name=supervisor, lists=lists), update_mask={"paths": ["lists"]}
        )
    )


async def test_watch_queues_opens_with_the_lists_requests_then_figures_then_follows_only_them(any_server):
    scenario = await create_scenario(any_server, agents=1)
    second_list, other = await add_second_list(scenario)
    stub = (await scenario.add_supervisor("sam", [scenario.list])).stub
    waiting = await scenario.new_conversation("customer-1")
    await scenario.post(customer_id="customer-2", service_identifier=other)

    stream = watch_queues(stub)
    opening = await read_until(stream, is_synced)
    assert [e.list_event.conversation.name for e in opening[:-1]] == [waiting.name]
    assert all(listed(e, ListType.LIST_EVENT_TYPE_SNAPSHOT) for e in opening[:-1])
    figures = await next_figures(stream, scenario.list)
    assert [age.count for age in figures.waiting] == [1, 0, 0, 0, 0]
    assert [age.waited_less_than.seconds for age in figures.waiting[:-1]] == [
        MINUTE,
        5 * MINUTE,
        15 * MINUTE,
        60 * MINUTE,
    ]
    assert not figures.waiting[-1].HasField("waited_less_than")
    assert figures.oldest_waiting_time.ToMicroseconds() > 0
    assert (figures.unread_count, figures.agents_offline) == (1, 1)

    # The other List's request never shows; this List's does, and moves the figures.
    await scenario.post(customer_id="customer-3", service_identifier=other)
    added = await scenario.new_conversation("customer-4")
    received = await read_until(stream, lambda e: listed(e, ListType.LIST_EVENT_TYPE_ADDED))
    assert received[-1].list_event.conversation.name == added.name
    assert all(e.list_event.list != second_list for e in received if e.WhichOneof("event") == "list_event")
    assert (await next_figures(stream, scenario.list, lambda f: f.unread_count == 2)).waiting[0].count == 2


async def test_queue_figures_follow_the_presence_of_the_lists_agents(any_server):
    scenario = await create_scenario(any_server, agents=1)
    ann = scenario.agents[0]
    stub = (await scenario.add_supervisor("sam", [scenario.list])).stub
    stream = watch_queues(stub)
    await read_until(stream, is_synced)
    assert (await next_figures(stream, scenario.list)).agents_offline == 1

    desk = ann.stub.WatchDesk(agent_service_pb2.WatchDeskRequest())
    await read_event(desk)
    await next_figures(stream, scenario.list, lambda f: (f.agents_available, f.agents_offline) == (1, 0))
    await ann.stub.SetPresence(agent_service_pb2.SetPresenceRequest(presence=resources_pb2.PRESENCE_AWAY))
    await next_figures(stream, scenario.list, lambda f: (f.agents_available, f.agents_away) == (0, 1))
    desk.cancel()


async def test_a_supervisor_losing_a_list_while_watching_stops_seeing_it_at_once(any_server):
    scenario = await create_scenario(any_server, agents=0)
    second_list, other = await add_second_list(scenario)
    ann = await scenario.add_agent("ann", lists=[scenario.list])
    await scenario.add_agent("bob", lists=[second_list])
    sam = await scenario.add_supervisor("sam", [scenario.list])
    name, stub = sam.name, sam.stub
    watched = await scenario.new_conversation("customer-1")
    await join(ann, watched.name)
    elsewhere = (await scenario.post(customer_id="customer-2", service_identifier=other)).conversation
    queues = watch_queues(stub)
    await read_until(queues, is_synced)
    agents = watch_agents(stub)
    opening = await read_until(agents, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_SYNCED)
    assert [e.agent.agent for e in opening[:-1]] == [ann.name]
    monitoring = monitor(stub, watched.name)
    await read_until(monitoring, lambda e: e.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)

    await set_scope(scenario, name, [second_list])

    changes = await read_until(queues, lambda e: listed(e, ListType.LIST_EVENT_TYPE_SYNCED) and e.list_event.list)
    kinds = [(e.list_event.type, e.list_event.list) for e in changes if e.WhichOneof("event") == "list_event"]
    assert kinds[0] == (ListType.LIST_EVENT_TYPE_UNSUBSCRIBED, scenario.list)
    assert kinds[1] == (ListType.LIST_EVENT_TYPE_SUBSCRIBED, second_list)
    assert [e.list_event.conversation.name for e in changes if listed(e, ListType.LIST_EVENT_TYPE_SNAPSHOT)] == [
        elsewhere.name
    ]
    # The lost List's requests show no more; the gained List's do.
    await ann.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=watched.name, text="secret"))
    await scenario.post(text="more", customer_id="customer-2", service_identifier=other)
    updated = await read_until(queues, lambda e: listed(e, ListType.LIST_EVENT_TYPE_UPDATED))
    assert updated[-1].list_event.conversation.name == elsewhere.name
    assert all(e.list_event.list != scenario.list for e in updated if e.WhichOneof("event") == "list_event")

    statuses = await read_until(agents, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_ADDED)
    removed = [e.agent.agent for e in statuses if e.type == StatusType.AGENT_STATUS_EVENT_TYPE_REMOVED]
    assert removed == [ann.name]
    assert statuses[-1].agent.agent == "agents/bob"

    with pytest.raises(grpc.aio.AioRpcError) as ended:
        while True:
            assert (await read_event(monitoring)).message.text != "secret"
    assert ended.value.code() == Code.PERMISSION_DENIED
    assert error_reason(ended.value) == "NOT_ENTITLED"


async def test_a_resumed_queue_stream_gets_what_it_missed_once_and_a_changed_scope_a_reset(any_server):
    scenario = await create_scenario(any_server, agents=0)
    sam = await scenario.add_supervisor("sam", [scenario.list])
    name, stub = sam.name, sam.stub
    stream = watch_queues(stub)
    synced = (await read_until(stream, is_synced))[-1]
    first = await scenario.new_conversation("customer-1")
    added = await read_until(stream, lambda e: listed(e, ListType.LIST_EVENT_TYPE_ADDED))
    stream.cancel()
    missed = [await scenario.new_conversation(f"customer-{n}") for n in (2, 3)]

    resumed = watch_queues(stub, added[-1].resume_token)
    received = await read_until(
        resumed,
        lambda e: listed(e, ListType.LIST_EVENT_TYPE_ADDED) and e.list_event.conversation.name == missed[-1].name,
    )
    names = [e.list_event.conversation.name for e in received if listed(e, ListType.LIST_EVENT_TYPE_ADDED)]
    assert names == [c.name for c in missed]
    assert first.name not in names
    assert not any(e.reset for e in received)
    resumed.cancel()

    # Its Lists changed since the token: the stream starts afresh, flagged reset.
    second_list, _ = await add_second_list(scenario)
    await set_scope(scenario, name, [scenario.list, second_list])
    reset = watch_queues(stub, synced.resume_token)
    opening = await read_until(reset, is_synced)
    assert all(e.reset for e in opening)
    assert len([e for e in opening if listed(e, ListType.LIST_EVENT_TYPE_SNAPSHOT)]) == 3


async def test_forged_and_foreign_tokens_are_refused(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = (await scenario.add_supervisor("sam", [scenario.list])).stub
    kim = (await scenario.add_supervisor("kim", [scenario.list])).stub
    conversation = await scenario.new_conversation()
    sams_queue = (await read_until(watch_queues(sam), is_synced))[-1].resume_token
    agents_token = (
        await read_event(scenario.agents[0].stub.WatchLists(agent_service_pb2.WatchListsRequest()))
    ).resume_token
    forged = sams_queue[: sams_queue.rindex(".") + 1] + "A" * 43
    for call in (
        lambda: read_event(watch_queues(kim, sams_queue)),
        lambda: read_event(watch_queues(sam, agents_token)),
        lambda: read_event(watch_queues(sam, forged)),
        lambda: read_event(watch_agents(sam, sams_queue)),
        lambda: read_event(monitor(sam, conversation.name, sams_queue)),
    ):
        error = await expect_error(call(), Code.INVALID_ARGUMENT)
        assert violated_fields(error) == {"resume_token"}


async def test_watch_agents_shows_presence_and_load_against_capacity_live(any_server):
    scenario = await create_scenario(any_server, agents=0, max_conversations_per_agent=2)
    second_list, _ = await add_second_list(scenario)
    ann = await scenario.add_agent("ann", lists=[scenario.list, second_list])
    await scenario.add_agent("bob", lists=[second_list])
    stub = (await scenario.add_supervisor("sam", [scenario.list])).stub
    stream = watch_agents(stub)
    opening = await read_until(stream, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_SYNCED)
    (snapshot,) = [e.agent for e in opening if e.type == StatusType.AGENT_STATUS_EVENT_TYPE_SNAPSHOT]
    assert (snapshot.agent, list(snapshot.lists), snapshot.presence) == (
        ann.name,
        [scenario.list],
        resources_pb2.PRESENCE_OFFLINE,
    )
    assert [
        (load.media_routing_domain, load.open_conversations, load.max_conversations) for load in snapshot.loads
    ] == [(scenario.mrd, 0, 2)]

    conversation = await scenario.new_conversation()
    await join(ann, conversation.name)
    joined = await read_until(
        stream,
        lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_UPDATED and e.agent.loads[0].open_conversations == 1,
    )
    assert list(joined[-1].agent.conversations) == [conversation.name]
    desk = ann.stub.WatchDesk(agent_service_pb2.WatchDeskRequest())
    await read_event(desk)
    await read_until(stream, lambda e: e.agent.presence == resources_pb2.PRESENCE_AVAILABLE)
    desk.cancel()

    await scenario.add_agent("cat", lists=[scenario.list])
    added = await read_until(stream, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_ADDED)
    assert added[-1].agent.agent == "agents/cat"
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name=ann.name, enabled=False), update_mask={"paths": ["enabled"]}
        )
    )
    removed = await read_until(stream, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_REMOVED)
    assert removed[-1].agent.agent == ann.name


async def test_a_resumed_agent_stream_sends_every_status_again(any_server):
    scenario = await create_scenario(any_server, agents=2)
    stub = (await scenario.add_supervisor("sam", [scenario.list])).stub
    stream = watch_agents(stub)
    synced = (await read_until(stream, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_SYNCED))[-1]
    stream.cancel()
    await join(scenario.agents[0], (await scenario.new_conversation()).name)

    resumed = watch_agents(stub, synced.resume_token)
    updates = [await read_event(resumed) for _ in range(2)]
    assert sorted((e.type, e.agent.agent, e.reset) for e in updates) == [
        (StatusType.AGENT_STATUS_EVENT_TYPE_UPDATED, agent.name, False) for agent in scenario.agents
    ]
    assert [e.agent.loads[0].open_conversations for e in updates if e.agent.agent == "agents/agent-1"] == [1]


async def test_a_monitor_is_silent_sees_notes_and_counts_against_no_cap(any_server):
    scenario = await create_scenario(any_server, agents=2, max_participants=1, max_conversations_per_agent=1)
    ann, bob = scenario.agents
    stub = (await scenario.add_supervisor("sam", [scenario.list])).stub
    conversation = await scenario.new_conversation()
    await join(ann, conversation.name)
    note = agent_service_pb2.SendMessageRequest(
        conversation=conversation.name, text="VIP customer", visibility=conversation_pb2.MESSAGE_VISIBILITY_INTERNAL
    )
    await ann.stub.SendMessage(note)
    before = last_event_id(any_server.database_url)
    watching = ann.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=conversation.name))
    await read_until(watching, lambda e: e.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)

    stream = monitor(stub, conversation.name)
    history = await read_until(stream, lambda e: e.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)
    assert [e.message.text for e in history[:-1]] == ["Hello", "VIP customer"]
    # Nobody is told, nothing is written, and the List (max 1) and the agents (cap 1) are as full as before.
    written = {(e.kind, e.type, e.agent_id) for e in stored_events(any_server.database_url, before)}
    assert written <= {("agent", "PRESENCE_CHANGED", "agent-1")}, "only Ann's stream, making her present"
    assert participant_rows(any_server.database_url, conversation.name.rpartition("/")[2]) == ["agent-1"]
    await expect_error(join(bob, conversation.name), Code.FAILED_PRECONDITION, "LIST_FULL")

    await scenario.post(text="Any news?")
    await ann.stub.SendMessage(note)
    live = await read_until(stream, lambda e: e.message.text == "VIP customer")
    assert [e.message.text for e in live if e.message.text] == ["Any news?", "VIP customer"]
    seen_by_ann = await read_until(watching, lambda e: e.message.text == "VIP customer")
    assert all(e.type != events_pb2.CONVERSATION_EVENT_TYPE_AGENT_JOINED for e in seen_by_ann)

    await ann.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=conversation.name))
    closed = await read_until(stream, lambda e: e.type == events_pb2.CONVERSATION_EVENT_TYPE_CONVERSATION_CLOSED)
    resume_token = closed[0].resume_token
    assert await stream.read() is grpc.aio.EOF
    assert await stream.code() == Code.OK

    # Resumed from the first live event: the rest, up to the close, once.
    resumed = monitor(stub, conversation.name, live[0].resume_token)
    rest = await read_until(resumed, lambda e: e.type == events_pb2.CONVERSATION_EVENT_TYPE_CONVERSATION_CLOSED)
    assert rest[0].message.text == "VIP customer" and not rest[0].reset
    assert resume_token


async def test_a_monitor_of_a_conversation_off_the_supervisors_lists_is_refused(any_server):
    scenario = await create_scenario(any_server, agents=0)
    _, other = await add_second_list(scenario)
    stub = (await scenario.add_supervisor("sam", [scenario.list])).stub
    elsewhere = (await scenario.post(service_identifier=other)).conversation
    for name in (elsewhere.name, "conversations/no-such-one"):
        await expect_error(read_event(monitor(stub, name)), Code.PERMISSION_DENIED, "NOT_ENTITLED")


async def test_an_event_made_on_one_instance_reaches_a_supervisor_stream_on_the_other(two_instances):
    first, second = two_instances
    scenario = await create_scenario(first, agents=1)
    ann = scenario.agents[0]
    token = (await scenario.add_supervisor("sam", [scenario.list])).token
    stub = second.supervisor(token)
    conversation = await scenario.new_conversation()
    queues = watch_queues(stub)
    await read_until(queues, is_synced)
    agents = watch_agents(stub)
    await read_until(agents, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_SYNCED)
    monitoring = monitor(stub, conversation.name)
    await read_until(monitoring, lambda e: e.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)

    await join(ann, conversation.name)
    await ann.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=conversation.name, text="On it"))

    await read_until(queues, lambda e: listed(e, ListType.LIST_EVENT_TYPE_UPDATED))
    await read_until(
        agents,
        lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_UPDATED and e.agent.loads[0].open_conversations == 1,
    )
    await read_until(monitoring, lambda e: e.message.text == "On it")


async def test_disabling_a_supervisor_ends_its_open_streams(any_server):
    scenario = await create_scenario(any_server, agents=0)
    sam = await scenario.add_supervisor("sam", [scenario.list])
    name, stub = sam.name, sam.stub
    conversation = await scenario.new_conversation()
    streams = [watch_queues(stub), watch_agents(stub), monitor(stub, conversation.name)]
    for stream in streams:
        await read_event(stream)
    await scenario.admin.UpdateSupervisor(
        admin_service_pb2.UpdateSupervisorRequest(
            supervisor=resources_pb2.Supervisor(name=name, enabled=False), update_mask={"paths": ["enabled"]}
        )
    )
    for stream in streams:
        with pytest.raises(grpc.aio.AioRpcError) as ended:
            while True:
                await read_event(stream)
        assert (ended.value.code(), error_reason(ended.value)) == (Code.PERMISSION_DENIED, "PRINCIPAL_DISABLED")


async def test_a_stalled_monitor_is_cut_off_and_resumes_with_nothing_lost(sqlite_url):
    async for server in serve(sqlite_url, stream_buffer_events=8):
        scenario = await create_scenario(server, agents=1)
        ann = scenario.agents[0]
        token = (await scenario.add_supervisor("sam", [scenario.list])).token
        conversation = await scenario.new_conversation()
        await join(ann, conversation.name)
        # A small receive window, so the server's writes to the client that reads nothing block soon.
        channel = grpc.aio.insecure_channel(
            server.address,
            interceptors=bearer_token_interceptors(token),
            options=[("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 4096)],
        )
        server.channels.append(channel)
        stalled = monitor(SupervisorServiceStub(channel), conversation.name)
        synced = await read_until(stalled, lambda e: e.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)
        texts = [f"{n:04d} " + "x" * 2000 for n in range(200)]
        for text in texts:
            await ann.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=conversation.name, text=text))
        received = []
        with pytest.raises(grpc.aio.AioRpcError) as cut_off:
            while True:
                received.append(await read_event(stalled))
        assert error_reason(cut_off.value) == "SLOW_CONSUMER"
        last = received[-1].resume_token if received else synced[-1].resume_token
        resumed = monitor(server.supervisor(token), conversation.name, last)
        rest = await read_until(resumed, lambda e, last=texts[-1]: e.message.text == last)
        assert [e.message.text for e in received + rest] == texts


async def test_the_monitors_open_are_counted(measured_server):
    scenario = await create_scenario(measured_server, agents=0)
    stub = (await scenario.add_supervisor("sam", [scenario.list])).stub
    conversation = await scenario.new_conversation()
    monitors = [monitor(stub, conversation.name) for _ in range(2)]
    for stream in monitors:
        await read_until(stream, lambda e: e.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)
    queues = watch_queues(stub)
    await read_until(queues, is_synced)
    samples = await scrape(measured_server)
    assert value(samples, "pullrouting_open_streams", kind="monitor") == 2
    assert value(samples, "pullrouting_open_streams", kind="queues") == 1
    for stream in monitors:
        stream.cancel()
    await wait_until_counted(measured_server, "monitor", 0)


async def test_a_monitor_ends_when_its_conversation_is_transferred_off_the_supervisors_lists(any_server):
    scenario = await create_scenario(any_server, agents=0)
    second_list, _ = await add_second_list(scenario)
    ann = await scenario.add_agent("ann", lists=[scenario.list, second_list])
    stub = (await scenario.add_supervisor("sam", [scenario.list])).stub
    conversation = await scenario.new_conversation()
    await join(ann, conversation.name)
    stream = monitor(stub, conversation.name)
    await read_until(stream, lambda e: e.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED)

    await ann.stub.TransferConversation(
        agent_service_pb2.TransferConversationRequest(name=conversation.name, list=second_list, note="billing")
    )

    with pytest.raises(grpc.aio.AioRpcError) as ended:
        while True:
            assert (await read_event(stream)).conversation.list != second_list
    assert (ended.value.code(), error_reason(ended.value)) == (Code.PERMISSION_DENIED, "NOT_ENTITLED")
    assert second_list not in ended.value.details()


async def test_deleting_a_supervisor_ends_its_open_streams(any_server):
    scenario = await create_scenario(any_server, agents=0)
    sam = await scenario.add_supervisor("sam", [scenario.list])
    queues = watch_queues(sam.stub)
    await read_until(queues, is_synced)
    await scenario.admin.DeleteSupervisor(admin_service_pb2.DeleteSupervisorRequest(name=sam.name))
    with pytest.raises(grpc.aio.AioRpcError) as ended:
        while True:
            await read_event(queues)
    assert (ended.value.code(), error_reason(ended.value)) == (Code.UNAUTHENTICATED, "TOKEN_INVALID")
