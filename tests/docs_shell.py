"""Shell lines printed in the documentation, taken out of their fenced blocks and run as a reader pastes them."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# Where the grpcurl walkthroughs are printed.
GRPCURL_DOC = DOCS / "grpcurl.md"
# The address the documented lines are printed with; tests point them at their own server instead.
PRINTED_ADDRESS = "127.0.0.1:50051"
COMMAND_DEADLINE = 30


def fenced_block(text: str, tag: str) -> str:
    """The body of the fenced block whose info string is `sh <tag>`."""
    blocks = re.findall(rf"^```sh {re.escape(tag)}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, f"expected one ```sh {tag} block, found {len(blocks)}"
    return blocks[0]


def shell_commands(text: str) -> list[str]:
    """The commands in a shell text: backslash continuations joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def run(command: str | list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Runs a shell line through bash (as a reader pastes it), or an argument list as is."""
    argv = ["bash", "-c", command] if isinstance(command, str) else command
    return subprocess.run(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=COMMAND_DEADLINE
    )


def printed_lines(tag: str, address: str) -> list[str]:
    """The commands of the docs/grpcurl.md block `tag`, pointed at `address`."""
    lines = shell_commands(fenced_block(GRPCURL_DOC.read_text(), tag))
    return [line.replace(PRINTED_ADDRESS, address) for line in lines]


def run_lines(lines: list[str], env: dict[str, str], cwd: Path) -> dict[str, str]:
    """Runs the lines in one bash, as a reader pastes them; returns the environment they export."""
    script = "set -e\n" + "\n".join(lines) + "\nenv -0\n"
    result = run(script, env, cwd)
    assert result.returncode == 0, result.stderr
    return dict(item.split("=", 1) for item in result.stdout.split("\0") if "=" in item)
