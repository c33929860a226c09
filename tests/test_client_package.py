"""The Python SDK as a distribution of its own: `python -m build clients/python` makes an sdist and a wheel
(built from the sdist, so the sdist holds everything), and the wheel, installed in a fresh virtual environment
with nothing but its own dependencies, talks to a real server; the server's install still brings the SDK."""

import asyncio
import importlib.metadata
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from docs_shell import ROOT
from scenario import create_scenario
from support import Server, within

CLIENT = ROOT / "clients" / "python"
# What `pip install pullrouting-client` may bring: the SDK and what grpcio, protobuf and googleapis-common-protos
# need, none of the server's dependencies (SQLAlchemy, Alembic, psycopg, cryptography...).
ALLOWED = {"pullrouting-client", "grpcio", "protobuf", "googleapis-common-protos", "typing-extensions"}
# What a fresh virtual environment holds before anything is installed.
BOOTSTRAP = {"pip", "setuptools"}
INSTALL_DEADLINE = 240

# Run by the fresh environment's python: a blocking agent client lists the agent's Lists.
PROGRAM = """
import importlib.util, sys
import pullrouting_client, pullrouting.v1.agent_service_pb2 as stubs
from pullrouting_client.sync import SyncAgentClient, connect
assert importlib.util.find_spec("pullrouting.store") is None, "the server came along"
assert importlib.util.find_spec("sqlalchemy") is None, "a server dependency came along"
with connect(sys.argv[1], sys.argv[2]) as channel:
    print(" ".join(summary.list.name for summary in SyncAgentClient(channel).list_lists()))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(CLIENT)],
        capture_output=True,
        text=True,
        timeout=INSTALL_DEADLINE,
    )
    assert built.returncode == 0, built.stderr
    return next(out.glob("pullrouting_client-*.whl"))


def test_the_wheel_holds_the_sdk_and_the_stubs(wheel):
    files = set(zipfile.ZipFile(wheel).namelist())
    assert {"pullrouting_client/py.typed", "pullrouting_client/sync.py", "pullrouting/v1/agent_service_pb2.py"} <= files
    assert {"pullrouting/v1/events_pb2.pyi", "pullrouting/v1/admin_service_pb2_grpc.py"} <= files
    # A namespace portion: never the server's `pullrouting/__init__.py`.
    assert "pullrouting/__init__.py" not in files
    assert not any(name.startswith(("pullrouting/store", "pullrouting/api")) for name in files)


async def test_the_wheel_alone_talks_to_a_server(wheel, server: Server, tmp_path):
    scenario = await create_scenario(server, agents=1)
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    installed = await within(
        INSTALL_DEADLINE,
        _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)], tmp_path),
    )
    assert installed.returncode == 0, installed.stderr
    listed = await within(INSTALL_DEADLINE, _run([str(python), "-m", "pip", "list", "--format=freeze"], tmp_path))
    distributions = {line.split("==")[0].lower().replace("_", "-") for line in listed.stdout.split()}
    assert distributions - BOOTSTRAP <= ALLOWED, distributions - BOOTSTRAP - ALLOWED

    ran = await within(60, _run([str(python), "-c", PROGRAM, server.address, scenario.agents[0].token], tmp_path))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == [scenario.list]


def test_the_servers_install_brings_the_sdk_and_its_programs():
    server = importlib.metadata.distribution("pullrouting")
    scripts = {entry.name for entry in server.entry_points if entry.group == "console_scripts"}
    assert {"pullrouting", "pullrouting-desktop", "pullrouting-connector-demo"} <= scripts
    import pullrouting.v1
    import pullrouting_client

    assert Path(pullrouting_client.__file__).parent == CLIENT / "pullrouting_client"
    # One copy of the stubs: the client distribution's pullrouting/v1 is a link to the server's.
    assert (CLIENT / "pullrouting" / "v1").resolve() == Path(pullrouting.v1.__file__).parent.resolve()


async def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Runs `argv` in `cwd` (out of the repository, whose `pullrouting` would otherwise be importable) without
    blocking the event loop the test's server serves on."""
    return await asyncio.to_thread(
        subprocess.run, argv, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_DEADLINE
    )
