"""Re-announcing stale UNREAD requests and unanswered customers, and closing abandoned requests, decided in
the database so that any number of instances ticking at once do each once: the due rows are locked
(PostgreSQL `FOR UPDATE SKIP LOCKED`, so instances split the work instead of queueing; SQLite's BEGIN
IMMEDIATE serialises writers), checked again by the domain rule under the lock, stamped with the reminder's
time (`last_reminder_time`, `last_reply_reminder_time`; a closed request is no longer due) and announced in
the same transaction."""

from sqlalchemy import Column, ColumnElement, Connection, Row, and_, case, func, or_, select, update

from pullrouting.domain import reminders as rules
from pullrouting.domain.events import ListAlert
from pullrouting.domain.model import Conversation, ConversationState
from pullrouting.store import conversations as conversation_store
from pullrouting.store import events
from pullrouting.store.conversation_rows import load_conversations
from pullrouting.store.tables import conversations, lists


def remind_due(connection: Connection, now: int, limit: int) -> list[Conversation]:
    """Re-announces up to `limit` due requests, oldest first; returns them."""
    intervals = _intervals(connection, lists.c.unread_reminder_after_seconds)
    if not intervals:
        return []
    last_announced = func.coalesce(conversations.c.last_reminder_time, conversations.c.create_time)
    # Narrows the read to due rows (the index on list, state, create time serves it); the rule decides below.
    rows = _lock_due(
        connection, ConversationState.UNREAD, last_announced, intervals, now, limit, conversations.c.create_time
    )
    due = [
        conversation
        for row, conversation in zip(rows, load_conversations(connection, rows), strict=True)
        if rules.reminder_due(conversation, row.last_reminder_time, intervals[conversation.list_id], now)
    ]
    return _announce(connection, due, conversations.c.last_reminder_time, ListAlert.UNREAD_REMINDER, now)


def remind_unanswered(connection: Connection, now: int, limit: int) -> list[Conversation]:
    """Alerts NO_REPLY up to `limit` ACTIVE requests whose customer waited their list's reply_reminder_after,
    longest waits first; returns them."""
    intervals = _intervals(connection, lists.c.reply_reminder_after_seconds)
    if not intervals:
        return []
    waiting_since, last_reminded = conversations.c.waiting_since, conversations.c.last_reply_reminder_time
    # The later of the wait's start and this wait's last alert (domain/reminders.py, reply_reminder_due).
    last_announced = case((last_reminded > waiting_since, last_reminded), else_=waiting_since)
    rows = _lock_due(
        connection,
        ConversationState.ACTIVE,
        last_announced,
        intervals,
        now,
        limit,
        waiting_since,
        waiting_since.is_not(None),
    )
    due = [
        conversation
        for row, conversation in zip(rows, load_conversations(connection, rows), strict=True)
        if rules.reply_reminder_due(conversation, row.last_reply_reminder_time, intervals[conversation.list_id], now)
    ]
    return _announce(connection, due, last_reminded, ListAlert.NO_REPLY, now)


def close_abandoned(connection: Connection, now: int, limit: int) -> list[Conversation]:
    """Closes (reason INACTIVITY) up to `limit` INACTIVE requests untouched for their list's
    close_inactive_after, longest idle first; returns them closed. The connector is told by the close."""
    intervals = _intervals(connection, lists.c.close_inactive_after_seconds)
    if not intervals:
        return []
    update_time = conversations.c.update_time
    rows = _lock_due(connection, ConversationState.INACTIVE, update_time, intervals, now, limit, update_time)
    return [
        conversation_store.close_abandoned(connection, conversation, now)
        for conversation in load_conversations(connection, rows)
        if rules.abandoned(conversation, intervals[conversation.list_id], now)
    ]


def _intervals(connection: Connection, setting: Column[float]) -> dict[str, float]:
    """The interval of every List that sets `setting`, by List id."""
    return {
        list_id: seconds
        for list_id, seconds in connection.execute(select(lists.c.id, setting).where(setting.is_not(None)))
    }


def _lock_due(
    connection: Connection,
    state: ConversationState,
    since: ColumnElement[int],
    intervals: dict[str, float],
    now: int,
    limit: int,
    oldest_first: ColumnElement[int],
    *also: ColumnElement[bool],
) -> list[Row]:
    """Locks and reads up to `limit` requests in `state` (and `also`) whose `since` is a whole interval of their
    List old by `now`, by `oldest_first`; rows another instance holds are skipped. It only narrows the read:
    the domain rule decides."""
    query = (
        select(conversations)
        .where(
            conversations.c.state == state.value,
            *also,
            or_(
                *(
                    and_(conversations.c.list_id == list_id, since <= rules.due_cutoff(now, seconds))
                    for list_id, seconds in intervals.items()
                )
            ),
        )
        .order_by(oldest_first, conversations.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(connection.execute(query).all())


def _announce(
    connection: Connection, due: list[Conversation], stamp: Column[int | None], alert: ListAlert, now: int
) -> list[Conversation]:
    """Stamps the `due` requests reminded at `now` and alerts their Lists; returns them."""
    if due:
        connection.execute(
            update(conversations)
            .where(conversations.c.id.in_([conversation.id for conversation in due]))
            .values({stamp: now})
        )
        events.append(connection, [rules.reminder_event(conversation, alert) for conversation in due], now)
    return due
