"""Activity: what a participant is doing in a conversation right now (typing, viewing). Live only: a notice is
handed to the streams that watch the conversation and never stored, so it has no place in the event order
and is never replayed. TYPING and VIEWING end after the activity TTL unless set again; their end is a notice
too (NONE). Pure Python, as domain/conversation.py."""

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from pullrouting.domain import conversation as rules
from pullrouting.domain.errors import DomainError, InvalidInput, Reason
from pullrouting.domain.model import Conversation, ConversationState
from pullrouting.domain.names import CONVERSATIONS, format_name


class Activity(StrEnum):
    NONE = "NONE"
    TYPING = "TYPING"
    VIEWING = "VIEWING"


@dataclass(frozen=True)
class ActivityNotice:
    """One participant's activity in one conversation, as the watchers are told of it. `agent_id` is None for
    the customer; the channel and customer let a connector deliver an agent's activity."""

    conversation_id: str
    channel_id: str
    customer_id: str
    customer_display_name: str
    agent_id: str | None
    activity: Activity
    # On NONE: it ended by itself (not renewed within the TTL, or the agent left), not by the participant.
    expired: bool
    ttl_seconds: float
    create_time: int

    @property
    def who(self) -> tuple[str, str | None]:
        """Whose activity it is: one activity per participant and conversation at a time."""
        return self.conversation_id, self.agent_id

    @property
    def lasts(self) -> bool:
        return self.activity is not Activity.NONE


def notice(
    conversation: Conversation, agent_id: str | None, activity: Activity, ttl_seconds: float, now: int
) -> ActivityNotice:
    return ActivityNotice(
        conversation.id,
        conversation.channel_id,
        conversation.customer_id,
        conversation.customer_display_name,
        agent_id,
        activity,
        expired=False,
        ttl_seconds=ttl_seconds,
        create_time=now,
    )


def ended(notice_: ActivityNotice, now: int) -> ActivityNotice:
    """The NONE that ends an activity nobody renewed (or whose agent left)."""
    return replace(notice_, activity=Activity.NONE, expired=True, ttl_seconds=0, create_time=now)


def _check_open(conversation: Conversation) -> None:
    if conversation.state is ConversationState.CLOSED:
        name = format_name(CONVERSATIONS, conversation.id)
        raise DomainError(Reason.CONVERSATION_CLOSED, f"{name} is closed", conversation=name)


def check_agent_may_set(conversation: Conversation, agent_id: str, activity: Activity, entitled: bool) -> None:
    """Typing (and saying it stopped) is for participants; viewing for any agent that may read the
    conversation, so that its participants see who else has it open before they answer."""
    rules.check_may_see(conversation, agent_id, entitled)
    _check_open(conversation)
    if activity is not Activity.VIEWING:
        rules.check_participant(conversation, agent_id)


def check_customer_may_set(conversation: Conversation, activity: Activity) -> None:
    if activity is Activity.VIEWING:
        raise InvalidInput.of("activity", "must be TYPING or NONE for the customer")
    _check_open(conversation)


def notice_dict(notice_: ActivityNotice) -> dict[str, Any]:
    return {
        "conversation_id": notice_.conversation_id,
        "channel_id": notice_.channel_id,
        "customer_id": notice_.customer_id,
        "customer_display_name": notice_.customer_display_name,
        "agent_id": notice_.agent_id,
        "activity": notice_.activity.value,
        "expired": notice_.expired,
        "ttl_seconds": notice_.ttl_seconds,
        "create_time": notice_.create_time,
    }


def notice_from_dict(data: dict[str, Any]) -> ActivityNotice:
    return ActivityNotice(**{**data, "activity": Activity(data["activity"])})
