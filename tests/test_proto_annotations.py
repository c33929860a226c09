"""The protos document themselves, and the server reads them: every RPC says which ErrorInfo reasons it answers
with, every field and enum value says what it means, and the Admin API's updatable fields follow the
google.api.field_behavior annotations."""

import re
from pathlib import Path

import pytest
from google.api import field_behavior_pb2

from pullrouting.api.resources import (
    AGENT,
    CHANNEL,
    CHANNEL_TYPE,
    INGESTOR,
    LIST,
    MEDIA_ROUTING_DOMAIN,
    SUPERVISOR,
    WRAP_UP_CODE,
)
from pullrouting.domain.errors import Reason

PROTOS = sorted((Path(__file__).resolve().parent.parent / "proto" / "pullrouting" / "v1").glob("*.proto"))
SERVICE_PROTOS = [path for path in PROTOS if path.name.endswith("_service.proto")]
KINDS = [MEDIA_ROUTING_DOMAIN, CHANNEL_TYPE, LIST, CHANNEL, AGENT, INGESTOR, WRAP_UP_CODE, SUPERVISOR]
# A field or an enum value: its first line (options may follow on the next lines).
DECLARATION = re.compile(r"^\s+((repeated|optional) )?[\w.]+ \w+ = \d+\b|^\s+[A-Z][A-Z0-9_]* = \d+;")
RPC = re.compile(r"^\s+rpc (\w+)\(")


def comment_above(lines: list[str], index: int) -> str:
    """The `//` comment lines right above line `index`, joined."""
    found: list[str] = []
    while index > 0 and lines[index - 1].strip().startswith("//"):
        index -= 1
        found.insert(0, lines[index].strip().removeprefix("//").strip())
    return " ".join(found)


def rpc_comments(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return {match.group(1): comment_above(lines, i) for i, line in enumerate(lines) if (match := RPC.match(line))}


def named_reasons(refusals: str) -> list[str]:
    """The reasons a `Refusals:` clause names; parentheses explain them and are skipped."""
    return re.findall(r"\b[A-Z][A-Z_]+\b", re.sub(r"\([^)]*\)", "", refusals))


@pytest.mark.parametrize("path", PROTOS, ids=[path.name for path in PROTOS])
def test_every_field_and_enum_value_has_a_comment(path):
    lines = path.read_text().splitlines()

    bare = [line.strip() for i, line in enumerate(lines) if DECLARATION.match(line) and not comment_above(lines, i)]

    assert bare == []


@pytest.mark.parametrize("path", SERVICE_PROTOS, ids=[path.name for path in SERVICE_PROTOS])
def test_every_rpc_says_what_it_does_and_names_only_real_reasons(path):
    for rpc, comment in rpc_comments(path).items():
        what, _, refusals = comment.partition("Refusals:")
        assert what.strip() and refusals.strip(), f"{rpc}: say what it does, then `Refusals:`"
        reasons = named_reasons(refusals)
        assert reasons, f"{rpc} names no reason"
        assert set(reasons) <= set(Reason), f"{rpc} names unknown reasons {set(reasons) - set(Reason)}"


def test_every_reason_is_named_by_some_service():
    text = " ".join(path.read_text() for path in SERVICE_PROTOS)

    missing = [reason.value for reason in Reason if not re.search(rf"\b{reason.value}\b", text)]

    assert missing == []


def test_updatable_fields_are_the_ones_not_annotated_output_only_or_identifier():
    updatable = {kind.message.DESCRIPTOR.name: kind.updatable_fields for kind in KINDS}

    assert updatable == {
        "MediaRoutingDomain": {"display_name", "description", "max_conversations_per_agent"},
        "ChannelType": {"display_name", "media_routing_domain"},
        "List": {
            "display_name",
            "description",
            "max_participants",
            "unread_reminder_after",
            "follow_up_alerts",
            "reply_reminder_after",
            "close_inactive_after",
            "release_after",
            "release_away_agents",
            "accepts_transfers_from",
            "require_wrap_up",
        },
        "Channel": {"display_name", "channel_type", "service_identifier", "routing_mode", "list", "enabled"},
        "Agent": {"display_name", "lists", "enabled", "capacity_overrides"},
        "Ingestor": {"display_name", "channels", "enabled"},
        "WrapUpCode": {"display_name", "lists"},
        "Supervisor": {"display_name", "lists", "enabled"},
    }
    for kind in KINDS:
        for field in kind.message.DESCRIPTOR.fields:
            behaviors = set(field.GetOptions().Extensions[field_behavior_pb2.field_behavior])
            fixed = bool(behaviors & {field_behavior_pb2.OUTPUT_ONLY, field_behavior_pb2.IDENTIFIER})
            assert fixed == (field.name not in kind.updatable_fields), f"{kind.field}.{field.name}"
