"""`pullrouting serve` and `pullrouting migrate` as an operator runs them: real processes, real ports."""

import signal
import stat
import subprocess
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from processes import (
    START_DEADLINE,
    STOP_DEADLINE,
    TOKEN_FILE_LINE,
    ServeProcess,
    admin_call_code,
    clean_environment,
    open_channel,
    port_is_free,
    pullrouting_command,
    serving,
    sqlite_url_for,
)
from sqlalchemy import create_engine, inspect

from pullrouting.store.tables import metadata

# The public service names (the contract), not imported from the server, so a rename fails here.
SERVICES = [
    "pullrouting.v1.AdminService",
    "pullrouting.v1.AgentService",
    "pullrouting.v1.IngestService",
    "pullrouting.v1.SupervisorService",
]


def health_status(address: str, service: str, credentials: grpc.ChannelCredentials | None = None) -> int:
    with open_channel(address, credentials) as channel:
        response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return response.status



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
    args = ["--listen", "127.0.0.1:0", "--database", sqlite_url_for(database)]
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
        PULLROUTING_DATABASE_URL=sqlite_url_for(database),
        PULLROUTING_ADMIN_TOKEN="configured-admin-token-of-32-characters",
        PULLROUTING_LOG_LEVEL="DEBUG",
    )
    with serving([], tmp_path, env) as server:
        assert database.exists()
        # A configured token needs no file, and no other token is the admin's.
        assert admin_call_code(server.address, "configured-admin-token-of-32-characters") == grpc.StatusCode.OK
        assert admin_call_code(server.address, "another-token") == grpc.StatusCode.UNAUTHENTICATED
        assert server.stop() == 0
    assert not (tmp_path / "pullrouting-admin-token").exists()
    assert "admin token file" not in server.log()
    assert "DEBUG" in server.log()


def test_flags_beat_environment_variables(tmp_path):
    from_env = tmp_path / "env.db"
    from_flag = tmp_path / "flag.db"
    env = clean_environment(PULLROUTING_LISTEN="127.0.0.1:1", PULLROUTING_DATABASE_URL=sqlite_url_for(from_env))
    with serving(["--listen", "127.0.0.1:0", "--database", sqlite_url_for(from_flag)], tmp_path, env) as server:
        assert not server.address.endswith(":1")
        assert from_flag.exists()
        assert not from_env.exists()
        assert server.stop() == 0


def test_a_config_file_sets_what_no_flag_or_variable_does(tmp_path):
    from_file = tmp_path / "file.db"
    from_env = tmp_path / "env.db"
    config = tmp_path / "pullrouting.toml"
    config.write_text(
        f'listen = "127.0.0.1:1"\ndatabase_url = "{sqlite_url_for(from_file)}"\n'
        'admin_token = "from-the-config-file-of-32-characters"\n'
    )
    env = clean_environment(PULLROUTING_DATABASE_URL=sqlite_url_for(from_env))
    with serving(["--config", str(config), "--listen", "127.0.0.1:0"], tmp_path, env) as server:
        assert not server.address.endswith(":1")
        assert from_env.exists()
        assert not from_file.exists()
        assert admin_call_code(server.address, "from-the-config-file-of-32-characters") == grpc.StatusCode.OK
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
    with (
        serving(["--listen", "127.0.0.1:0"], tmp_path, clean_environment()) as server,
        grpc.insecure_channel(server.address) as channel,
    ):
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
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert flag.returncode == 2 and "--log-level" in flag.stderr
    env = subprocess.run(
        [*pullrouting_command(), "migrate"],
        cwd=tmp_path,
        env=clean_environment(PULLROUTING_LOG_LEVEL="LOUD"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert env.returncode == 2 and "PULLROUTING_LOG_LEVEL" in env.stderr
    assert list(tmp_path.iterdir()) == []


def run_migrate(url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*pullrouting_command(), "migrate", "--database", url],
        cwd=cwd,
        env=clean_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
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
        cwd=tmp_path,
        env=clean_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pullrouting.db").exists()


def test_serve_on_postgresql_keeps_the_token_file_in_the_working_directory(postgres_url, tmp_path):
    with serving(["--listen", "127.0.0.1:0", "--database", postgres_url], tmp_path, clean_environment()) as server:
        token = expect_token_file(tmp_path / "pullrouting-admin-token", server)
        assert admin_call_code(server.address, token) == grpc.StatusCode.OK
        assert server.stop() == 0


def test_tls_is_one_setting_away(tmp_path, certificate):
    cert, key = certificate
    trusted = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
    args = ["--listen", "127.0.0.1:0", "--tls-cert", str(cert), "--tls-key", str(key)]
    env = clean_environment(PULLROUTING_ADMIN_TOKEN="tls-admin-token-of-at-least-32-characters")
    with serving(args, tmp_path, env, trusted) as server:
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
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert half.returncode == 2 and "--tls-key" in half.stderr
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    for bad_cert in (garbage, tmp_path / "missing.pem"):
        tls = ["--tls-cert", str(bad_cert), "--tls-key", str(key)]
        bad = subprocess.run(
            [*pullrouting_command(), "serve", "--listen", "127.0.0.1:0", *tls],
            cwd=tmp_path,
            env=clean_environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert bad.returncode == 1, bad.stderr
        assert "TLS" in bad.stderr and "Traceback" not in bad.stderr
