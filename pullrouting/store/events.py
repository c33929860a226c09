"""Appending to the events table. Readers follow `id`; on PostgreSQL, ids are handed out before commit, so
writers of events take one transaction-scoped advisory lock first: event-writing transactions then commit
one after another, in id order, and a reader that has seen id N can never later find a smaller one."""

import time

from sqlalchemy import Connection, func, insert, select

from pullrouting.domain.events import Event
from pullrouting.store.tables import events

# Any constant works; it only has to be the same for every writer of the events table.
EVENTS_ORDER_LOCK = 0x70756C6C


def now_micros() -> int:
    return time.time_ns() // 1000


def append(connection: Connection, new_events: list[Event], create_time: int | None = None) -> list[int]:
    """Writes `new_events` in order inside the caller's transaction; returns their ids."""
    if not new_events:
        return []
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(EVENTS_ORDER_LOCK)))
    stamp = create_time if create_time is not None else now_micros()
    rows = [
        {
            "kind": event.kind.value,
            "type": event.type,
            "list_id": event.list_id,
            "conversation_id": event.conversation_id,
            "channel_id": event.channel_id,
            "agent_id": event.agent_id,
            "payload": event.payload,
            "create_time": stamp,
        }
        for event in new_events
    ]
    result = connection.execute(insert(events).returning(events.c.id), rows, sort_by_parameter_order=True)
    return [row.id for row in result]
