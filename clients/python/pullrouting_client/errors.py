"""Refusals as exceptions: one class per `google.rpc.ErrorInfo` reason, all under `PullroutingError`.

Branch on the class (or on `reason`), never on the message text::

    try:
        await agent.join(name)
    except ListFull as full:
        print("the list's", full.metadata.get("max_participants"), "seats are taken")
    except PullroutingError as error:
        print(error.status.name, error.reason, error.message)
"""

from collections.abc import Iterable
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

# The trailing metadata key under which gRPC carries the google.rpc.Status with its details.
_STATUS_DETAILS_KEY = "grpc-status-details-bin"
# Statuses without a refusal of the server's behind them (see PullroutingError.retryable).
RETRYABLE_STATUSES = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.CANCELLED,
)


class PullroutingError(grpc.RpcError):
    """A failed call: its gRPC `status`, the stable `reason` (None for a transport failure, such as a server
    that cannot be reached), the ErrorInfo `metadata` (the resources and limits involved), the `message` for
    people, and for FIELD_INVALID the `field_violations` (field path -> what is wrong with it)."""

    def __init__(
        self,
        status: grpc.StatusCode,
        message: str,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
        field_violations: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{reason or status.name}: {message}")
        self.status = status
        self.message = message
        self.reason = reason
        self.metadata = metadata or {}
        self.field_violations = field_violations or {}

    def code(self) -> grpc.StatusCode:
        """The status, as `grpc.RpcError`s from a call give it."""
        return self.status

    def details(self) -> str:
        """The message, as `grpc.RpcError`s from a call give it."""
        return self.message

    @property
    def retryable(self) -> bool:
        """Whether the same call, made again later, can succeed: the server was unreachable or restarting, the
        deadline passed, a stream was cut off for reading too slowly, or gRPC cancelled the call before the
        server took it (CANCELLED: more calls waiting to be accepted than its backlog holds, as when thousands
        of desks reconnect at once). Limits (RATE_LIMITED, TOO_MANY_STREAMS) and states (LIST_FULL,
        AGENT_AT_CAPACITY...) are not: something has to change first."""
        if self.status == grpc.StatusCode.RESOURCE_EXHAUSTED:
            return self.reason == "SLOW_CONSUMER"
        return self.status in RETRYABLE_STATUSES


class Unavailable(PullroutingError):
    """UNAVAILABLE with no reason: the server cannot be reached (down, restarting, network gone)."""


class DeadlineExceeded(PullroutingError):
    """The call's deadline passed before the answer came; whether the server acted is unknown, so retry only
    calls that are idempotent (every call of this API is, SendMessage with the same client_message_id)."""


class FieldInvalid(PullroutingError):
    """Bad input; `field_violations` names every offending field. Nothing was changed."""


class ResourceNotFound(PullroutingError):
    """No such resource."""


class ServiceIdentifierUnknown(PullroutingError):
    """No channel has this service identifier."""


class ResourceExists(PullroutingError):
    """A resource with this id exists already."""


class ResourceIdRetired(PullroutingError):
    """The id belonged to a deleted resource and is never given out again."""


class ServiceIdentifierTaken(PullroutingError):
    """Another channel has this service identifier."""


class ResourceInUse(PullroutingError):
    """Other resources still refer to it."""


class ChannelDisabled(PullroutingError):
    """The channel is disabled."""


class ChannelNotPull(PullroutingError):
    """The channel does not route in pull mode."""


class NotSubscribed(PullroutingError):
    """The agent is not subscribed to the conversation's list."""


class NotParticipant(PullroutingError):
    """The agent is not in the conversation."""


class ConversationClosed(PullroutingError):
    """The conversation is closed."""


class ListFull(PullroutingError):
    """The list's max_participants are in the conversation."""


class AgentAtCapacity(PullroutingError):
    """The agent is in as many open conversations of the media routing domain as it may."""


class NotEntitled(PullroutingError):
    """The agent is not entitled to the list (and not in the conversation)."""


class ChannelNotPermitted(PullroutingError):
    """The ingestor credential does not serve this channel."""


class CloseReasonNotAllowed(PullroutingError):
    """The caller may not close with this reason."""


class ResumeTokenExpired(PullroutingError):
    """The events after the resume token are no longer kept: what was missed is gone."""


class SlowConsumer(PullroutingError):
    """The stream was cut off because the client fell too far behind; resume with the last token."""


class ServerShuttingDown(PullroutingError):
    """The server is shutting down; reconnect (to it or another instance) and resume."""


class TokenMissing(PullroutingError):
    """No `authorization: Bearer` metadata."""


class TokenInvalid(PullroutingError):
    """The server does not accept the token (unknown, rotated, expired)."""


class RoleNotAllowed(PullroutingError):
    """The token is not of a role this service serves (an agent's token on AdminService...)."""


class PrincipalDisabled(PullroutingError):
    """The agent or ingestor is disabled."""


class RateLimited(PullroutingError):
    """Too many calls; slow down."""


class TooManyStreams(PullroutingError):
    """The caller has the most streams open it may."""


class TransferNotAccepted(PullroutingError):
    """The target list does not accept transfers from the conversation's list, or does not exist."""


class StaleView(PullroutingError):
    """Someone wrote since the expected last message; metadata `newest_message` names the newest one."""


class WrapUpRequired(PullroutingError):
    """The list requires a wrap-up code to close its conversations."""


class InvitationNotPending(PullroutingError):
    """The invitation was answered otherwise, or expired."""


ERROR_BY_REASON: dict[str, type[PullroutingError]] = {
    "FIELD_INVALID": FieldInvalid,
    "RESOURCE_NOT_FOUND": ResourceNotFound,
    "SERVICE_IDENTIFIER_UNKNOWN": ServiceIdentifierUnknown,
    "RESOURCE_EXISTS": ResourceExists,
    "RESOURCE_ID_RETIRED": ResourceIdRetired,
    "SERVICE_IDENTIFIER_TAKEN": ServiceIdentifierTaken,
    "RESOURCE_IN_USE": ResourceInUse,
    "CHANNEL_DISABLED": ChannelDisabled,
    "CHANNEL_NOT_PULL": ChannelNotPull,
    "NOT_SUBSCRIBED": NotSubscribed,
    "NOT_PARTICIPANT": NotParticipant,
    "CONVERSATION_CLOSED": ConversationClosed,
    "LIST_FULL": ListFull,
    "AGENT_AT_CAPACITY": AgentAtCapacity,
    "NOT_ENTITLED": NotEntitled,
    "CHANNEL_NOT_PERMITTED": ChannelNotPermitted,
    "CLOSE_REASON_NOT_ALLOWED": CloseReasonNotAllowed,
    "RESUME_TOKEN_EXPIRED": ResumeTokenExpired,
    "SLOW_CONSUMER": SlowConsumer,
    "SERVER_SHUTTING_DOWN": ServerShuttingDown,
    "TOKEN_MISSING": TokenMissing,
    "TOKEN_INVALID": TokenInvalid,
    "ROLE_NOT_ALLOWED": RoleNotAllowed,
    "PRINCIPAL_DISABLED": PrincipalDisabled,
    "RATE_LIMITED": RateLimited,
    "TOO_MANY_STREAMS": TooManyStreams,
    "TRANSFER_NOT_ACCEPTED": TransferNotAccepted,
    "STALE_VIEW": StaleView,
    "WRAP_UP_REQUIRED": WrapUpRequired,
    "INVITATION_NOT_PENDING": InvitationNotPending,
}

# Failures without a reason, by status: transport failures the caller may retry.
_ERROR_BY_STATUS: dict[grpc.StatusCode, type[PullroutingError]] = {
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
}


def _status_details(trailing_metadata: Iterable[tuple[str, Any]] | None) -> status_pb2.Status | None:
    for key, value in trailing_metadata or ():
        if key == _STATUS_DETAILS_KEY:
            return status_pb2.Status.FromString(value)
    return None


def from_rpc_error(error: grpc.RpcError) -> PullroutingError:
    """The typed exception for a failed call (a `grpc.aio.AioRpcError` or a failed sync `grpc.Call`)."""
    if isinstance(error, PullroutingError):
        return error
    call: Any = error
    return _typed(call.code(), call.details() or "", _status_details(call.trailing_metadata()))


def from_status(status: status_pb2.Status) -> PullroutingError:
    """The typed exception for a refusal carried as a google.rpc.Status (a streamed message's acknowledgement)."""
    code = next((code for code in grpc.StatusCode if code.value[0] == status.code), grpc.StatusCode.UNKNOWN)
    return _typed(code, status.message, status)


def _typed(status: grpc.StatusCode, message: str, details: status_pb2.Status | None) -> PullroutingError:
    reason: str | None = None
    metadata: dict[str, str] = {}
    violations: dict[str, str] = {}
    for detail in details.details if details is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = info.reason, dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations = {v.field: v.description for v in bad_request.field_violations}
    # A reason this SDK does not know yet (a newer server) still raises the base class, with the reason.
    kind = ERROR_BY_REASON.get(reason or "") or (_ERROR_BY_STATUS.get(status) if reason is None else None)
    return (kind or PullroutingError)(status, message, reason, metadata, violations)


def error_reason(error: grpc.RpcError) -> str | None:
    """The ErrorInfo reason of a failed call (e.g. "SLOW_CONSUMER"); None when the status carries none (a
    transport failure, a server that is gone)."""
    return from_rpc_error(error).reason
