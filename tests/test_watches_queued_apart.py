"""Watches wait to be accepted in queues of their own (server.WatchesQueuedApart): calls that reach the server
while thousands of desks reconnect are accepted as they come, not after every desk before them."""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from grpc._cython import cygrpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from scenario import create_scenario
from support import serve, within

from pullrouting.api.rpcs import RpcInterceptor
from pullrouting.v1 import agent_service_pb2, agent_service_pb2_grpc

DEADLINE = 30.0
# Within one connection's limit of open calls (max_streams_per_connection, 200).
WATCHES = 150
WATCH_DESK = "/pullrouting.v1.AgentService/WatchDesk"
LIST_SUBSCRIPTIONS = "/pullrouting.v1.AgentService/ListSubscriptions"
HEALTH_CHECK = "/grpc.health.v1.Health/Check"


def _calls_started() -> int:
    """Calls every server of this process has received (gRPC's channelz), accepted by the application or not."""
    servers = json.loads(cygrpc.channelz_get_servers(0)).get("server", [])
    return sum(int(server["data"].get("callsStarted", 0)) for server in servers)


def _arrive_while_held(address: str, token: str, before: int) -> tuple[list[Any], list[grpc.Future]]:
    """On gRPC's synchronous client, from a thread: WATCHES WatchDesk calls, then a unary call and a health
    check; returns once the server has received all of them."""
    channel = grpc.insecure_channel(address)
    metadata = (("authorization", f"Bearer {token}"),)
    agents = agent_service_pb2_grpc.AgentServiceStub(channel)
    watches = [agents.WatchDesk(agent_service_pb2.WatchDeskRequest(), metadata=metadata) for _ in range(WATCHES)]
    deadline = time.monotonic() + DEADLINE
    while _calls_started() < before + WATCHES and time.monotonic() < deadline:
        time.sleep(0.01)
    unary = [
        agents.ListSubscriptions.future(agent_service_pb2.ListSubscriptionsRequest(), metadata=metadata),
        health_pb2_grpc.HealthStub(channel).Check.future(health_pb2.HealthCheckRequest()),
    ]
    while _calls_started() < before + WATCHES + len(unary) and time.monotonic() < deadline:
        time.sleep(0.01)
    return watches, unary


async def _until_accepted(accepted: list[str], count: int) -> None:
    while len(accepted) < count:
        await asyncio.sleep(0.01)


async def test_unary_calls_are_accepted_before_the_watches_that_came_first(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    accepted: list[str] = []
    intercept = RpcInterceptor.intercept_service

    def recording(self: RpcInterceptor, continuation: Callable[..., Awaitable[Any]], details: Any) -> Awaitable[Any]:
        accepted.append(details.method)
        return intercept(self, continuation, details)

    monkeypatch.setattr(RpcInterceptor, "intercept_service", recording)
    async for server in serve(sqlite_url, max_streams_per_agent=WATCHES):
        agent = (await create_scenario(server, agents=1)).agents[0]
        accepted.clear()
        with ThreadPoolExecutor(1) as thread:
            arriving = thread.submit(_arrive_while_held, server.address, agent.token, _calls_started())
            # Holds this event loop, and with it the server's: gRPC's core receives the calls and keeps them
            # until the server asks for the next one, as it does when a reconnect storm keeps the loop busy.
            watches, unary = arriving.result(DEADLINE)
        try:
            await within(DEADLINE, _until_accepted(accepted, WATCHES + len(unary)))
            for call in unary:
                await asyncio.to_thread(call.result, DEADLINE)
        finally:
            for watch in watches:
                watch.cancel()

        assert accepted.count(WATCH_DESK) == WATCHES
        # Each queue gives the server one call a turn: the unary call and the health check in the first turns,
        # where one queue for every call would have given them after all the desks.
        assert accepted.index(LIST_SUBSCRIPTIONS) < 5
        assert accepted.index(HEALTH_CHECK) < 5
