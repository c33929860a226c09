"""The "A supervisor's day with grpcurl" lines of docs/grpcurl.md, run as printed after the List watch's setup
and post: Dana, a supervisor of L1, reads and reprioritises the waiting request, whispers to Ann, barges in,
writes to the customer and leaves, takes Ann out, force-closes it; the admin reads the audit."""

from docs_shell import printed_lines, run, run_lines
from test_grpcurl_transcript import json_objects


def test_the_printed_supervisor_day_lines_work_as_told(grpcurl_server, tool_environment, tmp_path):
    address = grpcurl_server.address
    run_lines(printed_lines("grpcurl-admin-workflow", address), tool_environment, tmp_path)
    env = run_lines(printed_lines("grpcurl-watch-setup", address), tool_environment, tmp_path)
    run_lines(printed_lines("grpcurl-watch-post", address), env, tmp_path)
    lines = [
        line
        for tag in ("grpcurl-supervisor-morning", "grpcurl-supervisor-steer", "grpcurl-supervisor-audit")
        for line in printed_lines(tag, address)
    ]

    result = run("set -e\n" + "\n".join(lines), env, tmp_path)

    assert result.returncode == 0, result.stderr
    transcript, prioritised, joined, whisper, barged, sent, left, released, closed, audit = json_objects(result.stdout)
    assert [m["text"] for m in transcript["messages"]] == ["Is my order on its way?"]
    name = prioritised["conversation"]["name"]
    assert prioritised["conversation"]["priority"] == 8
    assert joined["conversation"]["state"] == "CONVERSATION_STATE_ACTIVE"
    note = whisper["message"]
    assert (note["sender_type"], note["supervisor"], note["visibility"], note["text"]) == (
        "SENDER_TYPE_SUPERVISOR",
        "supervisors/dana",
        "MESSAGE_VISIBILITY_INTERNAL",
        "VIP customer: offer free shipping",
    )
    assert [(p.get("agent"), p.get("supervisor"), p["role"]) for p in barged["conversation"]["participants"]] == [
        ("agents/ann", None, "PARTICIPANT_ROLE_AGENT"),
        (None, "supervisors/dana", "PARTICIPANT_ROLE_SUPERVISOR"),
    ]
    message = sent["message"]
    assert (message["sender_type"], message["supervisor"], message["visibility"], message["idempotency_key"]) == (
        "SENDER_TYPE_SUPERVISOR",
        "supervisors/dana",
        "MESSAGE_VISIBILITY_PUBLIC",
        "dana-1",
    )
    assert [p.get("agent") for p in left["conversation"]["participants"]] == ["agents/ann"]
    assert released["conversation"]["state"] == "CONVERSATION_STATE_INACTIVE"
    assert "participants" not in released["conversation"]
    assert (closed["conversation"]["state"], closed["conversation"]["close_reason"]) == (
        "CONVERSATION_STATE_CLOSED",
        "CLOSE_REASON_FORCED",
    )
    assert [(r["actor"], r["action"], r["resource"], r.get("detail", "")) for r in audit["audit_records"]] == [
        ("supervisors/dana", "ForceCloseConversation", name, ""),
        ("supervisors/dana", "ReleaseParticipant", name, "agent: agents/ann"),
        ("supervisors/dana", "LeaveConversation", name, ""),
        ("supervisors/dana", "SendMessage", name, f"message: {message['name']}"),
        ("supervisors/dana", "BargeIn", name, ""),
        ("supervisors/dana", "Whisper", name, ""),
        ("supervisors/dana", "SetPriority", name, "priority: 8"),
    ]
