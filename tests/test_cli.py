"""`pullrouting serve` and `pullrouting migrate` as an operator runs them: real processes, real ports."""

import os
import queue
import re
import shutil
import signal
import socket
import stat
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
from sqlalchemy import create_engine, inspect

from pullrouting.store.tables import metadata

# The public service names (the contract), not imported from the server, so a rename fails here.
SERVICES = ["pullrouting.v1.AdminService", "pullrouting.v1.AgentService", "pullrouting.v1.IngestService"]
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


def health_status(address: str, service: str, credentials: grpc.ChannelCredentials | None = None) -> int:
    with open_channel(address, credentials) as channel:
        response = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=5
        )
    return response.status


def admin_call_code(address: str, token: str) -> grpc.StatusCode:
    """The status of an AdminService call made with `token`."""
    from pullrouting.v1 import admin_service_pb2, admin_service_pb2_grpc

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


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def expect_token_file(path: Path, server: ServeProcess) -> str:
    """The token in the file the server created: mode 0600, its path in the start-up log."""
    assert path.exists(), f"no admin token file at {path}"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    logged = server.wait_for_line(TOKEN_FILE_LINE).group(1)
    assert Path(logged) == path
    token = path.read_text().strip()
    assert token
    return token


def test_serve_without_arguments_uses_the_embedded_default(tmp_path):
    if not port_is_free(50051):
        pytest.skip("port 127.0.0.1:50051 is busy on this machine; the default-address test needs it free")
    with serving([], tmp_path, clean_environment()) as server:
        assert server.address == "127.0.0.1:50051"
        assert (tmp_path / "pullrouting.db").exists()
        token = expect_token_file(tmp_path / "pullrouting-admin-token", server)
        assert admin_call_code(server.address, token) == grpc.StatusCode.OK
        assert admin_call_code(server.address, token + "x") == grpc.StatusCode.UNAUTHENTICATED
        assert server.stop() == 0


def test_listen_and_database_flags(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    workdir = tmp_path / "work"
    workdir.mkdir()
    database = data / "routing.db"
    args = ["--listen", "127.0.0.1:0", "--database", sqlite_url(database)]
    with serving(args, workdir, clean_environment()) as server:
        host, _, port = server.address.rpartition(":")
        assert host == "127.0.0.1" and int(port) > 0
        assert database.exists()
        # The token file sits beside the database, not in the working directory.
        token = expect_token_file(data / "pullrouting-admin-token", server)
        assert list(workdir.iterdir()) == []
        assert admin_call_code(server.address, token) == grpc.StatusCode.OK
        assert server.stop() == 0


def test_environment_variables_and_configured_admin_token(tmp_path):
    database = tmp_path / "from-env.db"
    env = clean_environment(
        PULLROUTING_LISTEN="127.0.0.1:0",
        PULLROUTING_DATABASE_URL=sqlite_url(database),
        PULLROUTING_ADMIN_TOKEN="configured-admin-token",
        PULLROUTING_LOG_LEVEL="DEBUG",
    )
    with serving([], tmp_path, env) as server:
        assert database.exists()
        # A configured token needs no file, and no other token is the admin's.
        assert admin_call_code(server.address, "configured-admin-token") == grpc.StatusCode.OK
        assert admin_call_code(server.address, "another-token") == grpc.StatusCode.UNAUTHENTICATED
        assert server.stop() == 0
    assert not (tmp_path / "pullrouting-admin-token").exists()
    assert "admin token file" not in server.log()
    assert "DEBUG" in server.log()


def test_flags_beat_environment_variables(tmp_path):
    from_env = tmp_path / "env.db"
    from_flag = tmp_path / "flag.db"
    env = clean_environment(PULLROUTING_LISTEN="127.0.0.1:1", PULLROUTING_DATABASE_URL=sqlite_url(from_env))
    with serving(["--listen", "127.0.0.1:0", "--database", sqlite_url(from_flag)], tmp_path, env) as server:
        assert not server.address.endswith(":1")
        assert from_flag.exists()
        assert not from_env.exists()
        assert server.stop() == 0


def test_the_token_file_is_kept_across_restarts(tmp_path):
    args = ["--listen", "127.0.0.1:0"]
    with serving(args, tmp_path, clean_environment()) as first:
        token = expect_token_file(tmp_path / "pullrouting-admin-token", first)
        assert first.stop() == 0
    with serving(args, tmp_path, clean_environment()) as second:
        assert expect_token_file(tmp_path / "pullrouting-admin-token", second) == token
        assert admin_call_code(second.address, token) == grpc.StatusCode.OK
        assert second.stop() == 0


def test_health_watch_reports_serving_then_not_serving_at_shutdown(tmp_path):
    """grpc clients with health checking on, and load balancers, use Watch rather than Check."""
    with serving(["--listen", "127.0.0.1:0"], tmp_path, clean_environment()) as server, grpc.insecure_channel(
        server.address
    ) as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(
            health_pb2.HealthCheckRequest(service=SERVICES[0]), timeout=START_DEADLINE
        )
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        server.process.send_signal(signal.SIGTERM)
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        watch.cancel()
        assert server.process.wait(timeout=STOP_DEADLINE) == 0


def test_health_is_serving_for_the_server_and_each_service(tmp_path):
    with serving(["--listen", "127.0.0.1:0"], tmp_path, clean_environment()) as server:
        for service in ["", *SERVICES]:
            assert health_status(server.address, service) == health_pb2.HealthCheckResponse.SERVING, service
        with pytest.raises(grpc.RpcError) as unknown:
            health_status(server.address, "pullrouting.v1.NoSuchService")
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
        assert server.stop() == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_server_cleanly(tmp_path, signum):
    with serving(["--listen", "127.0.0.1:0"], tmp_path, clean_environment()) as server:
        address = server.address
        assert server.stop(signum) == 0, server.log()
        assert "shutting down" in server.log()
        assert "Traceback" not in server.log()
        with pytest.raises(grpc.RpcError) as gone:
            health_status(address, "")
        assert gone.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_taken_address_is_refused(tmp_path):
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    with serving(["--listen", "127.0.0.1:0"], tmp_path / "first", clean_environment()) as first:
        second = ServeProcess(["--listen", first.address], tmp_path / "second", clean_environment())
        try:
            status = second.process.wait(timeout=START_DEADLINE)
        finally:
            second.kill()
        assert status == 1, second.log()
        assert f"cannot listen on {first.address}" in second.log()
        assert "Traceback" not in second.log()
        # The first server still has its port to itself.
        assert health_status(first.address, "") == health_pb2.HealthCheckResponse.SERVING
        assert first.stop() == 0


def test_a_bad_log_level_is_a_usage_error(tmp_path):
    flag = subprocess.run(
        [*pullrouting_command(), "migrate", "--log-level", "LOUD"],
        cwd=tmp_path, env=clean_environment(), capture_output=True, text=True, timeout=60,
    )
    assert flag.returncode == 2 and "--log-level" in flag.stderr
    env = subprocess.run(
        [*pullrouting_command(), "migrate"],
        cwd=tmp_path, env=clean_environment(PULLROUTING_LOG_LEVEL="LOUD"), capture_output=True, text=True, timeout=60,
    )
    assert env.returncode == 2 and "PULLROUTING_LOG_LEVEL" in env.stderr
    assert list(tmp_path.iterdir()) == []


def run_migrate(url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*pullrouting_command(), "migrate", "--database", url],
        cwd=cwd, env=clean_environment(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )


def test_migrate_creates_the_schema_and_is_idempotent(database_url, tmp_path):
    for _ in range(2):
        result = run_migrate(database_url, tmp_path)
        assert result.returncode == 0, result.stderr
        assert "schema is up to date" in result.stderr
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables
    # migrate needs no admin token and makes no token file.
    assert not (tmp_path / "pullrouting-admin-token").exists()


def test_migrate_uses_the_environment_default_in_the_working_directory(tmp_path):
    result = subprocess.run(
        [*pullrouting_command(), "migrate"],
        cwd=tmp_path, env=clean_environment(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pullrouting.db").exists()


def test_serve_on_postgresql_keeps_the_token_file_in_the_working_directory(postgres_url, tmp_path):
    with serving(["--listen", "127.0.0.1:0", "--database", postgres_url], tmp_path, clean_environment()) as server:
        token = expect_token_file(tmp_path / "pullrouting-admin-token", server)
        assert admin_call_code(server.address, token) == grpc.StatusCode.OK
        assert server.stop() == 0


@pytest.fixture
def certificate(tmp_path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed; the TLS test makes its certificate with it")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert),
        ],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def test_tls_is_one_setting_away(tmp_path, certificate):
    cert, key = certificate
    trusted = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
    args = ["--listen", "127.0.0.1:0", "--tls-cert", str(cert), "--tls-key", str(key)]
    with serving(args, tmp_path, clean_environment(PULLROUTING_ADMIN_TOKEN="tls-admin"), trusted) as server:
        assert health_status(server.address, "", trusted) == health_pb2.HealthCheckResponse.SERVING
        # Plaintext clients are not served.
        with pytest.raises(grpc.RpcError) as plaintext:
            health_status(server.address, "")
        assert plaintext.value.code() == grpc.StatusCode.UNAVAILABLE
        assert server.stop() == 0
    assert "(TLS)" in server.log()
    # The same through the environment.
    env = clean_environment(PULLROUTING_TLS_CERT=str(cert), PULLROUTING_TLS_KEY=str(key))
    with serving(["--listen", "127.0.0.1:0"], tmp_path, env, trusted) as server:
        assert server.stop() == 0


def test_tls_needs_both_files_and_valid_ones(tmp_path, certificate):
    cert, key = certificate
    half = subprocess.run(
        [*pullrouting_command(), "serve", "--listen", "127.0.0.1:0", "--tls-cert", str(cert)],
        cwd=tmp_path, env=clean_environment(), capture_output=True, text=True, timeout=60,
    )
    assert half.returncode == 2 and "--tls-key" in half.stderr
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    for bad_cert in (garbage, tmp_path / "missing.pem"):
        tls = ["--tls-cert", str(bad_cert), "--tls-key", str(key)]
        bad = subprocess.run(
            [*pullrouting_command(), "serve", "--listen", "127.0.0.1:0", *tls],
            cwd=tmp_path, env=clean_environment(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        )
        assert bad.returncode == 1, bad.stderr
        assert "TLS" in bad.stderr and "Traceback" not in bad.stderr
