"""Channels to a pullrouting server: the bearer token on every call, TLS when asked, keepalive pings, and a
service config that retries UNAVAILABLE and waits for a server that is starting."""

import json
from collections.abc import Sequence
from typing import Any

import grpc

SERVICES = (
    "pullrouting.v1.AdminService",
    "pullrouting.v1.AgentService",
    "pullrouting.v1.IngestService",
    "pullrouting.v1.SupervisorService",
)
# The streams that ResumableWatch reopens itself, from the last resume token, with a backoff the caller sees:
# gRPC must neither retry nor hold them.
WATCH_METHODS = (
    ("pullrouting.v1.AgentService", "WatchLists"),
    ("pullrouting.v1.AgentService", "WatchConversation"),
    ("pullrouting.v1.AgentService", "WatchDesk"),
    ("pullrouting.v1.IngestService", "WatchOutbound"),
    ("pullrouting.v1.SupervisorService", "WatchQueues"),
    ("pullrouting.v1.SupervisorService", "WatchAgents"),
    ("pullrouting.v1.SupervisorService", "MonitorConversation"),
)
# Every unary call is retried by gRPC itself when the server could not be reached or answered UNAVAILABLE
# (restarting, shutting down): the same request bytes again, so SendMessage keeps its client_message_id and
# PostCustomerMessage its source_message_id, and a retry after a lost answer is answered with the first
# message. waitForReady: a call made while the server is starting (or the connection is being re-made) waits
# for it, within the call's deadline, instead of failing at once.
SERVICE_CONFIG: dict[str, Any] = {
    "methodConfig": [
        {
            "name": [{"service": service} for service in SERVICES],
            "waitForReady": True,
            "retryPolicy": {
                "maxAttempts": 5,
                "initialBackoff": "0.1s",
                "maxBackoff": "2s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        },
        {"name": [{"service": service, "method": method} for service, method in WATCH_METHODS], "waitForReady": False},
    ]
}

# Pings on an idle connection notice a dead server (or a proxy that dropped the connection) while a watch
# waits for events; the server accepts pings every 10 s or more.
KEEPALIVE_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.keepalive_permit_without_calls", 1),
]


class _BearerToken:
    def __init__(self, token: str) -> None:
        self._entry = ("authorization", f"Bearer {token}")

    def _with_token(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(tuple(details.metadata or ())), self._entry)
        return details._replace(metadata=metadata)


# grpc.aio files an interceptor under the first call shape it implements, so one class per shape.
class _UnaryBearerToken(_BearerToken, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._with_token(details), request)


class _StreamBearerToken(_BearerToken, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._with_token(details), request)


class _BidiBearerToken(_BearerToken, grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return await continuation(self._with_token(details), request_iterator)


def channel_options_for_sdk() -> list[tuple[str, Any]]:
    """The options `connect()` gives a channel: keepalive pings and the SDK's service config."""
    return [*KEEPALIVE_OPTIONS, ("grpc.enable_retries", 1), ("grpc.service_config", json.dumps(SERVICE_CONFIG))]


def bearer_token_interceptors(token: str) -> list[grpc.aio.ClientInterceptor]:
    """Interceptors that send `authorization: Bearer <token>` on every call, for a channel made by hand
    (with options of its own); `connect()` uses them."""
    return [_UnaryBearerToken(token), _StreamBearerToken(token), _BidiBearerToken(token)]


def connect(
    address: str,
    token: str,
    *,
    tls: bool = False,
    root_certificates: bytes | None = None,
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.aio.Channel:
    """A channel to `address` ("host:port") that sends `authorization: Bearer <token>` on every call.

    Plaintext unless `tls` is true or `root_certificates` (PEM bytes of the CA that signed the server's
    certificate; None means the system's roots) are given. `options` are extra gRPC channel options. The
    channel retries UNAVAILABLE and waits for a starting server (`SERVICE_CONFIG`); use it as
    `async with connect(...) as channel:` or close it with `await channel.close()`.
    """
    interceptors = bearer_token_interceptors(token)
    channel_options = [*channel_options_for_sdk(), *options]
    if tls or root_certificates is not None:
        credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
        return grpc.aio.secure_channel(address, credentials, options=channel_options, interceptors=interceptors)
    return grpc.aio.insecure_channel(address, options=channel_options, interceptors=interceptors)
