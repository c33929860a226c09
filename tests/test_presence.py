"""Presence and release: an agent is OFFLINE until a stream of it gets going, AVAILABLE or AWAY as it says
while one is open, OFFLINE again the grace period after its last one ends; a participant away longer than its
List's release_after is released once. The timers run on the test's clock."""

import asyncio
import time

import grpc
from google.protobuf import duration_pb2, field_mask_pb2
from scenario import Scenario, create_scenario, expect_refusal, join, stored_events
from scheduling import SECOND, Clock, micros
from streams import read_until, watch_from_synced
from support import Server, violated_fields

from pullrouting.ops.presence import ReleaseScheduler
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, events_pb2, resources_pb2

GRACE = 30
RELEASE_AFTER = 60
P = resources_pb2


def scheduler(server: Server, clock: Clock) -> ReleaseScheduler:
    """Ticked by the test; the server's own one ticks on real time, which never reaches the test clock's."""
    return ReleaseScheduler(server.running.database, check_seconds=3600, grace_seconds=GRACE, clock=clock)


async def presence_of(scenario: Scenario, name: str) -> int:
    return (await scenario.admin.GetAgent(admin_service_pb2.GetAgentRequest(name=name))).agent.presence


async def set_release_after(scenario: Scenario, seconds: float, *, away_agents: bool = False):
    return await scenario.admin.UpdateList(
        admin_service_pb2.UpdateListRequest(
            list=P.List(
                name=scenario.list,
                release_after=duration_pb2.Duration(seconds=seconds),
                release_away_agents=away_agents,
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["release_after", "release_away_agents"]),
        )
    )


def presence_events(server: Server) -> list[tuple[str, str, str]]:
    return [
        (row.agent_id, row.payload["previous_presence"], row.payload["presence"])
        for row in stored_events(server.database_url)
        if row.kind == "agent"
    ]


async def test_presence_follows_the_agents_streams_and_its_choice(any_server):
    scenario = await create_scenario(any_server, agents=1)
    ann = scenario.agents[0]
    assert await presence_of(scenario, ann.name) == P.PRESENCE_OFFLINE

    stream = await watch_from_synced(ann)
    assert await presence_of(scenario, ann.name) == P.PRESENCE_AVAILABLE  # recorded before its first message
    away = await ann.stub.SetPresence(agent_service_pb2.SetPresenceRequest(presence=P.PRESENCE_AWAY))
    assert away.presence == P.PRESENCE_AWAY
    stream.cancel()
    clock = Clock(time.time_ns() // 1000 + (GRACE + 1) * SECOND)
    ticks = scheduler(any_server, clock)
    deadline = time.monotonic() + 10
    # A tick skips an agent whose row the instance is writing just then (its stream's end): the next one finds it.
    while (await ticks.tick(), await presence_of(scenario, ann.name))[1] != P.PRESENCE_OFFLINE:
        assert time.monotonic() < deadline, "never found OFFLINE"
        await asyncio.sleep(0.05)

    assert presence_events(any_server) == [
        ("agent-1", "OFFLINE", "AVAILABLE"),
        ("agent-1", "AVAILABLE", "AWAY"),
        ("agent-1", "AWAY", "OFFLINE"),
    ]


async def test_an_offline_participant_is_released_once_after_release_after(any_server):
    scenario = await create_scenario(any_server, agents=2)
    offline, watcher = scenario.agents
    await set_release_after(scenario, RELEASE_AFTER)
    conversation = await scenario.new_conversation()
    joined = (await join(offline, conversation.name)).conversation  # no stream: OFFLINE all along
    stream = await watch_from_synced(watcher)
    clock = Clock(micros(joined.participants[0].join_time) + RELEASE_AFTER * SECOND - 1)
    ticks = scheduler(any_server, clock)

    assert await ticks.tick() == 0
    clock.now += 1
    assert await ticks.tick() == 1
    assert await ticks.tick() == 0

    event = (await read_until(stream, lambda e: e.alert == events_pb2.LIST_ALERT_RELEASED))[-1]
    assert event.conversation.name == conversation.name
    assert event.conversation.state == conversation_pb2.CONVERSATION_STATE_INACTIVE
    left = [row for row in stored_events(any_server.database_url) if row.type == "AGENT_LEFT"]
    assert [(row.agent_id, row.payload["leave_cause"]) for row in left] == [("agent-1", "RELEASED")]


async def test_a_participant_with_a_stream_open_stays_and_away_counts_where_the_list_says(any_server):
    scenario = await create_scenario(any_server, agents=1)
    ann = scenario.agents[0]
    await set_release_after(scenario, RELEASE_AFTER)
    conversation = await scenario.new_conversation()
    stream = await watch_from_synced(ann)
    assert await presence_of(scenario, ann.name) == P.PRESENCE_AVAILABLE  # recorded before its first message
    await join(ann, conversation.name)
    await ann.stub.SetPresence(agent_service_pb2.SetPresenceRequest(presence=P.PRESENCE_AWAY))
    clock = Clock(time.time_ns() // 1000 + (GRACE + RELEASE_AFTER + 1) * SECOND)
    ticks = scheduler(any_server, clock)

    # The stream's instance records it as seen every third of the grace period; here, at the test's time.
    await any_server.running.presence.beat(clock.now)
    assert await ticks.tick() == 0  # AWAY, but the List releases only OFFLINE participants
    await set_release_after(scenario, RELEASE_AFTER, away_agents=True)
    assert await ticks.tick() == 1

    got = await ann.stub.GetConversation(agent_service_pb2.GetConversationRequest(name=conversation.name))
    assert got.conversation.state == conversation_pb2.CONVERSATION_STATE_INACTIVE
    stream.cancel()


async def test_release_after_is_checked(server):
    scenario = await create_scenario(server, agents=0)
    for seconds in (-1, 1, 366 * 24 * 3600):  # the server checks timers every 5 s
        error = await expect_refusal(
            server, lambda seconds=seconds: set_release_after(scenario, seconds), grpc.StatusCode.INVALID_ARGUMENT
        )
        assert violated_fields(error) == {"list.release_after"}


async def test_only_available_and_away_can_be_set(server):
    scenario = await create_scenario(server, agents=1)
    ann = scenario.agents[0]
    for presence in (P.PRESENCE_UNSPECIFIED, P.PRESENCE_OFFLINE):
        request = agent_service_pb2.SetPresenceRequest(presence=presence)
        error = await expect_refusal(
            server, lambda request=request: ann.stub.SetPresence(request), grpc.StatusCode.INVALID_ARGUMENT
        )
        assert violated_fields(error) == {"presence"}
