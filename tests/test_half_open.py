"""Half-open calls: a raw HTTP/2 client opens thousands of calls on one connection and never sends their
bodies. Against a real `pullrouting serve` process, so that its memory is the server's alone."""

import re
import socket
import time
from pathlib import Path

import grpc
import h2.config
import h2.connection
from grpc_health.v1 import health_pb2, health_pb2_grpc
from processes import clean_environment, serving, sqlite_url_for

# Enough streams to show the cost of holding them (about 23 kB each before the fix: +115 MB), few enough to
# stay a short test. The bound leaves room for the allocator's noise and the calls' brief life.
HALF_OPEN_STREAMS = 5_000
RSS_BOUND_BYTES = 40 * 1024 * 1024
WATCH_LISTS = "/pullrouting.v1.AgentService/WatchLists"


def resident_bytes(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB$", status, re.MULTILINE)
    assert match is not None
    return int(match.group(1)) * 1024


def health_answers(address: str) -> int:
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        return stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=10, wait_for_ready=True).status


class HalfOpenClient:
    """Sends HEADERS for calls without `authorization` and never their bodies, as fast as the socket takes
    them, ignoring the server's limit on concurrent streams (as an attacker does): all HEADERS go out before
    it reads the server's SETTINGS."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.socket = socket.create_connection((host, int(port)), timeout=30)
        self.connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        self.connection.initiate_connection()
        self.headers = [
            (":method", "POST"),
            (":scheme", "http"),
            (":path", WATCH_LISTS),
            (":authority", address),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
        ]

    def open_streams(self, count: int) -> None:
        for number in range(count):
            self.connection.send_headers(self.connection.get_next_available_stream_id(), self.headers)
            if number % 500 == 0:
                self.socket.sendall(self.connection.data_to_send())
        self.socket.sendall(self.connection.data_to_send())

    def read_for(self, seconds: float) -> None:
        """Reads (and acknowledges) what the server sends, so that its writes never block on this client."""
        deadline = time.monotonic() + seconds
        self.socket.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                data = self.socket.recv(65536)
            except TimeoutError:
                continue
            if not data:
                return
            try:
                self.connection.receive_data(data)
            except h2.exceptions.ProtocolError:
                return
            self.socket.sendall(self.connection.data_to_send())

    def close(self) -> None:
        self.socket.close()


def test_half_open_calls_without_a_token_hold_no_memory_and_health_answers(tmp_path):
    args = ["--listen", "127.0.0.1:0", "--database", sqlite_url_for(tmp_path / "pullrouting.db")]
    with serving(args, tmp_path, clean_environment()) as server:
        pid = server.process.pid
        assert health_answers(server.address) == health_pb2.HealthCheckResponse.SERVING
        before = resident_bytes(pid)

        attacker = HalfOpenClient(server.address)
        try:
            attacker.open_streams(HALF_OPEN_STREAMS)
            attacker.read_for(3.0)
            # The connection and its calls are still open: what the server holds for them now is the cost.
            assert health_answers(server.address) == health_pb2.HealthCheckResponse.SERVING
            grown = resident_bytes(pid) - before
        finally:
            attacker.close()
        assert grown < RSS_BOUND_BYTES, f"{HALF_OPEN_STREAMS} half-open calls grew the server by {grown / 2**20:.0f} MB"
        assert server.stop() == 0
