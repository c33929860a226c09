"""Stale-request reminders. Pull routing's known weak spot is the request nobody picks: an UNREAD request
that has waited its list's `unread_reminder_after` is re-announced to the list's watchers (an UPDATED list
event with alert UNREAD_REMINDER), then again every interval for as long as nobody joins it."""

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


def reminder_event(conversation: Conversation) -> Event:
    """The re-announcement: the request as it is, for the watchers of its list."""
    return Event(
        ListEventType.UPDATED,
        conversation.list_id,
        conversation.id,
        conversation.channel_id,
        payload=conversation_payload(conversation, alert=ListAlert.UNREAD_REMINDER),
    )
