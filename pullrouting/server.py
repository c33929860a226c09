"""Wiring: the database, the servicers, the interceptors, health and reflection, on one grpc.aio server."""

import asyncio
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from pullrouting.api.admin import AdminServicer
from pullrouting.api.agent import AgentServicer
from pullrouting.api.auth import Authenticator, AuthInterceptor
from pullrouting.api.errors import DomainErrorInterceptor
from pullrouting.api.ingest import IngestServicer
from pullrouting.domain.principal import Role
from pullrouting.settings import Settings
from pullrouting.store import migrate
from pullrouting.store.credentials import new_token
from pullrouting.store.database import Database, create_database_engine
from pullrouting.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    agent_service_pb2,
    agent_service_pb2_grpc,
    ingest_service_pb2,
    ingest_service_pb2_grpc,
)

log = logging.getLogger("pullrouting")

SERVICE_NAMES = [
    admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
    agent_service_pb2.DESCRIPTOR.services_by_name["AgentService"].full_name,
    ingest_service_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name,
]


def resolve_admin_token(settings: Settings) -> str:
    """The configured admin token; else the one in the token file, made (mode 0600) on first start."""
    if settings.admin_token:
        return settings.admin_token
    path = settings.admin_token_path()
    if path.exists():
        return path.read_text().strip()
    token = new_token(Role.ADMIN)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(token + "\n")
    log.info("generated the admin token", extra={"path": str(path)})
    return token


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    database: Database
    health: health.HealthServicer
    admin_token_path: Path | None

    async def stop(self, grace: float | None) -> None:
        self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        self.database.close()


async def start(settings: Settings) -> RunningServer:
    """Migrates the database and starts serving on `settings.listen` (port 0 picks a free port)."""
    database = Database(create_database_engine(settings.database_url))
    await asyncio.to_thread(migrate.upgrade, database.engine)
    admin_token = resolve_admin_token(settings)
    server = grpc.aio.server(
        interceptors=[DomainErrorInterceptor(), AuthInterceptor(Authenticator(database, admin_token))]
    )
    admin_service_pb2_grpc.add_AdminServiceServicer_to_server(AdminServicer(database), server)
    agent_service_pb2_grpc.add_AgentServiceServicer_to_server(AgentServicer(database), server)
    ingest_service_pb2_grpc.add_IngestServiceServicer_to_server(IngestServicer(database), server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in [*SERVICE_NAMES, ""]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection([*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    port = server.add_insecure_port(settings.listen)
    await server.start()
    token_path = None if settings.admin_token else settings.admin_token_path()
    return RunningServer(server, port, database, health_servicer, token_path)


async def serve(settings: Settings) -> None:
    """Serves until SIGTERM or SIGINT, then lets in-flight RPCs finish within the grace period."""
    running = await start(settings)
    log.info("serving on %s", settings.listen)
    if running.admin_token_path is not None:
        log.info("admin token file: %s", running.admin_token_path)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    log.info("shutting down")
    await running.stop(settings.shutdown_grace)
