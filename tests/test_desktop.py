"""The terminal agent desktop, driven by Textual's headless test driver against a real server: log in, see
the Lists with live counts, subscribe, see a request arrive, join, chat, leave, close."""

from collections.abc import Callable

import pytest
from scenario import create_scenario, join, participant_rows, stored_events
from sqlalchemy import create_engine, select
from support import Server, within
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Log, Static

from pullrouting.store.tables import messages
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2
from pullrouting_client import connect
from pullrouting_client.desktop.app import DesktopApp, LoginScreen

DEADLINE = 15.0


async def until(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    """Lets the app run until `condition` holds; fails with `what` past the deadline."""

    async def wait() -> None:
        while not condition():
            await pilot.pause()

    try:
        await within(DEADLINE, wait())
    except TimeoutError:
        pytest.fail(f"not within {DEADLINE} s: {what}")


def rows(app: DesktopApp, table_id: str) -> list[list[str]]:
    table = app.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def chat(app: DesktopApp) -> list[str]:
    return list(app.query_one("#chat", Log).lines)


def agent_messages(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(messages.c.text).where(messages.c.agent_id == "agent-1")
            return list(connection.scalars(query))
    finally:
        engine.dispose()


async def test_an_agent_works_a_request_from_the_desktop(server: Server):
    scenario = await create_scenario(server, agents=2, subscribe=False)
    alice, bob = scenario.agents
    channels = []

    def open_channel(token: str):
        channel = connect(server.address, token)
        channels.append(channel)
        return channel

    app = DesktopApp(open_channel)
    async with app.run_test(size=(150, 45)) as pilot:
        # Log in: a wrong token is refused on the login screen, the agent's own is taken.
        await until(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        token_box = app.screen.query_one("#token", Input)
        token_box.value = "prg_not-a-token"
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, LoginScreen)
            and "TOKEN_INVALID" in str(app.screen.query_one("#login-problem", Static).content),
            "the login refused",
        )
        app.screen.query_one("#token", Input).value = alice.token
        await pilot.press("enter")
        await until(pilot, lambda: rows(app, "#lists") == [["L1", "no", "0", "0", "0"]], "the entitled List")

        # Subscribe to L1 with `s`; the request a customer then posts arrives live, and the counts follow.
        await pilot.press("s")
        await until(pilot, lambda: rows(app, "#lists") == [["L1", "yes", "0", "0", "0"]], "the subscription")
        posted = await scenario.post("Is my order shipped?", customer_id="fb-user-42")
        name = posted.conversation.name
        await until(pilot, lambda: rows(app, "#requests") == [["Customer", "l1", "UNREAD", "-", "1"]], "the request")
        await until(pilot, lambda: rows(app, "#lists") == [["L1", "yes", "1", "0", "0"]], "the unread count")

        # Join with `j`: the chat opens with the customer's message, then live events.
        app.query_one("#requests", DataTable).focus()
        await pilot.press("j")
        await until(pilot, lambda: chat(app)[-1:] == ["-- live"], "the chat history")
        assert chat(app) == ["Customer: Is my order shipped?", "-- live"]
        assert app.current == name
        await until(pilot, lambda: rows(app, "#lists") == [["L1", "yes", "0", "1", "0"]], "the active count")

        # Chat: what the agent types is sent; what the customer writes back shows as it happens.
        message_box = app.query_one("#message", Input)
        message_box.value = "Let me check."
        message_box.focus()
        await pilot.press("enter")
        await until(pilot, lambda: "agent-1: Let me check." in chat(app), "the agent's message")
        assert agent_messages(server.database_url) == ["Let me check."]
        await scenario.post("Thanks!", customer_id="fb-user-42")
        await until(pilot, lambda: chat(app)[-1:] == ["Customer: Thanks!"], "the customer's reply")
        await bob.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
        await join(bob, name)
        await until(pilot, lambda: chat(app)[-1:] == ["-- agent-2 joined"], "the other agent joining")

        # Leave with `l`: the chat ends; the request stays, with the other agent in it.
        app.query_one("#requests", DataTable).focus()
        await pilot.press("l")
        await until(pilot, lambda: app.current is None, "the chat ending")
        assert chat(app)[-1] == "-- agent-1 left"
        assert participant_rows(server.database_url, name.rpartition("/")[2]) == ["agent-2"]
        await until(pilot, lambda: rows(app, "#requests")[0][3] == "agent-2", "the participants update")

        # Close with `c` (the highlighted request): it leaves the List.
        await pilot.press("c")
        await until(pilot, lambda: rows(app, "#requests") == [], "the request leaving the List")
        await until(pilot, lambda: rows(app, "#lists") == [["L1", "yes", "0", "0", "0"]], "the counts after close")

    for channel in channels:
        await channel.close()
    closed = await scenario.admin.GetConversation(admin_service_pb2.AdminServiceGetConversationRequest(name=name))
    assert (closed.conversation.state, closed.conversation.close_reason) == (
        conversation_pb2.CONVERSATION_STATE_CLOSED,
        conversation_pb2.CLOSE_REASON_AGENT,
    )
    closing = [
        e for e in stored_events(server.database_url) if (e.kind, e.type) == ("conversation", "CONVERSATION_CLOSED")
    ]
    assert [e.agent_id for e in closing] == ["agent-1"]
