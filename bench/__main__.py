"""`python -m bench [--quick]`: measures pullrouting on SQLite and on PostgreSQL, each run beside a bare
grpc.aio server started in the same run, and prints one table (figure, pullrouting, bare, ratio)."""

import argparse
import asyncio
import json
import os
import platform
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from bench import desks, instructions, load, processes, scale_out, targets
from bench.databases import reset_postgres

POSTGRES_URL = os.environ.get("PULLROUTING_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench")
# Concurrent ingest calls: CONNECTORS connector credentials, several calls in flight on each.
INGEST_WORKERS = 16
RATE_LIMIT = 1_000_000


@dataclass(frozen=True)
class Sizes:
    new_requests: int
    follow_ups: int
    join_leave_agents: int
    join_leave_cycles: int
    fan_out: tuple[int, ...]
    fan_out_events: int
    catch_up: int
    # New requests each scale-out writer opens (bench/scale_out.py).
    scale_out_calls: int
    # Desks open on one instance, and desks reconnecting at once after a restart (bench/desks.py).
    desks: int
    storm: int


FULL = Sizes(10_000, 5_000, 200, 10, (100, 1_000), 100, 10_000, 100, 10_000, 2_000)
QUICK = Sizes(2_000, 1_000, 50, 5, (100, 1_000), 20, 3_000, 30, 2_000, 500)
# Every code path at toy sizes: what tests/test_bench_smoke.py runs.
SMOKE = Sizes(32, 16, 3, 2, (2, 5), 3, 40, 2, 4, 4)
# 10,000 desks are more calls at once than the server's default limit (PULLROUTING_MAX_CONCURRENT_RPCS).
DESK_BENCH_CONCURRENT_RPCS = 30_000


@dataclass(frozen=True)
class Figure:
    name: str
    database: str
    pullrouting: float
    bare: float
    # "rate": higher is better; "time" and "memory": lower is better.
    kind: str


def _names(sizes: Sizes) -> dict[str, str]:
    names = {
        "new": "ingest: new requests per s",
        "follow": "ingest: follow-up messages per s",
        "stream": "streaming ingest: new requests per s (bare: unary calls)",
        "join": f"join/leave calls per s ({sizes.join_leave_agents} agents)",
        "cpu": "server CPU per new request (us; bare: per unary call)",
    }
    for count in sizes.fan_out:
        for level in ("p50", "p99"):
            names[f"fan_out_{count}_{level}"] = f"fan-out to {count:,} agents, {level} (ms)"
    names["catch_up"] = f"catch-up: {sizes.catch_up:,} missed events (ms)"
    names["rss"] = f"peak RSS: {2 * sizes.new_requests:,} open requests, {max(sizes.fan_out):,} streams (MB)"
    return names


async def _fan_out(target: targets.Bare | targets.Pullrouting, sizes: Sizes) -> tuple[dict[str, float], load.FanOut]:
    """Latency to 100, then (the same streams and more) 1,000 agents; the streams stay open for the RSS."""
    found = {}
    fan_out = load.FanOut()
    for count in sizes.fan_out:
        first = fan_out.size
        if isinstance(target, targets.Bare):
            await fan_out.add(target.watchers(count - first))
        else:
            await fan_out.add(target.watchers(first, count - first))
        latencies = await fan_out.latencies(target.publish, sizes.fan_out_events)
        found[f"fan_out_{count}_p50"] = load.percentile(latencies, 0.50) * 1000
        found[f"fan_out_{count}_p99"] = load.percentile(latencies, 0.99) * 1000
    return found, fan_out


async def measure_bare(address: str, sizes: Sizes, server: processes.ServerProcess) -> dict[str, float]:
    target = targets.Bare(address)
    try:
        cpu = server.cpu_seconds()
        unary = await load.rate(target.unary, INGEST_WORKERS, sizes.new_requests // INGEST_WORKERS)
        cpu_us = (server.cpu_seconds() - cpu) / sizes.new_requests * 1_000_000
        # StreamCustomerMessages is measured against the bare unary call rate: the figure a connector compares.
        found = {"new": unary, "follow": unary, "stream": unary, "cpu": cpu_us}
        found["join"] = await load.rate(target.unary, sizes.join_leave_agents, 2 * sizes.join_leave_cycles)
        fan_out_figures, fan_out = await _fan_out(target, sizes)
        found |= fan_out_figures
        found["catch_up"] = await load.drain(target.replay(sizes.catch_up), sizes.catch_up) * 1000
        found["rss"] = server.memory_mb("VmHWM")
        await fan_out.close()
        return found
    finally:
        await target.channels.close()


async def measure_pullrouting(
    address: str, admin_token: str, sizes: Sizes, server: processes.ServerProcess
) -> dict[str, float]:
    target = targets.Pullrouting(address, admin_token)
    try:
        await target.setup(sizes.join_leave_agents, max(sizes.fan_out))
        token = await target.catch_up_token()
        new, follow = target.new_requests(INGEST_WORKERS), target.follow_ups(INGEST_WORKERS)
        cpu = server.cpu_seconds()
        found = {"new": await load.rate(new, INGEST_WORKERS, sizes.new_requests // INGEST_WORKERS)}
        # The server's CPU time (all threads, user and system) over the new requests, per request.
        found["cpu"] = (server.cpu_seconds() - cpu) / sizes.new_requests * 1_000_000
        found |= {
            "follow": await load.rate(follow, INGEST_WORKERS, sizes.follow_ups // INGEST_WORKERS),
            "stream": await target.stream_new_requests(sizes.new_requests),
        }
        # Two calls (join, leave) per cycle.
        found["join"] = 2 * await load.rate(target.join_leave, sizes.join_leave_agents, sizes.join_leave_cycles)
        fan_out_figures, fan_out = await _fan_out(target, sizes)
        found |= fan_out_figures
        found["catch_up"] = await load.drain(target.resume(token), sizes.catch_up) * 1000
        found["rss"] = server.memory_mb("VmHWM")
        await fan_out.close()
        return found
    finally:
        await target.channels.close()


@contextmanager
def _database(backend: str) -> Iterator[str]:
    if backend == "postgresql":
        reset_postgres(POSTGRES_URL)
        yield POSTGRES_URL
        return
    with tempfile.TemporaryDirectory(prefix="pullrouting-bench-") as directory:
        yield f"sqlite:///{directory}/bench.db"


@contextmanager
def _profiled(server: processes.ServerProcess, profile_dir: Path | None, backend: str) -> Iterator[None]:
    """With --profile, samples the server with py-spy for the whole run (a speedscope JSON per backend)."""
    if profile_dir is None:
        yield
        return
    profile_dir.mkdir(parents=True, exist_ok=True)
    output = profile_dir / f"pullrouting-{backend}.speedscope.json"
    command = [str(processes.VENV_BIN / "py-spy"), "record", "--pid", str(server.process.pid), "--rate", "250"]
    recorder = subprocess.Popen([*command, "--format", "speedscope", "--output", str(output)])
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(60)


def _server_environment(admin_token: str, **settings: object) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULLROUTING_")}
    env["PULLROUTING_ADMIN_TOKEN"] = admin_token
    # A few callers make all the load here, far past a per-caller limit meant for many agents: the limiter
    # still counts every call, but never refuses one.
    env["PULLROUTING_RATE_LIMIT_PER_SECOND"] = str(RATE_LIMIT)
    env |= {f"PULLROUTING_{name.upper()}": str(value) for name, value in settings.items()}
    return env


async def run(sizes: Sizes, backends: list[str], profile_dir: Path | None) -> list[Figure]:
    """One event loop for the whole run: grpc.aio keeps per-process state bound to the first loop."""
    names = _names(sizes)
    kinds = {"new": "rate", "follow": "rate", "stream": "rate", "join": "rate", "rss": "memory"}
    figures = []
    for backend in backends:
        # The floor is measured next to each backend, so drift between the two runs stays small.
        with processes.running(processes.bare_command()) as bare:
            floor = await measure_bare(bare.address, sizes, bare)
        admin_token = f"pra_{secrets.token_urlsafe(32)}"
        with (
            _database(backend) as url,
            processes.running(processes.pullrouting_command(url), _server_environment(admin_token)) as server,
            _profiled(server, profile_dir, backend),
        ):
            measured = await measure_pullrouting(server.address, admin_token, sizes, server)
        figures += [Figure(names[key], backend, measured[key], floor[key], kinds.get(key, "time")) for key in names]
    return figures


async def _measure(
    sizes: Sizes,
    backends: list[str],
    profile_dir: Path | None,
    main_figures: bool,
    with_desks: bool,
    many_desks: bool,
) -> tuple[list[Figure], list[tuple[str, desks.ManyDesks | None, desks.Storm]]]:
    """The main table and the desks' in one event loop (see `run`)."""
    figures = await run(sizes, backends, profile_dir) if main_figures else []
    return figures, await run_desks(sizes, backends, many_desks) if with_desks else []


async def run_desks(
    sizes: Sizes, backends: list[str], many_desks: bool = True
) -> list[tuple[str, desks.ManyDesks | None, desks.Storm]]:
    """Many desks on one instance (unless not `many_desks`), then a reconnect storm after a restart, on each
    backend."""
    admin_token = f"pra_{secrets.token_urlsafe(32)}"
    env = _server_environment(admin_token, max_concurrent_rpcs=DESK_BENCH_CONCURRENT_RPCS)
    found = []
    for backend in backends:
        many = None
        if many_desks:
            with (
                processes.running(processes.bare_command()) as bare,
                _database(backend) as url,
                processes.running(processes.pullrouting_command(url), env) as server,
            ):
                many = await desks.measure_many(sizes.desks, bare, server, admin_token)
        with processes.running(processes.bare_command()) as bare, _database(backend) as url:
            with processes.running(processes.pullrouting_command(url), env) as server:
                tokens, auth_of = await desks.prepare_storm(sizes.storm, server, admin_token)
            with processes.running(processes.pullrouting_command(url), env) as restarted:
                storm = await desks.measure_storm(tokens, auth_of, bare, restarted)
        found.append((backend, many, storm))
    return found


def _counts(by_status: dict[str, int]) -> str:
    return ", ".join(f"{count} {status}" for status, count in sorted(by_status.items())) or "none"


def _cpu(cpu: desks.Cpu) -> str:
    return f"{cpu.server_s:,.1f} / {cpu.client_s:,.1f}"


def desks_table(found: list[tuple[str, desks.ManyDesks | None, desks.Storm]]) -> str:
    lines = [
        "| figure | database | pullrouting | bare gRPC | ratio |",
        "| --- | --- | ---: | ---: | ---: |",
    ]

    def row(name: str, backend: str, measured: float, bare: float) -> None:
        ratio = f"{measured / bare:.2f}" if bare else "-"
        lines.append(f"| {name} | {backend} | {measured:,.1f} | {bare:,.1f} | {ratio} |")

    for backend, many, storm in found:
        if many is not None:
            row(f"{many.desks:,} desks open: memory per desk (KB)", backend, many.kb_per_desk, many.kb_per_bare_stream)
            row(f"{many.desks:,} desks open: RSS (MB)", backend, many.rss_mb, many.bare_rss_mb)
            row(f"fan-out to {many.desks:,} desks, p50 (ms)", backend, many.p50_ms, many.bare_p50_ms)
            row(f"fan-out to {many.desks:,} desks, p99 (ms)", backend, many.p99_ms, many.bare_p99_ms)
        row(
            f"reconnect storm: last of {storm.desks:,} desks {desks.EVENTS_BEHIND} events behind caught up (s)",
            backend,
            storm.last_caught_up_s,
            storm.bare_last_s,
        )
        lines.append(
            f"| reconnect storm: peak RSS {storm.peak_rss_mb:,.1f} MB, reconnects ended before their first event "
            f"and made again: {_counts(storm.refused)}, health p99 {storm.health_p99_ms:,.1f} ms over "
            f"{storm.health_samples} checks | {backend} | | | |"
        )
        fan_out = f"fan-out {_cpu(many.cpu)}, bare {_cpu(many.bare_cpu)}; " if many is not None else ""
        lines.append(
            f"| CPU seconds (server / client): {fan_out}storm {_cpu(storm.cpu)}, bare {_cpu(storm.bare_cpu)} "
            f"| {backend} | | | |"
        )
    return "\n".join(lines)


async def run_instructions(
    backends: list[str], calls: int, what: str, keep: Path | None
) -> list[instructions.Instructions]:
    admin_token = f"pra_{secrets.token_urlsafe(32)}"
    found = []
    for backend in backends:
        with _database(backend) as url:
            environment = _server_environment(admin_token)
            if what == instructions.DESKS:
                found += await instructions.measure_desks(backend, url, environment, calls, INGEST_WORKERS, keep)
            else:
                found.append(await instructions.measure(backend, url, environment, calls, INGEST_WORKERS))
    return found


async def run_scale_out(sizes: Sizes, delay_each_way: float) -> tuple[float, list[scale_out.ScaleOutFigure]]:
    """The database round trip through the delaying proxy, and the rate of 1 and 2 instances behind it."""
    admin_token = f"pra_{secrets.token_urlsafe(32)}"
    found = []
    for instances in (1, 2):
        with _database("postgresql") as url:
            found.append(
                await scale_out.measure(
                    url,
                    instances,
                    sizes.scale_out_calls,
                    _server_environment(admin_token),
                    admin_token,
                    delay_each_way,
                )
            )
    with _database("postgresql") as url, scale_out.delayed(url, delay_each_way) as through_proxy:
        round_trip = scale_out.round_trip_ms(through_proxy)
    return round_trip, found


def scale_out_table(round_trip: float, figures: list[scale_out.ScaleOutFigure], delay_each_way: float) -> str:
    lines = [
        f"PostgreSQL behind a proxy delaying {delay_each_way * 1000:.2f} ms each way "
        f"(SELECT 1 round trip {round_trip:.2f} ms), {scale_out.WRITERS} writers opening new requests:",
        "| instances | new requests per s | events per s |",
        "| ---: | ---: | ---: |",
    ]
    for figure in figures:
        lines.append(f"| {figure.instances} | {figure.requests_per_second:,.1f} | {figure.events_per_second:,.1f} |")
    return "\n".join(lines)


def _ratio(figure: Figure) -> float:
    return figure.pullrouting / figure.bare if figure.bare else float("inf")


def table(figures: list[Figure]) -> str:
    lines = [
        "| figure | database | pullrouting | bare gRPC | ratio |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for figure in figures:
        lines.append(
            f"| {figure.name} | {figure.database} | {figure.pullrouting:,.1f} | {figure.bare:,.1f} "
            f"| {_ratio(figure):.2f} |"
        )
    return "\n".join(lines)


def _postgres_reachable() -> bool:
    try:
        create_engine(POSTGRES_URL).connect().close()
    except OperationalError:
        return False
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller counts: about a minute per database")
    size.add_argument("--smoke", action="store_true", help="toy counts, every code path (for the smoke test)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record py-spy profiles of the server here (with --instructions --what desks: callgrind's dumps)",
    )
    parser.add_argument(
        "--scale-out",
        choices=("on", "off", "only"),
        default="on",
        help="PostgreSQL: also (or only) 1 and 2 instances behind a delaying proxy (default on)",
    )
    parser.add_argument(
        "--desks",
        choices=("on", "off", "only", "storm"),
        default="on",
        help="also (or only) many desks on one instance and a reconnect storm (default on); storm: the storm alone",
    )
    parser.add_argument(
        "--proxy-delay-ms",
        type=float,
        default=scale_out.DELAY_EACH_WAY * 1000,
        help="the scale-out proxy's delay each way, in ms (default 0.5); 1.15 gives a 2.6 ms round trip here",
    )
    parser.add_argument(
        "--instructions",
        type=int,
        metavar="CALLS",
        help="only count the instructions per call under callgrind, over CALLS calls (e.g. 800; see --what)",
    )
    parser.add_argument(
        "--what",
        choices=(instructions.NEW_REQUESTS, instructions.DESKS),
        default=instructions.NEW_REQUESTS,
        help="with --instructions: new requests (PostCustomerMessage), or desks opened and reopened with their "
        "tokens (WatchDesk)",
    )
    arguments = parser.parse_args(argv)
    sizes = SMOKE if arguments.smoke else QUICK if arguments.quick else FULL
    backends = arguments.backends.split(",")
    if "postgresql" in backends and not _postgres_reachable():
        print(f"PostgreSQL is not reachable at {POSTGRES_URL}: measuring SQLite only", file=sys.stderr)
        backends.remove("postgresql")
    if arguments.instructions is not None:
        if not instructions.available():
            parser.error("--instructions needs valgrind (callgrind_control comes with it)")
        print(
            instructions.table(
                asyncio.run(run_instructions(backends, arguments.instructions, arguments.what, arguments.profile))
            )
        )
        return
    desks_alone = arguments.desks in ("only", "storm")
    main_figures = arguments.scale_out != "only" and not desks_alone
    with_desks = arguments.desks != "off" and arguments.scale_out != "only"
    figures, desk_figures = asyncio.run(
        _measure(sizes, backends, arguments.profile, main_figures, with_desks, many_desks=arguments.desks != "storm")
    )
    scaled = None
    if "postgresql" in backends and arguments.scale_out != "off" and not desks_alone:
        scaled = asyncio.run(run_scale_out(sizes, arguments.proxy_delay_ms / 1000))
    print(f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}")
    print(f"command: {shlex.join(['python', '-m', 'bench', *(argv if argv is not None else sys.argv[1:])])}")
    if figures:
        print(table(figures))
    if desk_figures:
        print(desks_table(desk_figures))
    if scaled is not None:
        print(scale_out_table(*scaled, arguments.proxy_delay_ms / 1000))
    if arguments.json is not None:
        arguments.json.write_text(json.dumps([asdict(figure) for figure in figures], indent=2))


if __name__ == "__main__":
    main()
