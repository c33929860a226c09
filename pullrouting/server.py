"""Wiring: the database, the servicers, the interceptor, health and reflection, on one grpc.aio server."""

import asyncio
import gc
import logging
import os
import secrets
import signal
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

from pullrouting.api.activity import Activities
from pullrouting.api.admin import AdminServicer
from pullrouting.api.agent import AgentServicer
from pullrouting.api.agent_statuses import AgentStatuses
from pullrouting.api.auth import Admission, Authenticator
from pullrouting.api.desk import Desks
from pullrouting.api.drain import Drain
from pullrouting.api.ingest import IngestServicer
from pullrouting.api.limits import FailedLogins, RateLimiter
from pullrouting.api.monitor import Monitors
from pullrouting.api.oidc import OidcSettings, OidcVerifier
from pullrouting.api.open_streams import OpenStreams
from pullrouting.api.presence import AgentStreams
from pullrouting.api.queues import Queues
from pullrouting.api.resume_tokens import ResumeTokens
from pullrouting.api.rpcs import RpcInterceptor
from pullrouting.api.supervisor import SupervisorServicer, SupervisorStreams
from pullrouting.api.watch import Streams, StreamSettings
from pullrouting.bus.hub import EventHub
from pullrouting.domain.events import Event
from pullrouting.domain.presence import micros
from pullrouting.domain.principal import Role
from pullrouting.domain.resources import ResourceRules
from pullrouting.ops.audit import AuditRetention
from pullrouting.ops.metrics import Metrics, MetricsServer
from pullrouting.ops.presence import PresenceTracker, ReleaseScheduler
from pullrouting.ops.reminders import ReminderScheduler
from pullrouting.settings import Settings
from pullrouting.store import migrate, server_secrets
from pullrouting.store.credentials import new_token
from pullrouting.store.database import Database, create_database_engine
from pullrouting.store.events import now_micros
from pullrouting.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    agent_service_pb2,
    agent_service_pb2_grpc,
    ingest_service_pb2,
    ingest_service_pb2_grpc,
    supervisor_service_pb2,
    supervisor_service_pb2_grpc,
)
from pullrouting.web.server import DeskSignIn, WebServer, WebTls

log = logging.getLogger("pullrouting")

SERVICES = [
    admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"],
    agent_service_pb2.DESCRIPTOR.services_by_name["AgentService"],
    ingest_service_pb2.DESCRIPTOR.services_by_name["IngestService"],
    supervisor_service_pb2.DESCRIPTOR.services_by_name["SupervisorService"],
]
SERVICE_NAMES = [service.full_name for service in SERVICES]


# Shorter admin tokens are refused at start: the token is the whole of the admin's authentication.
MIN_ADMIN_TOKEN_LENGTH = 32


class StartupError(Exception):
    """The server cannot start; the message says why, for the command line to print."""


def _server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials from the configured PEM files; None for plaintext."""
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    try:
        chain = Path(settings.tls_cert).read_bytes()
        key = Path(settings.tls_key).read_bytes()
        client_ca = Path(settings.tls_client_ca).read_bytes() if settings.tls_client_ca else None
    except OSError as error:
        raise StartupError(f"cannot read the TLS certificate, key or client CA: {error}") from error
    # With a client CA, a client without a certificate it signed fails the handshake.
    return grpc.ssl_server_credentials(
        [(key, chain)], root_certificates=client_ca, require_client_auth=client_ca is not None
    )


def _oidc_verifier(settings: Settings) -> OidcVerifier | None:
    if settings.oidc_issuer is None:
        return None
    if settings.oidc_audience is None or settings.oidc_jwks is None:
        raise StartupError("OpenID Connect needs the audience and the JWKS as well as the issuer")
    return OidcVerifier(
        OidcSettings(
            settings.oidc_issuer,
            settings.oidc_audience,
            settings.oidc_jwks,
            settings.oidc_agent_claim,
            settings.oidc_supervisor_claim,
        )
    )


def _milliseconds(seconds: float) -> int:
    return int(seconds * 1000)


def keepalive_options(settings: Settings) -> list[tuple[str, int]]:
    """Pings on idle connections keep long-lived streams alive through proxies and load balancers that
    drop quiet TCP connections, and detect dead clients; clients may ping as often as every 10 s. grpcio 1.85
    closes a connection whose ping goes unanswered after the transport's ping timeout (a minute by default),
    not after the keepalive timeout alone: both are set, so a dead client is noticed within keepalive plus
    timeout."""
    timeout = _milliseconds(settings.keepalive_timeout_seconds)
    return [
        ("grpc.keepalive_time_ms", _milliseconds(settings.keepalive_seconds)),
        ("grpc.keepalive_timeout_ms", timeout),
        ("grpc.http2.ping_timeout_ms", timeout),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ("grpc.http2.max_pings_without_data", 0),
    ]


def connection_options(settings: Settings) -> list[tuple[str, int]]:
    """Bounds on what one connection may hold: calls open at once, and how long it lives idle or at all."""
    return [
        ("grpc.max_concurrent_streams", settings.max_streams_per_connection),
        ("grpc.max_connection_idle_ms", _milliseconds(settings.connection_idle_seconds)),
        ("grpc.max_connection_age_ms", _milliseconds(settings.connection_age_seconds)),
        ("grpc.max_connection_age_grace_ms", _milliseconds(settings.connection_age_grace_seconds)),
    ]


def resolve_admin_token(settings: Settings) -> str:
    """The configured admin token; else the one in the token file, made (mode 0600) on first start. A short
    token is refused, and so is a file someone else could have written or read."""
    token = settings.admin_token or _admin_token_from_file(settings.admin_token_path())
    if len(token) < MIN_ADMIN_TOKEN_LENGTH:
        raise StartupError(
            f"the admin token must be at least {MIN_ADMIN_TOKEN_LENGTH} characters; generate one, "
            "e.g. `openssl rand -hex 32`, or leave the admin token unset for a generated token file"
        )
    return token


def _admin_token_from_file(path: Path) -> str:
    try:
        # O_NOFOLLOW: a symbolic link planted in the token file's place is refused, not followed.
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return _new_admin_token_file(path)
    except OSError as error:
        raise StartupError(f"cannot open the admin token file {path} (a symbolic link is refused): {error}") from error
    with os.fdopen(descriptor) as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise StartupError(f"the admin token file {path} is not a regular file")
        if status.st_uid != os.geteuid() or status.st_mode & 0o077:
            raise StartupError(
                f"the admin token file {path} must be owned by the server's user with no group or other "
                f"permissions (chmod 600); it is mode {stat.S_IMODE(status.st_mode):04o}, owner uid {status.st_uid}"
            )
        return file.read().strip()


def _new_admin_token_file(path: Path) -> str:
    token = new_token(Role.ADMIN)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(token + "\n")
    log.info("generated the admin token", extra={"path": str(path)})
    return token


class WatchesQueuedApart:
    """What the generated `add_*_to_server` functions register: every method as a generic handler, and the
    watches (server-streaming methods) also as registered methods, each with a queue of its own.

    grpcio 1.85's asyncio server accepts calls one at a time from each queue gRPC's core keeps of calls not yet
    accepted: one per registered method and one for all generic ones. So the thousands of WatchDesk calls of
    a reconnect storm wait in WatchDesk's queue while unary calls and health checks are accepted from the
    generic one as they come; in one queue a health check waited seconds behind 2,000 reconnecting desks, and
    the core cancelled some calls of the backlog (`python -m bench --desks only`, docs/performance.md). Only
    the watches: for every call it accepts the server waits (`asyncio.wait`) on one pending future per
    registered method, so a call's cost grows with their number (with all 70-odd methods, a fifth of a unary
    call's CPU; grpc/grpc#43461)."""

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, service: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        watches = {
            name: handler
            for name, handler in handlers.items()
            if handler.response_streaming and not handler.request_streaming
        }
        self._server.add_registered_method_handlers(service, watches)


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    database: Database
    health: health.aio.HealthServicer
    admin_token_path: Path | None
    hub: EventHub
    # None when no metrics address is configured.
    metrics_server: MetricsServer | None
    reminders: ReminderScheduler
    drain: Drain
    presence: PresenceTracker
    releases: ReleaseScheduler
    audit_retention: AuditRetention
    # None without `web_listen`.
    web_server: WebServer | None = None

    async def stop(self, grace: float | None) -> None:
        """Drains, then stops: reports NOT_SERVING, answers new calls UNAVAILABLE (SERVER_SHUTTING_DOWN), ends
        open streams with UNAVAILABLE (clients resume elsewhere or later), gives the calls in flight `grace`
        seconds to finish (None: none), and only then stops gRPC, which would cancel them."""
        await self.health.enter_graceful_shutdown()
        draining = asyncio.create_task(self.drain.drain(grace or 0))
        await self.reminders.stop()
        await self.releases.stop()
        await self.audit_retention.stop()
        await self.hub.stop()
        await draining
        if self.web_server is not None:
            await self.web_server.stop()
        await self.server.stop(0)
        # After the streams ended, so that nothing records them any more.
        await self.presence.stop()
        if self.metrics_server is not None:
            await self.metrics_server.stop()
        self.database.close()


async def start(settings: Settings) -> RunningServer:
    """Migrates the database and starts serving on `settings.listen` (port 0 picks a free port)."""
    credentials, oidc = _server_credentials(settings), _oidc_verifier(settings)
    admin_token = resolve_admin_token(settings)
    database = Database(create_database_engine(settings.database_url))
    await asyncio.to_thread(migrate.upgrade, database.engine)
    metrics = Metrics(database, now_micros, settings.metrics_cache_seconds)
    hub = EventHub(database, retention_seconds=settings.event_retention_seconds)
    authenticator = Authenticator(database, admin_token, oidc)

    def on_events_written(events: list[Event]) -> None:
        metrics.observe_events(events)
        authenticator.forget_changed(events)

    database.on_events_written = on_events_written
    open_streams = OpenStreams(
        hub, authenticator.authenticate, settings.max_streams_per_agent, forget=authenticator.forget
    )
    agent_streams = AgentStreams(lambda agent_id: presence.opened(agent_id), lambda agent_id: presence.closed(agent_id))
    presence = PresenceTracker(database, settings.presence_grace_seconds, now_micros, agent_streams.agent_ids)
    drain = Drain()
    failed_logins = FailedLogins(settings.failed_logins_per_minute, metrics.count_failed_login)
    rate_limiter = RateLimiter(settings.rate_limit_per_second)
    # The web endpoint reaches this server over a Unix socket in a directory only this user may enter.
    web_socket = Path(tempfile.mkdtemp(prefix="pullrouting-web-")) / "grpc.sock" if settings.web_listen else None
    web_secret = secrets.token_urlsafe(32) if settings.web_listen else None
    admission = Admission(
        authenticator,
        rate_limiter,
        open_streams,
        failed_logins,
        drain,
        web_secret=web_secret,
    )
    server = grpc.aio.server(
        # One pass per call: admission, domain errors to statuses, and the RPC's final status observed.
        interceptors=[RpcInterceptor(admission, metrics)],
        # gRPC sets SO_REUSEPORT by default: a second server on a taken port would then start and silently
        # split the traffic with the first. Refuse instead. Larger requests are refused with RESOURCE_EXHAUSTED.
        options=[
            ("grpc.so_reuseport", 0),
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            *keepalive_options(settings),
            *connection_options(settings),
        ],
        maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
    )
    key = await database.read(server_secrets.resume_token_key)
    streams = Streams(
        database,
        hub,
        StreamSettings(
            buffer_events=settings.stream_buffer_events,
            catch_ups_per_principal=settings.max_catch_ups_per_principal,
        ),
        ResumeTokens(key),
    )
    handlers = WatchesQueuedApart(server)
    admin_service_pb2_grpc.add_AdminServiceServicer_to_server(
        AdminServicer(database, ResourceRules(min_unread_reminder_seconds=settings.reminder_check_seconds)), handlers
    )
    subscription_changes = RateLimiter(settings.subscription_changes_per_minute, 60, "subscription changes in a minute")
    activities = Activities(
        database,
        hub,
        RateLimiter(settings.activity_changes_per_minute, 60, "activity changes in a minute"),
        settings.activity_ttl_seconds,
    )
    agent_service_pb2_grpc.add_AgentServiceServicer_to_server(
        AgentServicer(
            database,
            streams,
            Desks(streams),
            subscription_changes,
            agent_streams,
            settings.invitation_ttl_seconds,
            activities,
        ),
        handlers,
    )
    ingest_service_pb2_grpc.add_IngestServiceServicer_to_server(
        IngestServicer(database, streams, rate_limiter, settings.ingest_stream_window, activities), handlers
    )
    refresh_interval = micros(settings.supervisor_refresh_seconds)
    supervisor_streams = SupervisorStreams(
        Queues(streams, refresh_interval), AgentStatuses(streams, refresh_interval), Monitors(streams)
    )
    supervisor_service_pb2_grpc.add_SupervisorServiceServicer_to_server(
        SupervisorServicer(database, supervisor_streams), handlers
    )
    # The asyncio servicer: the threaded one's Watch does not work on a grpc.aio server.
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, handlers)
    for name in [*SERVICE_NAMES, ""]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    # What reflection.enable_server_reflection does for a grpc.aio server, through `handlers`.
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
        reflection.aio.ReflectionServicer([*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME]), handlers
    )
    try:
        if credentials is None:
            port = server.add_insecure_port(settings.listen)
        else:
            port = server.add_secure_port(settings.listen, credentials)
        if web_socket is not None:
            server.add_insecure_port(f"unix:{web_socket}")
    except RuntimeError as error:
        database.close()
        why = "the address is taken or not valid here"
        if credentials is not None:
            why += ", or the TLS certificate and key are not a valid PEM pair"
        raise StartupError(f"cannot listen on {settings.listen}: {why}") from error
    metrics_server = None
    try:
        if settings.metrics_address:
            metrics_server = MetricsServer(metrics, settings.metrics_max_connections)
            await metrics_server.start(settings.metrics_address)
    except (OSError, ValueError) as error:
        database.close()
        raise StartupError(f"cannot serve metrics on {settings.metrics_address}: {error}") from error
    web_server = None
    if settings.web_listen and web_socket is not None:
        tls = None
        if settings.tls_cert and settings.tls_key:
            tls = WebTls(settings.tls_cert, settings.tls_key, settings.tls_client_ca)
        sign_in = None
        if settings.oidc_issuer and settings.oidc_desk_client_id:
            sign_in = DeskSignIn(settings.oidc_issuer, settings.oidc_desk_client_id)
        try:
            web_server = WebServer(
                settings.web_listen, web_socket, web_secret or "", SERVICES, settings.max_message_bytes, tls, sign_in
            )
        except (OSError, ValueError) as error:
            database.close()
            raise StartupError(f"cannot serve the web endpoint on {settings.web_listen}: {error}") from error
    reminders = ReminderScheduler(database, settings.reminder_check_seconds, now_micros)
    releases = ReleaseScheduler(database, settings.reminder_check_seconds, settings.presence_grace_seconds, now_micros)
    audit_retention = AuditRetention(database, settings.audit_retention_seconds, now_micros)
    await hub.start()
    reminders.start()
    presence.start()
    releases.start()
    audit_retention.start()
    open_streams.start()
    await server.start()
    if web_server is not None:
        web_server.start()
    token_path = None if settings.admin_token else settings.admin_token_path()
    return RunningServer(
        server,
        port,
        database,
        health_servicer,
        token_path,
        hub,
        metrics_server=metrics_server,
        reminders=reminders,
        drain=drain,
        presence=presence,
        releases=releases,
        audit_retention=audit_retention,
        web_server=web_server,
    )


def _tune_garbage_collector() -> None:
    """What start-up loaded lives as long as the process: it leaves the collector's view (gc.freeze). And
    the youngest generation is collected after 10,000 new objects instead of 700: every streamed event makes
    a few short-lived ones, and with many streams open the default meant a collection for about every event
    sent to them all (docs/performance.md)."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


async def serve(settings: Settings) -> None:
    """Serves until SIGTERM or SIGINT, then lets in-flight RPCs finish within the grace period."""
    running = await start(settings)
    _tune_garbage_collector()
    host = settings.listen.rpartition(":")[0]
    log.info("serving on %s:%d (%s)", host, running.port, "TLS" if settings.tls_cert else "plaintext")
    if running.admin_token_path is not None:
        log.info("admin token file: %s", running.admin_token_path)
    if running.metrics_server is not None:
        log.info("metrics on %s", running.metrics_server.url)
    if running.web_server is not None:
        web_host = settings.web_listen.rpartition(":")[0] if settings.web_listen else ""
        log.info("the desk on %s://%s:%d/", running.web_server.scheme, web_host, running.web_server.port)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    log.info("shutting down")
    await running.stop(settings.shutdown_grace)
