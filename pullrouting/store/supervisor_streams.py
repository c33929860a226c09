"""Where each of a supervisor's streams starts (WatchQueues, WatchAgents, MonitorConversation), and the pages of
its snapshot or history: each read together with the event position it is current to (store/streams.py).

A supervisor's scope is its Lists as they are now; what they were at a resume token's place is not kept. A
stream resumed across a change that the place cannot account for therefore starts afresh, flagged reset:
WatchQueues when the supervisor changed since (its Lists may have), WatchAgents when the supervisor or any
agent did (who is in the view may have). Such changes are configuration, rare next to the events a resume
saves."""

from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import Connection, literal_column, select

from pullrouting.domain.events import EventKind
from pullrouting.domain.model import Conversation, Message
from pullrouting.domain.principal import Principal, Role
from pullrouting.domain.supervisor_views import AgentStatus
from pullrouting.store import conversations as conversation_store
from pullrouting.store import events as event_store
from pullrouting.store import supervisor_views
from pullrouting.store.conversation_rows import open_on_lists
from pullrouting.store.pages import Key, Page
from pullrouting.store.positions import Position
from pullrouting.store.streams import AFTER_POSITION, FIRST_KEY, messages_after, replayable
from pullrouting.store.tables import events

PRINCIPAL_CHANGES_AFTER = select(events.c.xact, events.c.payload).where(
    AFTER_POSITION,
    # A literal: the partial index of principal events serves only a query that names the kind.
    events.c.kind == literal_column(f"'{EventKind.PRINCIPAL.value}'"),
)
AGENT_PRINCIPALS = f"{Role.AGENT.value}:"


@dataclass(frozen=True)
class QueueWatchStart:
    position: Position
    # The supervisor's Lists.
    scope: frozenset[str]
    # Whether the open requests of its Lists come first (not when resuming); read with `open_page`.
    snapshot: bool
    reset: bool
    # The agents entitled to the Lists, each with those it is entitled to: whose presence moves the figures.
    entitlements: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class AgentWatchStart:
    position: Position
    scope: frozenset[str]
    # Every agent in the view, as it is at `position` (read at `read_time`); sent as the opening when `snapshot`.
    statuses: dict[str, AgentStatus]
    read_time: int
    snapshot: bool
    reset: bool


@dataclass(frozen=True)
class MonitorStart:
    position: Position
    conversation: Conversation
    # The supervisor's Lists.
    scope: frozenset[str]
    # Whether the messages so far come first (not when resuming); read with `history_page`.
    history: bool
    reset: bool


def _changed_after(connection: Connection, position: Position, changed: Callable[[str], bool]) -> bool:
    """Whether a principal that `changed` holds for was changed after `position` (a PRINCIPAL event)."""
    parameters = {"xact": position.xact, "id": position.id}
    return any(
        changed(row.payload["principal"])
        for row in connection.execute(PRINCIPAL_CHANGES_AFTER, parameters)
        if row.xact not in position.covered
    )


def _resumes(
    connection: Connection, position: Position | None, newest: Position, changed: Callable[[str], bool]
) -> bool:
    """Whether a stream may replay from `position`: every event after it is kept, and no principal `changed`
    holds for changed since."""
    if position is None or not replayable(connection, position, newest):
        return False
    return not _changed_after(connection, position, changed)


def queue_watch_start(connection: Connection, supervisor_id: str, position: Position | None) -> QueueWatchStart:
    newest = event_store.snapshot_position(connection)
    scope = conversation_store.supervisor_scope(connection, supervisor_id)
    entitled = supervisor_views.entitlements(connection, scope)
    myself = str(Principal(Role.SUPERVISOR, supervisor_id))
    if _resumes(connection, position, newest, lambda principal: principal == myself):
        return QueueWatchStart(position, scope, snapshot=False, reset=False, entitlements=entitled)
    return QueueWatchStart(newest, scope, snapshot=True, reset=position is not None, entitlements=entitled)


def agent_watch_start(connection: Connection, supervisor_id: str, position: Position | None) -> AgentWatchStart:
    newest = event_store.snapshot_position(connection)
    scope = conversation_store.supervisor_scope(connection, supervisor_id)
    statuses = supervisor_views.agent_statuses(connection, scope)
    read_time = event_store.now_micros()
    myself = str(Principal(Role.SUPERVISOR, supervisor_id))

    def changed(principal: str) -> bool:
        return principal == myself or principal.startswith(AGENT_PRINCIPALS)

    if _resumes(connection, position, newest, changed):
        return AgentWatchStart(position, scope, statuses, read_time, snapshot=False, reset=False)
    return AgentWatchStart(newest, scope, statuses, read_time, snapshot=True, reset=position is not None)


def open_page(
    connection: Connection, supervisor_id: str, list_ids: Collection[str], after: Key | None, limit: int
) -> Page[Conversation]:
    """A page of a snapshot: the open requests after `after`, oldest first, on those of `list_ids` still in
    the supervisor's scope (a List it lost since shows nothing; its UNSUBSCRIBED follows)."""
    position = event_store.snapshot_position(connection)
    lists = conversation_store.supervisor_scope(connection, supervisor_id) & frozenset(list_ids)
    found = open_on_lists(connection, lists, after or FIRST_KEY, limit) if lists else []
    return Page(found, position, final=len(found) < limit)


def monitor_start(
    connection: Connection, supervisor_id: str, conversation_id: str, position: Position | None
) -> MonitorStart:
    """A conversation on one of the supervisor's Lists (NOT_ENTITLED otherwise, whether it exists or not), from
    its history or from `position`."""
    newest = event_store.snapshot_position(connection)
    conversation = conversation_store.get_for_supervisor(connection, supervisor_id, conversation_id)
    scope = conversation_store.supervisor_scope(connection, supervisor_id)
    if position is not None and replayable(connection, position, newest):
        return MonitorStart(position, conversation, scope, history=False, reset=False)
    return MonitorStart(newest, conversation, scope, history=True, reset=position is not None)


def history_page(
    connection: Connection, supervisor_id: str, conversation_id: str, after: Key | None, limit: int
) -> Page[Message]:
    """A page of the conversation's messages after `after`, oldest first, internal notes included; NOT_ENTITLED
    once the conversation is no longer on one of the supervisor's Lists."""
    position = event_store.snapshot_position(connection)
    conversation_store.get_for_supervisor(connection, supervisor_id, conversation_id)
    found = messages_after(connection, conversation_id, after, limit)
    return Page(found, position, final=len(found) < limit)


def scope(connection: Connection, supervisor_id: str) -> frozenset[str]:
    return conversation_store.supervisor_scope(connection, supervisor_id)
