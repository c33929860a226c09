"""Audit records: who (the admin, or a supervisor) did what to which resource, and when; and the filter
ListAuditRecords reads them with (AIP-160, the part an auditor needs: equality on the actor, the action and the
resource, comparisons on the time, joined by AND)."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pullrouting.domain.errors import InvalidInput
from pullrouting.domain.names import SUPERVISORS, format_name
from pullrouting.domain.principal import Principal, Role

MAX_FILTER_LENGTH = 1000
TEXT_FIELDS = ("actor", "action", "resource")
TIME_FIELD = "create_time"
TIME_OPERATORS = ("<=", ">=", "<", ">", "=")
# `field op "value"`; a value holds no quote (nothing the service writes does).
TERM = re.compile(r'\s*([a-z_]+)\s*(<=|>=|<|>|=)\s*"([^"]*)"\s*')
AND = re.compile(r"\s+AND\s+")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class AuditRecord:
    id: int
    actor: str
    action: str
    resource: str
    # Microseconds since the epoch.
    create_time: int
    detail: str = ""


@dataclass(frozen=True)
class AuditFilter:
    """What a listing keeps: records whose text fields equal these and whose time passes every comparison."""

    equal: dict[str, str] = field(default_factory=dict)
    # (operator, microseconds) pairs on create_time.
    times: tuple[tuple[str, int], ...] = ()


def actor_of(principal: Principal) -> str:
    """How a record names who acted: `admin`, or the supervisor's resource name."""
    if principal.role is Role.SUPERVISOR and principal.id is not None:
        return format_name(SUPERVISORS, principal.id)
    return principal.role.value


def parse_filter(text: str) -> AuditFilter:
    """The filter `text` says; INVALID_ARGUMENT naming `filter` for anything else."""
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidInput.of("filter", f"must be at most {MAX_FILTER_LENGTH} characters")
    if not text.strip():
        return AuditFilter()
    equal: dict[str, str] = {}
    times: list[tuple[str, int]] = []
    for term in AND.split(text.strip()):
        match = TERM.fullmatch(term)
        if match is None:
            raise InvalidInput.of("filter", f'cannot read {term!r}: expected `field = "value"` terms joined by AND')
        name, operator, value = match.groups()
        if name in TEXT_FIELDS and operator == "=":
            if name in equal:
                raise InvalidInput.of("filter", f"names {name} twice")
            equal[name] = value
        elif name == TIME_FIELD:
            times.append((operator, _micros(value)))
        else:
            raise InvalidInput.of(
                "filter",
                f"{name} {operator}: the fields are actor, action and resource (with =) and create_time "
                "(with =, <, <=, >, >=)",
            )
    return AuditFilter(equal, tuple(times))


def _micros(value: str) -> int:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput.of("filter", f"{value!r} is not an RFC 3339 time with a zone, e.g. 2026-11-30T08:00:00Z")
    return (moment - EPOCH) // timedelta(microseconds=1)
