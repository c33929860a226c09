"""`python -m bench --instructions`: instructions per new request (PostCustomerMessage), or with `--what
desks` per desk opened (WatchDesk without a token, read to its SYNCED) and per desk reopened with its token
EVENTS_BEHIND list events behind (read until it has them, as in the reconnect storm), counted by
`valgrind --tool=callgrind` in the server process, for pullrouting and for the bare server over the same
calls (for desks: bare streams sending as many messages as the desks received, on connections shared as the
desks' are). Unlike times and rates, instruction counts repeat whatever else the machine does; the hash seed is
fixed so that dict and set layouts repeat too. Each server runs under callgrind (some fifty times slower),
takes WARM_UP calls, has its counters zeroed (`callgrind_control --zero`), takes the measured calls, and
has them dumped (`callgrind_control --dump`); the dump's total over the measured calls is the figure. Every
thread of the process counts (the event loop, the SQLite writer, the database workers); PostgreSQL's own
processes do not."""

import asyncio
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc

from bench import bare, load, processes
from bench.desks import EVENTS_BEHIND, Desks
from bench.targets import Bare, Pullrouting, bounded

HASH_SEED = "0"
WARM_UP = 64
# What can be counted: `--what`.
NEW_REQUESTS = "new-requests"
DESKS = "desks"
# Before zeroing or dumping the counters: the streams just cancelled end on the server (an agent's last
# stream's end writes its presence), so that their ends are counted with them.
SETTLE_SECONDS = 2.0
# A server under callgrind starts slowly: importing and migrating take minutes rather than seconds.
START_DEADLINE = 600.0


@dataclass(frozen=True)
class Instructions:
    database: str
    # What one call is: "new request", "desk opened", ...
    what: str
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


def _dumped_total(output: Path, pid: int, part: int = 1) -> int:
    """The event total of the `part`-th dump `--dump` wrote: `summary:` in the file named after the pid and
    the part."""
    for line in Path(f"{output}.{pid}.{part}").read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise LookupError(f"no summary in {output}.{pid}.{part}")


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
    return Instructions(backend, "new request", calls, counted, bare)


async def _counted_openings(
    pid: int, output: Path, part: int, openings: list[Callable[[], Awaitable[object]]], workers: int
) -> float:
    """Instructions per opening over `openings` after the first WARM_UP, `workers` at a time, in the server
    process `pid`, whose `part`-th dump this is."""
    await bounded(openings[:WARM_UP], workers)
    await asyncio.sleep(SETTLE_SECONDS)
    _control("--zero", pid)
    await bounded(openings[WARM_UP:], workers)
    await asyncio.sleep(SETTLE_SECONDS)
    _control("--dump", pid)
    return _dumped_total(output, pid, part) / (len(openings) - WARM_UP)


async def _bare_streams(
    address: str, messages: int, calls: int, workers: int, output: Path, pid: int, part: int
) -> float:
    """Instructions per bare stream of `messages` messages, as `_counted_openings` counts desks."""
    target = Bare(address)
    payload = target.replay_request(messages)

    def opening(channel: grpc.aio.Channel) -> Callable[[], Awaitable[object]]:
        async def read() -> None:
            async for _message in channel.unary_stream(bare.REPLAY)(payload):
                pass

        return read

    try:
        openings = [opening(channel) for channel in target.channels.spread(WARM_UP + calls)]
        return await _counted_openings(pid, output, part, openings, workers)
    finally:
        await target.channels.close()


async def measure_desks(
    backend: str, url: str, environment: dict[str, str], calls: int, workers: int, keep: Path | None = None
) -> list[Instructions]:
    """Desks opened without a token (read to SYNCED), then, after EVENTS_BEHIND new requests on their List,
    reopened with the token of their SYNCED (read until they have the EVENTS_BEHIND): each agent opens once
    of each kind, as in the reconnect storm. Beside them bare streams of as many messages. The dumps are kept
    in `keep`, when given, for callgrind_annotate."""
    admin_token = environment["PULLROUTING_ADMIN_TOKEN"]
    with tempfile.TemporaryDirectory(prefix="pullrouting-callgrind-") as name:
        directory = Path(name) if keep is None else keep / backend
        directory.mkdir(parents=True, exist_ok=True)
        with _counted(processes.pullrouting_command(url), environment, directory, "pullrouting") as server:
            pullrouting = Pullrouting(server.address, admin_token)
            desks = Desks(pullrouting.auth_of, server.address)
            output = directory / "pullrouting"
            try:
                await pullrouting.setup(0, WARM_UP + calls)
                agents = [f"fan-{number}" for number in range(WARM_UP + calls)]
                tokens: dict[str, str] = {}

                def fresh(group: list[str]) -> Callable[[], Awaitable[object]]:
                    async def open_group() -> None:
                        tokens.update(await desks.tokens(group, 1))

                    return open_group

                # Each opening its own call, `workers` at a time: tokens() of one agent each.
                openings = [fresh([agent]) for agent in agents]
                desks.received = 0
                opened = await _counted_openings(server.process.pid, output, 1, openings, workers)
                fresh_messages = desks.received / (WARM_UP + calls)
                for _ in range(EVENTS_BEHIND):
                    await pullrouting.publish()
                channels = desks.channels.spread(len(agents))
                reopenings = [
                    functools.partial(desks.catch_up, agent, tokens[agent], channel, EVENTS_BEHIND)
                    for agent, channel in zip(agents, channels, strict=True)
                ]
                desks.received = 0
                reopened = await _counted_openings(server.process.pid, output, 2, reopenings, workers)
                resume_messages = desks.received / (WARM_UP + calls)
            finally:
                await desks.channels.close()
                await pullrouting.channels.close()
        bare_fresh = max(1, round(fresh_messages))
        bare_resume = max(1, round(resume_messages))
        with _counted(processes.bare_command(), dict(os.environ), directory, "bare") as bare_server:
            pid, bare_output = bare_server.process.pid, directory / "bare"
            bare_opened = await _bare_streams(bare_server.address, bare_fresh, calls, workers, bare_output, pid, 1)
            bare_reopened = await _bare_streams(bare_server.address, bare_resume, calls, workers, bare_output, pid, 2)
    return [
        Instructions(
            backend, f"desk opened ({fresh_messages:.1f} messages; bare {bare_fresh})", calls, opened, bare_opened
        ),
        Instructions(
            backend,
            f"desk reopened {EVENTS_BEHIND} events behind ({resume_messages:.1f} messages; bare {bare_resume})",
            calls,
            reopened,
            bare_reopened,
        ),
    ]


def table(found: list[Instructions]) -> str:
    lines = [
        f"Instructions per call (callgrind, PYTHONHASHSEED={HASH_SEED}, server process, all its threads):",
        "| database | call | calls | pullrouting | bare gRPC | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for figure in found:
        lines.append(
            f"| {figure.database} | {figure.what} | {figure.calls:,} | {figure.pullrouting:,.0f} | {figure.bare:,.0f} "
            f"| {figure.pullrouting / figure.bare:.2f} |"
        )
    return "\n".join(lines)
