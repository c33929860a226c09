"""`pullrouting-connector-demo` as the README's tour runs it, against a real server: `setup` prints working
tokens (again on a second run), `run` posts comments with idempotent retries and prints the agents' replies."""

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from support import ADMIN_TOKEN, Server, within

from pullrouting.store.tables import conversations, messages
from pullrouting_client import AgentClient, connect
from pullrouting_client.demo_setup import LIST

DEMO = Path(sys.prefix) / "bin" / "pullrouting-connector-demo"
DEADLINE = 20.0
EXPORT_LINE = re.compile(r"^export (PULLROUTING_\w+_TOKEN)=(\S+)$", re.MULTILINE)


def environment(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULLROUTING_")}
    return {**env, **values}


async def setup(server: Server) -> dict[str, str]:
    """Runs `setup`; the tokens its export lines set."""
    process = await asyncio.create_subprocess_exec(
        str(DEMO), "--address", server.address, "setup",
        env=environment(PULLROUTING_ADMIN_TOKEN=ADMIN_TOKEN),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await within(DEADLINE, process.communicate())
    assert process.returncode == 0, err.decode()
    return dict(EXPORT_LINE.findall(out.decode()))


def count(database_url: str, table) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        engine.dispose()


class Demo:
    """A running `pullrouting-connector-demo run`, read line by line with deadlines."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def line_with(self, text: str) -> str:
        async def read() -> str:
            assert self.process.stdout is not None
            while True:
                line = (await self.process.stdout.readline()).decode()
                assert line, f"the demo ended before printing {text!r}:\n{''.join(self.lines)}"
                self.lines.append(line)
                if text in line:
                    return line.rstrip("\n")

        return await within(DEADLINE, read())


async def test_setup_prints_working_tokens_and_can_run_again(server: Server):
    first = await setup(server)
    assert set(first) == {"PULLROUTING_AGENT_TOKEN", "PULLROUTING_INGESTOR_TOKEN"}
    again = await setup(server)
    # The second run replaces the tokens: the old agent token stops working, the new one sees L1.
    assert again["PULLROUTING_AGENT_TOKEN"] != first["PULLROUTING_AGENT_TOKEN"]
    channel = connect(server.address, again["PULLROUTING_AGENT_TOKEN"])
    try:
        assert [summary.list.name for summary in await AgentClient(channel).list_lists()] == [LIST]
    finally:
        await channel.close()


async def test_the_connector_posts_idempotently_and_prints_the_agents_replies(server: Server):
    tokens = await setup(server)
    process = await asyncio.create_subprocess_exec(
        str(DEMO), "--address", server.address, "run", "--comments", "3", "--interval", "0",
        env=environment(PULLROUTING_INGESTOR_TOKEN=tokens["PULLROUTING_INGESTOR_TOKEN"]),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    demo = Demo(process)
    channel = connect(server.address, tokens["PULLROUTING_AGENT_TOKEN"])
    try:
        first = await demo.line_with("from Dana")
        name = re.search(r"-> (conversations/\S+) \(new request\)", first)
        assert name is not None, first
        assert "same message, no duplicate" in await demo.line_with("retry of")
        assert "(new request)" in await demo.line_with("from Lee")
        await demo.line_with("retry of")
        assert f"-> {name.group(1)} (added to the open request)" in await demo.line_with("from Dana")
        assert "same message, no duplicate" in await demo.line_with("retry of")
        # Three comments, each posted twice: two requests, three messages.
        assert count(server.database_url, conversations) == 2
        assert count(server.database_url, messages) == 3

        agent = AgentClient(channel)
        await agent.subscribe(LIST)
        await agent.join(name.group(1))
        await agent.send(name.group(1), "It left our warehouse this morning.")
        assert 'reply to Dana (fb-user-1001) from alice: "It left our warehouse this morning."' in await demo.line_with(
            "reply to"
        )
        await agent.close(name.group(1))
        assert await demo.line_with("closed") == f"{name.group(1)} with Dana (fb-user-1001) closed (AGENT)"
    finally:
        await channel.close()
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    assert await within(DEADLINE, process.wait()) == 0


@pytest.mark.parametrize("command", ["run", "setup"])
async def test_the_demo_says_which_token_it_needs(command):
    process = await asyncio.create_subprocess_exec(
        str(DEMO), command, env=environment(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await within(DEADLINE, process.communicate())
    assert process.returncode == 2
    assert ("PULLROUTING_INGESTOR_TOKEN" if command == "run" else "PULLROUTING_ADMIN_TOKEN") in err.decode()
