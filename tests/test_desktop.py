"""The terminal agent desk, driven by Textual's headless test driver against a real server, on one WatchDesk
stream: log in, the Lists by display name with live counts, the queue with waiting times and a bell on alerts,
join, a timestamped chat, unread markers, keeping the agent's own chats when it unsubscribes, a refused join
that changes nothing, a confirmed close, the help screen, and a reply typed during an outage sent once."""

import re
import socket
from collections.abc import Callable

import pytest
from scenario import create_scenario, join, participant_rows, stored_events
from sqlalchemy import create_engine, select
from support import Server, serve, within
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Log, Static

from pullrouting.store.tables import messages
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, supervisor_service_pb2
from pullrouting_client import connect
from pullrouting_client.desktop.app import ConfirmScreen, DesktopApp, HelpScreen, LoginScreen

DEADLINE = 15.0
# A chat line: `[14:05:09] who: text`.
TIMESTAMPED = re.compile(r"^\[\d\d:\d\d:\d\d\] ")


async def until(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    """Lets the app run until `condition` holds; fails with `what` past the deadline."""

    async def wait() -> None:
        while not condition():
            await pilot.pause()

    try:
        await within(DEADLINE, wait())
    except TimeoutError:
        app = pilot.app
        chat_lines = list(app.query_one("#chat", Log).lines) if isinstance(app, DesktopApp) else []
        pytest.fail(
            f"not within {DEADLINE} s: {what} (status: {app.query_one('#status', Static).content}; chat: {chat_lines})"
        )


def rows(app: DesktopApp, table_id: str) -> list[list[str]]:
    table = app.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def column(app: DesktopApp, table_id: str, index: int) -> list[str]:
    return [row[index] for row in rows(app, table_id)]


def chat(app: DesktopApp) -> list[str]:
    """The chat pane's lines without their timestamps (each line must have one)."""
    lines = list(app.query_one("#chat", Log).lines)
    assert all(TIMESTAMPED.match(line) for line in lines), lines
    return [TIMESTAMPED.sub("", line) for line in lines]


def said(app: DesktopApp) -> list[str]:
    """The messages of the chat pane, without the lines about joins, leaves and states."""
    return [line for line in chat(app) if not line.startswith("-- ")]


def status(app: DesktopApp) -> str:
    return str(app.query_one("#status", Static).content)


def agent_messages(database_url: str, agent_id: str = "agent-1") -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(messages.c.text).where(messages.c.agent_id == agent_id)))
    finally:
        engine.dispose()


def desk(server_address: str, channels: list, **options: float) -> DesktopApp:
    def open_channel(token: str):
        channel = connect(server_address, token)
        channels.append(channel)
        return channel

    return DesktopApp(open_channel, **options)


async def log_in(pilot: Pilot, app: DesktopApp, token: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
    app.screen.query_one("#token", Input).value = token
    await pilot.press("enter")
    await until(pilot, lambda: app.connection == "live" and "live" in status(app), "the desk's stream")


async def test_an_agent_works_a_request_from_the_desk(server: Server):
    scenario = await create_scenario(server, agents=2, subscribe=False)
    alice, bob = scenario.agents
    channels: list = []
    app = desk(server.address, channels)
    async with app.run_test(size=(160, 50)) as pilot:
        # Log in: a wrong token is refused on the login screen, the agent's own is taken.
        await until(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        app.screen.query_one("#token", Input).value = "prg_not-a-token"
        await pilot.press("enter")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, LoginScreen)
                and "TOKEN_INVALID" in str(app.screen.query_one("#login-problem", Static).content)
            ),
            "the login refused",
        )
        app.screen.query_one("#token", Input).value = alice.token
        await pilot.press("enter")
        await until(pilot, lambda: rows(app, "#lists") == [["L1", "no", "0", "0", "0"]], "the entitled List")

        # `?` shows the keys; Esc closes the help.
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        assert "join the highlighted request" in str(app.screen.query_one("#help", Static).content)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen), "the help closing")

        # Subscribe with `s`; a request then arrives live in the queue, with the List's display name, its
        # waiting time and state, and the desk rings: a new request is an alert.
        await pilot.press("s")
        await until(pilot, lambda: rows(app, "#lists") == [["L1", "yes", "0", "0", "0"]], "the subscription")
        posted = await scenario.post("Is my order shipped?", customer_id="fb-user-42")
        name = posted.conversation.name
        await until(pilot, lambda: len(rows(app, "#requests")) == 1, "the request")
        waiting, _priority, customer, list_name, state, agents, last = rows(app, "#requests")[0]
        assert re.fullmatch(r"\d+s", waiting), waiting
        assert (customer, list_name, state, agents, last) == ("Customer", "L1", "UNREAD", "-", "Is my order shipped?")
        assert app.bells == 1
        await until(pilot, lambda: rows(app, "#lists") == [["L1", "yes", "1", "0", "0"]], "the unread count")

        # Join with `j`: the chat opens with the transcript, timestamped, and the message box takes the focus.
        app.query_one("#requests", DataTable).focus()
        await pilot.press("j")
        await until(pilot, lambda: said(app) == ["Customer: Is my order shipped?"], "the transcript")
        assert app.current == name
        assert app.focused is app.query_one("#message", Input)
        await until(pilot, lambda: column(app, "#mine", 1) == ["Customer"], "the conversation under mine")
        await until(pilot, lambda: rows(app, "#lists") == [["L1", "yes", "0", "1", "0"]], "the active count")

        # A reply is sent to the open chat's customer; the customer's answer shows, and is read at once.
        await pilot.press(*"Let me check.", "enter")
        await until(pilot, lambda: "agent-1: Let me check." in chat(app), "the agent's message")
        assert agent_messages(server.database_url) == ["Let me check."]
        await scenario.post("Thanks!", customer_id="fb-user-42")
        await until(pilot, lambda: chat(app)[-1:] == ["Customer: Thanks!"], "the customer's reply")
        await until(pilot, lambda: column(app, "#mine", 0) == [""], "no unread marker on the open chat")

        # Esc leaves the message box: the desk's keys work again (here `s`, on the Lists).
        await pilot.press("escape")
        assert app.focused is app.query_one("#mine", DataTable)
        app.query_one("#lists", DataTable).focus()
        await pilot.press("s")
        await until(pilot, lambda: rows(app, "#lists")[0][1] == "no", "the unsubscription")
        # The request leaves the queue, but the agent's own conversation stays, and its messages still come.
        await until(pilot, lambda: rows(app, "#requests") == [], "the queue emptied")
        assert column(app, "#mine", 1) == ["Customer"]
        await scenario.post("Hello?", customer_id="fb-user-42")
        await until(pilot, lambda: chat(app)[-1:] == ["Customer: Hello?"], "a message after unsubscribing")
        await bob.stub.Subscribe(agent_service_pb2.SubscribeRequest(list=scenario.list))
        await join(bob, name)
        await until(pilot, lambda: chat(app)[-1:] == ["-- agent-2 joined"], "the other agent joining")

        # Close with `c`: it asks first; `n` keeps the conversation, `y` closes it.
        app.query_one("#mine", DataTable).focus()
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the confirmation declined")
        assert participant_rows(server.database_url, name.rpartition("/")[2]) == ["agent-1", "agent-2"]
        # Closing needs a subscription: subscribe again, then confirm.
        app.query_one("#lists", DataTable).focus()
        await pilot.press("s")
        await until(pilot, lambda: rows(app, "#lists")[0][1] == "yes", "subscribed again")
        app.query_one("#mine", DataTable).focus()
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: rows(app, "#mine") == [] and app.current is None, "the conversation closed")
        assert chat(app)[-1] == "-- closed by agent-1 (AGENT)"

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


async def test_a_refused_join_leaves_the_open_chat_and_unread_markers_show_per_chat(server: Server):
    scenario = await create_scenario(server, agents=2, max_participants=1)
    alice, bob = scenario.agents
    first = (await scenario.post("First customer", customer_id="first")).conversation.name
    second = (await scenario.post("Second customer", customer_id="second")).conversation.name
    taken = (await scenario.post("Taken", customer_id="taken")).conversation.name
    await join(alice, first)
    await join(alice, second)
    await join(bob, taken)
    channels: list = []
    app = desk(server.address, channels)
    async with app.run_test(size=(160, 50)) as pilot:
        await log_in(pilot, app, alice.token)
        await until(pilot, lambda: len(rows(app, "#mine")) == 2, "both of her conversations")
        # Both unread, each with its marker.
        assert column(app, "#mine", 0) == ["● 1", "● 1"]
        mine_table = app.query_one("#mine", DataTable)
        mine_table.focus()
        mine_table.move_cursor(row=app._mine_order.index(first))
        await pilot.press("enter")
        await until(pilot, lambda: said(app) == ["Customer: First customer"], "the first chat")
        await until(pilot, lambda: sorted(column(app, "#mine", 0)) == ["", "● 1"], "the first chat read")

        # A refused join (the List is full) moves neither the chat nor the focus: a reply still goes to `first`.
        queue = app.query_one("#requests", DataTable)
        queue.focus()
        await until(pilot, lambda: taken in app._request_order, "the taken request in the queue")
        queue.move_cursor(row=app._request_order.index(taken))
        await pilot.press("j")
        await until(pilot, lambda: "LIST_FULL" in status(app), "the refusal")
        assert (app.current, app.focused) == (first, queue)

        # A message on the other conversation raises its marker, not the open one's.
        await scenario.post("Anyone?", customer_id="second")
        await until(pilot, lambda: sorted(column(app, "#mine", 0)) == ["", "● 2"], "the other chat's marker")
    for channel in channels:
        await channel.close()


async def test_a_reply_typed_while_the_server_is_down_is_sent_once_when_it_is_back(tmp_path):
    database_url = f"sqlite:///{tmp_path}/outage.db"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    first_run = serve(database_url, port=port)
    first = await anext(first_run)
    scenario = await create_scenario(first, agents=1)
    name = (await scenario.post("Hello?")).conversation.name
    await join(scenario.agents[0], name)
    channels: list = []
    # Short call deadlines: the send made during the outage fails, and waits, within the test's time.
    app = desk(first.address, channels, call_timeout=0.5)
    async with app.run_test(size=(160, 50)) as pilot:
        await log_in(pilot, app, scenario.agents[0].token)
        app.query_one("#mine", DataTable).focus()
        await pilot.press("enter")
        await until(pilot, lambda: said(app) == ["Customer: Hello?"], "the chat")

        await first_run.aclose()  # the server stops
        await until(pilot, lambda: app.connection == "reconnecting", "the outage noticed")
        await pilot.press(*"Sorry for the wait", "enter")
        await until(pilot, lambda: "reply kept" in status(app), "the reply kept")
        assert "Sorry for the wait" in str(app.query_one("#pending", Static).content)

        second_run = serve(database_url, port=port)
        await anext(second_run)
        try:
            await until(pilot, lambda: not app.pending, "the reply sent")
            await until(pilot, lambda: "agent-1: Sorry for the wait" in chat(app), "the reply in the chat")
        finally:
            for channel in channels:
                await channel.close()
            await second_run.aclose()
    assert agent_messages(database_url) == ["Sorry for the wait"]


async def test_a_supervisor_who_barges_in_writes_and_leaves_on_the_desk(server: Server):
    scenario = await create_scenario(server, agents=1)
    sam = await scenario.add_supervisor("sam", [scenario.list])
    name = (await scenario.post("Is my order shipped?", customer_id="fb-user-42")).conversation.name
    channels: list = []
    app = desk(server.address, channels)
    async with app.run_test(size=(160, 50)) as pilot:
        await log_in(pilot, app, scenario.agents[0].token)
        await until(pilot, lambda: len(rows(app, "#requests")) == 1, "the request")
        app.query_one("#requests", DataTable).focus()
        await pilot.press("j")
        await until(pilot, lambda: said(app) == ["Customer: Is my order shipped?"], "the transcript")

        await sam.stub.BargeIn(supervisor_service_pb2.BargeInRequest(name=name))
        await sam.stub.SendMessage(
            supervisor_service_pb2.SupervisorServiceSendMessageRequest(name=name, text="Sam here: it ships today")
        )
        await sam.stub.LeaveConversation(supervisor_service_pb2.SupervisorServiceLeaveConversationRequest(name=name))

        await until(pilot, lambda: "-- sam (supervisor) left" in chat(app), "the supervisor's leave")
        lines = chat(app)
        assert lines.index("-- sam (supervisor) joined") < lines.index("sam (supervisor): Sam here: it ships today")
        assert lines.index("sam (supervisor): Sam here: it ships today") < lines.index("-- sam (supervisor) left")
    for channel in channels:
        await channel.close()
