"""The terminal agent desk: log in with a token, and work from one WatchDesk stream: the Lists with their counts,
the queue of requests on the subscribed Lists (waiting time, priority, state colours, last message), the agent's
own conversations with unread markers (kept when it unsubscribes from their List), and the open chat with
timestamps. Alerts ring the terminal's bell. Press `?` for the keys.

A reply is never lost nor doubled: it gets its client_message_id when Enter is pressed and, if the server cannot
be reached, waits (shown under the chat) and is sent again with the same id once the connection is back.
"""

import argparse
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import grpc
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Log, Static

from pullrouting.v1 import agent_service_pb2, conversation_pb2, events_pb2
from pullrouting_client.agent import AgentClient, new_message_id
from pullrouting_client.desktop.view import (
    alert_label,
    chat_line,
    customer_label,
    list_row,
    message_line,
    my_row,
    queue_order,
    request_row,
    short,
)
from pullrouting_client.enums import ConversationEventType, ListAlert, ListEventType, Presence
from pullrouting_client.errors import PullroutingError
from pullrouting_client.options import add_connection_options, open_channel

L = ListEventType
C = ConversationEventType
# Opens a channel that carries this agent token.
ChannelFactory = Callable[[str], grpc.aio.Channel]
# Seconds between attempts to send the replies that wait for the connection.
RESEND_INTERVAL = 1.0

KEYS = """\
Keys of the desk

  Tab / Shift+Tab   move between the Lists, the queue, my conversations and the message box
  Esc               leave the message box (back to my conversations)
  ?                 this help

  Lists             s  subscribe to or unsubscribe from the highlighted List
  Queue             j  join the highlighted request and open its chat
                    c  close the highlighted request (asks first)
  My conversations  Enter  open the highlighted conversation's chat
                    l  leave the highlighted conversation
                    c  close the highlighted conversation (asks first)
  Anywhere but the message box
                    p  switch presence between AVAILABLE and AWAY
  Message box       Enter  send to the customer of the open chat (named above the box)
  Ctrl+Q            quit

Press Esc or ? to close this help."""


def describe(error: PullroutingError) -> str:
    return f"{error.reason or error.status.name}: {error.message}"


@dataclass(frozen=True)
class PendingReply:
    """A reply whose send has not been confirmed: retried with the same id until the server answers."""

    conversation: str
    text: str
    client_message_id: str


class LoginScreen(Screen[str]):
    """Asks for the agent token (the one CreateAgent or RotateAgentToken returned)."""

    def __init__(self, problem: str = "") -> None:
        super().__init__()
        self._problem = problem

    def compose(self) -> ComposeResult:
        yield Label("pullrouting agent desk: log in with your agent token")
        yield Input(placeholder="prg_...", password=True, id="token")
        yield Static(self._problem, id="login-problem")

    @on(Input.Submitted, "#token")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())


class HelpScreen(ModalScreen[None]):
    """The desk's keys."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close help")]

    def compose(self) -> ComposeResult:
        yield Static(KEYS, id="help")


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; `y` confirms, `n` or Esc declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        yield Static(f"{self._question} (y/n)", id="question")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class DesktopApp(App[None]):
    TITLE = "pullrouting agent desk"
    CSS = """
    #top { height: 2fr; }
    #lists-pane { width: 1fr; }
    #queue-pane { width: 3fr; }
    #bottom { height: 3fr; }
    #mine-pane { width: 1fr; }
    #chat-pane { width: 2fr; }
    #chat { height: 1fr; border: round $accent; }
    #pending { height: auto; color: $warning; }
    #status { height: 1; color: $text-muted; }
    HelpScreen, ConfirmScreen { align: center middle; }
    #help, #question { width: auto; padding: 1 2; border: thick $accent; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("s", "toggle_subscription", "Subscribe"),
        Binding("j", "join", "Join"),
        Binding("l", "leave", "Leave"),
        Binding("c", "close_conversation", "Close"),
        Binding("p", "toggle_presence", "Presence"),
        Binding("escape", "leave_message_box", "Leave the box", show=False),
    ]

    def __init__(
        self, open_channel: ChannelFactory, token: str | None = None, *, call_timeout: float | None = None
    ) -> None:
        super().__init__()
        self._open_channel = open_channel
        self._token = token
        # The deadline of the desk's calls (the SDK's default when None): past it, a reply waits to be resent.
        self._call_timeout = call_timeout
        self._channel: grpc.aio.Channel | None = None
        self.agent: AgentClient | None = None
        self.lists: dict[str, agent_service_pb2.ListSummary] = {}
        self._list_order: list[str] = []
        # Open requests on the subscribed Lists, as the desk's list events report them, by name.
        self.requests: dict[str, conversation_pb2.Conversation] = {}
        self._request_order: list[str] = []
        # The conversations the agent is in, as the desk's conversation events report them, and their unread counts.
        self.mine: dict[str, conversation_pb2.Conversation] = {}
        self.unread: dict[str, int] = {}
        self._mine_order: list[str] = []
        # The conversation open in the chat pane; replies go to it and nowhere else.
        self.current: str | None = None
        # The messages the chat pane shows, by name.
        self._shown_messages: set[str] = set()
        self.pending: list[PendingReply] = []
        self._sending = False
        self.presence = Presence.UNSPECIFIED
        self.connection = "connecting"
        self.bells = 0
        # The agent's own name, `agents/{id}`, once the desk's events have shown it.
        self.me = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            with Vertical(id="lists-pane"):
                yield Label("Lists")
                yield DataTable(id="lists", cursor_type="row")
            with Vertical(id="queue-pane"):
                yield Label("Queue: requests on my subscribed Lists")
                yield DataTable(id="requests", cursor_type="row")
        with Horizontal(id="bottom"):
            with Vertical(id="mine-pane"):
                yield Label("My conversations")
                yield DataTable(id="mine", cursor_type="row")
            with Vertical(id="chat-pane"):
                yield Label("No conversation open: join a request (j) or open one of mine (Enter)", id="chat-title")
                yield Log(id="chat")
                yield Static("", id="pending")
                yield Input(placeholder="reply to the open chat's customer (Enter sends, Esc leaves)", id="message")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#lists", DataTable).add_columns("List", "Subscribed", "Unread", "Active", "Inactive")
        self.query_one("#requests", DataTable).add_columns(
            "Waiting", "Prio", "Customer", "List", "State", "Agents", "Last message"
        )
        self.query_one("#mine", DataTable).add_columns("Unread", "Customer", "List", "State", "Waiting")
        # Waiting times tick.
        self.set_interval(1.0, self._show_tables)
        self.set_interval(RESEND_INTERVAL, self._resend_pending)
        if self._token:
            self.run_worker(self._log_in(self._token), exit_on_error=False)
        else:
            self._ask_token("")

    def status(self, text: str) -> None:
        presence = self.presence.name if self.presence else "-"
        self.query_one("#status", Static).update(f"[{self.connection} | {presence}] {text}")

    def bell(self) -> None:
        self.bells += 1
        super().bell()

    def _ask_token(self, problem: str) -> None:
        def logged_in(token: str | None) -> None:
            if token:
                self.run_worker(self._log_in(token), exit_on_error=False)

        self.push_screen(LoginScreen(problem), logged_in)

    async def _log_in(self, token: str) -> None:
        """Checks the token with ListLists, then opens the desk's stream."""
        channel = self._open_channel(token)
        agent = AgentClient(channel) if self._call_timeout is None else AgentClient(channel, timeout=self._call_timeout)
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
        self.run_worker(self._watch_desk(agent), group="desk", exit_on_error=False)

    async def on_unmount(self) -> None:
        if self._channel is not None:
            await self._channel.close()

    # Lists and their counts.

    def _show_lists(self, summaries: list[agent_service_pb2.ListSummary]) -> None:
        self.lists = {summary.list.name: summary for summary in summaries}
        self._list_order = [summary.list.name for summary in summaries]
        _fill(self.query_one("#lists", DataTable), [(summary.list.name, list_row(summary)) for summary in summaries])

    def _refresh_counts(self) -> None:
        # A newer refresh replaces one still running: only the latest counts matter.
        self.run_worker(self._load_lists, group="counts", exclusive=True, exit_on_error=False)

    async def _load_lists(self) -> None:
        assert self.agent is not None
        try:
            self._show_lists(await self.agent.list_lists())
        except PullroutingError as error:
            self.status(f"cannot read the Lists: {describe(error)}")

    def _list_names(self) -> dict[str, str]:
        return {name: summary.list.display_name for name, summary in self.lists.items()}

    # The desk's one stream.

    async def _watch_desk(self, agent: AgentClient) -> None:
        resetting = False
        try:
            async for event in agent.watch_desk(on_retry=self._reconnecting):
                if event.reset and not resetting:
                    # The server no longer had what was missed: a fresh opening replaces what the desk holds.
                    self.requests.clear()
                    self.mine.clear()
                    self.unread.clear()
                    resetting = True
                if event.list_event.type == L.SYNCED and not event.list_event.list:
                    resetting = False
                self._take(event)
        except PullroutingError as error:
            self.connection = "stopped"
            self.status(f"the desk's stream stopped: {describe(error)}")

    def _take(self, event: events_pb2.DeskEvent) -> None:
        if self.connection != "live":
            self.connection = "live"
            self.status("connected")
        member = event.WhichOneof("event")
        if member == "presence":
            self.presence = Presence(event.presence.presence)
            self.status(f"presence {self.presence.name}")
        elif member == "list_event":
            self._take_list_event(event.list_event)
        elif member == "conversation_event":
            self._take_conversation_event(event.conversation_event, event.unread_count)
        elif member == "read":
            self.unread[event.read.conversation] = event.unread_count
        self._show_tables()

    def _take_list_event(self, event: events_pb2.ListEvent) -> None:
        kind = event.type
        if kind in (L.SNAPSHOT, L.ADDED, L.UPDATED):
            self.requests[event.conversation.name] = event.conversation
        elif kind == L.REMOVED:
            self.requests.pop(event.conversation.name, None)
        elif kind == L.UNSUBSCRIBED:
            # The List's requests leave the queue; the agent's own conversations on it stay under "mine".
            self.requests = {name: c for name, c in self.requests.items() if c.list != event.list}
        elif kind == L.SYNCED and not event.list:
            self.status("live")
        if event.alert != ListAlert.UNSPECIFIED:
            self.bell()
            where = self._list_names().get(event.list) or short(event.list)
            self.notify(f"{alert_label(event.alert)}: {customer_label(event.conversation)} on {where}")
        if kind != L.SNAPSHOT:
            self._refresh_counts()

    def _take_conversation_event(self, event: events_pb2.ConversationEvent, unread: int) -> None:
        name = event.conversation.name
        self._learn_who_i_am(event)
        own = bool(self.me) and event.agent == self.me
        ended = event.type == C.CONVERSATION_CLOSED or (event.type == C.AGENT_LEFT and own)
        if ended:
            self.mine.pop(name, None)
            self.unread.pop(name, None)
        else:
            self.mine[name] = event.conversation
            self.unread[name] = unread
        if name == self.current:
            self._write_chat(event)
            if event.type == C.CUSTOMER_MESSAGE or (event.type == C.AGENT_MESSAGE and not own):
                self._mark_read(name, event.message.name)
            if ended:
                self._end_chat()

    def _write_chat(self, event: events_pb2.ConversationEvent) -> None:
        """One event in the open chat; a message once, whether the transcript or the event brought it first."""
        if event.message.name:
            if event.message.name in self._shown_messages:
                return
            self._shown_messages.add(event.message.name)
        line = chat_line(event)
        if line is not None:
            self.query_one("#chat", Log).write_line(line)

    def _learn_who_i_am(self, event: events_pb2.ConversationEvent) -> None:
        """The agent's own name (the token names it; no call returns it): the agent of the AGENT_JOINED that
        brings a conversation to the desk, or the one participant all of its conversations share."""
        if self.me:
            return
        if event.type == C.AGENT_JOINED and event.conversation.name not in self.mine:
            self.me = event.agent
            return
        conversations = [*self.mine.values(), event.conversation]
        common = set.intersection(*({p.agent for p in c.participants if p.agent} for c in conversations))
        if len(common) == 1:
            self.me = common.pop()

    def _reconnecting(self, error: PullroutingError, delay: float) -> None:
        self.connection = "reconnecting"
        self.status(f"connection lost ({error.reason or error.status.name}); reconnecting in {delay:.1f} s")

    def _show_tables(self) -> None:
        now = datetime.now(UTC)
        names = self._list_names()
        ordered = sorted(self.requests.values(), key=queue_order)
        self._request_order = [c.name for c in ordered]
        _fill(self.query_one("#requests", DataTable), [(c.name, request_row(c, names, now)) for c in ordered])
        mine = sorted(self.mine.values(), key=queue_order)
        self._mine_order = [c.name for c in mine]
        rows = [(c.name, my_row(c, self.unread.get(c.name, 0), names, now)) for c in mine]
        _fill(self.query_one("#mine", DataTable), rows)

    # The chat pane: the transcript from ListMessages, then the desk's events of that conversation.

    def _open_chat(self, name: str) -> None:
        self.current = name
        conversation = self.mine.get(name) or self.requests.get(name)
        who = customer_label(conversation) if conversation else short(name)
        self.query_one("#chat-title", Label).update(f"Chat with {who} ({short(name)}): replies go to {who}")
        self.query_one("#chat", Log).clear()
        self._shown_messages = set()
        self.run_worker(self._load_transcript(name, who), group="chat", exclusive=True, exit_on_error=False)
        self.query_one("#message", Input).focus()

    async def _load_transcript(self, name: str, who: str) -> None:
        assert self.agent is not None
        try:
            messages = await self.agent.list_messages(name)
        except PullroutingError as error:
            self.status(f"cannot read the transcript: {describe(error)}")
            return
        if self.current != name:
            return
        log = self.query_one("#chat", Log)
        for message in messages:
            if message.name not in self._shown_messages:
                self._shown_messages.add(message.name)
                log.write_line(message_line(message, who))
        if messages:
            self._mark_read(name, messages[-1].name)

    def _mark_read(self, conversation: str, message: str) -> None:
        if self.agent is not None and message:
            self._call(self.agent.mark_read(conversation, message), "")

    def _end_chat(self) -> None:
        self.current = None
        self.query_one("#chat-title", Label).update("No conversation open: join a request (j) or open one of mine")

    @on(DataTable.RowSelected, "#mine")
    def _open_mine(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self._open_chat(str(event.row_key.value))

    @on(Input.Submitted, "#message")
    def _send(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.current is None:
            self.status("no chat open: join a request (j) or open one of mine (Enter) first")
            return
        if not text:
            return
        # The id is made now and kept with the text: however often it is sent, the customer gets it once.
        self.pending.append(PendingReply(self.current, text, new_message_id()))
        event.input.clear()
        self._show_pending()
        self._resend_pending()

    def _show_pending(self) -> None:
        lines = [f"waiting to send to {short(p.conversation)}: {p.text}" for p in self.pending]
        self.query_one("#pending", Static).update("\n".join(lines))

    def _resend_pending(self) -> None:
        if self.pending and self.agent is not None and not self._sending:
            self._sending = True
            self.run_worker(self._send_pending, group="send", exit_on_error=False)

    async def _send_pending(self) -> None:
        """Sends the waiting replies in order; a failure that passes leaves them for the next attempt."""
        try:
            await self._send_each_pending()
        finally:
            self._sending = False

    async def _send_each_pending(self) -> None:
        while self.pending and self.agent is not None:
            reply = self.pending[0]
            try:
                await self.agent.send(reply.conversation, reply.text, reply.client_message_id)
            except PullroutingError as error:
                if error.retryable:
                    self.status(f"reply kept, sent when the connection is back ({describe(error)})")
                    return
                self.status(f"reply not sent: {describe(error)}")
                self._put_back(reply)
            if reply in self.pending:
                self.pending.remove(reply)
            self._show_pending()

    def _put_back(self, reply: PendingReply) -> None:
        """A refused reply goes back into an empty message box, so that it is not lost either."""
        box = self.query_one("#message", Input)
        if not box.value:
            box.value = reply.text

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
            if done:
                self.status(done)
            if then is not None:
                then()

        self.run_worker(attempt(), group="calls", exit_on_error=False)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_leave_message_box(self) -> None:
        if self.focused is self.query_one("#message", Input):
            self.query_one("#mine", DataTable).focus()

    def action_toggle_subscription(self) -> None:
        name = self._highlighted("#lists", self._list_order)
        if name is None or self.agent is None:
            return
        if self.lists[name].subscribed:
            self._call(self.agent.unsubscribe(name), f"unsubscribed from {short(name)}", self._refresh_counts)
        else:
            self._call(self.agent.subscribe(name), f"subscribed to {short(name)}", self._refresh_counts)

    def action_join(self) -> None:
        name = self._highlighted("#requests", self._request_order)
        if name is None or self.agent is None:
            return
        # The chat opens, and the focus moves, only once the join succeeded: a refused join changes nothing.
        self._call(self.agent.join(name), f"joined {short(name)}", lambda: self._open_chat(name))

    def _target(self) -> str | None:
        """The conversation an action is about: the highlighted row of the focused table, else the open chat."""
        if self.focused is self.query_one("#requests", DataTable):
            return self._highlighted("#requests", self._request_order)
        if self.focused is self.query_one("#mine", DataTable):
            return self._highlighted("#mine", self._mine_order)
        return self.current

    def action_leave(self) -> None:
        name = self._target()
        if name is None or self.agent is None:
            return

        def left() -> None:
            self.mine.pop(name, None)
            self._show_tables()
            if name == self.current:
                self._end_chat()

        self._call(self.agent.leave(name), f"left {short(name)}", left)

    def action_close_conversation(self) -> None:
        if self.agent is None:
            return
        name = self._target()
        if name is None:
            self.status("nothing to close: open a chat, or highlight a request in the queue")
            return
        conversation = self.mine.get(name) or self.requests.get(name)
        who = customer_label(conversation) if conversation else short(name)
        agent = self.agent

        def answered(close: bool | None) -> None:
            if close:
                self._call(agent.close(name), f"closed the conversation with {who}")

        self.push_screen(ConfirmScreen(f"Close the conversation with {who}?"), answered)

    def action_toggle_presence(self) -> None:
        if self.agent is not None:
            wanted = Presence.AWAY if self.presence == Presence.AVAILABLE else Presence.AVAILABLE
            self._call(self.agent.set_presence(wanted), f"presence {wanted.name}")


def _fill(table: DataTable, rows: list[tuple[str, tuple[object, ...]]]) -> None:
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
    parser = argparse.ArgumentParser(prog="pullrouting-desktop", description="The pullrouting agent desk.")
    add_connection_options(parser)
    parser.add_argument(
        "--token",
        default=os.environ.get("PULLROUTING_AGENT_TOKEN"),
        help="agent token (env PULLROUTING_AGENT_TOKEN); asked for when unset",
    )
    args = parser.parse_args(argv)
    DesktopApp(lambda token: open_channel(args, token), args.token).run()
