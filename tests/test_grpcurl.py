"""The grpcurl lines of docs/grpcurl.md and clients/grpcurl/admin_workflow.sh, run as printed against a real
`pullrouting serve` process, through server reflection (no proto files)."""

import json
import os
import re
import shlex
import subprocess
from typing import Any

import pytest
from docs_shell import GRPCURL_DOC, PRINTED_ADDRESS, ROOT, fenced_block, run, shell_commands
from support import GRPCURL_ADMIN_TOKEN as ADMIN_TOKEN

SCRIPT = ROOT / "clients" / "grpcurl" / "admin_workflow.sh"
WORKFLOW_BLOCK = "grpcurl-admin-workflow"
SEED_METHODS = [
    "pullrouting.v1.AdminService/CreateMediaRoutingDomain",
    "pullrouting.v1.AdminService/CreateChannelType",
    "pullrouting.v1.AdminService/CreateList",
    "pullrouting.v1.AdminService/CreateChannel",
]


def printed_workflow() -> list[str]:
    commands = shell_commands(fenced_block(GRPCURL_DOC.read_text(), WORKFLOW_BLOCK))
    for command in commands:
        assert command.startswith("grpcurl "), command
    return commands


def script_workflow() -> list[str]:
    return [command for command in shell_commands(SCRIPT.read_text()) if command.startswith("grpcurl ")]


def method_of(command: str) -> str:
    return shlex.split(command)[-1]


def grpcurl(env: dict[str, str], address: str, method: str, body: dict[str, Any], token: str | None) -> Any:
    """One call through reflection; the JSON response, or the failed process when it fails."""
    headers = ["-H", f"authorization: Bearer {token}"] if token is not None else []
    result = run(["grpcurl", "-plaintext", *headers, "-d", json.dumps(body), address, method], env)
    if result.returncode != 0:
        return result
    return json.loads(result.stdout)


def field(message: dict[str, Any], name: str) -> Any:
    """A field of grpcurl's JSON output, whichever JSON name (lowerCamel or original) it uses."""
    camel = re.sub(r"_([a-z])", lambda match: match.group(1).upper(), name)
    return message.get(camel, message.get(name))


def expect_seed_resources(env: dict[str, str], address: str) -> None:
    """What the seed's workflow leaves behind, read back with grpcurl."""

    def get(method: str, name: str, resource_field: str) -> dict[str, Any]:
        response = grpcurl(env, address, f"pullrouting.v1.AdminService/{method}", {"name": name}, ADMIN_TOKEN)
        assert isinstance(response, dict), f"{method} {name} failed: {response.stderr}"
        return field(response, resource_field)

    channel = get("GetChannel", "channels/c2", "channel")
    assert field(channel, "routing_mode") == "ROUTING_MODE_PULL"
    assert field(channel, "list") == "lists/l1"
    assert field(channel, "service_identifier") == "facebook-page-1234567890"
    assert field(channel, "channel_type") == "channelTypes/facebook-page-comments"
    channel_type = get("GetChannelType", "channelTypes/facebook-page-comments", "channel_type")
    assert field(channel_type, "display_name") == "Facebook Page Comments"
    assert field(channel_type, "media_routing_domain") == "mediaRoutingDomains/social"
    mrd = get("GetMediaRoutingDomain", "mediaRoutingDomains/social", "media_routing_domain")
    assert field(mrd, "display_name") == "Social"
    assert field(get("GetList", "lists/l1", "list"), "display_name") == "L1"


def test_the_printed_workflow_is_the_seeds():
    methods = [method_of(command) for command in printed_workflow()]
    assert methods[: len(SEED_METHODS)] == SEED_METHODS
    for command in printed_workflow():
        assert command.count(PRINTED_ADDRESS) == 1, command
        assert '"authorization: Bearer $PULLROUTING_ADMIN_TOKEN"' in command, command


def test_the_script_makes_the_same_calls_as_the_printed_lines():
    printed = [shlex.split(command) for command in printed_workflow()]
    scripted = [
        [PRINTED_ADDRESS if word == "$ADDRESS" else word for word in shlex.split(command)]
        for command in script_workflow()
    ]
    assert scripted == printed
    assert os.access(SCRIPT, os.X_OK), f"{SCRIPT} is not executable"


def test_the_printed_lines_work_as_printed(grpcurl_server, tool_environment):
    for command in printed_workflow():
        result = run(command.replace(PRINTED_ADDRESS, grpcurl_server.address), tool_environment)
        assert result.returncode == 0, f"{command}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        assert isinstance(json.loads(result.stdout), dict)
    expect_seed_resources(tool_environment, grpcurl_server.address)


def test_the_script_sets_up_a_fresh_server(grpcurl_server, tool_environment, tmp_path):
    env = {**tool_environment, "PULLROUTING_ADDRESS": grpcurl_server.address}
    # Run from elsewhere: the script does not depend on the working directory.
    result = run([str(SCRIPT)], env, cwd=tmp_path)
    assert result.returncode == 0, f"stdout: {result.stdout}\nstderr: {result.stderr}"
    expect_seed_resources(tool_environment, grpcurl_server.address)
    # A second run fails: the ids are taken.
    again = run([str(SCRIPT)], env)
    assert again.returncode != 0
    assert "AlreadyExists" in again.stderr


def test_the_script_needs_the_admin_token(tool_environment):
    env = {key: value for key, value in tool_environment.items() if key != "PULLROUTING_ADMIN_TOKEN"}
    result = run([str(SCRIPT)], env)
    assert result.returncode != 0
    assert "PULLROUTING_ADMIN_TOKEN" in result.stderr


def test_reflection_needs_no_token(grpcurl_server, tool_environment):
    listed = run(["grpcurl", "-plaintext", grpcurl_server.address, "list"], tool_environment)
    assert listed.returncode == 0, listed.stderr
    services = set(listed.stdout.split())
    assert {
        "pullrouting.v1.AdminService",
        "pullrouting.v1.AgentService",
        "pullrouting.v1.IngestService",
        "grpc.health.v1.Health",
    } <= services
    described = run(
        ["grpcurl", "-plaintext", grpcurl_server.address, "describe", "pullrouting.v1.AdminService"], tool_environment
    )
    assert described.returncode == 0, described.stderr
    assert "rpc CreateChannel" in described.stdout
    health = run(["grpcurl", "-plaintext", grpcurl_server.address, "grpc.health.v1.Health/Check"], tool_environment)
    assert health.returncode == 0, health.stderr
    assert json.loads(health.stdout) == {"status": "SERVING"}


@pytest.mark.parametrize(
    "method",
    [
        "pullrouting.v1.AdminService/ListLists",
        "pullrouting.v1.AgentService/ListSubscriptions",
        "pullrouting.v1.IngestService/EndConversation",
    ],
)
def test_a_call_without_a_token_is_unauthenticated(grpcurl_server, tool_environment, method):
    result = grpcurl(tool_environment, grpcurl_server.address, method, {}, token=None)
    assert isinstance(result, subprocess.CompletedProcess), f"succeeded without a token: {result}"
    assert "Code: Unauthenticated" in result.stderr, result.stderr


def test_a_call_with_a_wrong_token_is_unauthenticated(grpcurl_server, tool_environment):
    result = grpcurl(
        tool_environment, grpcurl_server.address, "pullrouting.v1.AdminService/ListLists", {}, token="not-the-token"
    )
    assert isinstance(result, subprocess.CompletedProcess), f"succeeded with a wrong token: {result}"
    assert "Code: Unauthenticated" in result.stderr, result.stderr


def test_the_printed_update_lines_change_only_the_masked_fields(grpcurl_server, tool_environment):
    for command in printed_workflow():
        assert run(command.replace(PRINTED_ADDRESS, grpcurl_server.address), tool_environment).returncode == 0
    lines = shell_commands(fenced_block(GRPCURL_DOC.read_text(), "grpcurl-update"))
    assert [method_of(command) for command in lines] == [
        "pullrouting.v1.AdminService/UpdateChannel",
        "pullrouting.v1.AdminService/UpdateList",
        "pullrouting.v1.AdminService/UpdateChannel",
    ]
    outputs = []
    for command in lines:
        result = run(command.replace(PRINTED_ADDRESS, grpcurl_server.address), tool_environment)
        assert result.returncode == 0, f"{command}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        outputs.append(json.loads(result.stdout))
    # -emit-defaults prints the disabled channel's `enabled: false`, which grpcurl leaves out otherwise.
    disabled = field(outputs[0], "channel")
    assert (field(disabled, "enabled"), field(disabled, "list")) == (False, "lists/l1")
    updated = field(outputs[1], "list")
    assert (field(updated, "display_name"), field(updated, "max_participants")) == ("L1", 2)
    assert field(updated, "description") == "Comments and messages on our Facebook page"
    assert field(field(outputs[2], "channel"), "enabled") is True
    expect_seed_resources(tool_environment, grpcurl_server.address)
