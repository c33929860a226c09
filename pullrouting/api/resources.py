"""The configuration resources as the Admin API sees them: one `Kind` per resource says how its proto
message maps to the domain resource and which table keeps it; the standard methods work from that alone."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from google.api import field_behavior_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message

from pullrouting.api.timestamps import to_timestamp
from pullrouting.domain.errors import InvalidInput
from pullrouting.domain.presence import Presence
from pullrouting.domain.resources import (
    Agent,
    Channel,
    ChannelType,
    Ingestor,
    MediaRoutingDomain,
    Resource,
    RoutingList,
    RoutingMode,
    Supervisor,
    WrapUpCode,
)
from pullrouting.store import resources as store
from pullrouting.v1 import resources_pb2

R = TypeVar("R", bound=Resource)
M = TypeVar("M", bound=Message)

# Field behaviors (google.api.field_behavior in the protos) that keep a field out of an update mask: the server
# sets it (OUTPUT_ONLY), it says which resource (IDENTIFIER), or it is fixed once created (IMMUTABLE).
NOT_UPDATABLE = frozenset(
    {field_behavior_pb2.OUTPUT_ONLY, field_behavior_pb2.IDENTIFIER, field_behavior_pb2.IMMUTABLE}
)

ROUTING_MODE_BY_PROTO = {
    resources_pb2.ROUTING_MODE_PULL: RoutingMode.PULL,
    resources_pb2.ROUTING_MODE_PUSH: RoutingMode.PUSH,
}
PROTO_BY_ROUTING_MODE = {mode: number for number, mode in ROUTING_MODE_BY_PROTO.items()}

PRESENCE_TO_PROTO = {
    Presence.AVAILABLE: resources_pb2.PRESENCE_AVAILABLE,
    Presence.AWAY: resources_pb2.PRESENCE_AWAY,
    Presence.OFFLINE: resources_pb2.PRESENCE_OFFLINE,
}
PRESENCE_FROM_PROTO = {number: presence for presence, number in PRESENCE_TO_PROTO.items()}


@dataclass(frozen=True)
class Kind(Generic[R, M]):
    """One resource type of the Admin API."""

    # The request and response field holding the resource (`channel`); Create takes `{field}_id`.
    field: str
    message: type[M]
    to_proto: Callable[[R], M]
    # Builds the resource from a request message and the id it gets.
    from_proto: Callable[[M, str], R]
    table: store.ResourceTable[R]

    @property
    def collection(self) -> str:
        return self.table.collection

    @property
    def kind_name(self) -> str:
        """What the RPCs call the kind: `WrapUpCode` in CreateWrapUpCode."""
        return self.message.DESCRIPTOR.name

    @property
    def updatable_fields(self) -> frozenset[str]:
        return frozenset(field.name for field in self.message.DESCRIPTOR.fields if _updatable(field))


def _updatable(field: FieldDescriptor) -> bool:
    return NOT_UPDATABLE.isdisjoint(field.GetOptions().Extensions[field_behavior_pb2.field_behavior])


def _common_fields(resource: Resource) -> dict[str, Any]:
    return {
        "name": resource.name,
        "display_name": resource.display_name,
        "create_time": to_timestamp(resource.create_time),
        "update_time": to_timestamp(resource.update_time),
    }


# The protobuf rules for a Duration (google/protobuf/duration.proto): about 10,000 years either way.
MAX_DURATION_SECONDS = 315_576_000_000
MAX_DURATION_NANOS = 999_999_999


def _seconds(duration: Duration, field_path: str) -> float:
    """INVALID_ARGUMENT naming `field_path` for a Duration the protobuf rules do not allow."""
    seconds, nanos = duration.seconds, duration.nanos
    if (
        abs(seconds) > MAX_DURATION_SECONDS
        or abs(nanos) > MAX_DURATION_NANOS
        or (seconds > 0 and nanos < 0)
        or (seconds < 0 and nanos > 0)
    ):
        raise InvalidInput.of(
            field_path, "is not a valid Duration: nanos must be within +-999999999 and of the sign of seconds"
        )
    return seconds + nanos / 1e9


def _duration(seconds: float) -> Duration:
    duration = Duration()
    duration.FromNanoseconds(round(seconds * 1e9))
    return duration


def _optional_duration(seconds: float | None) -> Duration | None:
    return None if seconds is None else _duration(seconds)


def _enabled(
    message: resources_pb2.Channel | resources_pb2.Agent | resources_pb2.Ingestor | resources_pb2.Supervisor,
) -> bool:
    """`enabled` is true unless the request says otherwise."""
    return message.enabled if message.HasField("enabled") else True


def _media_routing_domain_to_proto(mrd: MediaRoutingDomain) -> resources_pb2.MediaRoutingDomain:
    return resources_pb2.MediaRoutingDomain(
        **_common_fields(mrd),
        description=mrd.description,
        max_conversations_per_agent=mrd.max_conversations_per_agent,
    )


def _media_routing_domain_from_proto(message: resources_pb2.MediaRoutingDomain, mrd_id: str) -> MediaRoutingDomain:
    return MediaRoutingDomain(
        id=mrd_id,
        display_name=message.display_name,
        description=message.description,
        max_conversations_per_agent=message.max_conversations_per_agent,
    )


def _channel_type_to_proto(channel_type: ChannelType) -> resources_pb2.ChannelType:
    return resources_pb2.ChannelType(
        **_common_fields(channel_type), media_routing_domain=channel_type.media_routing_domain
    )


def _channel_type_from_proto(message: resources_pb2.ChannelType, channel_type_id: str) -> ChannelType:
    return ChannelType(
        id=channel_type_id, display_name=message.display_name, media_routing_domain=message.media_routing_domain
    )


def _list_to_proto(routing_list: RoutingList) -> resources_pb2.List:
    return resources_pb2.List(
        **_common_fields(routing_list),
        description=routing_list.description,
        max_participants=routing_list.max_participants,
        unread_reminder_after=_optional_duration(routing_list.unread_reminder_after),
        follow_up_alerts=routing_list.follow_up_alerts,
        reply_reminder_after=_optional_duration(routing_list.reply_reminder_after),
        close_inactive_after=_optional_duration(routing_list.close_inactive_after),
        release_after=_optional_duration(routing_list.release_after),
        release_away_agents=routing_list.release_away_agents,
        accepts_transfers_from=routing_list.accepts_transfers_from,
        require_wrap_up=routing_list.require_wrap_up,
    )


def _list_from_proto(message: resources_pb2.List, list_id: str) -> RoutingList:
    return RoutingList(
        id=list_id,
        display_name=message.display_name,
        description=message.description,
        max_participants=message.max_participants,
        unread_reminder_after=(
            _seconds(message.unread_reminder_after, "list.unread_reminder_after")
            if message.HasField("unread_reminder_after")
            else None
        ),
        follow_up_alerts=message.follow_up_alerts,
        reply_reminder_after=(
            _seconds(message.reply_reminder_after, "list.reply_reminder_after")
            if message.HasField("reply_reminder_after")
            else None
        ),
        close_inactive_after=(
            _seconds(message.close_inactive_after, "list.close_inactive_after")
            if message.HasField("close_inactive_after")
            else None
        ),
        release_after=(
            _seconds(message.release_after, "list.release_after") if message.HasField("release_after") else None
        ),
        release_away_agents=message.release_away_agents,
        accepts_transfers_from=tuple(message.accepts_transfers_from),
        require_wrap_up=message.require_wrap_up,
    )


def _channel_to_proto(channel: Channel) -> resources_pb2.Channel:
    return resources_pb2.Channel(
        **_common_fields(channel),
        channel_type=channel.channel_type,
        service_identifier=channel.service_identifier,
        routing_mode=PROTO_BY_ROUTING_MODE.get(channel.routing_mode, resources_pb2.ROUTING_MODE_UNSPECIFIED),
        list=channel.list,
        enabled=channel.enabled,
    )


def _channel_from_proto(message: resources_pb2.Channel, channel_id: str) -> Channel:
    return Channel(
        id=channel_id,
        display_name=message.display_name,
        channel_type=message.channel_type,
        service_identifier=message.service_identifier,
        routing_mode=ROUTING_MODE_BY_PROTO.get(message.routing_mode),
        list=message.list,
        enabled=_enabled(message),
    )


def _agent_to_proto(agent: Agent) -> resources_pb2.Agent:
    return resources_pb2.Agent(
        **_common_fields(agent),
        lists=agent.lists,
        enabled=agent.enabled,
        presence=PRESENCE_TO_PROTO[agent.presence],
        capacity_overrides=[
            resources_pb2.CapacityOverride(media_routing_domain=mrd, max_conversations=cap)
            for mrd, cap in agent.capacity_overrides
        ],
    )


def _agent_from_proto(message: resources_pb2.Agent, agent_id: str) -> Agent:
    return Agent(
        id=agent_id,
        display_name=message.display_name,
        lists=tuple(message.lists),
        enabled=_enabled(message),
        capacity_overrides=tuple((o.media_routing_domain, o.max_conversations) for o in message.capacity_overrides),
    )


def _ingestor_to_proto(ingestor: Ingestor) -> resources_pb2.Ingestor:
    return resources_pb2.Ingestor(**_common_fields(ingestor), channels=ingestor.channels, enabled=ingestor.enabled)


def _ingestor_from_proto(message: resources_pb2.Ingestor, ingestor_id: str) -> Ingestor:
    return Ingestor(
        id=ingestor_id, display_name=message.display_name, channels=tuple(message.channels), enabled=_enabled(message)
    )


def _supervisor_to_proto(supervisor: Supervisor) -> resources_pb2.Supervisor:
    return resources_pb2.Supervisor(**_common_fields(supervisor), lists=supervisor.lists, enabled=supervisor.enabled)


def _supervisor_from_proto(message: resources_pb2.Supervisor, supervisor_id: str) -> Supervisor:
    return Supervisor(
        id=supervisor_id, display_name=message.display_name, lists=tuple(message.lists), enabled=_enabled(message)
    )


def _wrap_up_code_to_proto(code: WrapUpCode) -> resources_pb2.WrapUpCode:
    return resources_pb2.WrapUpCode(**_common_fields(code), lists=code.lists)


def _wrap_up_code_from_proto(message: resources_pb2.WrapUpCode, code_id: str) -> WrapUpCode:
    return WrapUpCode(id=code_id, display_name=message.display_name, lists=tuple(message.lists))


MEDIA_ROUTING_DOMAIN = Kind(
    "media_routing_domain",
    resources_pb2.MediaRoutingDomain,
    _media_routing_domain_to_proto,
    _media_routing_domain_from_proto,
    store.MEDIA_ROUTING_DOMAIN_TABLE,
)
CHANNEL_TYPE = Kind(
    "channel_type",
    resources_pb2.ChannelType,
    _channel_type_to_proto,
    _channel_type_from_proto,
    store.CHANNEL_TYPE_TABLE,
)
LIST = Kind("list", resources_pb2.List, _list_to_proto, _list_from_proto, store.LIST_TABLE)
CHANNEL = Kind("channel", resources_pb2.Channel, _channel_to_proto, _channel_from_proto, store.CHANNEL_TABLE)
AGENT = Kind("agent", resources_pb2.Agent, _agent_to_proto, _agent_from_proto, store.AGENT_TABLE)
INGESTOR = Kind("ingestor", resources_pb2.Ingestor, _ingestor_to_proto, _ingestor_from_proto, store.INGESTOR_TABLE)
WRAP_UP_CODE = Kind(
    "wrap_up_code",
    resources_pb2.WrapUpCode,
    _wrap_up_code_to_proto,
    _wrap_up_code_from_proto,
    store.WRAP_UP_CODE_TABLE,
)
SUPERVISOR = Kind(
    "supervisor", resources_pb2.Supervisor, _supervisor_to_proto, _supervisor_from_proto, store.SUPERVISOR_TABLE
)
