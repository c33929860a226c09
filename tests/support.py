"""Test helpers: clients that talk to a real server over a real port, as agent desktops and connectors do."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from sqlalchemy import create_engine, select

from pullrouting import server as server_module
from pullrouting.settings import Settings
from pullrouting.store.tables import metadata
from pullrouting.v1 import (
    admin_service_pb2_grpc,
    agent_service_pb2_grpc,
    ingest_service_pb2_grpc,
    supervisor_service_pb2_grpc,
)
from pullrouting_client import bearer_token_interceptors

T = TypeVar("T")
ADMIN_TOKEN = "pra_test-admin-token-of-32-characters"
# The admin token of servers that grpcurl lines are run against (PULLROUTING_ADMIN_TOKEN).
GRPCURL_ADMIN_TOKEN = "grpcurl-test-admin-token-at-least-32-characters"


@dataclass
class Server:
    address: str
    database_url: str
    running: Any
    channels: list[grpc.aio.Channel]

    def channel(self, token: str | None) -> grpc.aio.Channel:
        interceptors = bearer_token_interceptors(token) if token is not None else []
        channel = grpc.aio.insecure_channel(self.address, interceptors=interceptors)
        self.channels.append(channel)
        return channel

    def admin(self, token: str | None = ADMIN_TOKEN) -> admin_service_pb2_grpc.AdminServiceStub:
        return admin_service_pb2_grpc.AdminServiceStub(self.channel(token))

    def agent(self, token: str | None) -> agent_service_pb2_grpc.AgentServiceStub:
        return agent_service_pb2_grpc.AgentServiceStub(self.channel(token))

    def ingest(self, token: str | None) -> ingest_service_pb2_grpc.IngestServiceStub:
        return ingest_service_pb2_grpc.IngestServiceStub(self.channel(token))

    def supervisor(self, token: str | None) -> supervisor_service_pb2_grpc.SupervisorServiceStub:
        return supervisor_service_pb2_grpc.SupervisorServiceStub(self.channel(token))


def error_reason(error: grpc.aio.AioRpcError) -> str:
    """The google.rpc.ErrorInfo reason of a failed call."""
    return error_details(error)[0].reason


def error_details(error: grpc.aio.AioRpcError) -> list[Any]:
    """ErrorInfo first, then BadRequest when present, unpacked from the status details."""
    status = rpc_status.from_call(error)
    assert status is not None, f"no rich status on {error.code()}: {error.details()}"
    return status_details(status)


def status_details(status: status_pb2.Status) -> list[Any]:
    """error_details of a google.rpc.Status, as a streamed acknowledgement carries a refusal."""
    found: list[Any] = []
    for detail in status.details:
        for kind in (error_details_pb2.ErrorInfo, error_details_pb2.BadRequest):
            if detail.Is(kind.DESCRIPTOR):
                unpacked = kind()
                detail.Unpack(unpacked)
                found.append(unpacked)
    return found


def violated_fields(error: grpc.aio.AioRpcError) -> set[str]:
    """The fields a BadRequest detail names."""
    return {
        violation.field
        for detail in error_details(error)
        if isinstance(detail, error_details_pb2.BadRequest)
        for violation in detail.field_violations
    }


async def expect_error(call: Awaitable[Any], code: grpc.StatusCode, reason: str | None = None) -> grpc.aio.AioRpcError:
    """Awaits a call that must fail with `code` (and `reason`); returns the error for further checks."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        assert error.code() == code, f"expected {code}, got {error.code()}: {error.details()}"
        if reason is not None:
            assert error_reason(error) == reason
        return error
    raise AssertionError(f"expected {code}, but the call succeeded")


async def within(seconds: float, awaitable: Awaitable[T]) -> T:
    """Awaits with a deadline, so a missing event fails the test instead of hanging it."""
    return await asyncio.wait_for(awaitable, seconds)


async def gather_all(calls: list[Callable[[], Awaitable[T]]]) -> list[T | BaseException]:
    """Starts every call at once and waits for all, keeping failures as results."""
    return await asyncio.gather(*(call() for call in calls), return_exceptions=True)


# When an instance last saw an agent's streams: stamped by the instance on its own clock, not by any call.
LIVENESS_COLUMNS = {("agents", "last_seen_time")}


def dump_store(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: compare dumps taken before and after a refused call."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(
                    (
                        tuple(row)
                        for row in connection.execute(
                            select(*(c for c in table.columns if (table.name, c.name) not in LIVENESS_COLUMNS))
                        )
                    ),
                    key=repr,
                )
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


async def serve(database_url: str, port: int = 0, **overrides: object) -> AsyncIterator[Server]:
    """A server on `port` (0: a free one) with the test admin token; `overrides` change other settings."""
    settings = Settings(listen=f"127.0.0.1:{port}", database_url=database_url, admin_token=ADMIN_TOKEN, **overrides)
    running = await server_module.start(settings)
    handle = Server(f"127.0.0.1:{running.port}", database_url, running, [])
    try:
        yield handle
    finally:
        for channel in handle.channels:
            await channel.close()
        await running.stop(None)
