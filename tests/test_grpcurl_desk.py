"""The "Watching a desk with grpcurl" lines of docs/grpcurl.md, run as printed after the List watch's setup
and post: a grpcurl WatchDesk opens with Ann's presence and L1's request, then shows her join and her
MarkRead made with grpcurl in another shell."""

import subprocess

from docs_shell import printed_lines, run, run_lines
from test_grpcurl_transcript import json_objects
from test_grpcurl_watch import STREAM_DEADLINE, JsonStream


def test_a_grpcurl_desk_shows_the_join_and_the_read_made_elsewhere(grpcurl_server, tool_environment, tmp_path):
    address = grpcurl_server.address
    run_lines(printed_lines("grpcurl-admin-workflow", address), tool_environment, tmp_path)
    env = run_lines(printed_lines("grpcurl-watch-setup", address), tool_environment, tmp_path)
    run_lines(printed_lines("grpcurl-watch-post", address), env, tmp_path)
    (desk_line,) = printed_lines("grpcurl-desk", address)
    desk = subprocess.Popen(
        ["bash", "-c", desk_line], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    try:
        stream = JsonStream(desk)
        opening = [stream.next_event() for _ in range(4)]
        assert opening[0]["presence"]["presence"] == "PRESENCE_AVAILABLE"
        assert opening[1]["load"]["media_routing_domains"][0]["media_routing_domain"] == "mediaRoutingDomains/social"
        assert opening[2]["list_event"]["type"] == "LIST_EVENT_TYPE_SNAPSHOT"
        assert opening[2]["list_event"]["conversation"]["customer"]["id"] == "fb-user-42"
        assert opening[3]["list_event"]["type"] == "LIST_EVENT_TYPE_SYNCED"

        result = run("set -e\n" + "\n".join(printed_lines("grpcurl-desk-read", address)), env, tmp_path)
        assert result.returncode == 0, result.stderr
        joined, marked = json_objects(result.stdout)
        assert joined["conversation"]["state"] == "CONVERSATION_STATE_ACTIVE"
        assert marked == {"unread_count": 0}

        seen = [stream.next_event() for _ in range(5)]
        members = [next(iter(set(event) & {"conversation_event", "list_event", "read", "load"})) for event in seen]
        assert members == ["conversation_event", "load", "conversation_event", "list_event", "read"]
        assert seen[0]["conversation_event"]["type"] == "CONVERSATION_EVENT_TYPE_AGENT_JOINED"
        assert seen[0]["unread_count"] == 1
        assert seen[1]["load"]["media_routing_domains"][0]["open_conversations"] == 1
        assert seen[4]["read"]["conversation"] == joined["conversation"]["name"]
        assert "unread_count" not in seen[4], "zero, which grpcurl leaves out without -emit-defaults"
    finally:
        desk.kill()
        desk.wait(STREAM_DEADLINE)
