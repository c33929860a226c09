"""Invitations: a participant invites another agent into a conversation; the invited agent accepts (and joins,
without a subscription, within the caps, if entitled) or declines, or nobody answers before the invitation
expires. The invited agent's desks are told of the invitation, the inviter's of its answer or expiry. At most
one invitation is pending per agent and conversation. Pure Python, as domain/conversation.py."""

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from pullrouting.domain import conversation as rules
from pullrouting.domain.errors import DomainError, InvalidInput, Reason
from pullrouting.domain.events import AgentEventType, Event, conversation_dict
from pullrouting.domain.model import Conversation, ConversationState
from pullrouting.domain.names import AGENTS, CONVERSATIONS, INVITATIONS, LISTS, format_name

MICROS_PER_SECOND = 1_000_000


class InvitationState(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    WITHDRAWN = "WITHDRAWN"


@dataclass(frozen=True)
class Invitation:
    id: str
    conversation_id: str
    inviter_id: str
    invitee_id: str
    note: str
    state: InvitationState
    create_time: int
    expire_time: int
    update_time: int

    @property
    def name(self) -> str:
        return f"{format_name(CONVERSATIONS, self.conversation_id)}/{INVITATIONS}/{self.id}"

    def pending_at(self, now: int) -> bool:
        """Still open to an answer: PENDING and not past its expire_time (the periodic sweep may be late)."""
        return self.state is InvitationState.PENDING and now < self.expire_time


@dataclass(frozen=True)
class Invitee:
    """What an invitation needs of the invited agent: an invitation it could not accept only rings in vain."""

    exists: bool
    enabled: bool
    entitled: bool


def invitation_dict(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "conversation_id": invitation.conversation_id,
        "inviter_id": invitation.inviter_id,
        "invitee_id": invitation.invitee_id,
        "note": invitation.note,
        "state": invitation.state.value,
        "create_time": invitation.create_time,
        "expire_time": invitation.expire_time,
        "update_time": invitation.update_time,
    }


def invitation_from_dict(data: dict[str, Any]) -> Invitation:
    return Invitation(**{**data, "state": InvitationState(data["state"])})


# Which event tells the inviter of each answer.
ANSWER_EVENTS = {
    InvitationState.ACCEPTED: AgentEventType.INVITATION_ACCEPTED,
    InvitationState.DECLINED: AgentEventType.INVITATION_DECLINED,
    InvitationState.EXPIRED: AgentEventType.INVITATION_EXPIRED,
}


def _event(event_type: AgentEventType, invitation: Invitation, recipient: str, **payload: Any) -> Event:
    """An AGENT event for the desks of `recipient`."""
    return Event(
        event_type,
        conversation_id=invitation.conversation_id,
        agent_id=recipient,
        payload={"invitation": invitation_dict(invitation), **payload},
    )


def invite(
    conversation: Conversation,
    inviter_id: str,
    invitee_id: str,
    *,
    invitee: Invitee,
    pending: Invitation | None,
    entitled: bool,
    note: str,
    invitation_id: str,
    now: int,
    ttl_seconds: float,
) -> tuple[Invitation, tuple[Event, ...]]:
    """A participant invites another agent; the agent's pending invitation to the conversation, when it has
    one, is the answer instead (no events)."""
    rules.check_may_see(conversation, inviter_id, entitled)
    if conversation.state is ConversationState.CLOSED:
        name = format_name(CONVERSATIONS, conversation.id)
        raise DomainError(Reason.CONVERSATION_CLOSED, f"{name} is closed", conversation=name)
    rules.check_participant(conversation, inviter_id)
    if invitee_id == inviter_id:
        raise InvalidInput.of("agent", "is the caller; invite another agent")
    name = format_name(AGENTS, invitee_id)
    if not invitee.exists:
        raise DomainError(Reason.RESOURCE_NOT_FOUND, f"{name} does not exist", resource=name)
    if rules.is_participant(conversation, invitee_id):
        raise InvalidInput.of("agent", f"{name} is in the conversation already")
    if not invitee.enabled:
        raise InvalidInput.of("agent", f"{name} is disabled and could not accept")
    if not invitee.entitled:
        list_name = format_name(LISTS, conversation.list_id)
        raise InvalidInput.of("agent", f"{name} is not entitled to {list_name} and could not accept")
    if pending is not None:
        return pending, ()
    expire_time = now + round(ttl_seconds * MICROS_PER_SECOND)
    invitation = Invitation(
        invitation_id, conversation.id, inviter_id, invitee_id, note, InvitationState.PENDING, now, expire_time, now
    )
    event = _event(
        AgentEventType.INVITED, invitation, invitee_id, conversation=conversation_dict(conversation)
    )
    return invitation, (event,)


def check_answerable(invitation: Invitation, answer: InvitationState, now: int) -> bool:
    """Whether the answer changes anything: False for the same answer again; INVITATION_NOT_PENDING for an
    invitation answered otherwise or expired (by its time, even before the sweep marks it)."""
    if invitation.state is answer:
        return False
    if not invitation.pending_at(now):
        state = InvitationState.EXPIRED if invitation.state is InvitationState.PENDING else invitation.state
        raise DomainError(
            Reason.INVITATION_NOT_PENDING,
            f"{invitation.name} is {state.value.lower()}",
            invitation=invitation.name,
            state=state.value,
        )
    return True


def answer(invitation: Invitation, state: InvitationState, now: int) -> tuple[Invitation, Event]:
    """The invitation accepted, declined or expired, and the event telling the inviter."""
    after = replace(invitation, state=state, update_time=max(now, invitation.update_time + 1))
    return after, _event(ANSWER_EVENTS[state], after, after.inviter_id)


def withdraw(invitation: Invitation, now: int) -> tuple[Invitation, tuple[Event, Event]]:
    """The invitation withdrawn: it can no longer be accepted. Both agents' desks are told, the invited one's
    so that it stops offering it."""
    after = replace(invitation, state=InvitationState.WITHDRAWN, update_time=max(now, invitation.update_time + 1))
    event_type = AgentEventType.INVITATION_WITHDRAWN
    return after, (_event(event_type, after, after.invitee_id), _event(event_type, after, after.inviter_id))


def withdrawn_by(before: Conversation | None, after: Conversation) -> tuple[bool, frozenset[str]]:
    """Which pending invitations of the conversation a change withdraws: all of them (True) when it closed
    or moved to another list; else those made by the participants it let go."""
    if before is None:
        return False, frozenset()
    if after.state is ConversationState.CLOSED or after.list_id != before.list_id:
        return True, frozenset()
    left = {p.agent_id for p in before.participants} - {p.agent_id for p in after.participants}
    return False, frozenset(left)


def accept_access(entitled: bool) -> rules.Access:
    """An invitation stands in for a subscription to the list; the entitlement is still needed."""
    return rules.Access(entitled=entitled, subscribed=True)
