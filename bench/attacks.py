"""`python -m bench.attacks`: what each denial-of-service attack of docs/security.md costs a `pullrouting serve`
process on SQLite now: its memory, its CPU, and how long a health check takes while the attack runs. Not
part of the tests (which assert behaviour, never speed); the figures go into docs/security.md."""

import argparse
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import grpc
import h2.config
import h2.connection
import h2.exceptions
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench import processes
from pullrouting.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    agent_service_pb2,
    agent_service_pb2_grpc,
    ingest_service_pb2,
    ingest_service_pb2_grpc,
    resources_pb2,
)

ADMIN_TOKEN = "bench-attacks-admin-token-0123456789abcdef"


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise LookupError("Threads")


class HealthProbe:
    """Health checks one after another on a connection of their own, timed, while an attack runs."""

    def __init__(self, address: str) -> None:
        self._channel = grpc.insecure_channel(address)
        self._stub = health_pb2_grpc.HealthStub(self._channel)
        self._stub.Check(health_pb2.HealthCheckRequest(), timeout=10, wait_for_ready=True)
        self.seconds: list[float] = []
        self.failures = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stopping.is_set():
            started = time.perf_counter()
            try:
                self._stub.Check(health_pb2.HealthCheckRequest(), timeout=10)
                self.seconds.append(time.perf_counter() - started)
            except grpc.RpcError:
                self.failures += 1
            self._stopping.wait(0.05)

    def __enter__(self) -> "HealthProbe":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopping.set()
        self._thread.join()
        self._channel.close()

    def summary(self) -> str:
        if not self.seconds:
            return f"health: no answer ({self.failures} failures)"
        ordered = sorted(self.seconds)
        p50 = statistics.median(ordered) * 1000
        worst = ordered[-1] * 1000
        return f"health p50 {p50:.1f} ms, max {worst:.1f} ms over {len(ordered)} checks, {self.failures} failed"


@contextmanager
def server(directory: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[processes.ServerProcess]:
    environment = {**os.environ, "PULLROUTING_ADMIN_TOKEN": ADMIN_TOKEN, **(env or {})}
    database = f"sqlite:///{directory}/attacks-{time.monotonic_ns()}.db"
    with processes.running([*processes.pullrouting_command(database), *extra], environment) as process:
        yield process


def measure(process: processes.ServerProcess, attack: Callable[[], str]) -> str:
    """Runs `attack` with a health probe beside it; the server's RSS growth and CPU time with it."""
    pid = process.process.pid
    rss, cpu = process.memory_mb("VmRSS"), processes.cpu_seconds(pid)
    with HealthProbe(process.address) as probe:
        said = attack()
    grown, used = process.memory_mb("VmRSS") - rss, processes.cpu_seconds(pid) - cpu
    return f"{said}; RSS {rss:.0f} -> {rss + grown:.0f} MB, server CPU {used:.2f} s, {probe.summary()}"


def half_open(address: str, streams: int) -> str:
    """HEADERS of WatchLists without `authorization` and never a body, all on one connection, sent before
    the server's SETTINGS are read (so its stream limit is not obeyed), then held open for 3 s."""
    host, _, port = address.rpartition(":")
    connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    connection.initiate_connection()
    headers = [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", "/pullrouting.v1.AgentService/WatchLists"),
        (":authority", address),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
    ]
    ended: Counter[str] = Counter()
    sent = 0
    with socket.create_connection((host, int(port))) as sock:
        try:
            for sent in range(1, streams + 1):
                connection.send_headers(connection.get_next_available_stream_id(), headers)
                if sent % 500 == 0:
                    sock.sendall(connection.data_to_send())
            sock.sendall(connection.data_to_send())
            sock.settimeout(0.2)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    ended["connection closed by the server"] += 1
                    break
                for event in connection.receive_data(data):
                    ended[type(event).__name__] += 1
                sock.sendall(connection.data_to_send())
        except (ConnectionError, h2.exceptions.ProtocolError) as error:
            ended[f"connection ended by the server ({type(error).__name__})"] += 1
    told = ", ".join(f"{name} {count}" for name, count in sorted(ended.items()))
    return f"{sent} of {streams} half-open calls sent on one connection; then: {told}"


def failed_logins(address: str, tries: int) -> str:
    """Calls with made-up tokens from one client, 16 at a time, as fast as they are answered."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    request = agent_service_pb2.ListListsRequest()

    def worker(count: int) -> None:
        with grpc.insecure_channel(address) as channel:
            stub = agent_service_pb2_grpc.AgentServiceStub(channel)
            for number in range(count):
                try:
                    stub.ListLists(request, metadata=[("authorization", f"Bearer prg_guess-{number}")], timeout=10)
                    outcome = "OK"
                except grpc.RpcError as error:
                    outcome = error.code().name
                with lock:
                    outcomes[outcome] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(tries // 16,)) for _ in range(16)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    seconds = time.perf_counter() - started
    told = ", ".join(f"{code} {count}" for code, count in sorted(outcomes.items()))
    return f"{sum(outcomes.values())} made-up tokens in {seconds:.1f} s ({told})"


def idle_metrics_connections(process: processes.ServerProcess, metrics_port: int, count: int) -> str:
    before = threads(process.process.pid)
    sockets = [socket.create_connection(("127.0.0.1", metrics_port)) for _ in range(count)]
    time.sleep(1)  # a measurement, not a test: let the server take them all
    during = threads(process.process.pid)
    for sock in sockets:
        sock.close()
    return f"{count} idle connections to the metrics port: server threads {before} -> {during}"


def _setup_ingest(address: str) -> tuple[str, str]:
    """A List, a PULL channel and an ingestor; its token and the channel's service identifier."""
    metadata = [("authorization", f"Bearer {ADMIN_TOKEN}")]
    with grpc.insecure_channel(address) as channel:
        admin = admin_service_pb2_grpc.AdminServiceStub(channel)
        mrd = admin.CreateMediaRoutingDomain(
            admin_service_pb2.CreateMediaRoutingDomainRequest(
                media_routing_domain_id="social",
                media_routing_domain=resources_pb2.MediaRoutingDomain(display_name="Social"),
            ),
            metadata=metadata,
        )
        channel_type = admin.CreateChannelType(
            admin_service_pb2.CreateChannelTypeRequest(
                channel_type_id="chat",
                channel_type=resources_pb2.ChannelType(
                    display_name="Chat", media_routing_domain=mrd.media_routing_domain.name
                ),
            ),
            metadata=metadata,
        )
        routing_list = admin.CreateList(
            admin_service_pb2.CreateListRequest(list_id="l1", list=resources_pb2.List(display_name="L1")),
            metadata=metadata,
        )
        admin.CreateChannel(
            admin_service_pb2.CreateChannelRequest(
                channel_id="c1",
                channel=resources_pb2.Channel(
                    display_name="C1",
                    channel_type=channel_type.channel_type.name,
                    service_identifier="chat.example/acme",
                    list=routing_list.list.name,
                    routing_mode=resources_pb2.ROUTING_MODE_PULL,
                ),
            ),
            metadata=metadata,
        )
        ingestor = admin.CreateIngestor(
            admin_service_pb2.CreateIngestorRequest(
                ingestor_id="connector", ingestor=resources_pb2.Ingestor(display_name="Connector")
            ),
            metadata=metadata,
        )
    return ingestor.token, "chat.example/acme"


def sigterm_in_flight(process: processes.ServerProcess, callers: int) -> str:
    """`callers` clients posting customer messages one after another; SIGTERM once each made a call."""
    token, identifier = _setup_ingest(process.address)
    final: Counter[str] = Counter()
    calls = 0
    lock = threading.Lock()
    busy = threading.Event()

    def caller(number: int) -> None:
        nonlocal calls
        with grpc.insecure_channel(process.address) as channel:
            stub = ingest_service_pb2_grpc.IngestServiceStub(channel)
            sent = 0
            while True:
                sent += 1
                request = ingest_service_pb2.PostCustomerMessageRequest(
                    service_identifier=identifier,
                    customer={"id": f"customer-{number}", "display_name": "Customer"},
                    text="Hello",
                    source_message_id=f"{number}-{sent}",
                )
                try:
                    stub.PostCustomerMessage(request, metadata=[("authorization", f"Bearer {token}")], timeout=30)
                except grpc.RpcError as error:
                    with lock:
                        final[error.code().name] += 1
                    return
                with lock:
                    calls += 1
                    if calls >= 2 * callers:
                        busy.set()

    workers = [threading.Thread(target=caller, args=(number,)) for number in range(callers)]
    for thread in workers:
        thread.start()
    busy.wait(60)
    started = time.perf_counter()
    process.process.send_signal(signal.SIGTERM)
    status = process.process.wait(60)
    exited = time.perf_counter() - started
    for thread in workers:
        thread.join()
    told = ", ".join(f"{code} {count}" for code, count in sorted(final.items()))
    return f"SIGTERM with {callers} calls in flight: exit {status} after {exited:.2f} s; each caller's end: {told}"


def dead_client(process: processes.ServerProcess, keepalive_seconds: float, timeout_seconds: float) -> str:
    """A client process holding a WatchLists stream is SIGSTOPped: how long until the server ends it."""
    client = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, grpc\n"
            "from grpc_health.v1 import health_pb2, health_pb2_grpc\n"
            "channel = grpc.insecure_channel(sys.argv[1])\n"
            "watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest())\n"
            "next(watch)\n"
            "print('watching', flush=True)\n"
            "sys.stdin.read()\n",
            process.address,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert client.stdout is not None
    client.stdout.readline()
    pid = process.process.pid
    connections_before = _established(pid)
    client.send_signal(signal.SIGSTOP)
    started = time.perf_counter()
    while _established(pid) >= connections_before and time.perf_counter() - started < 180:
        time.sleep(0.1)
    noticed = time.perf_counter() - started
    client.kill()
    client.wait()
    figure = keepalive_seconds + timeout_seconds
    return f"stopped client's connection closed after {noticed:.1f} s (keepalive {figure:.0f} s documented)"


def _established(pid: int) -> int:
    """TCP connections the server process holds open, from its file descriptors and /proc/net/tcp."""
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and fields[9] in inodes:
                count += 1
    return count


def _admin(address: str) -> admin_service_pb2_grpc.AdminServiceStub:
    return admin_service_pb2_grpc.AdminServiceStub(grpc.insecure_channel(address))


ADMIN_METADATA = [("authorization", f"Bearer {ADMIN_TOKEN}")]


def _add_list(address: str, list_id: str) -> str:
    """Another List with a PULL channel of its own, beside `_setup_ingest`'s; the channel's service identifier."""
    admin = _admin(address)
    admin.CreateList(
        admin_service_pb2.CreateListRequest(list_id=list_id, list=resources_pb2.List(display_name=list_id)),
        metadata=ADMIN_METADATA,
    )
    identifier = f"chat.example/{list_id}"
    admin.CreateChannel(
        admin_service_pb2.CreateChannelRequest(
            channel_id=list_id,
            channel=resources_pb2.Channel(
                display_name=list_id,
                channel_type="channelTypes/chat",
                service_identifier=identifier,
                list=f"lists/{list_id}",
                routing_mode=resources_pb2.ROUTING_MODE_PULL,
            ),
        ),
        metadata=ADMIN_METADATA,
    )
    return identifier


def _agent(address: str, agent_id: str, list_id: str) -> str:
    created = _admin(address).CreateAgent(
        admin_service_pb2.CreateAgentRequest(
            agent_id=agent_id, agent=resources_pb2.Agent(display_name=agent_id, lists=[f"lists/{list_id}"])
        ),
        metadata=ADMIN_METADATA,
    )
    return created.token


def _post(address: str, token: str, identifier: str, customers: list[str]) -> None:
    """One message from each customer, 16 at a time."""
    with grpc.insecure_channel(address) as channel:
        stub = ingest_service_pb2_grpc.IngestServiceStub(channel)

        def one(numbered: tuple[int, str]) -> None:
            number, customer = numbered
            stub.PostCustomerMessage(
                ingest_service_pb2.PostCustomerMessageRequest(
                    service_identifier=identifier,
                    customer={"id": customer, "display_name": f"Customer {customer}"},
                    text="Hello",
                    source_message_id=f"{customer}-{number}",
                ),
                metadata=[("authorization", f"Bearer {token}")],
                timeout=60,
            )

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(one, enumerate(customers)))


def _database(process: processes.ServerProcess) -> Path:
    arguments = list(process.process.args)
    return Path(arguments[arguments.index("--database") + 1].removeprefix("sqlite:///"))


def _database_bytes(database: Path) -> int:
    return sum(path.stat().st_size for path in database.parent.glob(f"{database.name}*"))


def subscription_toggling(process: processes.ServerProcess, open_requests: int, agents: int, seconds: float) -> str:
    """`agents` agents toggle Subscribe/Unsubscribe on a List of `open_requests` open requests for `seconds`,
    while another ingestor posts customer messages one after another, timed."""
    token, identifier = _setup_ingest(process.address)
    _post(process.address, token, identifier, [f"waiting-{number}" for number in range(open_requests)])
    other = _admin(process.address).CreateIngestor(
        admin_service_pb2.CreateIngestorRequest(
            ingestor_id="other", ingestor=resources_pb2.Ingestor(display_name="Other")
        ),
        metadata=ADMIN_METADATA,
    )
    tokens = [_agent(process.address, f"toggler-{number}", "l1") for number in range(agents)]
    database = _database(process)
    grown_from = _database_bytes(database)
    outcomes: Counter[str] = Counter()
    ingest_seconds: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def toggler(agent_token: str) -> None:
        metadata = [("authorization", f"Bearer {agent_token}")]
        with grpc.insecure_channel(process.address) as channel:
            stub = agent_service_pb2_grpc.AgentServiceStub(channel)
            subscribe = True
            while time.monotonic() < deadline:
                try:
                    if subscribe:
                        stub.Subscribe(
                            agent_service_pb2.SubscribeRequest(list="lists/l1"), metadata=metadata, timeout=30
                        )
                    else:
                        stub.Unsubscribe(
                            agent_service_pb2.UnsubscribeRequest(list="lists/l1"), metadata=metadata, timeout=30
                        )
                    outcome = "OK"
                except grpc.RpcError as error:
                    outcome = error.code().name
                with lock:
                    outcomes[outcome] += 1
                subscribe = not subscribe

    def ingestor() -> None:
        with grpc.insecure_channel(process.address) as channel:
            stub = ingest_service_pb2_grpc.IngestServiceStub(channel)
            sent = 0
            while time.monotonic() < deadline:
                sent += 1
                started = time.perf_counter()
                stub.PostCustomerMessage(
                    ingest_service_pb2.PostCustomerMessageRequest(
                        service_identifier=identifier,
                        customer={"id": f"bystander-{sent}", "display_name": "Bystander"},
                        text="Hello",
                        source_message_id=f"bystander-{sent}",
                    ),
                    metadata=[("authorization", f"Bearer {other.token}")],
                    timeout=30,
                )
                ingest_seconds.append(time.perf_counter() - started)

    workers = [threading.Thread(target=toggler, args=(agent_token,)) for agent_token in tokens]
    workers.append(threading.Thread(target=ingestor))
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    grown = _database_bytes(database) - grown_from
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        written = connection.execute(
            "SELECT type, count(*), avg(length(payload)) FROM events WHERE kind = 'subscription' GROUP BY type"
        ).fetchall()
    events = ", ".join(f"{kind} {count} of {size:.0f} bytes on average" for kind, count, size in written)
    told = ", ".join(f"{code} {count}" for code, count in sorted(outcomes.items()))
    p50 = statistics.median(ingest_seconds) * 1000
    return (
        f"{agents} agents toggling for {seconds:.0f} s on a List of {open_requests:,} open requests: {told}; "
        f"subscription events {events}; database +{grown / 1e6:.2f} MB; the other ingestor's "
        f"PostCustomerMessage p50 {p50:.1f} ms over {len(ingest_seconds)} calls"
    )


def _resume_until_marker(address: str, agent_token: str, resume_token: str) -> bool:
    """Opens WatchLists from `resume_token` and reads until the marker customer's request arrives; whether the
    server answered with a reset snapshot instead of the events after the token."""
    with grpc.insecure_channel(address) as channel:
        call = agent_service_pb2_grpc.AgentServiceStub(channel).WatchLists(
            agent_service_pb2.WatchListsRequest(resume_token=resume_token),
            metadata=[("authorization", f"Bearer {agent_token}")],
            timeout=120,
        )
        reset = False
        for response in call:
            reset = reset or response.event.reset
            if response.event.conversation.customer.id == "marker":
                break
        call.cancel()
    return reset


def old_token_catch_ups(process: processes.ServerProcess, events: int, opens: int, concurrent: int) -> str:
    """An agent takes the token of its stream's first event; `events` requests are then posted on another
    List, and one (the marker) on the agent's. Server CPU per open, one after another, resuming from that
    old token and from the token just before the marker; then `concurrent` opens from the old token at once
    (in rounds) beside a health probe."""
    token, identifier = _setup_ingest(process.address)
    other = _add_list(process.address, "busy")
    agent_token = _agent(process.address, "resumer", "l1")
    metadata = [("authorization", f"Bearer {agent_token}")]
    with grpc.insecure_channel(process.address) as channel:
        stub = agent_service_pb2_grpc.AgentServiceStub(channel)
        stub.Subscribe(agent_service_pb2.SubscribeRequest(list="lists/l1"), metadata=metadata, timeout=30)
        call = stub.WatchLists(agent_service_pb2.WatchListsRequest(), metadata=metadata, timeout=30)
        old = next(call).event.resume_token
        call.cancel()
        _post(process.address, token, other, [f"elsewhere-{number}" for number in range(events)])
        call = stub.WatchLists(agent_service_pb2.WatchListsRequest(), metadata=metadata, timeout=30)
        recent = next(call).event.resume_token
        call.cancel()
    _post(process.address, token, identifier, ["marker"])
    pid = process.process.pid

    def cpu_per_open(resume_token: str) -> tuple[float, int]:
        used = processes.cpu_seconds(pid)
        resets = sum(_resume_until_marker(process.address, agent_token, resume_token) for _ in range(opens))
        return (processes.cpu_seconds(pid) - used) / opens * 1000, resets

    (old_ms, old_resets), (recent_ms, recent_resets) = cpu_per_open(old), cpu_per_open(recent)

    def at_once() -> str:
        """Rounds of `concurrent` opens at once for 3 s, so that the health probe has checks to time."""
        rounds, started = 0, time.perf_counter()
        with ThreadPoolExecutor(concurrent) as pool:
            while rounds == 0 or time.perf_counter() - started < 3:
                list(pool.map(lambda _: _resume_until_marker(process.address, agent_token, old), range(concurrent)))
                rounds += 1
        seconds = (time.perf_counter() - started) / rounds
        return f"{rounds} rounds of {concurrent} opens from the old token at once, {seconds:.2f} s a round"

    return (
        f"{events:,} events on another List since the old token: server CPU per open {old_ms:.1f} ms from it, "
        f"{recent_ms:.1f} ms from a recent one (mean of {opens}; answered with a reset snapshot: {old_resets} and "
        f"{recent_resets}); {measure(process, at_once)}"
    )


def metrics_port(process: processes.ServerProcess) -> int:
    """The port of the `metrics on http://HOST:PORT/metrics` line, which follows the serving line."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in list(process.output):
            if "metrics on" in line:
                return int(line.rsplit(":", 1)[1].split("/")[0])
        time.sleep(0.05)
    raise RuntimeError("the server did not say where its metrics are")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.attacks", description=__doc__)
    parser.add_argument("--half-open", type=int, default=20_000, help="half-open calls (default 20000)")
    parser.add_argument("--logins", type=int, default=4_000, help="made-up tokens tried (default 4000)")
    parser.add_argument("--idle", type=int, default=400, help="idle metrics connections (default 400)")
    parser.add_argument("--callers", type=int, default=100, help="calls in flight at SIGTERM (default 100)")
    parser.add_argument(
        "--open-requests", type=int, default=2_000, help="open requests on the toggled List (default 2000)"
    )
    parser.add_argument(
        "--catch-up-events", type=int, default=12_000, help="events after the old token (default 12000)"
    )
    parser.add_argument(
        "--dead-client", action=argparse.BooleanOptionalAction, default=True, help="the stopped client (about 50 s)"
    )
    parser.add_argument("attacks", nargs="*", metavar="ATTACK", help=f"run only these: {', '.join(ATTACKS)}")
    arguments = parser.parse_intermixed_args()
    unknown = set(arguments.attacks) - set(ATTACKS)
    if unknown:
        parser.error(f"no such attack: {', '.join(sorted(unknown))}")
    chosen = arguments.attacks or [name for name in ATTACKS if name != "dead-client" or arguments.dead_client]
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        for name in chosen:
            print(ATTACKS[name](directory, arguments), flush=True)


def _half_open(directory: Path, arguments: argparse.Namespace) -> str:
    with server(directory) as process:
        return measure(process, lambda: half_open(process.address, arguments.half_open))


def _failed_logins(directory: Path, arguments: argparse.Namespace) -> str:
    with server(directory) as process:
        return measure(process, lambda: failed_logins(process.address, arguments.logins))


def _idle_metrics(directory: Path, arguments: argparse.Namespace) -> str:
    with server(directory, "--metrics-address", "127.0.0.1:0") as process:
        port = metrics_port(process)
        return measure(process, lambda: idle_metrics_connections(process, port, arguments.idle))


# Calls per caller are not limited here: the setup posts thousands of requests, and the limit under test
# (subscription changes per agent) keeps its default.
UNLIMITED_CALLS = {"PULLROUTING_RATE_LIMIT_PER_SECOND": "0"}


def _sigterm(directory: Path, arguments: argparse.Namespace) -> str:
    with server(directory, env=UNLIMITED_CALLS) as process:
        return sigterm_in_flight(process, arguments.callers)


def _dead_client(directory: Path, _arguments: argparse.Namespace) -> str:
    with server(directory) as process:
        return dead_client(process, 30, 20)


def _subscription_toggling(directory: Path, arguments: argparse.Namespace) -> str:
    with server(directory, env=UNLIMITED_CALLS) as process:
        return measure(process, lambda: subscription_toggling(process, arguments.open_requests, 8, 6))


def _old_token_catch_up(directory: Path, arguments: argparse.Namespace) -> str:
    with server(directory, env=UNLIMITED_CALLS) as process:
        return old_token_catch_ups(process, arguments.catch_up_events, 20, 50)


ATTACKS: dict[str, Callable[[Path, argparse.Namespace], str]] = {
    "half-open": _half_open,
    "failed-logins": _failed_logins,
    "idle-metrics": _idle_metrics,
    "sigterm": _sigterm,
    "dead-client": _dead_client,
    "subscription-toggling": _subscription_toggling,
    "old-token-catch-up": _old_token_catch_up,
}


if __name__ == "__main__":
    main()
