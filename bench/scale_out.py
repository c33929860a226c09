"""Scale-out on PostgreSQL: 1 and then 2 `pullrouting serve` instances on one database, reached through a
proxy that delays every packet (bench/delay_proxy.py) as a network between hosts would, under a fixed
number of concurrent writers opening new requests through every instance in turn."""

import asyncio
import itertools
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import grpc
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench import processes
from bench.targets import _auth, bounded
from pullrouting.store.tables import events
from pullrouting.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    conversation_pb2,
    ingest_service_pb2,
    ingest_service_pb2_grpc,
    resources_pb2,
)

# As measured in the issue that removed the event order lock: 8 connector credentials, 32 calls in flight.
CONNECTORS = 8
WRITERS = 32
# The delay each way of the proxy in front of the database; `--proxy-delay-ms` changes it.
DELAY_EACH_WAY = 0.0005
SERVICE = "scale.example"
LISTENING_LINE = r"listening on (\S+)"


@dataclass(frozen=True)
class ScaleOutFigure:
    instances: int
    requests_per_second: float
    events_per_second: float


@contextmanager
def delayed(url: str, delay_each_way: float = DELAY_EACH_WAY) -> Iterator[str]:
    """A delaying proxy in front of the database at `url`; yields the URL that goes through it."""
    parsed = make_url(url)
    target = f"{parsed.host or '127.0.0.1'}:{parsed.port or 5432}"
    command = [sys.executable, "-m", "bench.delay_proxy", "--target", target, "--delay", str(delay_each_way)]
    with processes.running(command, ready=LISTENING_LINE) as proxy:
        host, port = proxy.address.rsplit(":", 1)
        yield parsed.set(host=host, port=int(port)).render_as_string(hide_password=False)


def round_trip_ms(url: str, samples: int = 200) -> float:
    """The median time of `SELECT 1` on one connection: the database round trip the instances see."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            timings = []
            for _ in range(samples):
                start = time.perf_counter()
                connection.execute(text("SELECT 1"))
                timings.append(time.perf_counter() - start)
        return statistics.median(timings) * 1000
    finally:
        engine.dispose()


def event_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(events)).scalar_one()
    finally:
        engine.dispose()


async def _setup(address: str, admin_token: str) -> list[tuple[tuple[str, str]]]:
    """A List fed by one PULL channel, and the connector credentials; their auth metadata."""
    async with grpc.aio.insecure_channel(address) as channel:
        admin = admin_service_pb2_grpc.AdminServiceStub(channel)
        auth = _auth(admin_token)
        await admin.CreateMediaRoutingDomain(
            admin_service_pb2.CreateMediaRoutingDomainRequest(
                media_routing_domain_id="social",
                media_routing_domain=resources_pb2.MediaRoutingDomain(display_name="Social"),
            ),
            metadata=auth,
        )
        await admin.CreateChannelType(
            admin_service_pb2.CreateChannelTypeRequest(
                channel_type_id="comments",
                channel_type=resources_pb2.ChannelType(
                    display_name="Comments", media_routing_domain="mediaRoutingDomains/social"
                ),
            ),
            metadata=auth,
        )
        await admin.CreateList(
            admin_service_pb2.CreateListRequest(list_id="scale", list=resources_pb2.List(display_name="Scale")),
            metadata=auth,
        )
        await admin.CreateChannel(
            admin_service_pb2.CreateChannelRequest(
                channel_id="scale",
                channel=resources_pb2.Channel(
                    display_name="Scale",
                    channel_type="channelTypes/comments",
                    service_identifier=SERVICE,
                    routing_mode=resources_pb2.ROUTING_MODE_PULL,
                    list="lists/scale",
                ),
            ),
            metadata=auth,
        )
        created = await bounded(
            [
                lambda number=number: admin.CreateIngestor(
                    admin_service_pb2.CreateIngestorRequest(
                        ingestor_id=f"connector-{number}", ingestor=resources_pb2.Ingestor(display_name="Connector")
                    ),
                    metadata=auth,
                )
                for number in range(CONNECTORS)
            ]
        )
        return [_auth(ingestor.token) for ingestor in created]


async def _new_requests(
    addresses: list[str], connectors: list[tuple[tuple[str, str]]], customers: Iterator[int], calls: int
) -> float:
    """New requests per second: WRITERS concurrent loops, writer N on instance N mod instances, each call for a
    customer never seen before."""
    channels = [grpc.aio.insecure_channel(address) for address in addresses]
    stubs = [ingest_service_pb2_grpc.IngestServiceStub(channel) for channel in channels]

    async def writer(number: int) -> None:
        stub = stubs[number % len(stubs)]
        for _ in range(calls):
            customer = f"customer-{next(customers)}"
            await stub.PostCustomerMessage(
                ingest_service_pb2.PostCustomerMessageRequest(
                    service_identifier=SERVICE,
                    customer=conversation_pb2.Customer(id=customer, display_name=customer),
                    text="Hello, I have a question about my order.",
                    source_message_id=customer,
                ),
                metadata=connectors[number % CONNECTORS],
            )

    try:
        start = time.perf_counter()
        await asyncio.gather(*(writer(number) for number in range(WRITERS)))
        return WRITERS * calls / (time.perf_counter() - start)
    finally:
        await asyncio.gather(*(channel.close() for channel in channels))


async def measure(
    url: str,
    instances: int,
    calls: int,
    environment: dict[str, str],
    admin_token: str,
    delay_each_way: float = DELAY_EACH_WAY,
) -> ScaleOutFigure:
    """One run on a fresh database (the caller resets it)."""
    with (
        delayed(url, delay_each_way) as through_proxy,
        processes.running(processes.pullrouting_command(through_proxy), environment) as first,
    ):
        # The first instance creates the schema and the resources before any other starts.
        connectors = await _setup(first.address, admin_token)
        others = [processes.pullrouting_command(through_proxy)] * (instances - 1)
        with processes.running_all(others, environment) as started:
            servers = [first.address, *(server.address for server in started)]
            # A first round warms every instance's connections and statement caches.
            customers = itertools.count()
            await _new_requests(servers, connectors, customers, 2)
            before = event_count(url)
            start = time.perf_counter()
            rate = await _new_requests(servers, connectors, customers, calls)
            elapsed = time.perf_counter() - start
            written = event_count(url) - before
    return ScaleOutFigure(instances, rate, written / elapsed)
