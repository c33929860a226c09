"""The events table: appending inside the writer's transaction, and reading in the event order.

Events are ordered by (xact, id) (store/positions.py). On SQLite the single writer commits in id order and
xact is always 0. On PostgreSQL writers take no lock: each event row carries its transaction's id, and
readers deliver only events of transactions older than the oldest one still running (the horizon,
`pg_snapshot_xmin(pg_current_snapshot())`). Every transaction below the horizon has ended, so no event can
later commit below it: a reader never skips an event that commits late, whatever order transactions
commit in. A transaction that stays open holds the horizon, and so delays (never loses or reorders) the
delivery of every event written after it started."""

import functools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    Text,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    tuple_,
    type_coerce,
    union_all,
    update,
)

from pullrouting.domain.events import EVENT_TYPE_BY_VALUES, Event, EventKind, EventType
from pullrouting.store.positions import START, Position
from pullrouting.store.prepared import Prepared
from pullrouting.store.tables import event_log, events

# PostgreSQL channel that tells every instance new events committed; the payload is unused.
NOTIFY_CHANNEL = "pullrouting_events"
# PostgreSQL channel of live notices (bus/hub.py): the payload is the notice, stored nowhere else.
LIVE_CHANNEL = "pullrouting_live"
# NOTIFY refuses a payload of 8000 bytes or more.
MAX_NOTIFY_PAYLOAD_BYTES = 7999
# What a connection's transaction appended (Written), so that its commit can hand it to the readers and count it.
WROTE_EVENTS = "pullrouting_wrote_events"
# Set while a group of writes runs (store/group_commit.py): the group sends one NOTIFY for all of them.
NOTIFY_AT_COMMIT = "pullrouting_notify_at_commit"

# Built once (see store/conversations.py).
# Every write runs these two: they go to the driver directly (store/prepared.py).
NOTIFY_EVENTS = Prepared(select(func.pg_notify(NOTIFY_CHANNEL, "")))
INSERT_EVENTS = Prepared(insert(events))
# SQLite: the payload goes in as the JSON text the event handed to the hub carries (serialized once for both,
# as SQLAlchemy's JSON type would), and the last id inserted gives the ids of all of a write's events.
INSERT_EVENTS_SQLITE = Prepared(insert(events).values(payload=bindparam("payload", type_=Text)))
LAST_INSERTED_ID = Prepared(select(func.last_insert_rowid()))
NOTIFY_LIVE = select(func.pg_notify(LIVE_CHANNEL, bindparam("payload")))
# PostgreSQL: the horizon, and whether committed events wait above it (a transaction still running below).
# Asked as the newest event's xact, which the (xact, id) index gives at once: asked as EXISTS (... xact >=
# horizon), the planner, not knowing the horizon, scanned the whole table (31 ms at 66,000 events; the hub
# reads this after every commit).
HORIZON = text(
    "SELECT horizon.xact, coalesce((SELECT max(events.xact) FROM events) >= horizon.xact, false) AS held_back"
    " FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xact) AS horizon"
)
# PostgreSQL: the transactions above the horizon whose events this snapshot already sees.
COMMITTED_ABOVE = select(events.c.xact).where(events.c.xact >= bindparam("horizon")).distinct()
AFTER = tuple_(events.c.xact, events.c.id) > tuple_(
    bindparam("xact", type_=BigInteger), bindparam("id", type_=BigInteger)
)
UP_TO = tuple_(events.c.xact, events.c.id) <= tuple_(
    bindparam("through_xact", type_=BigInteger), bindparam("through_id", type_=BigInteger)
)
IN_ORDER = (events.c.xact, events.c.id)
LIMIT = bindparam("limit", type_=Integer)
# The events' columns as StoredEvent takes them: the payload as stored (JSON text on SQLite; PostgreSQL's driver
# decodes JSON itself), decoded only when used (StoredEvent.payload).
EVENT_COLUMNS = [
    *(column for column in events.c if column.name != "payload"),
    type_coerce(events.c.payload, Text).label("payload"),
]
# The event hub reads these after every commit (store/prepared.py).
EVENTS_AFTER_POSTGRES = Prepared(
    select(*EVENT_COLUMNS).where(AFTER, events.c.xact < bindparam("horizon")).order_by(*IN_ORDER).limit(LIMIT)
)
EVENTS_AFTER_SQLITE = Prepared(
    select(*EVENT_COLUMNS).where(events.c.id > bindparam("id")).order_by(events.c.id).limit(LIMIT)
)
# Every stream's start reads these (store/prepared.py).
LAST_ID = Prepared(select(func.coalesce(func.max(events.c.id), 0).label("id")))
PRUNED_THROUGH = Prepared(select(event_log.c.pruned_through_xact, event_log.c.pruned_through))
# Catch-up statements kept compiled: one per shape of Wanted in use (lists, conversations... counted).
BETWEEN_SHAPES = 1024


@dataclass(frozen=True)
class StoredEvent:
    id: int
    xact: int
    kind: EventKind
    type: EventType
    list_id: str | None
    conversation_id: str | None
    channel_id: str | None
    agent_id: str | None
    # The payload as read: on SQLite its JSON text until `payload` is first asked for. Most events a stream
    # reads need none of it (a list event is built once for every stream, api/watch.py): in a reconnect storm
    # every desk decoded each event it missed, about a fifth of a reopened desk's instructions.
    stored_payload: dict[str, Any] | str
    create_time: int

    @property
    def payload(self) -> dict[str, Any]:
        stored = self.stored_payload
        if type(stored) is str:
            stored = json.loads(stored)
            # Decoded once for every stream the event reaches (each decodes the same text to the same dict).
            object.__setattr__(self, "stored_payload", stored)
        assert isinstance(stored, dict)
        return stored

    @property
    def position(self) -> Position:
        return Position(self.xact, self.id)


@dataclass(frozen=True)
class Wanted:
    """The events a catching-up stream reads from the table (its own check still decides what it sends):
    only these, through indexes that hold only them, so that an old resume token costs the stream's own
    events and not a scan of everybody's."""

    list_ids: frozenset[str] = frozenset()
    # SUBSCRIPTION events of this agent.
    subscriber: str | None = None
    conversation_ids: frozenset[str] = frozenset()
    # CONVERSATION events made by this agent (its joins, among them) and AGENT events about it.
    participant: str | None = None
    # OUTBOUND events of these channels; of every channel when None.
    outbound_channels: frozenset[str] | None = frozenset()
    # PRINCIPAL events (an ingestor's WatchOutbound reads its channels again at its own).
    principal_events: bool = False

    def shape(self) -> "_Shape":
        """What the catch-up statement depends on: how many of each, not which."""
        return _Shape(
            len(self.list_ids),
            self.subscriber is not None,
            len(self.conversation_ids),
            self.participant is not None,
            None if self.outbound_channels is None else len(self.outbound_channels),
            self.principal_events,
        )

    def parameters(self) -> dict[str, str]:
        """The values of the shape's parameters (`_Shape.conditions`)."""
        found = {f"list_{index}": list_id for index, list_id in enumerate(sorted(self.list_ids))}
        if self.subscriber is not None:
            found["subscriber"] = self.subscriber
        found |= {f"conversation_{index}": id_ for index, id_ in enumerate(sorted(self.conversation_ids))}
        if self.participant is not None:
            found["participant"] = self.participant
        found |= {f"channel_{index}": id_ for index, id_ in enumerate(sorted(self.outbound_channels or ()))}
        return found


@dataclass(frozen=True)
class _Shape:
    """The shape of a Wanted: its catch-up statement is built and compiled once per shape (and dialect),
    its values passed as parameters, instead of built and compiled for every read (about 7 % of a reopened
    desk's CPU in a profile)."""

    lists: int
    subscriber: bool
    conversations: int
    participant: bool
    # None for every channel.
    channels: int | None
    principal_events: bool

    def conditions(self) -> list[ColumnElement[bool]]:
        """One condition per index walk: each list, the subscriptions, each conversation, the participant's
        conversation and agent events, each channel."""
        found = [
            and_(_kind_is(EventKind.LIST), events.c.list_id == bindparam(f"list_{index}"))
            for index in range(self.lists)
        ]
        if self.subscriber:
            found.append(and_(_kind_is(EventKind.SUBSCRIPTION), events.c.agent_id == bindparam("subscriber")))
        for index in range(self.conversations):
            found.append(
                and_(_kind_is(EventKind.CONVERSATION), events.c.conversation_id == bindparam(f"conversation_{index}"))
            )
        if self.participant:
            found.append(and_(_kind_is(EventKind.CONVERSATION), events.c.agent_id == bindparam("participant")))
            found.append(and_(_kind_is(EventKind.AGENT), events.c.agent_id == bindparam("participant")))
        if self.channels is None:
            found.append(_kind_is(EventKind.OUTBOUND))
        for index in range(self.channels or 0):
            found.append(and_(_kind_is(EventKind.OUTBOUND), events.c.channel_id == bindparam(f"channel_{index}")))
        if self.principal_events:
            found.append(_kind_is(EventKind.PRINCIPAL))
        return found


def _kind_is(kind: EventKind) -> ColumnElement[bool]:
    # A literal, not a parameter: the partial indexes of store/tables.py serve only a query that names the
    # kind, and a prepared statement's generic plan would not know it.
    return events.c.kind == literal_column(f"'{kind.value}'")


def now_micros() -> int:
    return time.time_ns() // 1000


def append(connection: Connection, new_events: list[Event], create_time: int | None = None) -> None:
    """Writes `new_events` in order inside the caller's transaction (their ids follow that order). No lock:
    on PostgreSQL each row takes its transaction's id as its place in the order (the column's default)."""
    if not new_events:
        return
    stamp = create_time if create_time is not None else now_micros()
    written = connection.info.get(WROTE_EVENTS)
    if written is None:
        written = connection.info[WROTE_EVENTS] = Written()
    written.events.extend(new_events)
    if connection.dialect.name == "postgresql":
        INSERT_EVENTS.execute(connection, [_row(event, stamp, event.payload) for event in new_events])
        if not connection.info.get(NOTIFY_AT_COMMIT):
            # Delivered at commit, to every instance.
            NOTIFY_EVENTS.execute(connection, {})
        return
    texts = [json.dumps(event.payload) for event in new_events]
    INSERT_EVENTS_SQLITE.execute(
        connection, [_row(event, stamp, text) for event, text in zip(new_events, texts, strict=True)]
    )
    # One statement inserted them all, holding the write lock: their ids run up to the last one without a gap.
    first_id = LAST_INSERTED_ID.scalar(connection, {}) - len(new_events) + 1
    written.stored.extend(
        StoredEvent(
            id=first_id + number,
            xact=0,
            kind=event.kind,
            type=event.type,
            list_id=event.list_id,
            conversation_id=event.conversation_id,
            channel_id=event.channel_id,
            agent_id=event.agent_id,
            stored_payload=text,
            create_time=stamp,
        )
        for number, (event, text) in enumerate(zip(new_events, texts, strict=True))
    )


def _row(event: Event, stamp: int, payload: dict[str, Any] | str) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "type": event.type.value,
        "list_id": event.list_id,
        "conversation_id": event.conversation_id,
        "channel_id": event.channel_id,
        "agent_id": event.agent_id,
        "payload": payload,
        "create_time": stamp,
    }


@dataclass
class Written:
    """What a transaction appended: its events, and on SQLite the rows as stored, ids and all, which the event
    hub takes as they are instead of reading them back (bus/hub.py)."""

    events: list[Event] = field(default_factory=list)
    stored: list[StoredEvent] = field(default_factory=list)

    @staticmethod
    def joined(parts: "Iterable[Written]") -> "Written":
        joined = Written()
        for part in parts:
            joined.events.extend(part.events)
            joined.stored.extend(part.stored)
        return joined


def take_written(connection: Connection) -> Written:
    """What the connection's transaction appended since the last take."""
    written: Written = connection.info.pop(WROTE_EVENTS, None) or Written()
    return written


def notify_live(connection: Connection, payload: str) -> None:
    """PostgreSQL: hands a live notice to every instance's listener at commit."""
    if len(payload.encode()) > MAX_NOTIFY_PAYLOAD_BYTES:
        raise ValueError(f"a live notice of {len(payload.encode())} bytes is over NOTIFY's limit")
    connection.execute(NOTIFY_LIVE, {"payload": payload})


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(
        id=row.id,
        xact=row.xact,
        kind=EventKind(row.kind),
        type=EVENT_TYPE_BY_VALUES[row.kind, row.type],
        list_id=row.list_id,
        conversation_id=row.conversation_id,
        channel_id=row.channel_id,
        agent_id=row.agent_id,
        stored_payload=row.payload,
        create_time=row.create_time,
    )


@dataclass(frozen=True)
class NewEvents:
    events: list[StoredEvent]
    # Every event up to here has been read, and none can still commit before it.
    read_through: Position
    # Committed events wait behind a transaction still running: worth reading again soon.
    held_back: bool


def read_after(connection: Connection, position: Position, limit: int) -> NewEvents:
    """Up to `limit` deliverable events after `position`, in order. Run in a read-only transaction: on
    PostgreSQL the horizon and the events must come from one snapshot."""
    if connection.dialect.name != "postgresql":
        rows = EVENTS_AFTER_SQLITE.rows(connection, {"id": position.id, "limit": limit})
        found = [_stored(row) for row in rows]
        return NewEvents(found, found[-1].position if found else position, held_back=False)
    horizon, held_back = connection.execute(HORIZON).one()
    parameters = {"xact": position.xact, "id": position.id, "horizon": horizon, "limit": limit}
    found = [_stored(row) for row in EVENTS_AFTER_POSTGRES.rows(connection, parameters)]
    if len(found) == limit:
        return NewEvents(found, found[-1].position, held_back)
    return NewEvents(found, max(position, Position(horizon, 0), key=lambda place: place.key), held_back)


@dataclass(frozen=True)
class Batch:
    events: list[StoredEvent]
    # Every wanted event up to here has been read: the next batch starts after it.
    read_through: Position


@functools.lru_cache(maxsize=BETWEEN_SHAPES)
def _between(shape: _Shape, dialect: str) -> Prepared | None:
    """The catch-up statement of a shape; None when it wants nothing."""
    conditions = shape.conditions()
    if not conditions:
        return None
    if len(conditions) == 1:
        return Prepared(select(*EVENT_COLUMNS).where(conditions[0], AFTER, UP_TO).order_by(*IN_ORDER).limit(LIMIT))
    # Each branch walks its own index in order and the database merges them (PostgreSQL's Merge Append,
    # SQLite's MERGE (UNION ALL)): one query with OR walks the whole range in order and drops everybody else's
    # events as it goes, which made each of 2,000 desks reconnecting at once read through the others' events.
    branches = [
        select(*EVENT_COLUMNS).where(AFTER, UP_TO, condition).order_by(*IN_ORDER).limit(LIMIT)
        for condition in conditions
    ]
    if dialect != "postgresql":
        # SQLite takes ORDER BY and LIMIT in a compound SELECT's arms only inside subqueries.
        branches = [select(branch.subquery()) for branch in branches]
    merged = union_all(*branches).subquery()
    return Prepared(select(merged).order_by(merged.c.xact, merged.c.id).limit(LIMIT))


def read_between(connection: Connection, position: Position, through: Position, limit: int, wanted: Wanted) -> Batch:
    """The `wanted` events after `position` and up to `through`, in order, a batch of up to `limit` rows at a
    time. Every event up to `through` has committed (the hub read past it)."""
    statement = _between(wanted.shape(), connection.dialect.name)
    if statement is None:
        return Batch([], through)
    parameters = {
        "xact": position.xact,
        "id": position.id,
        "through_xact": through.xact,
        "through_id": through.id,
        "limit": limit,
        **wanted.parameters(),
    }
    found = [_stored(row) for row in statement.rows(connection, parameters)]
    return Batch(found, found[-1].position if len(found) == limit else through)


def horizon(connection: Connection) -> Position:
    """The place every committed event is at or before, and no event can still commit before: where a
    reader that starts now starts."""
    if connection.dialect.name != "postgresql":
        return Position(0, LAST_ID.scalar(connection, {}))
    return Position(connection.execute(HORIZON).one().xact, 0)


def snapshot_position(connection: Connection) -> Position:
    """The position the caller's snapshot (a read-only transaction) is current to: the horizon, covering the
    transactions above it that committed before the snapshot was taken, whose events it already sees."""
    start = horizon(connection)
    if connection.dialect.name != "postgresql":
        return start
    covered = frozenset(connection.scalars(COMMITTED_ABOVE, {"horizon": start.xact}))
    return Position(start.xact, start.id, covered)


def pruned_through(connection: Connection) -> Position:
    """Events up to here were deleted by retention: a resume point before it cannot be honoured."""
    row = PRUNED_THROUGH.first(connection, {})
    return START if row is None else Position(row.pruned_through_xact, row.pruned_through)


def prune(connection: Connection, older_than: int) -> Position:
    """Deletes events created before `older_than` (microseconds) that every reader has passed, always keeping
    the newest one so that SQLite's horizon (its newest id) never goes back; returns the new horizon."""
    below = horizon(connection)
    newest = select(events.c.xact, events.c.id).where(
        events.c.create_time < older_than, tuple_(events.c.xact, events.c.id) < tuple_(below.xact, below.id)
    )
    row = connection.execute(newest.order_by(events.c.xact.desc(), events.c.id.desc()).limit(1)).first()
    if row is None:
        return pruned_through(connection)
    connection.execute(delete(events).where(tuple_(events.c.xact, events.c.id) <= tuple_(row.xact, row.id)))
    values = {"pruned_through_xact": row.xact, "pruned_through": row.id}
    if connection.execute(update(event_log).values(**values)).rowcount == 0:
        connection.execute(insert(event_log).values(id=1, **values))
    return Position(row.xact, row.id)
