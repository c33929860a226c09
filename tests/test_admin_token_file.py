"""The admin token is the whole of the admin's authentication: a token file someone else could have planted
or read, and a short token, stop the server at start instead of being trusted."""

import os
import socket
import stat
import subprocess
from pathlib import Path

import grpc
import pytest
from processes import admin_call_code, clean_environment, port_is_free, pullrouting_command, serving

PLANTED = "planted-admin-token-that-is-long-enough-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def refused_start(cwd: Path, env: dict[str, str]) -> str:
    """Starts `pullrouting serve` on a free port; it must exit 1 without serving. Returns what it printed."""
    port = free_port()
    started = subprocess.run(
        [*pullrouting_command(), "serve", "--listen", f"127.0.0.1:{port}"],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 1, started.stdout + started.stderr
    assert port_is_free(port)
    return started.stderr


def plant(path: Path, token: str, mode: int) -> None:
    path.write_text(token + "\n")
    path.chmod(mode)


@pytest.mark.parametrize("mode", [0o666, 0o640, 0o604])
def test_a_token_file_others_may_read_or_write_is_refused(tmp_path, mode):
    plant(tmp_path / "pullrouting-admin-token", PLANTED, mode)

    printed = refused_start(tmp_path, clean_environment())

    assert "chmod 600" in printed
    assert PLANTED not in printed


def test_a_symbolic_link_in_the_token_files_place_is_refused(tmp_path):
    target = tmp_path / "elsewhere"
    plant(target, PLANTED, 0o600)
    (tmp_path / "pullrouting-admin-token").symlink_to(target)

    printed = refused_start(tmp_path, clean_environment())

    assert "symbolic link" in printed


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_token_file_of_another_user_is_refused(tmp_path):
    path = tmp_path / "pullrouting-admin-token"
    plant(path, PLANTED, 0o600)
    os.chown(path, 65534, -1)

    printed = refused_start(tmp_path, clean_environment())

    assert "owned by the server's user" in printed


def test_a_short_admin_token_is_refused(tmp_path):
    printed = refused_start(tmp_path, clean_environment(PULLROUTING_ADMIN_TOKEN="change-me"))

    assert "at least 32 characters" in printed


def test_a_short_token_in_the_file_is_refused(tmp_path):
    plant(tmp_path / "pullrouting-admin-token", "short", 0o600)

    assert "at least 32 characters" in refused_start(tmp_path, clean_environment())


def test_a_private_token_file_of_the_servers_user_is_used(tmp_path):
    path = tmp_path / "pullrouting-admin-token"
    plant(path, PLANTED, 0o600)
    with serving(["--listen", "127.0.0.1:0"], tmp_path, clean_environment()) as server:
        assert admin_call_code(server.address, PLANTED) == grpc.StatusCode.OK
        assert server.stop() == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
