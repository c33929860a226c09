"""The "Reading a transcript with grpcurl" lines of docs/grpcurl.md, run as printed after the List watch's
setup and post: the agent, before joining, and the supervisor read the request's messages."""

import json
from typing import Any

from docs_shell import printed_lines, run, run_lines


def json_objects(text: str) -> list[dict[str, Any]]:
    """grpcurl's output: JSON objects one after another."""
    decoder, found, rest = json.JSONDecoder(), [], text.strip()
    while rest:
        value, end = decoder.raw_decode(rest)
        found.append(value)
        rest = rest[end:].strip()
    return found


def test_the_printed_transcript_lines_show_the_comment_to_the_agent_and_the_supervisor(
    grpcurl_server, tool_environment, tmp_path
):
    address = grpcurl_server.address
    run_lines(printed_lines("grpcurl-admin-workflow", address), tool_environment, tmp_path)
    env = run_lines(printed_lines("grpcurl-watch-setup", address), tool_environment, tmp_path)
    run_lines(printed_lines("grpcurl-watch-post", address), env, tmp_path)

    result = run("set -e\n" + "\n".join(printed_lines("grpcurl-transcript", address)), env, tmp_path)
    assert result.returncode == 0, result.stderr
    agent_page, supervisor_page = json_objects(result.stdout)
    for page in (agent_page, supervisor_page):
        (message,) = page["messages"]
        assert (message["sender_type"], message["text"]) == ("SENDER_TYPE_CUSTOMER", "Is my order on its way?")
        assert message["name"].startswith("conversations/")
        assert "next_page_token" not in page
