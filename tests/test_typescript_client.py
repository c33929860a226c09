"""@pullrouting/client (clients/typescript) against a real server, with node's test runner: typed errors, a
resumable WatchDesk, idempotent replies; over gRPC to the server's port and over Connect through its web
endpoint (`--web-listen`)."""

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
from asyncio.subprocess import Process
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from scenario import create_scenario
from support import Server, serve

from pullrouting.domain.errors import Reason
from pullrouting.v1 import agent_service_pb2, events_pb2, ingest_service_pb2, supervisor_service_pb2

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "clients" / "typescript"
TEST_DEADLINE = 120


@pytest.fixture
async def web_server(sqlite_url) -> Server:
    async for handle in serve(sqlite_url, web_listen="127.0.0.1:0"):
        yield handle


async def test_the_typescript_client(web_server: Server, node: str):
    scenario = await create_scenario(web_server, agents=1)
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PULLROUTING_")},
        "GRPC_URL": f"http://{web_server.address}",
        "WEB_URL": f"http://127.0.0.1:{web_server.running.web_server.port}",
        "AGENT_TOKEN": scenario.agents[0].token,
        "INGESTOR_TOKEN": scenario.ingestor_token,
        "SUPERVISOR_TOKEN": (await scenario.add_supervisor("sam", [scenario.list])).token,
        "SERVICE_IDENTIFIER": scenario.service_identifier,
    }
    process = await asyncio.create_subprocess_exec(
        node, "--test", "--test-reporter=spec", "test/", cwd=PACKAGE, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        output, _ = await asyncio.wait_for(process.communicate(), TEST_DEADLINE)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
        raise AssertionError(f"node --test did not finish within {TEST_DEADLINE} s:\n{output.decode()}") from None
    report = output.decode()
    assert process.returncode == 0, report
    assert "fail 0" in report, report


def test_the_typescript_reasons_are_the_servers():
    """@pullrouting/client's Reason type lists exactly the reasons the server sends."""
    source = (PACKAGE / "src" / "errors.ts").read_text()
    listed = source.split("export const REASONS = [", 1)[1].split("]", 1)[0]
    assert [line.strip().strip('",') for line in listed.split() if line.strip()] == [reason.value for reason in Reason]


@contextlib.asynccontextmanager
async def documented_example(node: str, example: str, variables: dict[str, str]) -> AsyncIterator[Process]:
    """clients/typescript/examples/{example}, which docs/clients.md prints as it is, run with `variables` set, from
    when it says (on stderr) that its stream is open; killed on the way out if it still runs."""
    source = (PACKAGE / "examples" / example).read_text()
    assert f"```js\n{source}```" in (ROOT / "docs" / "clients.md").read_text()
    env = {**{key: value for key, value in os.environ.items() if not key.startswith("PULLROUTING_")}, **variables}
    process = await asyncio.create_subprocess_exec(
        node, f"examples/{example}", cwd=PACKAGE, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        while (await asyncio.wait_for(process.stderr.readline(), TEST_DEADLINE)).strip() != b"open":
            pass
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def printed(process: Process) -> str:
    """What the example printed on stdout, once it exited with 0."""
    output, errors = await asyncio.wait_for(process.communicate(), TEST_DEADLINE)
    assert process.returncode == 0, errors.decode()
    return output.decode()


async def test_the_documented_agent(server: Server, node: str):
    """clients/typescript/examples/agent.js against a real server."""
    scenario = await create_scenario(server, agents=1)
    variables = {"PULLROUTING_ADDRESS": server.address, "PULLROUTING_AGENT_TOKEN": scenario.agents[0].token}
    async with documented_example(node, "agent.js", variables) as process:
        name = (await scenario.post("Where is my parcel?")).conversation.name
        assert await printed(process) == f"answered Customer ({name})\n"


async def test_the_documented_supervisor(server: Server, node: str):
    """clients/typescript/examples/supervisor.js against a real server: the history, the agent's and the
    customer's typing, a reply, the close."""
    scenario = await create_scenario(server, agents=1)
    ann = scenario.agents[0]
    name = (await scenario.post("Where is my parcel?")).conversation.name
    await ann.stub.JoinConversation(agent_service_pb2.JoinConversationRequest(name=name))
    supervisor = await scenario.add_supervisor("sam", [scenario.list])
    variables = {"PULLROUTING_ADDRESS": server.address, "PULLROUTING_SUPERVISOR_TOKEN": supervisor.token}
    async with documented_example(node, "supervisor.js", variables) as process:
        activity = agent_service_pb2.SetActivityRequest(name=name, activity=events_pb2.ACTIVITY_TYPING)
        await ann.stub.SetActivity(activity)
        await scenario.ingest.PostCustomerActivity(
            ingest_service_pb2.PostCustomerActivityRequest(conversation=name, activity=events_pb2.ACTIVITY_TYPING)
        )
        await ann.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=name, text="On its way"))
        await supervisor.stub.ForceCloseConversation(
            supervisor_service_pb2.SupervisorServiceForceCloseConversationRequest(name=name)
        )
        assert (await printed(process)).splitlines() == [
            "customer: Where is my parcel?",
            f"{ann.name} TYPING",
            "customer TYPING",
            f"{ann.name}: On its way",
            "closed",
        ]


def test_npm_pack_builds_the_package_with_its_compiled_code_and_types(node):
    """`npm pack` from a clean checkout: the tarball holds the compiled modules and their types for each entry
    point the package exports (its build runs as `prepack`)."""
    npm = shutil.which("npm")
    assert npm is not None
    packed = subprocess.run(
        [npm, "pack", "--dry-run", "--json", "-w", "clients/typescript"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TEST_DEADLINE,
        stdin=subprocess.DEVNULL,
    )
    assert packed.returncode == 0, packed.stderr
    (tarball,) = json.loads(packed.stdout)
    files = {entry["path"] for entry in tarball["files"]}
    assert tarball["name"] == "@pullrouting/client"
    for entry in ("index", "node", "web"):
        assert {f"dist/{entry}.js", f"dist/{entry}.d.ts", f"src/{entry}.ts"} <= files
