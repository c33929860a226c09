"""A client that stops answering (its process SIGSTOPped: the kernel still acknowledges TCP, only HTTP/2 pings
go unanswered) is noticed within keepalive plus keepalive timeout: its streams end and give back their
slots. The test lowers both figures to a second so that it stays short."""

import asyncio
import signal
import subprocess
import sys

from scenario import create_scenario
from streams import open_when_allowed
from support import serve, within

# Opens WatchLists with the token given, says so once SYNCED arrived, then holds the stream without reading.
CLIENT = """
import sys
import grpc
from pullrouting.v1 import agent_service_pb2, agent_service_pb2_grpc, events_pb2

address, token = sys.argv[1], sys.argv[2]
channel = grpc.insecure_channel(address)
stream = agent_service_pb2_grpc.AgentServiceStub(channel).WatchLists(
    agent_service_pb2.WatchListsRequest(), metadata=[("authorization", f"Bearer {token}")]
)
for response in stream:
    if response.event.type == events_pb2.LIST_EVENT_TYPE_SYNCED:
        print("synced", flush=True)
        break
sys.stdin.read()
"""
# Keepalive plus timeout is 2 s here; the deadline leaves room for a loaded machine.
NOTICE_DEADLINE = 20.0


async def test_a_stopped_client_is_noticed_and_its_stream_slot_freed(sqlite_url):
    async for server in serve(
        sqlite_url, max_streams_per_agent=1, keepalive_seconds=1.0, keepalive_timeout_seconds=1.0
    ):
        scenario = await create_scenario(server, agents=1)
        agent = scenario.agents[0]
        client = subprocess.Popen(
            [sys.executable, "-c", CLIENT, server.address, agent.token],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert client.stdout is not None
            # Read off the event loop, which serves the client meanwhile.
            assert (await within(NOTICE_DEADLINE, asyncio.to_thread(client.stdout.readline))).strip() == "synced"
            client.send_signal(signal.SIGSTOP)
            # The stopped client holds the agent's only slot until the server notices it is gone.
            await within(NOTICE_DEADLINE, open_when_allowed(agent))
        finally:
            client.kill()
            client.wait()
