"""The web endpoint of `pullrouting serve --web-listen`: the services over Connect and gRPC-Web, forwarded to the
gRPC server of the same process, whose authentication and failed-login limits apply; docs/web.md's curl line."""

import asyncio
import http.client
import json
import os
import struct
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator

import grpc
import pytest
from docs_shell import DOCS, fenced_block, run, shell_commands
from scenario import create_scenario
from support import Server, error_reason, expect_error, serve

from pullrouting.v1 import agent_service_pb2

PRINTED_WEB_ADDRESS = "127.0.0.1:8080"


@pytest.fixture
async def web_server(sqlite_url) -> AsyncIterator[Server]:
    async for handle in serve(sqlite_url, web_listen="127.0.0.1:0", failed_logins_per_minute=3):
        yield handle


def web_url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.running.web_server.port}{path}"


def post(url: str, body: bytes, headers: dict[str, str], source: str = "127.0.0.1") -> tuple[int, bytes]:
    """An HTTP/1.1 POST from the loopback address `source` (127.0.0.0/8 are all this machine's)."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10, source_address=(source, 0))
    try:
        connection.request("POST", parsed.path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


async def connect_call(
    server: Server, method: str, token: str, body: dict, source: str = "127.0.0.1"
) -> tuple[int, dict]:
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    status, data = await asyncio.to_thread(post, web_url(server, method), json.dumps(body).encode(), headers, source)
    return status, json.loads(data)


async def test_the_documented_curl_line(web_server: Server):
    scenario = await create_scenario(web_server, agents=1)
    [line] = shell_commands(fenced_block((DOCS / "web.md").read_text(), "web-curl"))
    line = line.replace(f"http://{PRINTED_WEB_ADDRESS}", web_url(web_server, ""))
    env = {**os.environ, "PULLROUTING_AGENT_TOKEN": scenario.agents[0].token}
    done = await asyncio.to_thread(run, line, env)
    assert done.returncode == 0, done.stderr
    [summary] = json.loads(done.stdout)["lists"]
    assert (summary["list"]["name"], summary["subscribed"]) == (scenario.list, True)


async def test_refusals_are_the_grpc_servers_with_their_reason(web_server: Server):
    scenario = await create_scenario(web_server, agents=1)
    status, error = await connect_call(
        web_server, "/pullrouting.v1.AgentService/JoinConversation", scenario.agents[0].token, {"name": "x y"}
    )
    assert (status, error["code"]) == (400, "invalid_argument")
    assert [detail["type"] for detail in error["details"]] == ["google.rpc.ErrorInfo", "google.rpc.BadRequest"]
    # An admin token is no agent's: the role check is the gRPC server's.
    status, error = await connect_call(web_server, "/pullrouting.v1.AgentService/ListLists", "pra_not-a-token", {})
    assert (status, error["code"]) == (401, "unauthenticated")


async def test_grpc_web(web_server: Server):
    scenario = await create_scenario(web_server, agents=1)
    message = agent_service_pb2.ListListsRequest().SerializeToString()
    headers = {"content-type": "application/grpc-web+proto", "authorization": f"Bearer {scenario.agents[0].token}"}
    framed = struct.pack(">BI", 0, len(message)) + message
    status, body = await asyncio.to_thread(
        post, web_url(web_server, "/pullrouting.v1.AgentService/ListLists"), framed, headers
    )
    assert status == 200
    frames = []
    while body:
        flag, length = struct.unpack(">BI", body[:5])
        frames.append((flag, body[5 : 5 + length]))
        body = body[5 + length :]
    (data_flag, data), (trailer_flag, trailers) = frames
    assert (data_flag, trailer_flag) == (0, 0x80)
    assert agent_service_pb2.ListListsResponse.FromString(data).lists[0].list.name == scenario.list
    assert b"grpc-status: 0" in trailers or b"grpc-status:0" in trailers


async def test_failed_logins_are_counted_per_browser_address_and_not_believed_from_elsewhere(web_server: Server):
    scenario = await create_scenario(web_server, agents=1)
    method, token = "/pullrouting.v1.AgentService/ListLists", scenario.agents[0].token
    # Three failed logins through the web endpoint: that browser's address is throttled...
    for _ in range(3):
        status, error = await connect_call(web_server, method, "prg_wrong", {})
        assert status == 401
    status, error = await connect_call(web_server, method, token, {})
    assert (error["code"], status) == ("resource_exhausted", 429)
    # ...not another browser's,
    status, _ = await connect_call(web_server, method, token, {}, source="127.0.0.2")
    assert status == 200

    # nor the gRPC port's peers, and the web endpoint's metadata is not believed from a gRPC client.
    stub = web_server.agent("prg_wrong")
    spoofed = (("pullrouting-web-peer", "203.0.113.9"),)
    for _ in range(3):
        refusal = await expect_error(
            stub.ListLists(agent_service_pb2.ListListsRequest(), metadata=spoofed), grpc.StatusCode.UNAUTHENTICATED
        )
        assert error_reason(refusal) == "TOKEN_INVALID"
    await expect_error(stub.ListLists(agent_service_pb2.ListListsRequest()), grpc.StatusCode.RESOURCE_EXHAUSTED)


def get(url: str) -> tuple[dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return dict(response.headers), response.read()


async def test_the_desk_is_told_where_to_sign_in_and_may_call_only_there(sqlite_url, tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    oidc = {
        "oidc_issuer": "https://sso.example.com:8443/realms/contact-centre",
        "oidc_audience": "pullrouting",
        "oidc_jwks": str(jwks),
        "oidc_desk_client_id": "pullrouting-desk",
    }
    async for server in serve(sqlite_url, web_listen="127.0.0.1:0", **oidc):
        headers, body = await asyncio.to_thread(get, web_url(server, "/config.json"))
        assert json.loads(body) == {"oidc": {"issuer": oidc["oidc_issuer"], "clientId": "pullrouting-desk"}}
        _, page = await asyncio.to_thread(get, web_url(server, "/"))
        assert b'id="oidc-sign-in"' in page
        assert "connect-src 'self' https://sso.example.com:8443;" in headers["content-security-policy"]
    # Without a client id for the desk: tokens pasted in, and calls to the desk's own origin only.
    async for server in serve(sqlite_url, web_listen="127.0.0.1:0", **{**oidc, "oidc_desk_client_id": None}):
        headers, body = await asyncio.to_thread(get, web_url(server, "/config.json"))
        assert json.loads(body) == {"oidc": None}
        assert "connect-src 'self';" in headers["content-security-policy"]
