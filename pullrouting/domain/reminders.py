"""Stale-request reminders. Pull routing's known weak spot is the request nobody picks: an UNREAD request
that has waited its list's `unread_reminder_after` is re-announced to the list's watchers (an UPDATED list
event with alert UNREAD_REMINDER), then again every interval for as long as nobody joins it. Its twin is the
customer nobody answers: an ACTIVE request whose customer has waited the list's `reply_reminder_after` for an
agent's message is alerted NO_REPLY, once per wait and again after each further interval. And a request
everybody left and nobody touched for the list's `close_inactive_after` is abandoned: the server closes it."""

from pullrouting.domain.events import Event, ListAlert, ListEventType, conversation_payload
from pullrouting.domain.model import Conversation, ConversationState

MICROS_PER_SECOND = 1_000_000


def due_cutoff(now: int, interval_seconds: float) -> int:
    """A request last announced (created or reminded) at or before this time is due for a reminder."""
    return now - round(interval_seconds * MICROS_PER_SECOND)


def reminder_due(
    conversation: Conversation, last_reminder_time: int | None, interval_seconds: float | None, now: int
) -> bool:
    """Due when the list asks for reminders, nobody ever joined, and a whole interval has passed since the
    request landed or was last re-announced: at most one reminder per interval."""
    if interval_seconds is None or conversation.state is not ConversationState.UNREAD:
        return False
    last_announced = conversation.create_time if last_reminder_time is None else last_reminder_time
    return last_announced <= due_cutoff(now, interval_seconds)


def reply_reminder_due(
    conversation: Conversation, last_reply_reminder_time: int | None, interval_seconds: float | None, now: int
) -> bool:
    """Due when the list asks for reply reminders, the request is ACTIVE, its customer waits for an answer,
    and a whole interval has passed since the wait began or since this wait was last alerted (an alert of
    an earlier wait is older than this wait's start)."""
    if interval_seconds is None or conversation.state is not ConversationState.ACTIVE:
        return False
    if conversation.waiting_since is None:
        return False
    last_announced = max(conversation.waiting_since, last_reply_reminder_time or conversation.waiting_since)
    return last_announced <= due_cutoff(now, interval_seconds)


def abandoned(conversation: Conversation, interval_seconds: float | None, now: int) -> bool:
    """Abandoned when the list closes idle requests, everybody left it (INACTIVE), and nothing has changed it
    for a whole interval."""
    if interval_seconds is None or conversation.state is not ConversationState.INACTIVE:
        return False
    return conversation.update_time <= due_cutoff(now, interval_seconds)


def reminder_event(conversation: Conversation, alert: ListAlert = ListAlert.UNREAD_REMINDER) -> Event:
    """The re-announcement: the request as it is, for the watchers of its list."""
    return Event(
        ListEventType.UPDATED,
        conversation.list_id,
        conversation.id,
        conversation.channel_id,
        payload=conversation_payload(conversation, alert=alert),
    )
