"""Domain errors to gRPC statuses: one table, which the one interceptor (api/rpcs.py) applies to every RPC."""

from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from pullrouting.domain.errors import DomainError, InvalidInput, Reason

ERROR_DOMAIN = "pullrouting"

STATUS_BY_REASON: dict[Reason, grpc.StatusCode] = {
    Reason.FIELD_INVALID: grpc.StatusCode.INVALID_ARGUMENT,
    Reason.RESOURCE_NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    Reason.SERVICE_IDENTIFIER_UNKNOWN: grpc.StatusCode.NOT_FOUND,
    Reason.RESOURCE_EXISTS: grpc.StatusCode.ALREADY_EXISTS,
    Reason.RESOURCE_ID_RETIRED: grpc.StatusCode.ALREADY_EXISTS,
    Reason.SERVICE_IDENTIFIER_TAKEN: grpc.StatusCode.ALREADY_EXISTS,
    Reason.RESOURCE_IN_USE: grpc.StatusCode.FAILED_PRECONDITION,
    Reason.CHANNEL_DISABLED: grpc.StatusCode.FAILED_PRECONDITION,
    Reason.CHANNEL_NOT_PULL: grpc.StatusCode.FAILED_PRECONDITION,
    Reason.NOT_SUBSCRIBED: grpc.StatusCode.FAILED_PRECONDITION,
    Reason.NOT_PARTICIPANT: grpc.StatusCode.FAILED_PRECONDITION,
    Reason.CONVERSATION_CLOSED: grpc.StatusCode.FAILED_PRECONDITION,
    Reason.LIST_FULL: grpc.StatusCode.FAILED_PRECONDITION,
    Reason.AGENT_AT_CAPACITY: grpc.StatusCode.FAILED_PRECONDITION,
    Reason.NOT_ENTITLED: grpc.StatusCode.PERMISSION_DENIED,
    Reason.CHANNEL_NOT_PERMITTED: grpc.StatusCode.PERMISSION_DENIED,
    Reason.CLOSE_REASON_NOT_ALLOWED: grpc.StatusCode.PERMISSION_DENIED,
    Reason.RESUME_TOKEN_EXPIRED: grpc.StatusCode.OUT_OF_RANGE,
    Reason.SLOW_CONSUMER: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Reason.SERVER_SHUTTING_DOWN: grpc.StatusCode.UNAVAILABLE,
    Reason.TOKEN_MISSING: grpc.StatusCode.UNAUTHENTICATED,
    Reason.TOKEN_INVALID: grpc.StatusCode.UNAUTHENTICATED,
    Reason.ROLE_NOT_ALLOWED: grpc.StatusCode.PERMISSION_DENIED,
    Reason.PRINCIPAL_DISABLED: grpc.StatusCode.PERMISSION_DENIED,
    Reason.RATE_LIMITED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Reason.TOO_MANY_STREAMS: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Reason.TRANSFER_NOT_ACCEPTED: grpc.StatusCode.PERMISSION_DENIED,
    Reason.STALE_VIEW: grpc.StatusCode.FAILED_PRECONDITION,
    Reason.WRAP_UP_REQUIRED: grpc.StatusCode.FAILED_PRECONDITION,
    Reason.INVITATION_NOT_PENDING: grpc.StatusCode.FAILED_PRECONDITION,
}


def _packed(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def to_status_proto(error: DomainError) -> status_pb2.Status:
    """The google.rpc.Status for `error`: its code from the table, an ErrorInfo, and a BadRequest for bad input."""
    code = STATUS_BY_REASON[error.reason]
    details = [_packed(error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata))]
    if isinstance(error, InvalidInput):
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in error.violations
            ]
        )
        details.append(_packed(bad_request))
    return status_pb2.Status(code=getattr(code_pb2, code.name), message=error.message, details=details)


def to_status(error: DomainError) -> grpc.Status:
    """The status a call refused with `error` ends with."""
    return rpc_status.to_status(to_status_proto(error))
