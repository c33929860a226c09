"""Authentication and roles: every call of the three services needs a bearer token of the right role, from
an enabled principal; health checking and reflection need none."""

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from metrics_scrape import scrape, value
from scenario import create_scenario, expect_refusal
from support import ADMIN_TOKEN, expect_error, serve

from pullrouting.v1 import admin_service_pb2 as pb
from pullrouting.v1 import agent_service_pb2, ingest_service_pb2
from pullrouting.v1 import resources_pb2 as res

UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
DENIED = grpc.StatusCode.PERMISSION_DENIED
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED
LIST_LISTS = agent_service_pb2.ListListsRequest()
CREATE_LIST = pb.CreateListRequest(list_id="l1", list=res.List(display_name="L1"))
POST = ingest_service_pb2.PostCustomerMessageRequest(service_identifier="nowhere", text="hi", source_message_id="1")


async def create_agent(server, enabled: bool = True) -> str:
    created = await server.admin().CreateAgent(
        pb.CreateAgentRequest(agent_id="ann", agent=res.Agent(display_name="Ann", enabled=enabled))
    )
    return created.token


async def create_ingestor(server, enabled: bool = True) -> str:
    created = await server.admin().CreateIngestor(
        pb.CreateIngestorRequest(ingestor_id="connector", ingestor=res.Ingestor(display_name="C", enabled=enabled))
    )
    return created.token


async def test_a_call_without_a_token_is_unauthenticated(server):
    await expect_refusal(server, lambda: server.admin(None).CreateList(CREATE_LIST), UNAUTHENTICATED, "TOKEN_MISSING")
    await expect_error(
        server.agent(None).ListLists(agent_service_pb2.ListListsRequest()), UNAUTHENTICATED, "TOKEN_MISSING"
    )
    await expect_error(server.ingest(None).PostCustomerMessage(POST), UNAUTHENTICATED, "TOKEN_MISSING")


@pytest.mark.parametrize("token", ["pra_wrong", "prg_not-issued", "x"])
async def test_a_token_nobody_holds_is_unauthenticated(server, token):
    await expect_refusal(server, lambda: server.admin(token).CreateList(CREATE_LIST), UNAUTHENTICATED, "TOKEN_INVALID")


async def test_authorization_metadata_that_is_not_a_bearer_token_is_unauthenticated(server):
    admin = server.admin(None)

    await expect_refusal(
        server,
        lambda: admin.CreateList(CREATE_LIST, metadata=(("authorization", "Basic YWRtaW46YWRtaW4="),)),
        UNAUTHENTICATED,
        "TOKEN_INVALID",
    )


async def test_an_agent_token_is_not_allowed_on_the_admin_service(server):
    token = await create_agent(server)

    error = await expect_refusal(
        server, lambda: server.admin(token).CreateList(CREATE_LIST), DENIED, "ROLE_NOT_ALLOWED"
    )

    assert "admin" in error.details()


async def test_an_ingestor_token_is_not_allowed_on_the_admin_service(server):
    token = await create_ingestor(server)

    await expect_refusal(server, lambda: server.admin(token).CreateList(CREATE_LIST), DENIED, "ROLE_NOT_ALLOWED")


async def test_the_admin_token_is_not_allowed_on_the_agent_and_ingest_services(server):
    await expect_error(
        server.agent(ADMIN_TOKEN).ListLists(agent_service_pb2.ListListsRequest()), DENIED, "ROLE_NOT_ALLOWED"
    )
    await expect_error(server.ingest(ADMIN_TOKEN).PostCustomerMessage(POST), DENIED, "ROLE_NOT_ALLOWED")


async def test_a_disabled_agent_is_denied_until_enabled_again(server):
    token = await create_agent(server, enabled=False)
    agent = server.agent(token)

    await expect_error(agent.ListLists(agent_service_pb2.ListListsRequest()), DENIED, "PRINCIPAL_DISABLED")

    await server.admin().UpdateAgent(pb.UpdateAgentRequest(agent=res.Agent(name="agents/ann", enabled=True)))
    try:
        await agent.ListLists(agent_service_pb2.ListListsRequest())
    except grpc.aio.AioRpcError as error:
        assert error.code() not in (UNAUTHENTICATED, DENIED), error


async def test_a_token_that_worked_is_refused_right_after_its_agent_changes(server):
    """Tokens that succeeded are remembered, so a call needs no database read; a change forgets them at once."""
    scenario = await create_scenario(server, agents=3)
    disabled, rotated, deleted = scenario.agents
    for agent in scenario.agents:
        await agent.stub.ListSubscriptions(agent_service_pb2.ListSubscriptionsRequest())
    admin = server.admin()

    await admin.UpdateAgent(pb.UpdateAgentRequest(agent=res.Agent(name=disabled.name, enabled=False)))
    await expect_error(
        disabled.stub.ListSubscriptions(agent_service_pb2.ListSubscriptionsRequest()), DENIED, "PRINCIPAL_DISABLED"
    )
    await admin.RotateAgentToken(pb.RotateAgentTokenRequest(name=rotated.name))
    await expect_error(
        rotated.stub.ListSubscriptions(agent_service_pb2.ListSubscriptionsRequest()), UNAUTHENTICATED, "TOKEN_INVALID"
    )
    await admin.DeleteAgent(pb.DeleteAgentRequest(name=deleted.name))
    await expect_error(
        deleted.stub.ListSubscriptions(agent_service_pb2.ListSubscriptionsRequest()), UNAUTHENTICATED, "TOKEN_INVALID"
    )


async def test_a_disabled_ingestor_is_denied(server):
    token = await create_ingestor(server, enabled=False)

    await expect_error(server.ingest(token).PostCustomerMessage(POST), DENIED, "PRINCIPAL_DISABLED")


async def test_health_checking_needs_no_token(server):
    health = health_pb2_grpc.HealthStub(server.channel(None))

    for service in ("", "pullrouting.v1.AdminService"):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_needs_no_token(server):
    reflection = reflection_pb2_grpc.ServerReflectionStub(server.channel(None))

    call = reflection.ServerReflectionInfo()
    await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
    response = await call.read()
    await call.done_writing()

    services = {service.name for service in response.list_services_response.service}
    assert {
        "pullrouting.v1.AdminService",
        "pullrouting.v1.AgentService",
        "pullrouting.v1.IngestService",
        "pullrouting.v1.SupervisorService",
    } <= services


async def test_failed_logins_from_one_address_are_throttled_and_counted(sqlite_url):
    async for server in serve(sqlite_url, failed_logins_per_minute=5, metrics_address="127.0.0.1:0"):
        agent_token = await create_agent(server)
        for _ in range(3):
            await expect_error(server.agent("prg_guess").ListLists(LIST_LISTS), UNAUTHENTICATED, "TOKEN_INVALID")
        for _ in range(2):
            await expect_error(server.agent(None).ListLists(LIST_LISTS), UNAUTHENTICATED, "TOKEN_MISSING")
        # Five failures in a minute: from now on every call from this address is refused, whatever its token,
        # so a guess that happens to be right tells the guesser nothing.
        for token in ("prg_guess", agent_token):
            await expect_error(server.agent(token).ListLists(LIST_LISTS), EXHAUSTED, "RATE_LIMITED")

        samples = await scrape(server)
        assert value(samples, "pullrouting_failed_logins_total", reason="TOKEN_INVALID") == 3
        assert value(samples, "pullrouting_failed_logins_total", reason="TOKEN_MISSING") == 2
        assert value(samples, "pullrouting_failed_logins_total", reason="RATE_LIMITED") == 2
