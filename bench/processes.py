"""The servers under measurement, each in a process of its own so the load generator does not share their
event loop: started, waited for on the `serving on HOST:PORT` line they print, measured through /proc."""

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

VENV_BIN = Path(sys.prefix) / "bin"
SERVING_LINE = r"serving on (\S+)"
START_DEADLINE = 60.0
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system, all threads) process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    address: str
    output: list[str]

    def memory_mb(self, field: str) -> float:
        """A /proc/PID/status memory field in MB: VmRSS now, VmHWM the peak so far."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        raise LookupError(f"{field} not in /proc/{self.process.pid}/status")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)


@contextmanager
def running(
    command: list[str], env: dict[str, str] | None = None, ready: str = SERVING_LINE, deadline: float = START_DEADLINE
) -> Iterator[ServerProcess]:
    """Starts `command`, waits up to `deadline` seconds for its serving line (`ready`, the address in its
    group), and terminates it on the way out."""
    ready_line = re.compile(ready)
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output: list[str] = []
    found = threading.Event()
    address: list[str] = []

    def read() -> None:
        # Keeps draining after the serving line, so a chatty server never blocks on a full pipe.
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            match = ready_line.search(line)
            if match and not found.is_set():
                address.append(match.group(1))
                found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not found.wait(deadline) or not address:
            raise RuntimeError(f"{command[0]} did not start:\n{''.join(output)}")
        yield ServerProcess(process, address[0], output)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(5)


@contextmanager
def running_all(commands: list[list[str]], env: dict[str, str] | None = None) -> Iterator[list[ServerProcess]]:
    """Starts each command in turn (each after the one before serves), and terminates them all."""
    with ExitStack() as stack:
        yield [stack.enter_context(running(command, env)) for command in commands]


def bare_command() -> list[str]:
    return [sys.executable, "-m", "bench.bare", "--listen", "127.0.0.1:0"]


def pullrouting_command(database_url: str) -> list[str]:
    return [str(VENV_BIN / "pullrouting"), "serve", "--listen", "127.0.0.1:0", "--database", database_url]
