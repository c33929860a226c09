"""The events table: appending inside the writer's transaction, and reading in id order.

Readers follow `id`. On PostgreSQL ids are handed out before commit, so a writer of events first takes
one transaction-scoped advisory lock: event-writing transactions then commit one after another in id
order, and a reader that has seen id N can never later find a smaller one committing."""

import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Integer, bindparam, delete, func, insert, select, update

from pullrouting.domain.events import EVENT_TYPE_BY_VALUES, Event, EventKind, EventType
from pullrouting.store.tables import event_log, events

# Any constant works; it only has to be the same for every writer of the events table.
EVENTS_ORDER_LOCK = 0x70756C6C
# PostgreSQL channel that tells every instance new events committed; the payload is unused.
NOTIFY_CHANNEL = "pullrouting_events"
# The events a connection's transaction appended, so that its commit can wake the readers and count them.
WROTE_EVENTS = "pullrouting_wrote_events"

# Built once (see store/conversations.py).
TAKE_EVENTS_ORDER_LOCK = select(func.pg_advisory_xact_lock(EVENTS_ORDER_LOCK))
NOTIFY_EVENTS = select(func.pg_notify(NOTIFY_CHANNEL, ""))
INSERT_EVENTS = insert(events).returning(events.c.id, sort_by_parameter_order=True)
EVENTS_AFTER = (
    select(events)
    .where(events.c.id > bindparam("position"))
    .order_by(events.c.id)
    .limit(bindparam("limit", type_=Integer))
)
EVENTS_BETWEEN = EVENTS_AFTER.where(events.c.id <= bindparam("through"))
# A stream catching up reads only the kinds it follows: a list stream skips the message event of every
# customer message.
EVENTS_OF_KINDS_BETWEEN = EVENTS_BETWEEN.where(events.c.kind.in_(bindparam("kinds", expanding=True)))
LAST_ID = select(func.coalesce(func.max(events.c.id), 0))
PRUNED_THROUGH = select(event_log.c.pruned_through)


@dataclass(frozen=True)
class StoredEvent:
    id: int
    kind: EventKind
    type: EventType
    list_id: str | None
    conversation_id: str | None
    channel_id: str | None
    agent_id: str | None
    payload: dict[str, Any]
    create_time: int


def now_micros() -> int:
    return time.time_ns() // 1000


def lock_event_order(connection: Connection) -> None:
    """Takes the ordering lock now; needed before reading state that the appended events describe."""
    if connection.dialect.name == "postgresql":
        connection.execute(TAKE_EVENTS_ORDER_LOCK)


def append(connection: Connection, new_events: list[Event], create_time: int | None = None) -> list[int]:
    """Writes `new_events` in order inside the caller's transaction; returns their ids."""
    if not new_events:
        return []
    lock_event_order(connection)
    stamp = create_time if create_time is not None else now_micros()
    rows = [
        {
            "kind": event.kind.value,
            "type": event.type.value,
            "list_id": event.list_id,
            "conversation_id": event.conversation_id,
            "channel_id": event.channel_id,
            "agent_id": event.agent_id,
            "payload": event.payload,
            "create_time": stamp,
        }
        for event in new_events
    ]
    result = connection.execute(INSERT_EVENTS, rows)
    if connection.dialect.name == "postgresql":
        connection.execute(NOTIFY_EVENTS)
    connection.info.setdefault(WROTE_EVENTS, []).extend(new_events)
    return [row.id for row in result]


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(
        id=row.id,
        kind=EventKind(row.kind),
        type=EVENT_TYPE_BY_VALUES[row.kind, row.type],
        list_id=row.list_id,
        conversation_id=row.conversation_id,
        channel_id=row.channel_id,
        agent_id=row.agent_id,
        payload=row.payload,
        create_time=row.create_time,
    )


def read_after(connection: Connection, position: int, limit: int) -> list[StoredEvent]:
    """Up to `limit` events with id > position, in id order."""
    return [_stored(row) for row in connection.execute(EVENTS_AFTER, {"position": position, "limit": limit})]


@dataclass(frozen=True)
class Batch:
    events: list[StoredEvent]
    # Every wanted event up to this id has been read: the next batch starts after it.
    read_through: int


def read_between(
    connection: Connection, position: int, through: int, limit: int, kinds: Collection[EventKind]
) -> Batch:
    """Events of `kinds` with position < id <= through, in id order, a batch of up to `limit` rows at a time."""
    values = {kind.value for kind in kinds}
    parameters: dict[str, Any] = {"position": position, "through": through, "limit": limit}
    if connection.dialect.name == "postgresql":
        # PostgreSQL would plan the filter on kind from statistics that lag behind a burst of events, and
        # then sort the rest of the range for every batch (9 ms a batch) instead of walking the primary key;
        # the other kinds are dropped here instead.
        rows = connection.execute(EVENTS_BETWEEN, parameters).all()
        found = [_stored(row) for row in rows if row.kind in values]
    else:
        rows = connection.execute(EVENTS_OF_KINDS_BETWEEN, parameters | {"kinds": sorted(values)}).all()
        found = [_stored(row) for row in rows]
    return Batch(found, rows[-1].id if len(rows) == limit else through)


def last_id(connection: Connection) -> int:
    """The id of the newest committed event; 0 when there is none."""
    return connection.execute(LAST_ID).scalar_one()


def pruned_through(connection: Connection) -> int:
    """Events up to this id were deleted by retention: a resume point before it cannot be honoured."""
    return connection.execute(PRUNED_THROUGH).scalar_one_or_none() or 0


def prune(connection: Connection, older_than: int) -> int:
    """Deletes events created before `older_than` (microseconds), always keeping the newest one so ids
    are never reused; returns the new horizon."""
    newest = last_id(connection)
    horizon = connection.execute(
        select(func.max(events.c.id)).where(events.c.create_time < older_than, events.c.id < newest)
    ).scalar_one_or_none()
    if horizon is None:
        return pruned_through(connection)
    connection.execute(delete(events).where(events.c.id <= horizon))
    if connection.execute(update(event_log).values(pruned_through=horizon)).rowcount == 0:
        connection.execute(insert(event_log).values(id=1, pruned_through=horizon))
    return horizon
