"""Each kind's event types are the values of the proto enum its stream sends them with, named alike and
mapped one to one, as the reason table is for reasons; the kinds no stream sends are listed here."""

import pytest
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from pullrouting.api.mappings import (
    CONVERSATION_EVENT_TYPE_TO_PROTO,
    LEAVE_CAUSE_TO_PROTO,
    LIST_ALERT_TO_PROTO,
    LIST_EVENT_TYPE_TO_PROTO,
    OUTBOUND_EVENT_TYPE_TO_PROTO,
)
from pullrouting.domain.events import (
    EVENT_TYPE_BY_VALUES,
    EVENT_TYPES,
    KIND_OF_TYPE,
    ConversationEventType,
    EventKind,
    LeaveCause,
    ListAlert,
    ListEventType,
    OutboundEventType,
    SubscriptionEventType,
)
from pullrouting.v1 import events_pb2

# proto enum, its prefix, the domain enums it carries, the table, and its values that only streams make (or
# that are live notices, stored nowhere: activity).
STREAM_ENUMS = [
    (
        events_pb2.ListEventType,
        "LIST_EVENT_TYPE_",
        (ListEventType, SubscriptionEventType),
        LIST_EVENT_TYPE_TO_PROTO,
        {"SNAPSHOT", "SYNCED"},
    ),
    (
        events_pb2.ConversationEventType,
        "CONVERSATION_EVENT_TYPE_",
        (ConversationEventType,),
        CONVERSATION_EVENT_TYPE_TO_PROTO,
        {"SYNCED", "SNAPSHOT", "ACTIVITY"},
    ),
    (
        events_pb2.OutboundEventType,
        "OUTBOUND_EVENT_TYPE_",
        (OutboundEventType,),
        OUTBOUND_EVENT_TYPE_TO_PROTO,
        {"SYNCED", "AGENT_ACTIVITY"},
    ),
]


@pytest.mark.parametrize(
    ("proto_enum", "prefix", "domain_enums", "table", "stream_only"),
    STREAM_ENUMS,
    ids=[prefix.rstrip("_") for _, prefix, *_ in STREAM_ENUMS],
)
def test_event_types_equal_their_proto_enum(
    proto_enum: EnumTypeWrapper, prefix: str, domain_enums: tuple, table: dict, stream_only: set[str]
) -> None:
    members = [member for enum in domain_enums for member in enum]
    names = [member.name for member in members]
    assert len(set(names)) == len(names), "one name in two kinds of one stream"
    proto_names = {value.name.removeprefix(prefix) for value in proto_enum.DESCRIPTOR.values} - {"UNSPECIFIED"}
    assert set(names) == proto_names - stream_only
    assert all(member.value == member.name for member in members)
    assert set(table) == set(members), "an event type has no proto value"
    for member in members:
        assert table[member] == proto_enum.Value(prefix + member.name)


def test_every_kind_has_its_enum_and_every_stored_type_reads_back() -> None:
    assert set(EVENT_TYPES) == set(EventKind)
    assert len(set(KIND_OF_TYPE)) == len(EventKind), "two kinds share an enum"
    sent = {enum for _, _, domain_enums, _, _ in STREAM_ENUMS for enum in domain_enums}
    # PRINCIPAL events only make streams check credentials; AGENT events wait for the desk stream.
    never_sent = {EVENT_TYPES[EventKind.PRINCIPAL], EVENT_TYPES[EventKind.AGENT]}
    assert set(KIND_OF_TYPE) - sent == never_sent, "only PRINCIPAL and AGENT events are never sent"
    for (kind, value), event_type in EVENT_TYPE_BY_VALUES.items():
        assert (KIND_OF_TYPE[type(event_type)].value, event_type.value) == (kind, value)
    assert len(EVENT_TYPE_BY_VALUES) == sum(len(enum) for enum in EVENT_TYPES.values())


def test_list_alerts_equal_their_proto_enum_and_none_is_a_silent_refresh() -> None:
    proto_names = {value.name.removeprefix("LIST_ALERT_") for value in events_pb2.ListAlert.DESCRIPTOR.values}
    assert {alert.name for alert in ListAlert} == proto_names - {"UNSPECIFIED"}
    assert set(LIST_ALERT_TO_PROTO) == {*ListAlert, None}
    assert LIST_ALERT_TO_PROTO[None] == events_pb2.LIST_ALERT_UNSPECIFIED
    for alert in ListAlert:
        assert alert.value == alert.name
        assert LIST_ALERT_TO_PROTO[alert] == events_pb2.ListAlert.Value("LIST_ALERT_" + alert.name)


def test_leave_causes_equal_their_proto_enum() -> None:
    proto_names = {value.name.removeprefix("LEAVE_CAUSE_") for value in events_pb2.LeaveCause.DESCRIPTOR.values}
    assert {cause.name for cause in LeaveCause} == proto_names - {"UNSPECIFIED"}
    assert set(LEAVE_CAUSE_TO_PROTO) == set(LeaveCause)
    for cause in LeaveCause:
        assert cause.value == cause.name
        assert LEAVE_CAUSE_TO_PROTO[cause] == events_pb2.LeaveCause.Value("LEAVE_CAUSE_" + cause.name)
