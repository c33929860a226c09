"""The Python SDK's supervisor calls and activity calls against a real server: AdminClient's supervisors,
SupervisorClient (reading, steering, and its three watches), AgentClient.set_activity and
IngestClient.post_activity, async and blocking; a watch keeps the last resume token across live notices,
which carry none."""

import asyncio
from datetime import UTC, datetime

import pytest
from scenario import Scenario, create_scenario
from support import ADMIN_TOKEN, Server, within

from pullrouting.v1 import admin_service_pb2, events_pb2, resources_pb2, supervisor_events_pb2
from pullrouting_client import (
    Activity,
    AdminClient,
    AgentClient,
    AgentStatusEventType,
    CloseReason,
    ConversationClosed,
    ConversationEventType,
    IngestClient,
    ListEventType,
    NotEntitled,
    NotParticipant,
    SenderType,
    SupervisorClient,
    connect,
    names,
    sync,
)
from pullrouting_client.enums import MessageVisibility, ParticipantRole
from pullrouting_client.sync import SyncAdminClient, SyncAgentClient, SyncIngestClient, SyncSupervisorClient

DEADLINE = 15.0
C = events_pb2.ConversationEventType


async def supervisor_client(server: Server, scenario: Scenario, supervisor_id: str, lists: list[str]):
    """An AdminClient-made supervisor of `lists` and a SupervisorClient with its token."""
    admin = AdminClient(server.channel(ADMIN_TOKEN))
    supervisor, token = await admin.create_supervisor(supervisor_id, display_name=supervisor_id.title(), lists=lists)
    assert supervisor.name == names.supervisor_name(supervisor_id)
    channel = connect(server.address, token)
    server.channels.append(channel)
    return admin, SupervisorClient(channel)


async def next_where(events, wanted):
    while True:
        event = await within(DEADLINE, anext(events))
        if wanted(event):
            return event


async def test_supervisor_calls_read_and_steer_within_its_lists(server):
    scenario = await create_scenario(server, agents=1)
    second = (
        await server.admin().CreateList(
            admin_service_pb2.CreateListRequest(list_id="l2", list=resources_pb2.List(display_name="L2"))
        )
    ).list.name
    admin, supervisor = await supervisor_client(server, scenario, "sam", [scenario.list, second])
    ann = AgentClient(server.channel(scenario.agents[0].token))
    conversation = (await scenario.post("Where is my refund?")).conversation
    name = conversation.name

    assert [c.name for c in await supervisor.list_conversations()] == [name]
    assert [c.name for c in await supervisor.list_conversations(scenario.list, order_by="waiting_since")] == [name]
    assert (await supervisor.get(name)).name == name
    assert (await supervisor.set_priority(name, 7)).priority == 7
    await ann.join(name)
    note = await supervisor.whisper(name, "VIP")
    assert (note.supervisor, note.visibility) == (names.supervisor_name("sam"), MessageVisibility.INTERNAL)
    assert [m.text for m in await supervisor.list_messages(name)] == ["Where is my refund?", "VIP"]
    joined = (await supervisor.barge_in(name)).participants
    assert [(p.role, p.agent or p.supervisor) for p in joined] == [
        (ParticipantRole.AGENT, scenario.agents[0].name),
        (ParticipantRole.SUPERVISOR, names.supervisor_name("sam")),
    ]
    reply = await supervisor.send(name, "Sam here: refunded today", request_id="sam-1")
    assert (reply.supervisor, reply.visibility) == (names.supervisor_name("sam"), MessageVisibility.PUBLIC)
    assert await supervisor.send(name, "again", request_id="sam-1") == reply
    assert [p.agent for p in (await supervisor.leave(name)).participants] == [scenario.agents[0].name]
    with pytest.raises(NotParticipant):
        await supervisor.send(name, "too late")
    assert [p.agent for p in (await supervisor.release(name, scenario.agents[0].name)).participants if p.agent] == []
    assert (await supervisor.transfer(name, second, "billing")).list == second
    assert (await supervisor.force_close(name)).close_reason == CloseReason.FORCED
    with pytest.raises(ConversationClosed):
        await supervisor.force_close(name)

    # Off its Lists, and nothing at all, alike.
    await admin.update_supervisor(names.supervisor_name("sam"), lists=[scenario.list])
    assert (await admin.get_supervisor(names.supervisor_name("sam"))).lists == [scenario.list]
    for refused in (supervisor.get(name), supervisor.get("conversations/none"), supervisor.list_messages(name)):
        with pytest.raises(NotEntitled):
            await refused
    assert [s.name for s in await admin.list_supervisors()] == [names.supervisor_name("sam")]
    records = await admin.list_audit_records('actor = "supervisors/sam" AND action = "Whisper"')
    assert [(r.action, r.resource) for r in records] == [("Whisper", name)]


async def test_supervisor_watches_and_typing_through_the_sdk(server):
    scenario = await create_scenario(server, agents=1)
    _admin, supervisor = await supervisor_client(server, scenario, "sam", [scenario.list])
    ann = AgentClient(server.channel(scenario.agents[0].token))
    ingest = IngestClient(server.channel(scenario.ingestor_token))
    name = (await scenario.post("Hello")).conversation.name
    await ann.join(name)

    queues = aiter(supervisor.watch_queues())
    synced = await next_where(queues, lambda e: e.list_event.type == ListEventType.SYNCED)
    assert synced.resume_token
    figures = await next_where(queues, lambda e: e.WhichOneof("event") == "figures")
    assert (figures.figures.list, figures.figures.active_count) == (scenario.list, 1)

    agents = aiter(supervisor.watch_agents())
    status = await next_where(agents, lambda e: e.type == AgentStatusEventType.SNAPSHOT)
    assert (status.agent.agent, list(status.agent.conversations)) == (scenario.agents[0].name, [name])
    await next_where(agents, lambda e: e.type == AgentStatusEventType.SYNCED)

    watch = supervisor.monitor(name)
    monitoring = aiter(watch)
    synced = await next_where(monitoring, lambda e: e.type == ConversationEventType.SYNCED)
    expires = await ann.set_activity(name, Activity.TYPING)
    assert expires is not None and expires > datetime.now(UTC)
    assert await ingest.post_activity(name, Activity.TYPING) is not None
    assert await ingest.post_activity(name, Activity.NONE) is None
    typing = await next_where(monitoring, lambda e: e.type == ConversationEventType.ACTIVITY)
    assert (typing.activity.agent, typing.activity.activity, typing.resume_token) == (
        scenario.agents[0].name,
        Activity.TYPING,
        "",
    )
    await next_where(monitoring, lambda e: e.activity.activity == Activity.NONE)
    # A live notice has no place in the order: the watch still resumes after the SYNCED.
    assert watch.resume_token == synced.resume_token
    await ann.send(name, "On it")
    said = await next_where(monitoring, lambda e: e.type == ConversationEventType.AGENT_MESSAGE)
    assert watch.resume_token == said.resume_token != ""
    assert (await ann.set_activity(name, Activity.NONE)) is None


async def test_a_watch_resumes_after_its_last_event_not_after_a_live_notice(server):
    """Cut off after a typing notice (which carries no token), the monitor resumes after the event before it:
    nothing of the history again."""
    scenario = await create_scenario(server, agents=1)
    _admin, supervisor = await supervisor_client(server, scenario, "sam", [scenario.list])
    ann = AgentClient(server.channel(scenario.agents[0].token))
    name = (await scenario.post("Hello")).conversation.name
    await ann.join(name)
    first = supervisor.monitor(name)
    events = aiter(first)
    await next_where(events, lambda e: e.type == ConversationEventType.SYNCED)
    await ann.set_activity(name, Activity.TYPING)
    await next_where(events, lambda e: e.type == ConversationEventType.ACTIVITY)
    await events.aclose()

    await ann.send(name, "Back")
    resumed = aiter(supervisor.monitor(name, first.resume_token))
    event = await within(DEADLINE, anext(resumed))
    assert (event.type, event.message.text, event.reset) == (ConversationEventType.AGENT_MESSAGE, "Back", False)
    await resumed.aclose()


async def test_the_blocking_supervisor_client(server):
    scenario = await create_scenario(server, agents=1)
    name = (await scenario.post("Hello")).conversation.name

    def console() -> list[int]:
        with sync.connect(server.address, ADMIN_TOKEN) as admin_channel:
            admin = SyncAdminClient(admin_channel)
            _supervisor, token = admin.create_supervisor("kim", display_name="Kim", lists=[scenario.list])
        with (
            sync.connect(server.address, token) as channel,
            sync.connect(server.address, scenario.agents[0].token) as agent_channel,
            sync.connect(server.address, scenario.ingestor_token) as ingest_channel,
        ):
            supervisor = SyncSupervisorClient(channel)
            agent = SyncAgentClient(agent_channel)
            assert [c.name for c in supervisor.list_conversations(scenario.list)] == [name]
            assert supervisor.set_priority(name, 3).priority == 3
            agent.join(name)
            seen = []
            for event in supervisor.monitor(name):
                seen.append(event.type)
                if event.type == ConversationEventType.SYNCED:
                    agent.set_activity(name, Activity.TYPING)
                    SyncIngestClient(ingest_channel).post_activity(name, Activity.TYPING)
                if event.type == ConversationEventType.ACTIVITY and event.activity.sender_type == SenderType.CUSTOMER:
                    supervisor.force_close(name)
                if event.type == ConversationEventType.CONVERSATION_CLOSED:
                    return seen
            return seen

    seen = await asyncio.to_thread(console)
    assert seen[-1] == ConversationEventType.CONVERSATION_CLOSED
    assert seen.count(ConversationEventType.ACTIVITY) == 2


def test_the_supervisor_enums_are_generated():
    assert AgentStatusEventType.REMOVED == supervisor_events_pb2.AGENT_STATUS_EVENT_TYPE_REMOVED
    assert Activity.VIEWING == events_pb2.ACTIVITY_VIEWING
