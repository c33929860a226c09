"""The "Streaming customer messages with grpcurl" lines of docs/grpcurl.md, run as printed after the List
watch's setup: three messages on one stream, three acknowledgements in order, the bad one refused in its
acknowledgement; sent again, nothing new is posted."""

from docs_shell import printed_lines, run, run_lines
from test_grpcurl_transcript import json_objects


def test_the_printed_stream_acknowledges_each_message_in_order(grpcurl_server, tool_environment, tmp_path):
    address = grpcurl_server.address
    run_lines(printed_lines("grpcurl-admin-workflow", address), tool_environment, tmp_path)
    env = run_lines(printed_lines("grpcurl-watch-setup", address), tool_environment, tmp_path)
    script = "set -e\n" + "\n".join(printed_lines("grpcurl-stream-ingest", address))

    first = run(script, env, tmp_path)
    assert first.returncode == 0, first.stderr
    posted, refused, appended = json_objects(first.stdout)
    assert [a["source_message_id"] for a in (posted, refused, appended)] == [
        "fb-comment-2001",
        "fb-comment-2002",
        "fb-comment-2003",
    ]
    assert posted["posted"]["created"] is True
    assert appended["posted"]["conversation"]["name"] == posted["posted"]["conversation"]["name"]
    assert refused["error"]["code"] == 3
    info, bad_request = refused["error"]["details"]
    assert info["reason"] == "FIELD_INVALID"
    assert [violation["field"] for violation in bad_request["field_violations"]] == ["text"]

    again = run(script, env, tmp_path)
    assert again.returncode == 0, again.stderr
    repeated = json_objects(again.stdout)
    assert repeated[0]["posted"]["message"] == posted["posted"]["message"]
    assert repeated[2]["posted"]["message"] == appended["posted"]["message"]
    assert repeated[0]["posted"]["created"] is True, "a retry answers as the first post did"
