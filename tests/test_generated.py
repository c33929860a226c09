"""What is derived from something else stays in step with it: the error and API tables of docs/api.md, the
configuration table of docs/operations.md, the CI script's test command, the committed stubs."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf.descriptor import FileDescriptor

from pullrouting.api.errors import STATUS_BY_REASON
from pullrouting.domain.errors import Reason
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, ingest_service_pb2, supervisor_service_pb2

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
API_DOC = ROOT / "docs" / "api.md"
STUBS = ROOT / "pullrouting" / "v1"
PROTOS = ROOT / "proto"
SERVICES: list[tuple[str, FileDescriptor]] = [
    ("AdminService", admin_service_pb2.DESCRIPTOR),
    ("AgentService", agent_service_pb2.DESCRIPTOR),
    ("IngestService", ingest_service_pb2.DESCRIPTOR),
    ("SupervisorService", supervisor_service_pb2.DESCRIPTOR),
]


def section(text: str, heading: str) -> str:
    """The text under `heading` (a whole heading line) up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    match = re.search(rf"^{re.escape(heading)}\b[^\n]*\n(.*?)(?=^#{{1,{level}}} |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no section {heading!r}"
    return match.group(1)


def fenced_block(text: str, tag: str) -> str:
    blocks = re.findall(rf"^```sh {re.escape(tag)}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, f"expected one ```sh {tag} block, found {len(blocks)}"
    return blocks[0].strip()


def test_every_error_reason_is_documented_with_its_status():
    errors = section(API_DOC.read_text(), "## Errors")
    rows = re.findall(r"^\| `([A-Z_]+)` \| `([A-Z_]+)` \| (.+) \|$", errors, re.MULTILINE)
    documented = {reason: status for reason, status, _ in rows}
    assert len(documented) == len(rows), "a reason is listed twice"
    expected = {reason.value: status.name for reason, status in STATUS_BY_REASON.items()}
    assert documented == expected
    assert set(documented) == {reason.value for reason in Reason}, "a Reason has no status in STATUS_BY_REASON"
    for reason, _, meaning in rows:
        assert meaning.strip(), f"{reason} has no meaning"


@pytest.mark.parametrize(("service", "descriptor"), SERVICES, ids=[name for name, _ in SERVICES])
def test_every_rpc_is_in_the_api_overview(service, descriptor):
    text = section(API_DOC.read_text(), f"### {service}")
    documented = re.findall(r"^- `(\w+)` — ", text, re.MULTILINE)
    declared = [method.name for method in descriptor.services_by_name[service].methods]
    assert documented == declared


def test_ci_runs_the_readme_test_command():
    command = fenced_block(README.read_text(), "quickstart-test")
    assert "\n" not in command
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert ci_lines[-1] == command, "the last step of .ci/run must be the README's test command"


def test_the_quick_start_installs_then_serves():
    command = fenced_block(README.read_text(), "quickstart-serve")
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e . && ")
    assert command.endswith(".venv/bin/pullrouting serve")


def test_makefile_has_the_documented_targets():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))
    assert {"install", "generate", "check-generated", "lint", "test", "serve", "ci"} <= targets
    documented = set(re.findall(r"^make ([a-z-]+)", section(README.read_text(), "## Development"), re.MULTILINE))
    assert documented <= targets


def test_committed_stubs_match_the_protos(tmp_path):
    protos = sorted(str(path.relative_to(PROTOS)) for path in (PROTOS / "pullrouting" / "v1").glob("*.proto"))
    result = subprocess.run(
        [
            sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTOS}",
            f"--python_out={tmp_path}", f"--pyi_out={tmp_path}", f"--grpc_python_out={tmp_path}", *protos,
        ],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    generated = {path.name: path.read_text() for path in (tmp_path / "pullrouting" / "v1").iterdir()}
    committed = {path.name: path.read_text() for path in STUBS.iterdir() if "_pb2" in path.name}
    assert sorted(committed) == sorted(generated), "stub files differ: run `make generate`"
    stale = [name for name in generated if generated[name] != committed[name]]
    assert stale == [], f"stale stubs (run `make generate`): {stale}"


def test_the_documented_settings_table_is_the_declared_one():
    from pullrouting import settings_doc

    candidates = [README, *sorted((ROOT / "docs").glob("**/*.md"))]
    documents = [path for path in candidates if settings_doc.BEGIN in path.read_text()]
    assert len(documents) == 1, f"the settings table should be documented once, found in {documents}"
    text = documents[0].read_text()
    assert settings_doc.with_table(text) == text, (
        f"{documents[0].name}'s settings table differs from pullrouting/settings.py: "
        f"run python -m pullrouting.settings_doc {documents[0].relative_to(ROOT)}"
    )
