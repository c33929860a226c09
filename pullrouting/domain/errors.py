"""Refusals the caller can act on. Each carries a stable reason that clients branch on."""

from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    """Stable error reasons, sent as google.rpc.ErrorInfo.reason. Listed in docs/api.md; never renamed."""

    FIELD_INVALID = "FIELD_INVALID"
    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
    SERVICE_IDENTIFIER_UNKNOWN = "SERVICE_IDENTIFIER_UNKNOWN"
    RESOURCE_EXISTS = "RESOURCE_EXISTS"
    RESOURCE_ID_RETIRED = "RESOURCE_ID_RETIRED"
    SERVICE_IDENTIFIER_TAKEN = "SERVICE_IDENTIFIER_TAKEN"
    RESOURCE_IN_USE = "RESOURCE_IN_USE"
    CHANNEL_DISABLED = "CHANNEL_DISABLED"
    CHANNEL_NOT_PULL = "CHANNEL_NOT_PULL"
    NOT_SUBSCRIBED = "NOT_SUBSCRIBED"
    NOT_PARTICIPANT = "NOT_PARTICIPANT"
    CONVERSATION_CLOSED = "CONVERSATION_CLOSED"
    LIST_FULL = "LIST_FULL"
    AGENT_AT_CAPACITY = "AGENT_AT_CAPACITY"
    NOT_ENTITLED = "NOT_ENTITLED"
    CHANNEL_NOT_PERMITTED = "CHANNEL_NOT_PERMITTED"
    CLOSE_REASON_NOT_ALLOWED = "CLOSE_REASON_NOT_ALLOWED"
    RESUME_TOKEN_EXPIRED = "RESUME_TOKEN_EXPIRED"
    SLOW_CONSUMER = "SLOW_CONSUMER"
    SERVER_SHUTTING_DOWN = "SERVER_SHUTTING_DOWN"
    TOKEN_MISSING = "TOKEN_MISSING"
    TOKEN_INVALID = "TOKEN_INVALID"
    ROLE_NOT_ALLOWED = "ROLE_NOT_ALLOWED"
    PRINCIPAL_DISABLED = "PRINCIPAL_DISABLED"
    RATE_LIMITED = "RATE_LIMITED"
    TOO_MANY_STREAMS = "TOO_MANY_STREAMS"
    TRANSFER_NOT_ACCEPTED = "TRANSFER_NOT_ACCEPTED"
    STALE_VIEW = "STALE_VIEW"
    WRAP_UP_REQUIRED = "WRAP_UP_REQUIRED"
    INVITATION_NOT_PENDING = "INVITATION_NOT_PENDING"


class DomainError(Exception):
    """A refusal: `reason` says what went wrong, `metadata` says about what (resource names, limits)."""

    def __init__(self, reason: Reason, message: str, **metadata: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.metadata = metadata


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class InvalidInput(DomainError):
    """Bad input: one violation per offending field. Nothing was changed."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__(Reason.FIELD_INVALID, "; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = violations

    @classmethod
    def of(cls, field_path: str, description: str) -> "InvalidInput":
        return cls([FieldViolation(field_path, description)])


class Violations:
    """Collects field violations so one response names every offending field."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field_path: str, description: str) -> None:
        self.items.append(FieldViolation(field_path, description))

    def check(self, ok: bool, field_path: str, description: str) -> None:
        if not ok:
            self.add(field_path, description)

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidInput(self.items)
