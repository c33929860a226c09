"""Several instances on one PostgreSQL: watchers on one instance see writes made on another, every event of
their lists once and in order; an instance killed mid-burst loses its clients nothing; join races spread over
instances are still decided by the database."""

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import grpc
from processes import ServeProcess, clean_environment
from scenario import Agent, Scenario, create_scenario, join, join_call, leave, stored_events
from streams import (
    Place,
    list_event_positions,
    positions_until,
    read_event,
    read_until,
    token_position,
    watch_from_synced,
)
from support import ADMIN_TOKEN, Server, error_reason, gather_all
from test_presence import presence_of, set_release_after

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2, resources_pb2

CONNECTORS = 4
ROUNDS = 10


@asynccontextmanager
async def instances(count: int, database_url: str, workdir: Path, **settings: str) -> AsyncIterator[list[Server]]:
    """`count` `pullrouting serve` processes on one database, as test Servers; killed on the way out.
    `settings` are more environment variables."""
    env = clean_environment(PULLROUTING_ADMIN_TOKEN=ADMIN_TOKEN, PULLROUTING_DATABASE_URL=database_url, **settings)
    async with AsyncExitStack() as stack:
        servers = []
        for _ in range(count):
            process = ServeProcess(["--listen", "127.0.0.1:0"], workdir, env)
            stack.callback(process.kill)
            await asyncio.to_thread(process.wait_started)
            server = Server(process.address, database_url, process, [])
            stack.push_async_callback(_close_channels, server)
            servers.append(server)
        yield servers


async def _close_channels(server: Server) -> None:
    for channel in server.channels:
        await channel.close()


def on(server: Server, agent: Agent) -> Agent:
    """The same agent, calling another instance."""
    return dataclasses.replace(agent, stub=server.agent(agent.token))


def connector_on(server: Server, scenario: Scenario) -> Scenario:
    """The scenario's connector, calling another instance."""
    return dataclasses.replace(scenario, ingest=server.ingest(scenario.ingestor_token), agents=[])


async def open_join_leave(scenario: Scenario, servers: list[Server], connector: int, rounds: int) -> None:
    """One connector opens `rounds` requests on one instance; after each, an agent on the next instance joins
    and leaves it: three list events per request."""
    ingest = connector_on(servers[connector % len(servers)], scenario)
    for number in range(rounds):
        response = await ingest.post(customer_id=f"c{connector}-{number}")
        assert response.created
        agent = on(
            servers[(connector + 1) % len(servers)], scenario.agents[(connector + number) % len(scenario.agents)]
        )
        name = response.conversation.name
        await join(agent, name)
        await leave(agent, name)


async def test_watchers_on_every_instance_see_every_event_once_in_order(postgres_url: str, tmp_path: Path):
    async with instances(2, postgres_url, tmp_path) as servers:
        scenario = await create_scenario(servers[0], agents=4)
        watchers = [await watch_from_synced(on(servers[i % 2], agent)) for i, agent in enumerate(scenario.agents)]
        start = max(list_event_positions(postgres_url, scenario.list), default=(0, 0))
        rounds = 60
        await asyncio.gather(*(open_join_leave(scenario, servers, c, rounds) for c in range(CONNECTORS)))

        expected = list_event_positions(postgres_url, scenario.list, after=start)
        assert len(expected) == CONNECTORS * rounds * 3
        for watcher in watchers:
            assert await positions_until(watcher, expected[-1], []) == expected


async def test_clients_of_a_killed_instance_resume_on_another_and_miss_nothing(postgres_url: str, tmp_path: Path):
    async with instances(2, postgres_url, tmp_path) as (doomed, survivor):
        scenario = await create_scenario(survivor, agents=2)
        agent = scenario.agents[0]
        stream = await watch_from_synced(on(doomed, agent))
        start = max(list_event_positions(postgres_url, scenario.list), default=(0, 0))
        writing = asyncio.gather(*(open_join_leave(scenario, [survivor], c, 40) for c in range(CONNECTORS)))

        received: list[Place] = []
        while len(received) < 30:
            last_token = (await read_event(stream)).resume_token
            received.append(token_position(last_token))
        doomed.running.kill()
        resumed = await watch_from_synced(on(survivor, agent), last_token)
        await writing

        expected = list_event_positions(postgres_url, scenario.list, after=start)
        assert await positions_until(resumed, expected[-1], received) == expected


async def test_join_races_spread_over_instances_admit_exactly_the_cap(postgres_url: str, tmp_path: Path):
    async with instances(2, postgres_url, tmp_path) as servers:
        scenario = await create_scenario(servers[0], agents=20, max_participants=1)
        racers = [on(servers[i % 2], agent) for i, agent in enumerate(scenario.agents)]
        for _ in range(ROUNDS):
            conversation = await connector_on(servers[1], scenario).new_conversation()
            results = await gather_all([join_call(racer, conversation.name) for racer in racers])
            refused = [r for r in results if isinstance(r, BaseException)]
            assert all(isinstance(r, grpc.aio.AioRpcError) for r in refused), refused
            assert sorted(error_reason(r) for r in refused) == ["LIST_FULL"] * 19
            winner = next(r for r in results if not isinstance(r, BaseException))
            assert len(winner.conversation.participants) == 1


async def test_simultaneous_joins_over_instances_record_everyone_once(postgres_url: str, tmp_path: Path):
    async with instances(2, postgres_url, tmp_path) as servers:
        scenario = await create_scenario(servers[0], agents=30)
        racers = [on(servers[i % 2], agent) for i, agent in enumerate(scenario.agents)]
        for _ in range(ROUNDS):
            conversation = await connector_on(servers[1], scenario).new_conversation()
            results = await gather_all([join_call(racer, conversation.name) for racer in racers])
            assert not [r for r in results if isinstance(r, BaseException)]
            final = await racers[0].stub.GetConversation(
                agent_service_pb2.GetConversationRequest(name=conversation.name)
            )
            assert sorted(p.agent for p in final.conversation.participants) == sorted(a.name for a in racers)


async def test_a_token_refused_on_one_instance_is_refused_on_the_others(postgres_url: str, tmp_path: Path):
    async with instances(2, postgres_url, tmp_path) as (first, second):
        scenario = await create_scenario(first, agents=1)
        agent = on(second, scenario.agents[0])
        request = agent_service_pb2.ListSubscriptionsRequest()
        await agent.stub.ListSubscriptions(request)
        await first.admin().UpdateAgent(
            admin_service_pb2.UpdateAgentRequest(agent=resources_pb2.Agent(name=agent.name, enabled=False))
        )
        # The other instance hears of the change through the events table: within its notification delay.
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            try:
                await agent.stub.ListSubscriptions(request)
            except grpc.aio.AioRpcError as error:
                assert (error.code(), error_reason(error)) == (grpc.StatusCode.PERMISSION_DENIED, "PRINCIPAL_DISABLED")
                break
            assert asyncio.get_running_loop().time() < deadline, "the other instance still accepts the token"
            await asyncio.sleep(0.01)


async def test_an_agent_streaming_on_one_instance_is_present_on_all_and_released_once(
    postgres_url: str, tmp_path: Path
):
    grace, release_after = 2, 1
    timers = {"PULLROUTING_PRESENCE_GRACE_SECONDS": str(grace), "PULLROUTING_REMINDER_CHECK_SECONDS": "0.2"}
    async with instances(2, postgres_url, tmp_path, **timers) as (first, second):
        scenario = await create_scenario(first, agents=2)
        ann, bob = scenario.agents
        await set_release_after(scenario, release_after)
        ann_stream = await watch_from_synced(ann)  # on the first instance
        assert await presence_of(scenario, ann.name) == resources_pb2.PRESENCE_AVAILABLE
        conversation = await scenario.new_conversation()
        await join(on(second, ann), conversation.name)
        watcher = await watch_from_synced(on(second, bob))

        # Longer than the grace period and release_after together: the second instance's timers see the
        # first one's record of the stream and release nothing.
        await asyncio.sleep(grace + release_after + 0.5)
        got = await on(second, bob).stub.GetConversation(
            agent_service_pb2.GetConversationRequest(name=conversation.name)
        )
        assert [p.agent for p in got.conversation.participants] == [ann.name]

        ann_stream.cancel()
        released = await read_until(watcher, lambda event: event.alert == events_pb2.LIST_ALERT_RELEASED, timeout=20)
        assert released[-1].conversation.name == conversation.name
        left = [row for row in stored_events(postgres_url) if row.type == "AGENT_LEFT"]
        assert [(row.agent_id, row.payload["leave_cause"]) for row in left] == [(ann.id, "RELEASED")]
