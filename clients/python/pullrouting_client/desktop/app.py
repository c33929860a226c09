"""The terminal agent desktop: log in with a token, see the entitled Lists with live counts per state,
subscribe, see requests arrive live, join, chat, leave and close.

Keys (with a table focused; Tab moves between panes): `s` subscribes to or unsubscribes from the highlighted
List, `j` joins the highlighted request and opens its chat, `l` leaves the open chat, `c` closes the open chat
(or, with none open, the highlighted request), Enter in the message box sends, Ctrl+Q quits.
"""

import argparse
import functools
import os
from collections.abc import Awaitable, Callable
from typing import ClassVar

import grpc
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Log, Static

from pullrouting.v1 import agent_service_pb2, conversation_pb2, events_pb2
from pullrouting_client.agent import AgentClient
from pullrouting_client.desktop.view import chat_line, list_row, request_row, short
from pullrouting_client.errors import PullroutingError
from pullrouting_client.options import add_connection_options, open_channel

L = events_pb2.ListEventType
# Opens a channel that carries this agent token.
ChannelFactory = Callable[[str], grpc.aio.Channel]


def describe(error: PullroutingError) -> str:
    return f"{error.reason or error.status.name}: {error.message}"


class LoginScreen(Screen[str]):
    """Asks for the agent token (the one CreateAgent or RotateAgentToken returned)."""

    def __init__(self, problem: str = "") -> None:
        super().__init__()
        self._problem = problem

    def compose(self) -> ComposeResult:
        yield Label("pullrouting agent desktop: log in with your agent token")
        yield Input(placeholder="prg_...", password=True, id="token")
        yield Static(self._problem, id="login-problem")

    @on(Input.Submitted, "#token")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())


class DesktopApp(App[None]):
    TITLE = "pullrouting agent desktop"
    CSS = """
    #top { height: 1fr; }
    #lists-pane { width: 2fr; }
    #requests-pane { width: 3fr; }
    #chat { height: 1fr; border: round $accent; }
    #status { height: 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "toggle_subscription", "Subscribe/unsubscribe"),
        Binding("j", "join", "Join"),
        Binding("l", "leave", "Leave"),
        Binding("c", "close_conversation", "Close"),
    ]

    def __init__(self, open_channel: ChannelFactory, token: str | None = None) -> None:
        super().__init__()
        self._open_channel = open_channel
        self._token = token
        self._channel: grpc.aio.Channel | None = None
        self.agent: AgentClient | None = None
        # Open requests on the subscribed Lists, as WatchLists reports them, by name.
        self.requests: dict[str, conversation_pb2.Conversation] = {}
        self._list_names: list[str] = []
        self._subscribed: dict[str, bool] = {}
        self._request_names: list[str] = []
        # The conversation open in the chat pane.
        self.current: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            with Vertical(id="lists-pane"):
                yield Label("Lists")
                yield DataTable(id="lists", cursor_type="row")
            with Vertical(id="requests-pane"):
                yield Label("Requests on my subscribed Lists")
                yield DataTable(id="requests", cursor_type="row")
        yield Label("No conversation open: highlight a request and press j", id="chat-title")
        yield Log(id="chat")
        yield Input(placeholder="message to the customer (Enter sends)", id="message")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#lists", DataTable).add_columns("List", "Subscribed", "Unread", "Active", "Inactive")
        self.query_one("#requests", DataTable).add_columns("Customer", "List", "State", "Agents", "Messages")
        if self._token:
            self.run_worker(self._log_in(self._token), exit_on_error=False)
        else:
            self._ask_token("")

    def status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def _ask_token(self, problem: str) -> None:
        def logged_in(token: str | None) -> None:
            if token:
                self.run_worker(self._log_in(token), exit_on_error=False)

        self.push_screen(LoginScreen(problem), logged_in)

    async def _log_in(self, token: str) -> None:
        """Checks the token with ListLists, then starts watching the subscribed Lists."""
        channel = self._open_channel(token)
        agent = AgentClient(channel)
        try:
            summaries = await agent.list_lists()
        except PullroutingError as error:
            await channel.close()
            self._ask_token(f"Login refused: {describe(error)}")
            return
        self._channel, self.agent = channel, agent
        self._show_lists(summaries)
        self.status("logged in")
        self.query_one("#lists", DataTable).focus()
        self.run_worker(self._watch_lists(agent), group="watch-lists", exit_on_error=False)

    async def on_unmount(self) -> None:
        if self._channel is not None:
            await self._channel.close()

    # Lists and their counts.

    def _show_lists(self, summaries: list[agent_service_pb2.ListSummary]) -> None:
        table = self.query_one("#lists", DataTable)
        self._list_names = [summary.list.name for summary in summaries]
        self._subscribed = {summary.list.name: summary.subscribed for summary in summaries}
        _fill(table, [(summary.list.name, list_row(summary)) for summary in summaries])

    def _refresh_counts(self) -> None:
        # A newer refresh replaces one still running: only the latest counts matter.
        self.run_worker(self._load_lists, group="counts", exclusive=True, exit_on_error=False)

    async def _load_lists(self) -> None:
        assert self.agent is not None
        try:
            self._show_lists(await self.agent.list_lists())
        except PullroutingError as error:
            self.status(f"cannot read the Lists: {describe(error)}")

    # Requests, live from WatchLists.

    async def _watch_lists(self, agent: AgentClient) -> None:
        resetting = False
        try:
            async for event in agent.watch_lists(on_retry=self._reconnecting):
                if event.reset and not resetting:
                    # A fresh snapshot replaces what we hold.
                    self.requests.clear()
                    resetting = True
                if event.type in (L.LIST_EVENT_TYPE_SNAPSHOT, L.LIST_EVENT_TYPE_ADDED, L.LIST_EVENT_TYPE_UPDATED):
                    self.requests[event.conversation.name] = event.conversation
                elif event.type == L.LIST_EVENT_TYPE_REMOVED:
                    self.requests.pop(event.conversation.name, None)
                elif event.type == L.LIST_EVENT_TYPE_UNSUBSCRIBED:
                    self.requests = {name: c for name, c in self.requests.items() if c.list != event.list}
                elif event.type == L.LIST_EVENT_TYPE_SYNCED:
                    resetting = False
                    self.status("live")
                self._show_requests()
                if event.type != L.LIST_EVENT_TYPE_SNAPSHOT:
                    self._refresh_counts()
        except PullroutingError as error:
            self.status(f"the Lists stream stopped: {describe(error)}")

    def _reconnecting(self, error: PullroutingError, delay: float) -> None:
        self.status(f"connection lost ({error.reason or error.status.name}); reconnecting")
        self.run_worker(self._wait_reconnected, group="reconnect", exclusive=True, exit_on_error=False)

    async def _wait_reconnected(self) -> None:
        assert self._channel is not None
        await self._channel.channel_ready()
        self.status("reconnected")

    def _show_requests(self) -> None:
        ordered = sorted(self.requests.values(), key=lambda c: (c.create_time.ToNanoseconds(), c.name))
        self._request_names = [c.name for c in ordered]
        _fill(self.query_one("#requests", DataTable), [(c.name, request_row(c)) for c in ordered])

    # The chat pane, live from WatchConversation.

    def _open_chat(self, name: str) -> None:
        self.current = name
        conversation = self.requests.get(name)
        who = conversation.customer.display_name or conversation.customer.id if conversation else short(name)
        self.query_one("#chat-title", Label).update(f"Conversation with {who} ({short(name)})")
        self.run_worker(functools.partial(self._watch_chat, name), group="chat", exclusive=True, exit_on_error=False)

    async def _watch_chat(self, name: str) -> None:
        assert self.agent is not None
        log = self.query_one("#chat", Log)
        log.clear()
        resetting = False
        try:
            async for event in self.agent.watch_conversation(name, on_retry=self._reconnecting):
                if event.reset and not resetting:
                    log.clear()
                    resetting = True
                if event.type == events_pb2.CONVERSATION_EVENT_TYPE_SYNCED:
                    resetting = False
                line = chat_line(event)
                if line is not None:
                    log.write_line(line)
        except PullroutingError as error:
            self.status(f"the conversation stream stopped: {describe(error)}")
        if self.current == name:
            self.current = None

    @on(Input.Submitted, "#message")
    def _send(self, event: Input.Submitted) -> None:
        name, text = self.current, event.value.strip()
        if name is None or self.agent is None:
            self.status("join a request first (j)")
            return
        if text:
            event.input.clear()
            self._call(self.agent.send(name, text), "sent")

    # Actions.

    def _highlighted(self, table_id: str, names: list[str]) -> str | None:
        row = self.query_one(table_id, DataTable).cursor_row
        return names[row] if 0 <= row < len(names) else None

    def _call(self, call: Awaitable[object], done: str, then: Callable[[], None] | None = None) -> None:
        """Runs one API call in the background; says how it went in the status line."""

        async def attempt() -> None:
            try:
                await call
            except PullroutingError as error:
                self.status(describe(error))
                return
            self.status(done)
            if then is not None:
                then()

        self.run_worker(attempt(), group="calls", exit_on_error=False)

    def action_toggle_subscription(self) -> None:
        name = self._highlighted("#lists", self._list_names)
        if name is None or self.agent is None:
            return
        if self._subscribed.get(name):
            self._call(self.agent.unsubscribe(name), f"unsubscribed from {short(name)}", self._refresh_counts)
        else:
            self._call(self.agent.subscribe(name), f"subscribed to {short(name)}", self._refresh_counts)

    def action_join(self) -> None:
        name = self._highlighted("#requests", self._request_names)
        if name is None or self.agent is None:
            return
        self._call(self.agent.join(name), f"joined {short(name)}", lambda: self._open_chat(name))
        self.query_one("#message", Input).focus()

    def action_leave(self) -> None:
        if self.current is not None and self.agent is not None:
            self._call(self.agent.leave(self.current), f"left {short(self.current)}")

    def action_close_conversation(self) -> None:
        name = self.current or self._highlighted("#requests", self._request_names)
        if name is not None and self.agent is not None:
            self._call(self.agent.close(name), f"closed {short(name)}")


def _fill(table: DataTable, rows: list[tuple[str, tuple[str, ...]]]) -> None:
    """Replaces the table's rows, keeping the cursor on the same row (by key) where it still exists."""
    keys = [key for key, _ in rows]
    highlighted = None
    if table.row_count and 0 <= table.cursor_row < table.row_count:
        highlighted = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if highlighted in keys:
        table.move_cursor(row=keys.index(highlighted))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="pullrouting-desktop", description="The pullrouting agent desktop.")
    add_connection_options(parser)
    parser.add_argument(
        "--token",
        default=os.environ.get("PULLROUTING_AGENT_TOKEN"),
        help="agent token (env PULLROUTING_AGENT_TOKEN); asked for when unset",
    )
    args = parser.parse_args(argv)
    DesktopApp(lambda token: open_channel(args, token), args.token).run()
