"""The seed's Example Chat with grpcurl: the grpcurl-example-chat lines of docs/grpcurl.md and
clients/grpcurl/example_chat.sh, run as printed against a real `pullrouting serve` set up by
admin_workflow.sh; the server's records show the whole lifecycle."""

import json
import os
import re
import shlex

from docs_shell import GRPCURL_DOC, PRINTED_ADDRESS, ROOT, fenced_block, run, shell_commands
from processes import sqlite_url_for
from scenario import stored_events

SCRIPTS = ROOT / "clients" / "grpcurl"
CHAT_SCRIPT = SCRIPTS / "example_chat.sh"
CHAT_BLOCK = "grpcurl-example-chat"
# The seed's Example Chat, in the order the calls are made.
CHAT_METHODS = [
    "pullrouting.v1.AdminService/CreateAgent",
    "pullrouting.v1.AdminService/CreateIngestor",
    "pullrouting.v1.IngestService/PostCustomerMessage",
    "pullrouting.v1.AgentService/ListLists",
    "pullrouting.v1.AgentService/Subscribe",
    "pullrouting.v1.AgentService/ListConversations",
    "pullrouting.v1.AgentService/JoinConversation",
    "pullrouting.v1.AgentService/SendMessage",
    "pullrouting.v1.AgentService/LeaveConversation",
    "pullrouting.v1.AgentService/CloseConversation",
]


def grpcurl_calls(text: str) -> list[str]:
    return [command for command in shell_commands(text) if "grpcurl -plaintext" in command]


def call_words(command: str) -> list[str]:
    """A grpcurl call's words, from `grpcurl` to the method it names, with the address as printed and the
    comment's source_message_id (fixed in the docs, new on every run of the script) left out."""
    words = shlex.split(command[command.index("grpcurl -plaintext") :].partition(" | ")[0])
    method_at = next(i for i, word in enumerate(words) if word.startswith("pullrouting.v1."))
    words = [*words[:method_at], words[method_at].removesuffix(")")]
    return [re.sub(r"fb-comment-[^\"]*", "fb-comment-N", word.replace("$ADDRESS", PRINTED_ADDRESS)) for word in words]


def method_of(command: str) -> str:
    """The method a grpcurl call names: the word after the address."""
    return call_words(command)[-1]


def printed_chat() -> str:
    return fenced_block(GRPCURL_DOC.read_text(), CHAT_BLOCK)


def set_up_seed(server, env: dict[str, str]) -> None:
    result = run([str(SCRIPTS / "admin_workflow.sh")], {**env, "PULLROUTING_ADDRESS": server.address})
    assert result.returncode == 0, result.stderr


def expect_the_example_chat(tmp_path, output: str) -> None:
    """What the server recorded, straight from its database, and what the calls printed."""
    conversation_events = [
        (event.type, event.agent_id)
        for event in stored_events(sqlite_url_for(tmp_path / "pullrouting.db"))
        if event.kind == "conversation"
    ]
    assert conversation_events == [
        ("CUSTOMER_MESSAGE", None),
        ("AGENT_JOINED", "agent-1"),
        ("STATE_CHANGED", "agent-1"),
        ("AGENT_MESSAGE", "agent-1"),
        ("AGENT_LEFT", "agent-1"),
        ("STATE_CHANGED", "agent-1"),
        ("CONVERSATION_CLOSED", "agent-1"),
    ]
    expected = ('"unread_count": "1"', '"active_count": "0"', "CONVERSATION_STATE_INACTIVE", "CLOSE_REASON_AGENT")
    for printed in expected:
        assert printed in output


def test_the_printed_lines_and_the_script_make_the_seeds_example_chat_calls():
    printed = grpcurl_calls(printed_chat())
    assert [method_of(command) for command in printed] == CHAT_METHODS
    for command in printed:
        assert command.count(PRINTED_ADDRESS) == 1, command
    # The script makes the same calls, and on a second run takes new tokens for the agent and ingestor it made.
    scripted = [call_words(command) for command in grpcurl_calls(CHAT_SCRIPT.read_text())]
    rotations = {"pullrouting.v1.AdminService/RotateAgentToken", "pullrouting.v1.AdminService/RotateIngestorToken"}
    assert [words for words in scripted if words[-1] not in rotations] == [call_words(c) for c in printed]
    assert os.access(CHAT_SCRIPT, os.X_OK), f"{CHAT_SCRIPT} is not executable"


def test_the_printed_lines_work_as_printed(grpcurl_server, tool_environment, tmp_path):
    set_up_seed(grpcurl_server, tool_environment)
    lines = printed_chat().replace(PRINTED_ADDRESS, grpcurl_server.address)
    # As a reader pastes them, but stopping at the first failure.
    result = run(["bash", "-e", "-o", "pipefail", "-c", lines], tool_environment)
    assert result.returncode == 0, f"stdout: {result.stdout}\nstderr: {result.stderr}"
    expect_the_example_chat(tmp_path, result.stdout + result.stderr)


def test_the_script_runs_the_example_chat(grpcurl_server, tool_environment, tmp_path):
    set_up_seed(grpcurl_server, tool_environment)
    env = {**tool_environment, "PULLROUTING_ADDRESS": grpcurl_server.address}
    result = run([str(CHAT_SCRIPT)], env, cwd=tmp_path)
    assert result.returncode == 0, f"stdout: {result.stdout}\nstderr: {result.stderr}"
    expect_the_example_chat(tmp_path, result.stdout + result.stderr)
    posted = json.loads(result.stderr)
    assert (posted["created"], posted["conversation"]["state"]) == (True, "CONVERSATION_STATE_UNREAD")
    # Run again: the agent and the ingestor exist, so their tokens are rotated, and a new comment is worked.
    again = run([str(CHAT_SCRIPT)], env)
    assert again.returncode == 0, f"stdout: {again.stdout}\nstderr: {again.stderr}"
    assert "Traceback" not in again.stderr
    assert json.loads(again.stderr)["conversation"]["name"] != posted["conversation"]["name"]
    closes = [
        event.agent_id
        for event in stored_events(sqlite_url_for(tmp_path / "pullrouting.db"))
        if (event.kind, event.type) == ("conversation", "CONVERSATION_CLOSED")
    ]
    assert closes == ["agent-1", "agent-1"]


def test_the_script_needs_the_admin_token(tool_environment):
    env = {key: value for key, value in tool_environment.items() if key != "PULLROUTING_ADMIN_TOKEN"}
    result = run([str(CHAT_SCRIPT)], env)
    assert result.returncode != 0
    assert "PULLROUTING_ADMIN_TOKEN" in result.stderr
