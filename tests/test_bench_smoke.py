"""The benchmark (`make bench`) is not part of the test run, but its code paths are: this runs it at toy sizes
on SQLite, beside the bare server, and checks that it produced every figure (not how fast they are)."""

import json
import subprocess
import sys
from pathlib import Path

from processes import clean_environment

REPOSITORY = Path(__file__).resolve().parent.parent
DEADLINE = 120


def _bench(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m bench --smoke --backends sqlite ARGUMENTS`, which must succeed."""
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--backends", "sqlite", *arguments],
        cwd=REPOSITORY,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished


def test_the_benchmark_produces_every_figure_beside_the_bare_server(tmp_path):
    output = tmp_path / "figures.json"
    finished = _bench("--json", str(output))
    figures = json.loads(output.read_text())
    names = {figure["name"] for figure in figures}
    expected_figures = ("new requests", "follow-up", "join/leave", "fan-out to 5 agents, p99", "catch-up", "peak RSS")
    for expected in (*expected_figures, "CPU per new request"):
        assert any(expected in name for name in names), f"no {expected!r} figure in {sorted(names)}"
    for figure in figures:
        assert figure["database"] == "sqlite"
        # Latencies may be below zero (the event can beat the publishing call's answer); rates, catch-up
        # times and memory cannot. CPU time is counted in clock ticks (10 ms): the bare server's few smoke
        # calls may take less than one.
        if "fan-out" not in figure["name"] and "CPU" not in figure["name"]:
            assert figure["pullrouting"] > 0 and figure["bare"] > 0, figure
    assert "| figure | database | pullrouting | bare gRPC | ratio |" in finished.stdout


def test_the_storm_alone_prints_its_figures_and_nothing_else():
    finished = _bench("--desks", "storm")
    assert "| reconnect storm: last of 4 desks 20 events behind caught up (s) | sqlite |" in finished.stdout
    assert "health p99" in finished.stdout
    assert "desks open" not in finished.stdout and "new requests" not in finished.stdout
