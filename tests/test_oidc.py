"""Agents authenticated by JWTs from an OpenID Connect issuer, with keys this test makes: the JWKS comes from
a file or from a URL; the issuer, audience, expiry and signature are checked; a claim names the agent."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import pytest
from oidc_keys import AUDIENCE, ISSUER, Issuer
from scenario import create_scenario, expect_refusal
from streams import READ_TIMEOUT, watch_from_synced
from support import error_reason, expect_error, serve, within

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, resources_pb2, supervisor_service_pb2

UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
DENIED = grpc.StatusCode.PERMISSION_DENIED


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
async def oidc_server(sqlite_url, tmp_path, issuer):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(issuer.jwks())
    async for server in serve(sqlite_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks=str(jwks)):
        yield server


def list_lists(stub):
    return stub.ListLists(agent_service_pb2.ListListsRequest())


async def test_a_jwt_authenticates_the_agent_its_claim_names(oidc_server, issuer):
    scenario = await create_scenario(oidc_server, agents=1, subscribe=False)

    response = await list_lists(oidc_server.agent(issuer.token("agent-1")))

    assert [summary.list.name for summary in response.lists] == [scenario.list]
    # Issued tokens keep working beside JWTs.
    await list_lists(scenario.agents[0].stub)


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda issuer: issuer.token(aud="another-service"), id="wrong-audience"),
        pytest.param(lambda issuer: issuer.token(iss="https://evil.example.com"), id="wrong-issuer"),
        pytest.param(lambda issuer: issuer.token(exp=int(time.time()) - 60), id="expired"),
        pytest.param(lambda issuer: Issuer().token(), id="signed-by-another-key"),
        pytest.param(lambda issuer: Issuer(kid="unknown").token(), id="unknown-key-id"),
        pytest.param(lambda issuer: issuer.token("no-such-agent"), id="unknown-agent"),
        pytest.param(lambda issuer: issuer.token("Not An Id"), id="claim-not-an-id"),
        pytest.param(lambda issuer: issuer.hs256_with_public_key(), id="public-key-as-hmac-secret"),
        pytest.param(lambda issuer: issuer.token()[:-4] + "AAAA", id="tampered-signature"),
        pytest.param(lambda issuer: "a.b.c", id="garbage"),
    ],
)
async def test_a_jwt_that_does_not_verify_is_unauthenticated(oidc_server, issuer, make_token):
    scenario = await create_scenario(oidc_server, agents=1, subscribe=False)
    stub = oidc_server.agent(make_token(issuer))

    await expect_refusal(
        oidc_server,
        lambda: stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list)),
        UNAUTHENTICATED,
        "TOKEN_INVALID",
    )


async def test_a_jwt_of_a_disabled_agent_is_refused_and_grants_no_admin_role(oidc_server, issuer):
    scenario = await create_scenario(oidc_server, agents=1)
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name="agents/agent-1", enabled=False), update_mask={"paths": ["enabled"]}
        )
    )
    token = issuer.token("agent-1")

    await expect_error(list_lists(oidc_server.agent(token)), DENIED, "PRINCIPAL_DISABLED")
    await expect_error(
        oidc_server.admin(token).ListAgents(admin_service_pb2.ListAgentsRequest()), DENIED, "ROLE_NOT_ALLOWED"
    )


async def test_a_stream_opened_with_a_jwt_ends_when_the_jwt_expires(oidc_server, issuer):
    scenario = await create_scenario(oidc_server, agents=1)
    agent = scenario.agents[0]
    agent.stub = oidc_server.agent(issuer.token("agent-1", exp=int(time.time()) + 2))
    stream = await watch_from_synced(agent)

    with pytest.raises(grpc.aio.AioRpcError) as ended:
        while True:
            await within(READ_TIMEOUT, stream.read())

    assert (ended.value.code(), error_reason(ended.value)) == (UNAUTHENTICATED, "TOKEN_INVALID")


class _JwksHandler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


async def test_keys_from_a_jwks_url_and_a_custom_agent_claim(sqlite_url, issuer):
    handler = type("Handler", (_JwksHandler,), {"body": issuer.jwks().encode()})
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{http.server_port}/realms/contact-centre/protocol/openid-connect/certs"
    settings = {
        "oidc_issuer": ISSUER,
        "oidc_audience": AUDIENCE,
        "oidc_jwks": url,
        "oidc_agent_claim": "preferred_username",
    }
    try:
        async for server in serve(sqlite_url, **settings):
            await create_scenario(server, agents=1, subscribe=False)
            token = issuer.token("f81d4fae-7dec-11d0-a765-00a0c91e6bf6", preferred_username="agent-1")

            response = await list_lists(server.agent(token))

            assert len(response.lists) == 1
            await expect_error(list_lists(server.agent(issuer.token())), UNAUTHENTICATED, "TOKEN_INVALID")
    finally:
        http.shutdown()
        http.server_close()


@pytest.fixture
async def supervisor_oidc_server(sqlite_url, tmp_path, issuer):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(issuer.jwks())
    settings = {"oidc_supervisor_claim": "supervisor_id"}
    async for server in serve(sqlite_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks=str(jwks), **settings):
        yield server


async def create_supervisor(scenario, supervisor_id: str = "sam") -> None:
    await scenario.admin.CreateSupervisor(
        admin_service_pb2.CreateSupervisorRequest(
            supervisor_id=supervisor_id, supervisor=resources_pb2.Supervisor(display_name="Sam", lists=[scenario.list])
        )
    )


def supervised_conversations(server, token: str):
    return server.supervisor(token).ListConversations(
        supervisor_service_pb2.SupervisorServiceListConversationsRequest()
    )


async def test_the_supervisor_claim_of_a_jwt_names_the_supervisor(supervisor_oidc_server, issuer):
    server = supervisor_oidc_server
    scenario = await create_scenario(server, agents=1)
    await create_supervisor(scenario)
    conversation = await scenario.new_conversation()

    response = await supervised_conversations(server, issuer.token("someone", supervisor_id="sam"))

    assert [c.name for c in response.conversations] == [conversation.name]
    # The same person's agent JWT still names the agent on AgentService, and names no supervisor.
    await list_lists(server.agent(issuer.token("agent-1", supervisor_id="sam")))
    await expect_error(supervised_conversations(server, issuer.token("agent-1")), UNAUTHENTICATED, "TOKEN_INVALID")


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda issuer: issuer.token(supervisor_id="nobody"), id="unknown-supervisor"),
        pytest.param(lambda issuer: issuer.token(supervisor_id="Not An Id"), id="claim-not-an-id"),
        pytest.param(lambda issuer: Issuer().token(supervisor_id="sam"), id="signed-by-another-key"),
        pytest.param(lambda issuer: issuer.token(supervisor_id="sam", aud="another"), id="wrong-audience"),
        pytest.param(lambda issuer: issuer.token(supervisor_id="sam", exp=int(time.time()) - 60), id="expired"),
    ],
)
async def test_a_supervisor_jwt_that_does_not_verify_is_unauthenticated(supervisor_oidc_server, issuer, make_token):
    scenario = await create_scenario(supervisor_oidc_server, agents=0)
    await create_supervisor(scenario)

    await expect_error(
        supervised_conversations(supervisor_oidc_server, make_token(issuer)), UNAUTHENTICATED, "TOKEN_INVALID"
    )


async def test_a_jwt_of_a_disabled_supervisor_is_refused(supervisor_oidc_server, issuer):
    scenario = await create_scenario(supervisor_oidc_server, agents=0)
    await create_supervisor(scenario)
    await scenario.admin.UpdateSupervisor(
        admin_service_pb2.UpdateSupervisorRequest(
            supervisor=resources_pb2.Supervisor(name="supervisors/sam", enabled=False),
            update_mask={"paths": ["enabled"]},
        )
    )

    await expect_error(
        supervised_conversations(supervisor_oidc_server, issuer.token(supervisor_id="sam")),
        DENIED,
        "PRINCIPAL_DISABLED",
    )


async def test_without_a_supervisor_claim_a_jwt_grants_no_supervisor_role(oidc_server, issuer):
    scenario = await create_scenario(oidc_server, agents=1)
    await create_supervisor(scenario, "agent-1")

    await expect_error(supervised_conversations(oidc_server, issuer.token("agent-1")), DENIED, "ROLE_NOT_ALLOWED")
