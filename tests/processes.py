"""`pullrouting serve` as a real process: started, waited for on what it prints and on health checks (with
deadlines), stopped with signals."""

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pullrouting.v1 import admin_service_pb2, admin_service_pb2_grpc

VENV_BIN = Path(sys.prefix) / "bin"
START_DEADLINE = 30.0
STOP_DEADLINE = 15.0
SERVING_LINE = re.compile(r"serving on (\S+)")
TOKEN_FILE_LINE = re.compile(r"admin token file: (.+)$")


def pullrouting_command() -> list[str]:
    """The installed console script (the entry point under test)."""
    script = VENV_BIN / "pullrouting"
    assert script.exists(), f"no console script at {script}: install the project (pip install -e '.[dev]')"
    return [str(script)]


def clean_environment(**overrides: str) -> dict[str, str]:
    """The caller's environment without any PULLROUTING_* setting, plus `overrides`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULLROUTING_")}
    env.update(overrides)
    return env


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class ServeProcess:
    """A `pullrouting serve` subprocess whose output is read line by line, so tests wait on what it says."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [*pullrouting_command(), "serve", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.address = ""

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def log(self) -> str:
        return "".join(self.output)

    def wait_for_line(self, pattern: re.Pattern[str], timeout: float = START_DEADLINE) -> re.Match[str]:
        """The first output line matching `pattern` from here on; fails when the process exits first."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no line matching {pattern.pattern!r} within {timeout} s; output:\n{self.log()}")
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"server exited ({self.process.wait()}) before {pattern.pattern!r}:\n{self.log()}")
            match = pattern.search(line.rstrip("\n"))
            if match:
                return match

    def wait_started(self, credentials: grpc.ChannelCredentials | None = None) -> str:
        """Waits for the `serving on HOST:PORT` line, then for health SERVING there; returns the address."""
        self.address = self.wait_for_line(SERVING_LINE).group(1)
        wait_serving(self.address, self.process, credentials=credentials)
        return self.address

    def stop(self, signum: int = signal.SIGTERM, timeout: float = STOP_DEADLINE) -> int:
        """Sends `signum` and returns the exit status; fails when the process does not exit in time."""
        self.process.send_signal(signum)
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"server still running {timeout} s after signal {signum}; output:\n{self.log()}")
        self._reader.join(timeout)
        return status

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(STOP_DEADLINE)


@contextmanager
def serving(
    args: list[str], cwd: Path, env: dict[str, str], credentials: grpc.ChannelCredentials | None = None
) -> Iterator[ServeProcess]:
    """A started server; killed on the way out if the test did not stop it."""
    server = ServeProcess(args, cwd, env)
    try:
        server.wait_started(credentials)
        yield server
    finally:
        server.kill()


def open_channel(address: str, credentials: grpc.ChannelCredentials | None = None) -> grpc.Channel:
    if credentials is None:
        return grpc.insecure_channel(address)
    return grpc.secure_channel(address, credentials)


def wait_serving(
    address: str,
    process: subprocess.Popen[str] | None = None,
    timeout: float = START_DEADLINE,
    credentials: grpc.ChannelCredentials | None = None,
) -> None:
    """Blocks until the health service at `address` answers SERVING for "", failing at the deadline or as
    soon as `process` has exited. Each attempt waits for the connection itself (wait_for_ready)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    with open_channel(address, credentials) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while (remaining := deadline - time.monotonic()) > 0:
            if process is not None and process.poll() is not None:
                pytest.fail(f"server exited with status {process.returncode} before serving")
            try:
                response = stub.Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=min(1.0, remaining), wait_for_ready=True
                )
            except grpc.RpcError as error:
                if error.code() not in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE):
                    raise
                last_error = error
                continue
            # The server marks itself SERVING before it listens: any other answer is a failure.
            assert response.status == health_pb2.HealthCheckResponse.SERVING, response
            return
    pytest.fail(f"{address} not SERVING within {timeout} s (last error: {last_error})")


def sqlite_url_for(path: Path) -> str:
    return f"sqlite:///{path}"


def admin_call_code(address: str, token: str) -> grpc.StatusCode:
    """The status of an AdminService call made with `token`."""
    with grpc.insecure_channel(address) as channel:
        stub = admin_service_pb2_grpc.AdminServiceStub(channel)
        try:
            stub.ListMediaRoutingDomains(
                admin_service_pb2.ListMediaRoutingDomainsRequest(),
                metadata=[("authorization", f"Bearer {token}")],
                timeout=10,
            )
        except grpc.RpcError as error:
            return error.code()
    return grpc.StatusCode.OK
