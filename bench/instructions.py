"""`python -m bench --instructions`: instructions per new request (PostCustomerMessage), counted by
`valgrind --tool=callgrind` in the server process, for pullrouting and for the bare server over the same
calls. Unlike times and rates, instruction counts repeat whatever else the machine does; the hash seed is
fixed so that dict and set layouts repeat too. Each server runs under callgrind (some fifty times slower),
takes WARM_UP calls, has its counters zeroed (`callgrind_control --zero`), takes the measured calls, and
has them dumped (`callgrind_control --dump`); the dump's total over the measured calls is the figure. Every
thread of the process counts (the event loop, the SQLite writer, the database workers); PostgreSQL's own
processes do not."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import load, processes
from bench.targets import Bare, Pullrouting

HASH_SEED = "0"
WARM_UP = 64
# A server under callgrind starts slowly: importing and migrating take minutes rather than seconds.
START_DEADLINE = 600.0


@dataclass(frozen=True)
class Instructions:
    database: str
    calls: int
    pullrouting: float
    bare: float


def available() -> bool:
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def _under_callgrind(command: list[str], output: Path) -> list[str]:
    # Collection starts at once; the counters are zeroed after the warm-up anyway.
    return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={output}.%p", *command]


def _control(option: str, pid: int) -> None:
    subprocess.run(["callgrind_control", option, str(pid)], check=True, capture_output=True, timeout=120)


def _dumped_total(output: Path, pid: int) -> int:
    """The event total of the dump `--dump` wrote: `summary:` in the file named after the pid and part 1."""
    for line in Path(f"{output}.{pid}.1").read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise LookupError(f"no summary in {output}.{pid}.1")


@contextmanager
def _counted(command: list[str], env: dict[str, str], directory: Path, name: str) -> Iterator[processes.ServerProcess]:
    env = env | {"PYTHONHASHSEED": HASH_SEED}
    with processes.running(_under_callgrind(command, directory / name), env, deadline=START_DEADLINE) as server:
        yield server


async def _count(
    server: processes.ServerProcess,
    output: Path,
    call: Callable[[int, int], Awaitable[object]],
    calls: int,
    workers: int,
) -> float:
    """Instructions per call over `calls` calls made `workers` at a time, after the warm-up."""
    await load.rate(call, workers, WARM_UP // workers)
    _control("--zero", server.process.pid)

    async def measured(worker: int, iteration: int) -> None:
        await call(worker, iteration + WARM_UP // workers)

    await load.rate(measured, workers, calls // workers)
    _control("--dump", server.process.pid)
    return _dumped_total(output, server.process.pid) / calls


async def measure(backend: str, url: str, environment: dict[str, str], calls: int, workers: int) -> Instructions:
    with tempfile.TemporaryDirectory(prefix="pullrouting-callgrind-") as name:
        directory = Path(name)
        with _counted(processes.bare_command(), dict(os.environ), directory, "bare") as bare_server:
            target = Bare(bare_server.address)
            try:
                bare = await _count(bare_server, directory / "bare", target.unary, calls, workers)
            finally:
                await target.channels.close()
        admin_token = environment["PULLROUTING_ADMIN_TOKEN"]
        with _counted(processes.pullrouting_command(url), environment, directory, "pullrouting") as server:
            pullrouting = Pullrouting(server.address, admin_token)
            try:
                await pullrouting.setup(0, 0)
                new_requests = pullrouting.new_requests(workers)
                counted = await _count(server, directory / "pullrouting", new_requests, calls, workers)
            finally:
                await pullrouting.channels.close()
    return Instructions(backend, calls, counted, bare)


def table(found: list[Instructions]) -> str:
    lines = [
        f"Instructions per new request (callgrind, PYTHONHASHSEED={HASH_SEED}, server process, all its threads):",
        "| database | calls | pullrouting | bare gRPC | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for figure in found:
        lines.append(
            f"| {figure.database} | {figure.calls:,} | {figure.pullrouting:,.0f} | {figure.bare:,.0f} "
            f"| {figure.pullrouting / figure.bare:.2f} |"
        )
    return "\n".join(lines)
