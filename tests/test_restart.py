"""A server killed with SIGKILL mid-burst and started again on the same database: a client that resumes
with its last token receives every event it missed, in order, none twice."""

import asyncio
import dataclasses
from pathlib import Path

import grpc
from processes import ServeProcess, clean_environment
from scenario import create_scenario
from streams import Place, list_event_positions, positions_until, read_event, token_position, watch_from_synced
from support import ADMIN_TOKEN, Server


async def post_until_refused(scenario, count: int) -> int:
    """Posts new requests until `count` are in or the server goes away; returns how many were answered."""
    for number in range(count):
        try:
            await scenario.post(customer_id=f"burst-{number}")
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.UNAVAILABLE, error
            return number
    return count


async def test_resume_across_a_sigkill_restart_misses_and_repeats_nothing(tmp_path: Path):
    database_url = f"sqlite:///{tmp_path}/pullrouting.db"
    env = clean_environment(PULLROUTING_ADMIN_TOKEN=ADMIN_TOKEN, PULLROUTING_DATABASE_URL=database_url)
    first_process = ServeProcess(["--listen", "127.0.0.1:0"], tmp_path, env)
    second_process = None
    try:
        await asyncio.to_thread(first_process.wait_started)
        first = Server(first_process.address, database_url, first_process, [])
        scenario = await create_scenario(first, agents=1)
        agent = scenario.agents[0]
        stream = await watch_from_synced(agent)
        start = max(list_event_positions(database_url, scenario.list), default=(0, 0))
        posting = asyncio.create_task(post_until_refused(scenario, 500))

        received: list[Place] = []
        while len(received) < 40:
            last_token = (await read_event(stream)).resume_token
            received.append(token_position(last_token))
        first_process.kill()
        answered = await posting
        assert answered < 500, "the burst ended before the kill: nothing was tested"

        second_process = ServeProcess(["--listen", "127.0.0.1:0"], tmp_path, env)
        await asyncio.to_thread(second_process.wait_started)
        second = Server(second_process.address, database_url, second_process, [])
        again = dataclasses.replace(agent, stub=second.agent(agent.token))
        resumed = await watch_from_synced(again, last_token)
        await dataclasses.replace(scenario, ingest=second.ingest(scenario.ingestor_token)).post(customer_id="after")

        expected = list_event_positions(database_url, scenario.list, after=start)
        assert await positions_until(resumed, expected[-1], received) == expected
        for server in (first, second):
            for channel in server.channels:
                await channel.close()
    finally:
        first_process.kill()
        if second_process is not None:
            second_process.kill()
