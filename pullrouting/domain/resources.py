"""The configuration resources and their rules. References to other resources are kept as resource names,
as the API shows them; attribute names are the proto field names, so an update mask applies to them as is."""

# Annotations stay unevaluated: Channel's `list` field would otherwise shadow the builtin in its own body.
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from pullrouting.domain.errors import Violations
from pullrouting.domain.names import (
    AGENTS,
    CHANNEL_TYPES,
    CHANNELS,
    INGESTORS,
    LISTS,
    MEDIA_ROUTING_DOMAINS,
    SUPERVISORS,
    WRAP_UP_CODES,
    check_name,
    format_name,
)
from pullrouting.domain.presence import Presence

MAX_DISPLAY_NAME = 200
MAX_DESCRIPTION = 1000
MAX_SERVICE_IDENTIFIER = 500
# A list's service level is minutes or hours; a year is far beyond any real one.
MAX_UNREAD_REMINDER_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class ResourceRules:
    """Rules that depend on how the server is configured."""

    # Reminders and releases go out from a periodic check: a shorter interval than the check's could not be kept.
    min_unread_reminder_seconds: float = 0.0


class RoutingMode(StrEnum):
    PULL = "PULL"
    PUSH = "PUSH"


@dataclass(frozen=True)
class Reference:
    """A resource name that must name an existing resource; `field` is its path in the request."""

    field: str
    name: str
    collection: str


@dataclass(frozen=True, kw_only=True)
class Resource:
    COLLECTION: ClassVar[str]

    id: str
    display_name: str
    # Microseconds since the epoch; set by the store.
    create_time: int = 0
    update_time: int = 0

    @property
    def name(self) -> str:
        return format_name(self.COLLECTION, self.id)

    def validate(self, violations: Violations, prefix: str, rules: ResourceRules) -> None:
        """Records every broken rule; `prefix` is the resource's field in the request (`channel`)."""
        _check_text(violations, self.display_name, f"{prefix}.display_name", MAX_DISPLAY_NAME, required=True)

    def references(self, prefix: str) -> list[Reference]:
        """The resources this one names, which must exist."""
        return []


@dataclass(frozen=True, kw_only=True)
class MediaRoutingDomain(Resource):
    COLLECTION: ClassVar[str] = MEDIA_ROUTING_DOMAINS

    description: str = ""
    # Open conversations an agent may be in at once within the domain; 0 means no cap.
    max_conversations_per_agent: int = 0

    def validate(self, violations: Violations, prefix: str, rules: ResourceRules) -> None:
        super().validate(violations, prefix, rules)
        _check_text(violations, self.description, f"{prefix}.description", MAX_DESCRIPTION)
        _check_count(violations, self.max_conversations_per_agent, f"{prefix}.max_conversations_per_agent")


@dataclass(frozen=True, kw_only=True)
class ChannelType(Resource):
    COLLECTION: ClassVar[str] = CHANNEL_TYPES

    media_routing_domain: str

    def validate(self, violations: Violations, prefix: str, rules: ResourceRules) -> None:
        super().validate(violations, prefix, rules)
        check_name(violations, self.media_routing_domain, MEDIA_ROUTING_DOMAINS, f"{prefix}.media_routing_domain")

    def references(self, prefix: str) -> list[Reference]:
        return [Reference(f"{prefix}.media_routing_domain", self.media_routing_domain, MEDIA_ROUTING_DOMAINS)]


@dataclass(frozen=True, kw_only=True)
class RoutingList(Resource):
    """The API's List (renamed here so it does not read like a Python list)."""

    COLLECTION: ClassVar[str] = LISTS

    description: str = ""
    # Agents in one conversation at once; 0 means no cap.
    max_participants: int = 0
    # Seconds an UNREAD conversation may wait before it is re-announced; None means never.
    unread_reminder_after: float | None = None
    # Whether a customer writing on an INACTIVE conversation alerts the list (FOLLOW_UP) instead of refreshing
    # its row silently.
    follow_up_alerts: bool = False
    # Seconds the customer of an ACTIVE conversation may wait for an agent's answer before the list is
    # alerted NO_REPLY; None means never.
    reply_reminder_after: float | None = None
    # Seconds an INACTIVE conversation may stay untouched before the server closes it (INACTIVITY); None
    # means never.
    close_inactive_after: float | None = None
    # Seconds a participant may be away (OFFLINE, or AWAY too with `release_away_agents`) before it is
    # released; None means never.
    release_after: float | None = None
    release_away_agents: bool = False
    # The lists whose conversations may be transferred here; empty means any.
    accepts_transfers_from: tuple[str, ...] = ()
    # Whether an agent's close needs a wrap-up code.
    require_wrap_up: bool = False

    def validate(self, violations: Violations, prefix: str, rules: ResourceRules) -> None:
        super().validate(violations, prefix, rules)
        _check_text(violations, self.description, f"{prefix}.description", MAX_DESCRIPTION)
        _check_count(violations, self.max_participants, f"{prefix}.max_participants")
        _check_names(violations, self.accepts_transfers_from, LISTS, f"{prefix}.accepts_transfers_from")
        for field, seconds in (
            ("unread_reminder_after", self.unread_reminder_after),
            ("reply_reminder_after", self.reply_reminder_after),
            ("close_inactive_after", self.close_inactive_after),
            ("release_after", self.release_after),
        ):
            if seconds is not None:
                _check_timer(violations, seconds, f"{prefix}.{field}", rules.min_unread_reminder_seconds)

    def references(self, prefix: str) -> list[Reference]:
        return [
            Reference(f"{prefix}.accepts_transfers_from[{i}]", name, LISTS)
            for i, name in enumerate(self.accepts_transfers_from)
        ]


@dataclass(frozen=True, kw_only=True)
class Channel(Resource):
    COLLECTION: ClassVar[str] = CHANNELS

    channel_type: str
    service_identifier: str
    # None when the request named no known mode.
    routing_mode: RoutingMode | None
    # Required for PULL: where new conversations land.
    list: str = ""
    enabled: bool = True

    def validate(self, violations: Violations, prefix: str, rules: ResourceRules) -> None:
        super().validate(violations, prefix, rules)
        check_name(violations, self.channel_type, CHANNEL_TYPES, f"{prefix}.channel_type")
        _check_text(
            violations, self.service_identifier, f"{prefix}.service_identifier", MAX_SERVICE_IDENTIFIER, required=True
        )
        violations.check(
            self.routing_mode is not None,
            f"{prefix}.routing_mode",
            "is required: ROUTING_MODE_PULL or ROUTING_MODE_PUSH",
        )
        if self.list or self.routing_mode == RoutingMode.PULL:
            check_name(violations, self.list, LISTS, f"{prefix}.list")

    def references(self, prefix: str) -> list[Reference]:
        found = [Reference(f"{prefix}.channel_type", self.channel_type, CHANNEL_TYPES)]
        if self.list:
            found.append(Reference(f"{prefix}.list", self.list, LISTS))
        return found


@dataclass(frozen=True, kw_only=True)
class Agent(Resource):
    COLLECTION: ClassVar[str] = AGENTS

    # The lists the agent is entitled to subscribe to.
    lists: tuple[str, ...] = ()
    enabled: bool = True
    # Output only: what domain/presence.py says shows; a new agent has had no stream yet.
    presence: Presence = Presence.OFFLINE
    # (media routing domain name, cap) pairs replacing the domains' max_conversations_per_agent; 0: no cap.
    capacity_overrides: tuple[tuple[str, int], ...] = ()

    def validate(self, violations: Violations, prefix: str, rules: ResourceRules) -> None:
        super().validate(violations, prefix, rules)
        _check_names(violations, self.lists, LISTS, f"{prefix}.lists")
        seen: set[str] = set()
        for index, (mrd, cap) in enumerate(self.capacity_overrides):
            field_path = f"{prefix}.capacity_overrides[{index}]"
            named = check_name(violations, mrd, MEDIA_ROUTING_DOMAINS, f"{field_path}.media_routing_domain")
            if named is not None and mrd in seen:
                violations.add(f"{field_path}.media_routing_domain", "is listed twice")
            seen.add(mrd)
            _check_count(violations, cap, f"{field_path}.max_conversations")

    def references(self, prefix: str) -> list[Reference]:
        return [Reference(f"{prefix}.lists[{i}]", name, LISTS) for i, name in enumerate(self.lists)] + [
            Reference(f"{prefix}.capacity_overrides[{i}].media_routing_domain", mrd, MEDIA_ROUTING_DOMAINS)
            for i, (mrd, _) in enumerate(self.capacity_overrides)
        ]


@dataclass(frozen=True, kw_only=True)
class Ingestor(Resource):
    COLLECTION: ClassVar[str] = INGESTORS

    # The channels the ingestor may ingest for; empty means all.
    channels: tuple[str, ...] = ()
    enabled: bool = True

    def validate(self, violations: Violations, prefix: str, rules: ResourceRules) -> None:
        super().validate(violations, prefix, rules)
        _check_names(violations, self.channels, CHANNELS, f"{prefix}.channels")

    def references(self, prefix: str) -> list[Reference]:
        return [Reference(f"{prefix}.channels[{i}]", name, CHANNELS) for i, name in enumerate(self.channels)]


@dataclass(frozen=True, kw_only=True)
class Supervisor(Resource):
    COLLECTION: ClassVar[str] = SUPERVISORS

    # The lists the supervisor sees and acts on (its scope).
    lists: tuple[str, ...] = ()
    enabled: bool = True

    def validate(self, violations: Violations, prefix: str, rules: ResourceRules) -> None:
        super().validate(violations, prefix, rules)
        _check_names(violations, self.lists, LISTS, f"{prefix}.lists")

    def references(self, prefix: str) -> list[Reference]:
        return [Reference(f"{prefix}.lists[{i}]", name, LISTS) for i, name in enumerate(self.lists)]


@dataclass(frozen=True, kw_only=True)
class WrapUpCode(Resource):
    COLLECTION: ClassVar[str] = WRAP_UP_CODES

    # The lists whose conversations it may close; empty means every list.
    lists: tuple[str, ...] = ()

    def validate(self, violations: Violations, prefix: str, rules: ResourceRules) -> None:
        super().validate(violations, prefix, rules)
        _check_names(violations, self.lists, LISTS, f"{prefix}.lists")

    def references(self, prefix: str) -> list[Reference]:
        return [Reference(f"{prefix}.lists[{i}]", name, LISTS) for i, name in enumerate(self.lists)]

    def applies_to(self, list_name: str) -> bool:
        return not self.lists or list_name in self.lists


def _check_text(violations: Violations, value: str, field_path: str, max_length: int, required: bool = False) -> None:
    if required and not value.strip():
        violations.add(field_path, "is required")
    elif len(value) > max_length:
        violations.add(field_path, f"must be at most {max_length} characters")


def _check_timer(violations: Violations, seconds: float, field_path: str, minimum: float) -> None:
    """A List's timers fire from the periodic reminder check: none may be shorter than its interval."""
    violations.check(
        0 < seconds <= MAX_UNREAD_REMINDER_SECONDS and seconds >= minimum,
        field_path,
        f"must be at least {minimum:g} seconds (the reminder check interval), positive and at most "
        f"{MAX_UNREAD_REMINDER_SECONDS} seconds, or unset for never",
    )


def _check_count(violations: Violations, value: int, field_path: str) -> None:
    violations.check(value >= 0, field_path, "must not be negative (0 means no cap)")


def _check_names(violations: Violations, names: tuple[str, ...], collection: str, field_path: str) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if check_name(violations, name, collection, f"{field_path}[{index}]") is not None and name in seen:
            violations.add(f"{field_path}[{index}]", "is listed twice")
        seen.add(name)
