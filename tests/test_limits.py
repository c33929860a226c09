"""Limits: calls per second per caller, open streams per agent, request size."""

import grpc
from scenario import create_scenario, expect_refusal
from streams import open_when_allowed, watch_from_synced
from support import ADMIN_TOKEN, error_reason, gather_all, serve, within

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, ingest_service_pb2

EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_calls_past_the_rate_limit_are_refused_per_caller(sqlite_url):
    async for server in serve(sqlite_url):
        scenario = await create_scenario(server, agents=2)
    # The same database again, now with a limit of 5 calls a second.
    async for server in serve(sqlite_url, rate_limit_per_second=5):
        await _rate_limited(server, [agent.token for agent in scenario.agents])


async def _rate_limited(server, agent_tokens: list[str]) -> None:
    admin = server.admin()
    busy, other = [server.agent(token) for token in agent_tokens]

    results = await gather_all([lambda: busy.ListLists(agent_service_pb2.ListListsRequest())] * 30)

    refused = [result for result in results if isinstance(result, BaseException)]
    assert refused, "30 calls at once all passed a limit of 5 a second"
    for error in refused:
        assert isinstance(error, grpc.aio.AioRpcError)
        assert (error.code(), error_reason(error)) == (EXHAUSTED, "RATE_LIMITED")
    # Other callers have budgets of their own.
    await other.ListLists(agent_service_pb2.ListListsRequest())
    await admin.ListLists(admin_service_pb2.AdminServiceListListsRequest())


async def test_an_agent_may_hold_only_so_many_streams(sqlite_url):
    async for server in serve(sqlite_url, max_streams_per_agent=2):
        scenario = await create_scenario(server, agents=2)
        agent, other = scenario.agents
        first = await watch_from_synced(agent)
        await watch_from_synced(agent)

        third = agent.stub.WatchLists(agent_service_pb2.WatchListsRequest())
        error = await within(10, _failure(third))
        assert (error.code(), error_reason(error)) == (EXHAUSTED, "TOO_MANY_STREAMS")
        await watch_from_synced(other)

        first.cancel()
        # The server notices the cancellation on its own schedule: retry until the slot is free.
        await within(10, open_when_allowed(agent))


async def _failure(stream) -> grpc.aio.AioRpcError:
    try:
        await stream.read()
    except grpc.aio.AioRpcError as error:
        return error
    raise AssertionError("the stream was opened")


async def test_a_request_larger_than_the_maximum_message_size_is_refused(sqlite_url):
    async for server in serve(sqlite_url, max_message_bytes=16 * 1024):
        await _too_large(server)


async def _too_large(server) -> None:
    scenario = await create_scenario(server, agents=0)
    request = ingest_service_pb2.PostCustomerMessageRequest(
        service_identifier=scenario.service_identifier,
        customer=conversation_pb2.Customer(id="c", display_name="x" * 20_000),
        text="hello",
        source_message_id="big",
    )

    await expect_refusal(server, lambda: scenario.ingest.PostCustomerMessage(request), EXHAUSTED)
    await expect_refusal(
        server,
        lambda: server.admin(ADMIN_TOKEN).CreateList(
            admin_service_pb2.CreateListRequest(list_id="big", list={"display_name": "L", "description": "d" * 9**5})
        ),
        EXHAUSTED,
    )
