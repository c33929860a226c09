"""The "Working together with grpcurl" and "Typing and viewing with grpcurl" lines of docs/grpcurl.md, run as
printed after the List watch's setup, post and transcript: Ann returns the request to L1 with a note, then
transfers it to Billing, ...; Bob's grpcurl desk shows Ann's and Sam's typing."""

import json
import subprocess

from docs_shell import printed_lines, run, run_lines
from test_grpcurl_transcript import json_objects
from test_grpcurl_watch import JsonStream

# The blocks of "Working together with grpcurl", in the order they are printed.
TOGETHER = [
    "grpcurl-transcript",
    "grpcurl-return",
    "grpcurl-transfer",
    "grpcurl-notes",
    "grpcurl-wrap-up",
    "grpcurl-capacity",
    "grpcurl-invite",
]


def _run(tags: list[str], address: str, env: dict[str, str], tmp_path) -> tuple[list[dict], str]:
    """The blocks' lines in one shell, as a reader pastes them one after the other; grpcurl's answers and
    what it printed on stderr (its refusals)."""
    lines = [line for tag in tags for line in printed_lines(tag, address)]
    result = run("set -e\n" + "\n".join(lines), env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json_objects(result.stdout), result.stderr


def test_the_printed_return_transfer_and_notes_lines_work_as_told(grpcurl_server, tool_environment, tmp_path):
    address = grpcurl_server.address
    run_lines(printed_lines("grpcurl-admin-workflow", address), tool_environment, tmp_path)
    env = run_lines(printed_lines("grpcurl-watch-setup", address), tool_environment, tmp_path)
    run_lines(printed_lines("grpcurl-watch-post", address), env, tmp_path)

    answers, refusals = _run(TOGETHER, address, env, tmp_path)

    joined, returned, created, _, transferred = answers[2:7]
    assert joined["conversation"]["state"] == "CONVERSATION_STATE_ACTIVE"
    assert returned["conversation"]["state"] == "CONVERSATION_STATE_INACTIVE"
    assert "participants" not in returned["conversation"]
    assert created["list"]["accepts_transfers_from"] == ["lists/l1"]
    conversation = transferred["conversation"]
    assert (conversation["list"], conversation["state"], conversation["transfer_count"]) == (
        "lists/billing",
        "CONVERSATION_STATE_UNREAD",
        1,
    )
    messages = json.loads(
        run(
            f"grpcurl -plaintext -H 'authorization: Bearer {env['PULLROUTING_ADMIN_TOKEN']}' "
            f'-d \'{{"parent": "{conversation["name"]}"}}\' {address} '
            "pullrouting.v1.AdminService/ListConversationMessages",
            env,
            tmp_path,
        ).stdout
    )["messages"]
    assert [(m["text"], m["visibility"]) for m in messages] == [
        ("Is my order on its way?", "MESSAGE_VISIBILITY_PUBLIC"),
        ("Asked for the order number, no answer yet", "MESSAGE_VISIBILITY_INTERNAL"),
        ("A refund question", "MESSAGE_VISIBILITY_INTERNAL"),
        ("Refund approved by Bob", "MESSAGE_VISIBILITY_INTERNAL"),
    ]
    _, _, rejoined, note = answers[7:11]
    assert rejoined["conversation"]["state"] == "CONVERSATION_STATE_ACTIVE"
    assert (note["message"]["text"], note["message"]["visibility"]) == (
        "Refund approved by Bob",
        "MESSAGE_VISIBILITY_INTERNAL",
    )
    assert "FailedPrecondition" in refusals and "STALE_VIEW" in refusals
    assert note["message"]["name"] in refusals  # the newest message, named in the refusal's details
    code, required, closed, capped, joined_new, accepted = answers[11:]
    assert code["wrap_up_code"]["lists"] == ["lists/billing"]
    assert required["list"]["require_wrap_up"] is True
    assert "WRAP_UP_REQUIRED" in refusals
    assert closed["conversation"]["state"] == "CONVERSATION_STATE_CLOSED"
    assert closed["conversation"]["wrap_up"] == {"codes": ["wrapUpCodes/refunded"], "note": "Shipping refunded"}
    assert capped["agent"]["capacity_overrides"] == [
        {"media_routing_domain": "mediaRoutingDomains/social", "max_conversations": 5}
    ]
    assert joined_new["conversation"]["state"] == "CONVERSATION_STATE_ACTIVE"
    assert [p["agent"] for p in accepted["conversation"]["participants"]] == ["agents/ann", "agents/bob"]
    assert "INVITATION_STATE_PENDING" in refusals  # the invitation, printed on stderr by tee


def test_the_printed_activity_and_withdrawal_lines_reach_a_grpcurl_desk(grpcurl_server, tool_environment, tmp_path):
    address = grpcurl_server.address
    run_lines(printed_lines("grpcurl-admin-workflow", address), tool_environment, tmp_path)
    env = run_lines(printed_lines("grpcurl-watch-setup", address), tool_environment, tmp_path)
    run_lines(printed_lines("grpcurl-watch-post", address), env, tmp_path)
    env = run_lines([line for tag in TOGETHER for line in printed_lines(tag, address)], env, tmp_path)
    (desk_line,) = printed_lines("grpcurl-activity-watch", address)
    desk = subprocess.Popen(
        ["bash", "-c", desk_line], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    try:
        stream = JsonStream(desk)
        opening = [stream.next_event() for _ in range(4)]
        assert opening[2]["conversation_event"]["conversation"]["name"] == env["NEW"]
        assert opening[3]["list_event"]["type"] == "LIST_EVENT_TYPE_SYNCED"

        answers, _ = _run(["grpcurl-activity"], address, env, tmp_path)

        assert [set(answer) for answer in answers] == [{"expire_time"}, {"expire_time"}, set()]
        shown = [stream.next_event() for _ in range(4)]
        assert [set(event) for event in shown] == [{"activity"}] * 4  # no resume_token
        assert [
            (e["activity"].get("agent"), e["activity"]["activity"], e["activity"].get("expired")) for e in shown
        ] == [
            ("agents/ann", "ACTIVITY_TYPING", None),
            (None, "ACTIVITY_TYPING", None),
            ("agents/ann", "ACTIVITY_NONE", None),
            (None, "ACTIVITY_NONE", True),
        ]

        answers, refusals = _run(["grpcurl-withdrawn"], address, env, tmp_path)

        assert [answer["conversation"]["state"] for answer in answers] == [
            "CONVERSATION_STATE_ACTIVE",
            "CONVERSATION_STATE_CLOSED",
        ]
        invited, withdrawn = stream.next_event()["invitation"], stream.next_event()["invitation"]
        assert (invited["type"], withdrawn["type"]) == (
            "INVITATION_EVENT_TYPE_INVITED",
            "INVITATION_EVENT_TYPE_WITHDRAWN",
        )
        assert withdrawn["invitation"]["state"] == "INVITATION_STATE_WITHDRAWN"
        assert "INVITATION_NOT_PENDING" in refusals and '"state":"WITHDRAWN"' in refusals.replace(" ", "")
    finally:
        desk.kill()
        desk.wait()
