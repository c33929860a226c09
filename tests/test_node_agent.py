"""clients/node/agent.js (on @pullrouting/client: generated stubs, no protos loaded at run time) against a
real server: it subscribes, watches L1, joins the request a customer posts, writes, closes; the server's
records say so. The `node` fixture installs the npm workspaces (`npm ci`) and builds the client package."""

import asyncio
import json
import os
from pathlib import Path

from scenario import create_scenario, stored_events
from sqlalchemy import create_engine, select
from support import Server, within

from pullrouting.store.tables import messages, subscriptions
from pullrouting.v1 import admin_service_pb2, conversation_pb2

NODE_CLIENT = Path(__file__).resolve().parent.parent / "clients" / "node"
DEADLINE = 30.0


def rows(database_url: str, query) -> list:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(query))
    finally:
        engine.dispose()


async def read_step(process: asyncio.subprocess.Process) -> dict:
    assert process.stdout is not None
    line = await within(DEADLINE, process.stdout.readline())
    assert line, f"the agent ended early: {(await process.stderr.read()).decode() if process.stderr else ''}"
    return json.loads(line)


async def test_the_node_agent_joins_writes_and_closes(server: Server, node: str):
    scenario = await create_scenario(server, agents=1, subscribe=False)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULLROUTING_")}
    process = await asyncio.create_subprocess_exec(
        node, "agent.js", "--address", server.address, "--list", scenario.list, "--message", "Hi from Node",
        cwd=NODE_CLIENT, env={**env, "PULLROUTING_AGENT_TOKEN": scenario.agents[0].token},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert await read_step(process) == {"step": "subscribed", "list": scenario.list}
        assert await read_step(process) == {"step": "synced", "list": scenario.list}
        # The request lands while the agent watches.
        name = (await scenario.post("Is my order shipped?", customer_id="fb-user-9")).conversation.name
        steps = [await read_step(process) for _ in range(4)]
        assert await within(DEADLINE, process.wait()) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    found = {"step": "found", "conversation": name, "customer": "fb-user-9", "state": "CONVERSATION_STATE_UNREAD"}
    assert steps[0] == found
    assert steps[1] == {"step": "joined", "conversation": name, "state": "CONVERSATION_STATE_ACTIVE"}
    assert (steps[2]["step"], steps[2]["text"]) == ("sent", "Hi from Node")
    assert steps[3] == {
        "step": "closed",
        "conversation": name,
        "state": "CONVERSATION_STATE_CLOSED",
        "close_reason": "CLOSE_REASON_AGENT",
    }

    # What the server recorded: the subscription, the agent's message, and the close by that agent.
    assert rows(server.database_url, select(subscriptions.c.agent_id, subscriptions.c.list_id)) == [("agent-1", "l1")]
    agent_messages = select(messages.c.agent_id, messages.c.text).where(messages.c.agent_id.is_not(None))
    assert rows(server.database_url, agent_messages) == [("agent-1", "Hi from Node")]
    closed = (
        await scenario.admin.GetConversation(admin_service_pb2.AdminServiceGetConversationRequest(name=name))
    ).conversation
    assert (closed.state, closed.close_reason, closed.message_count) == (
        conversation_pb2.CONVERSATION_STATE_CLOSED,
        conversation_pb2.CLOSE_REASON_AGENT,
        2,
    )
    closing = [
        e for e in stored_events(server.database_url) if (e.kind, e.type) == ("conversation", "CONVERSATION_CLOSED")
    ]
    assert [e.agent_id for e in closing] == ["agent-1"]
