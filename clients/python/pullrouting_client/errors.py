"""The stable error reason of a failed call: branch on it, never on the message text."""

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


def error_reason(error: grpc.aio.AioRpcError) -> str | None:
    """The `google.rpc.ErrorInfo` reason in the status details (e.g. "SLOW_CONSUMER"); None when the status
    carries none (a transport failure, a server that is gone)."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return None
