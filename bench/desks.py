"""Desks at scale, each beside the same number of bare streams in the same run:

- many desks on one instance: open WatchDesk streams (STREAMS_PER_CHANNEL to a client connection), the
  server's memory per desk, and the latency of one List event reaching all of them;
- a reconnect storm: desks that each missed EVENTS_BEHIND events reconnect all at once, with their tokens,
  to a server just restarted: when the last one is caught up, the peak memory, the desks refused and
  retried, and the health check's latency meanwhile (live traffic that the catch-ups must not starve)."""

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench import bare, load, processes
from bench.targets import Bare, Channels, Pullrouting, attached, bounded
from pullrouting.v1 import agent_service_pb2, agent_service_pb2_grpc, events_pb2

EVENTS_BEHIND = 20
OPENING_BATCH = 1_000
FAN_OUT_EVENTS = 20
# A refused reconnect (the documented back-pressure: TOO_MANY_STREAMS, RATE_LIMITED, UNAVAILABLE; or ended
# before its first message, as streams opened by the thousand sometimes are, see targets.attached) is retried
# after this long, as the SDKs back off.
RETRY_PAUSE = 0.2
HEALTH_INTERVAL = 0.02
RETRIED_CODES = (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
LIST_TYPE = events_pb2.ListEventType


def _is_synced(event: events_pb2.DeskEvent) -> bool:
    return event.WhichOneof("event") == "list_event" and event.list_event.type == LIST_TYPE.LIST_EVENT_TYPE_SYNCED


def _added(event: events_pb2.DeskEvent) -> str | None:
    if event.WhichOneof("event") == "list_event" and event.list_event.type == LIST_TYPE.LIST_EVENT_TYPE_ADDED:
        return event.list_event.conversation.name
    return None


@dataclass(frozen=True)
class ManyDesks:
    desks: int
    kb_per_desk: float
    kb_per_bare_stream: float
    rss_mb: float
    bare_rss_mb: float
    p50_ms: float
    p99_ms: float
    bare_p50_ms: float
    bare_p99_ms: float
    # CPU seconds over the fan-out's events, of the server and of this (the client's) process: with thousands
    # of streams the client reads as many messages per event as the server sends.
    cpu: "Cpu"
    bare_cpu: "Cpu"


@dataclass(frozen=True)
class Cpu:
    """CPU seconds (user and system, all threads) the server and the client (this process) used."""

    server_s: float
    client_s: float


@contextlib.contextmanager
def cpu_of(server: processes.ServerProcess) -> Iterator[list[Cpu]]:
    """The CPU used inside the block, by `server` and this process: the list holds it once the block ends."""
    found: list[Cpu] = []
    server_before, client_before = server.cpu_seconds(), time.process_time()
    yield found
    found.append(Cpu(server.cpu_seconds() - server_before, time.process_time() - client_before))


@dataclass(frozen=True)
class Storm:
    desks: int
    last_caught_up_s: float
    bare_last_s: float
    peak_rss_mb: float
    # Reconnects that ended before their first event, and were made again, by status.
    refused: dict[str, int]
    health_p99_ms: float
    health_samples: int
    cpu: Cpu
    bare_cpu: Cpu


Auth = Callable[[str], tuple[tuple[str, str]]]


class Desks:
    """Agents' desks: WatchDesk streams on shared connections. `auth_of` gives an agent's call metadata."""

    def __init__(self, auth_of: Auth, address: str) -> None:
        self._auth_of = auth_of
        self.channels = Channels(address)
        self.refused: Counter[str] = Counter()
        # Responses read by `tokens` and `catch_up`, for a bare stream of as many (bench/instructions.py).
        self.received = 0

    def watchers(self, agents: list[str]) -> list[load.Watcher]:
        channels = self.channels.spread(len(agents))
        return [self._watch(agent, channel) for agent, channel in zip(agents, channels, strict=True)]

    async def _watch(self, agent: str, channel: grpc.aio.Channel) -> load.Watcher:
        stub = agent_service_pb2_grpc.AgentServiceStub(channel)

        def open_call() -> grpc.aio.UnaryStreamCall:
            return stub.WatchDesk(agent_service_pb2.WatchDeskRequest(), metadata=self._auth_of(agent))

        async for response in attached(open_call, lambda response: _is_synced(response.event)):
            if _is_synced(response.event):
                yield None
            elif (added := _added(response.event)) is not None:
                yield added

    async def tokens(self, agents: list[str], concurrency: int = 64) -> dict[str, str]:
        """Each desk's token at its SYNCED, as a desk holds it before a restart; `concurrency` opened at once."""
        channels = self.channels.spread(len(agents))

        async def token(agent: str, channel: grpc.aio.Channel) -> tuple[str, str]:
            stub = agent_service_pb2_grpc.AgentServiceStub(channel)
            call = stub.WatchDesk(agent_service_pb2.WatchDeskRequest(), metadata=self._auth_of(agent))
            async for response in call:
                self.received += 1
                if _is_synced(response.event):
                    call.cancel()
                    return agent, response.event.resume_token
            raise RuntimeError("WatchDesk ended before SYNCED")

        calls = [lambda a=agent, c=channel: token(a, c) for agent, channel in zip(agents, channels, strict=True)]
        return dict(await bounded(calls, concurrency))

    async def catch_up(self, agent: str, token: str, channel: grpc.aio.Channel, events: int) -> float:
        """Reconnects with `token` and reads until `events` ADDED arrived, retrying a refusal; returns when."""
        stub = agent_service_pb2_grpc.AgentServiceStub(channel)
        while True:
            received = 0
            try:
                call = stub.WatchDesk(
                    agent_service_pb2.WatchDeskRequest(resume_token=token), metadata=self._auth_of(agent)
                )
                async for response in call:
                    self.received += 1
                    token = response.event.resume_token or token
                    if _added(response.event) is not None:
                        received += 1
                        if received == events:
                            call.cancel()
                            return time.perf_counter()
                raise RuntimeError(f"WatchDesk ended after {received} of {events} events")
            except grpc.aio.AioRpcError as error:
                if error.code() not in RETRIED_CODES:
                    raise
                self.refused[error.code().name] += 1
                await asyncio.sleep(RETRY_PAUSE)


class HealthProbe:
    """Health checks one after another on a connection of their own, timed, while something else runs."""

    def __init__(self, address: str) -> None:
        self._channel = grpc.aio.insecure_channel(address)
        self._stub = health_pb2_grpc.HealthStub(self._channel)
        self.latencies: list[float] = []
        self._waiting_since: float | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "HealthProbe":
        await self._stub.Check(health_pb2.HealthCheckRequest())
        self._task = asyncio.create_task(self._probe())
        return self

    async def _probe(self) -> None:
        while True:
            self._waiting_since = time.perf_counter()
            await self._stub.Check(health_pb2.HealthCheckRequest(), timeout=30)
            self.latencies.append(time.perf_counter() - self._waiting_since)
            self._waiting_since = None
            await asyncio.sleep(HEALTH_INTERVAL)

    async def __aexit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        # A check still unanswered at the end waited at least this long: left out, a storm that held every
        # check back would report only the quick ones before it.
        if self._waiting_since is not None:
            self.latencies.append(time.perf_counter() - self._waiting_since)
        await self._channel.close()


async def _fan_out(
    fan_out: load.FanOut,
    watchers: list[load.Watcher],
    publish: Callable[[], Awaitable[str]],
    server: processes.ServerProcess,
) -> tuple[float, float, Cpu]:
    # Opened OPENING_BATCH at a time, each batch attached before the next: what is measured is the desks
    # open, not how fast ten thousand open at once (the reconnect storm measures that).
    for first in range(0, len(watchers), OPENING_BATCH):
        await fan_out.add(watchers[first : first + OPENING_BATCH])
    with cpu_of(server) as cpu:
        latencies = await fan_out.latencies(publish, FAN_OUT_EVENTS)
    return load.percentile(latencies, 0.50) * 1000, load.percentile(latencies, 0.99) * 1000, cpu[0]


async def measure_many(
    count: int, bare: processes.ServerProcess, server: processes.ServerProcess, admin_token: str
) -> ManyDesks:
    """`count` bare streams, then `count` desks on the pullrouting server (set up with `count` agents)."""
    bare_target = Bare(bare.address)
    bare_before = bare.memory_mb("VmRSS")
    bare_fan_out = load.FanOut()
    try:
        bare_p50, bare_p99, bare_cpu = await _fan_out(
            bare_fan_out, bare_target.watchers(count), bare_target.publish, bare
        )
        bare_rss = bare.memory_mb("VmRSS")
    finally:
        await bare_fan_out.close()
        await bare_target.channels.close()

    target = Pullrouting(server.address, admin_token)
    desks = Desks(target.auth_of, server.address)
    fan_out = load.FanOut()
    try:
        await target.setup(0, count)
        before = server.memory_mb("VmRSS")
        agents = [f"fan-{number}" for number in range(count)]
        p50, p99, cpu = await _fan_out(fan_out, desks.watchers(agents), target.publish, server)
        rss = server.memory_mb("VmRSS")
    finally:
        await fan_out.close()
        await desks.channels.close()
        await target.channels.close()
    return ManyDesks(
        count,
        (rss - before) * 1024 / count,
        (bare_rss - bare_before) * 1024 / count,
        rss,
        bare_rss,
        p50,
        p99,
        bare_p50,
        bare_p99,
        cpu,
        bare_cpu,
    )


async def _bare_storm(server: processes.ServerProcess, count: int) -> tuple[float, Cpu]:
    """Seconds until the last of `count` bare streams, opened at once on connections shared as the desks'
    are, has EVENTS_BEHIND events; and the CPU used meanwhile."""
    target = Bare(server.address)
    payload = target.replay_request(EVENTS_BEHIND)
    try:

        async def one(channel: grpc.aio.Channel) -> None:
            replay = channel.unary_stream(bare.REPLAY)
            async for _payload in attached(lambda: replay(payload), lambda _first: True):
                pass

        with cpu_of(server) as cpu:
            start = time.perf_counter()
            await asyncio.gather(*(one(channel) for channel in target.channels.spread(count)))
            seconds = time.perf_counter() - start
        return seconds, cpu[0]
    finally:
        await target.channels.close()


async def prepare_storm(count: int, server: processes.ServerProcess, admin_token: str) -> tuple[dict[str, str], Auth]:
    """`count` desks that saw everything up to now and then missed EVENTS_BEHIND new requests: their tokens,
    and their agents' call metadata (valid across the restart)."""
    target = Pullrouting(server.address, admin_token)
    desks = Desks(target.auth_of, server.address)
    try:
        await target.setup(0, count)
        tokens = await desks.tokens([f"fan-{number}" for number in range(count)])
        for _ in range(EVENTS_BEHIND):
            await target.publish()
        return tokens, target.auth_of
    finally:
        await desks.channels.close()
        await target.channels.close()


async def measure_storm(
    tokens: dict[str, str], auth_of: Auth, bare_server: processes.ServerProcess, server: processes.ServerProcess
) -> Storm:
    """Every desk reconnects at once to the restarted server; the bare streams the same way beside it."""
    bare_last, bare_cpu = await _bare_storm(bare_server, len(tokens))
    desks = Desks(auth_of, server.address)
    channels = desks.channels.spread(len(tokens))
    try:
        async with HealthProbe(server.address) as probe:
            start = time.perf_counter()
            with cpu_of(server) as cpu:
                finished = await asyncio.gather(
                    *(
                        desks.catch_up(agent, token, channel, EVENTS_BEHIND)
                        for (agent, token), channel in zip(tokens.items(), channels, strict=True)
                    )
                )
        return Storm(
            len(tokens),
            max(finished) - start,
            bare_last,
            server.memory_mb("VmHWM"),
            dict(desks.refused),
            load.percentile(probe.latencies, 0.99) * 1000,
            len(probe.latencies),
            cpu[0],
            bare_cpu,
        )
    finally:
        await desks.channels.close()
