"""Logs: one line per RPC with method, status, duration and caller, as JSON lines when asked; never a token,
never a message text."""

import asyncio
import io
import json
import logging
import re
import subprocess
import urllib.request
from collections.abc import Iterator

import grpc
import pytest
from processes import clean_environment, pullrouting_command, serving, sqlite_url_for
from scenario import create_scenario, join, leave
from streams import read_event, read_to_end
from support import ADMIN_TOKEN, Server, expect_error, within

from pullrouting.ops import logs
from pullrouting.store import streams as stream_store
from pullrouting.store import subscriptions
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2

CUSTOMER_TEXT = "my card number is 4111"
AGENT_TEXT = "thanks, noted privately"
BOGUS_TOKEN = "pra_not-a-real-token"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the server's RPC logger writes, formatted as `--log-format json` formats it."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(logs.formatter("json"))
    logger = logging.getLogger("pullrouting.rpc")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield output
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def lines(output: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in output.getvalue().splitlines()]


async def logged(output: io.StringIO, *methods: str) -> list[dict]:
    """The lines, once each of `methods` has one: the server logs a call after sending its status, so its
    client may have the answer first."""

    async def wait() -> list[dict]:
        while not set(methods) <= {record.get("method") for record in lines(output)}:
            await asyncio.sleep(0.01)
        return lines(output)

    return await within(10, wait())


async def test_one_json_line_per_rpc_without_secrets(server: Server, json_log: io.StringIO):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]
    conversation = (await scenario.post(text=CUSTOMER_TEXT)).conversation
    await join(agent, conversation.name)
    stream = agent.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=conversation.name))
    while (await read_event(stream)).type != events_pb2.CONVERSATION_EVENT_TYPE_SYNCED:
        pass
    await agent.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=conversation.name, text=AGENT_TEXT))
    await leave(agent, conversation.name)
    await read_to_end(stream)
    await expect_error(
        server.admin(BOGUS_TOKEN).GetList(admin_service_pb2.GetListRequest(name=scenario.list)),
        grpc.StatusCode.UNAUTHENTICATED,
    )

    records = await logged(json_log, "AdminService/GetList", "AgentService/WatchConversation")
    text = json_log.getvalue()
    for secret in (ADMIN_TOKEN, agent.token, scenario.ingestor_token, BOGUS_TOKEN, CUSTOMER_TEXT, AGENT_TEXT):
        assert secret not in text
    for record in records:
        assert {"time", "level", "logger", "message", "method", "code", "duration_ms", "principal"} <= set(record)
        assert record["duration_ms"] >= 0
    by_method = {}
    for record in records:
        by_method.setdefault(record["method"], []).append(record)
    [joined] = by_method["AgentService/JoinConversation"]
    assert (joined["code"], joined["principal"], joined["level"]) == ("OK", "agent:agent-1", "INFO")
    [post] = by_method["IngestService/PostCustomerMessage"]
    assert (post["code"], post["principal"]) == ("OK", "ingestor:connector")
    [refused] = by_method["AdminService/GetList"]
    assert (refused["code"], refused["principal"]) == ("UNAUTHENTICATED", None)
    # A stream is logged once, when it ends.
    [watch] = by_method["AgentService/WatchConversation"]
    assert (watch["code"], watch["principal"]) == ("OK", "agent:agent-1")
    assert all(record["principal"] == "admin" for record in by_method["AdminService/CreateList"])


def test_serve_with_json_logs_and_metrics(tmp_path):
    """`--log-format json`: every line the process writes is a JSON object, the start-up lines included;
    `--metrics-address` serves the metrics where the log says."""
    database = sqlite_url_for(tmp_path / "db.sqlite")
    args = [
        "--listen",
        "127.0.0.1:0",
        "--database",
        database,
        "--log-format",
        "json",
        "--metrics-address",
        "127.0.0.1:0",
    ]
    # gRPC's C core writes its own diagnostics to standard error too, as plain text: errors only, here.
    with serving(args, tmp_path, clean_environment(GRPC_VERBOSITY="ERROR")) as process:
        url = process.wait_for_line(re.compile(r'metrics on (http://[^\s"]+)')).group(1)
        with urllib.request.urlopen(url, timeout=10) as response:
            assert "# TYPE pullrouting_open_streams gauge" in response.read().decode()
        assert process.stop() == 0
    records = [json.loads(line) for line in process.log().splitlines()]
    messages = [record["message"] for record in records]
    assert any(re.match(r"serving on 127\.0\.0\.1:\d+", message) for message in messages)
    assert "shutting down" in messages
    assert all(record["level"] in ("INFO", "WARNING") for record in records)


def test_a_bad_log_format_is_a_usage_error(tmp_path):
    for args, env, named in [
        (["--log-format", "xml"], clean_environment(), "--log-format"),
        ([], clean_environment(PULLROUTING_LOG_FORMAT="xml"), "PULLROUTING_LOG_FORMAT"),
    ]:
        refused = subprocess.run(
            [*pullrouting_command(), "migrate", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 2 and named in refused.stderr


async def test_a_server_fault_answers_internal_with_an_error_id_that_the_log_line_carries(
    server: Server, json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
):
    scenario = await create_scenario(server, agents=1)
    agent = scenario.agents[0]

    def fail(*_args: object, **_kwargs: object) -> None:
        # What an unexpected database error carries: the statement and the values in it.
        raise RuntimeError(f"INSERT INTO messages VALUES ('{CUSTOMER_TEXT}')")

    monkeypatch.setattr(subscriptions, "list_summaries", fail)
    monkeypatch.setattr(stream_store, "list_watch_start", fail)
    unary = await expect_error(agent.stub.ListLists(agent_service_pb2.ListListsRequest()), grpc.StatusCode.INTERNAL)
    stream = await expect_error(
        agent.stub.WatchLists(agent_service_pb2.WatchListsRequest()).read(), grpc.StatusCode.INTERNAL
    )

    records = await logged(json_log, "AgentService/ListLists", "AgentService/WatchLists")
    faults = [record for record in records if record["level"] == "ERROR"]
    assert [record["method"] for record in faults] == ["AgentService/ListLists", "AgentService/WatchLists"]
    for error, record in zip([unary, stream], faults, strict=True):
        assert CUSTOMER_TEXT not in (error.details() or "")
        assert "RuntimeError" not in (error.details() or "")
        assert error.details() == f"internal error; error id {record['error_id']}"
        assert record["error_id"] in record["message"]
        assert record["code"] == "INTERNAL"
