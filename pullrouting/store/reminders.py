"""Re-announcing stale UNREAD requests and unanswered customers, and closing abandoned requests, decided in
the database so that any number of instances ticking at once do each once: the due rows are locked
(PostgreSQL `FOR UPDATE SKIP LOCKED`, so instances split the work instead of queueing; SQLite's BEGIN
IMMEDIATE serialises writers), checked again by the domain rule under the lock, stamped with the reminder's
time (`last_reminder_time`, `last_reply_reminder_time`; a closed request is no longer due) and announced in
the same transaction."""

from sqlalchemy import Connection, and_, case, func, or_, select, update

from pullrouting.domain import reminders as rules
from pullrouting.domain.events import ListAlert
from pullrouting.domain.model import Conversation, ConversationState
from pullrouting.store import conversations as conversation_store
from pullrouting.store import events
from pullrouting.store.conversation_rows import load_conversations
from pullrouting.store.tables import conversations, lists


def remind_due(connection: Connection, now: int, limit: int) -> list[Conversation]:
    """Re-announces up to `limit` due requests, oldest first; returns them."""
    intervals: dict[str, float] = {
        row.id: row.unread_reminder_after_seconds
        for row in connection.execute(
            select(lists.c.id, lists.c.unread_reminder_after_seconds).where(
                lists.c.unread_reminder_after_seconds.is_not(None)
            )
        )
    }
    if not intervals:
        return []
    last_announced = func.coalesce(conversations.c.last_reminder_time, conversations.c.create_time)
    # Narrows the read to due rows (the index on list, state, create time serves it); the rule decides below.
    query = (
        select(conversations)
        .where(
            conversations.c.state == ConversationState.UNREAD.value,
            or_(
                *(
                    and_(conversations.c.list_id == list_id, last_announced <= rules.due_cutoff(now, seconds))
                    for list_id, seconds in intervals.items()
                )
            ),
        )
        .order_by(conversations.c.create_time, conversations.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = connection.execute(query).all()
    due = [
        conversation
        for row, conversation in zip(rows, load_conversations(connection, rows), strict=True)
        if rules.reminder_due(conversation, row.last_reminder_time, intervals[conversation.list_id], now)
    ]
    if due:
        connection.execute(
            update(conversations)
            .where(conversations.c.id.in_([conversation.id for conversation in due]))
            .values(last_reminder_time=now)
        )
        events.append(connection, [rules.reminder_event(conversation) for conversation in due], now)
    return due


def remind_unanswered(connection: Connection, now: int, limit: int) -> list[Conversation]:
    """Alerts NO_REPLY up to `limit` ACTIVE requests whose customer waited their list's reply_reminder_after,
    longest waits first; returns them."""
    intervals: dict[str, float] = {
        row.id: row.reply_reminder_after_seconds
        for row in connection.execute(
            select(lists.c.id, lists.c.reply_reminder_after_seconds).where(
                lists.c.reply_reminder_after_seconds.is_not(None)
            )
        )
    }
    if not intervals:
        return []
    waiting_since, last_reminded = conversations.c.waiting_since, conversations.c.last_reply_reminder_time
    # The later of the wait's start and this wait's last alert (domain/reminders.py, reply_reminder_due).
    last_announced = case((last_reminded > waiting_since, last_reminded), else_=waiting_since)
    query = (
        select(conversations)
        .where(
            conversations.c.state == ConversationState.ACTIVE.value,
            waiting_since.is_not(None),
            or_(
                *(
                    and_(conversations.c.list_id == list_id, last_announced <= rules.due_cutoff(now, seconds))
                    for list_id, seconds in intervals.items()
                )
            ),
        )
        .order_by(waiting_since, conversations.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = connection.execute(query).all()
    due = [
        conversation
        for row, conversation in zip(rows, load_conversations(connection, rows), strict=True)
        if rules.reply_reminder_due(conversation, row.last_reply_reminder_time, intervals[conversation.list_id], now)
    ]
    if due:
        connection.execute(
            update(conversations)
            .where(conversations.c.id.in_([conversation.id for conversation in due]))
            .values(last_reply_reminder_time=now)
        )
        events.append(connection, [rules.reminder_event(c, ListAlert.NO_REPLY) for c in due], now)
    return due


def close_abandoned(connection: Connection, now: int, limit: int) -> list[Conversation]:
    """Closes (reason INACTIVITY) up to `limit` INACTIVE requests untouched for their list's
    close_inactive_after, longest idle first; returns them closed. The connector is told by the close."""
    intervals: dict[str, float] = {
        row.id: row.close_inactive_after_seconds
        for row in connection.execute(
            select(lists.c.id, lists.c.close_inactive_after_seconds).where(
                lists.c.close_inactive_after_seconds.is_not(None)
            )
        )
    }
    if not intervals:
        return []
    query = (
        select(conversations)
        .where(
            conversations.c.state == ConversationState.INACTIVE.value,
            or_(
                *(
                    and_(
                        conversations.c.list_id == list_id,
                        conversations.c.update_time <= rules.due_cutoff(now, seconds),
                    )
                    for list_id, seconds in intervals.items()
                )
            ),
        )
        .order_by(conversations.c.update_time, conversations.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    idle = load_conversations(connection, connection.execute(query).all())
    return [
        conversation_store.close_abandoned(connection, conversation, now)
        for conversation in idle
        if rules.abandoned(conversation, intervals[conversation.list_id], now)
    ]
