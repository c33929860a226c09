"""The invitation transactions (rules in domain/invitations.py). An invite and an accept lock the conversation
row first, as every lifecycle transaction does (an accept then the agent's row, as a join), then the
invitation's; a decline and the expiry sweep lock only invitation rows. Events are appended last, in the
same transaction."""

from sqlalchemy import Connection, bindparam, insert, select

from pullrouting.domain import conversation as rules
from pullrouting.domain import invitations as invitation_rules
from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.invitations import Invitation, InvitationState
from pullrouting.domain.model import Conversation
from pullrouting.domain.names import CONVERSATIONS, INVITATIONS, format_name, new_id
from pullrouting.store import conversations as conversation_store
from pullrouting.store import events
from pullrouting.store.events import now_micros
from pullrouting.store.subscriptions import is_entitled
from pullrouting.store.tables import agents, invitations
from pullrouting.store.withdrawals import SET_STATE, invitation_from_row

INVITATION_OF_INVITEE = select(invitations).where(
    invitations.c.id == bindparam("invitation_id"),
    invitations.c.conversation_id == bindparam("conversation_id"),
    invitations.c.invitee_id == bindparam("agent_id"),
)
INVITATION_OF_INVITEE_LOCKED = INVITATION_OF_INVITEE.with_for_update()
PENDING_OF = select(invitations).where(
    invitations.c.conversation_id == bindparam("conversation_id"),
    invitations.c.invitee_id == bindparam("agent_id"),
    invitations.c.state == InvitationState.PENDING.value,
)
INVITEE_ENABLED = select(agents.c.enabled).where(agents.c.id == bindparam("agent_id"))
# Due for expiry, oldest first, skipping those another transaction holds (an accept, another instance's sweep).
DUE = (
    select(invitations)
    .where(invitations.c.state == InvitationState.PENDING.value, invitations.c.expire_time <= bindparam("now"))
    .order_by(invitations.c.expire_time, invitations.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
PENDING_FOR_INVITEE = (
    select(invitations)
    .where(
        invitations.c.invitee_id == bindparam("agent_id"),
        invitations.c.state == InvitationState.PENDING.value,
        invitations.c.expire_time > bindparam("now"),
    )
    .order_by(invitations.c.create_time, invitations.c.id)
)
INSERT_INVITATION = insert(invitations)


def _of_invitee(
    connection: Connection, agent_id: str, conversation_id: str, invitation_id: str, lock: bool
) -> Invitation:
    """The invitation, if it was made to this agent; NOT_FOUND otherwise, so that an agent learns nothing of
    others' invitations."""
    query = INVITATION_OF_INVITEE_LOCKED if lock else INVITATION_OF_INVITEE
    parameters = {"invitation_id": invitation_id, "conversation_id": conversation_id, "agent_id": agent_id}
    row = connection.execute(query, parameters).first()
    if row is None:
        name = f"{format_name(CONVERSATIONS, conversation_id)}/{INVITATIONS}/{invitation_id}"
        raise DomainError(Reason.RESOURCE_NOT_FOUND, f"{name} does not exist", resource=name)
    return invitation_from_row(row)


def _store_answer(connection: Connection, invitation: Invitation, state: InvitationState, now: int) -> Invitation:
    after, event = invitation_rules.answer(invitation, state, now)
    connection.execute(
        SET_STATE, {"invitation_id": after.id, "state": after.state.value, "update_time": after.update_time}
    )
    events.append(connection, [event], after.update_time)
    return after


def invite(
    connection: Connection, inviter_id: str, conversation_id: str, invitee_id: str, note: str, ttl_seconds: float
) -> Invitation:
    conversation = conversation_store.get(connection, conversation_id, for_update=True)
    now = now_micros()
    found = connection.execute(PENDING_OF, {"conversation_id": conversation_id, "agent_id": invitee_id}).first()
    pending = None if found is None else invitation_from_row(found)
    if pending is not None and not pending.pending_at(now):
        # Expired by its time before the sweep came by: it expires now, telling the inviter, and makes room.
        _store_answer(connection, pending, InvitationState.EXPIRED, now)
        pending = None
    invitation, written = invitation_rules.invite(
        conversation,
        inviter_id,
        invitee_id,
        invitee=_invitee(connection, invitee_id, conversation.list_id),
        pending=pending,
        entitled=is_entitled(connection, inviter_id, conversation.list_id),
        note=note,
        invitation_id=new_id(),
        now=now,
        ttl_seconds=ttl_seconds,
    )
    if written:
        connection.execute(INSERT_INVITATION, invitation_rules.invitation_dict(invitation))
        events.append(connection, list(written), now)
    return invitation


def _invitee(connection: Connection, agent_id: str, list_id: str) -> invitation_rules.Invitee:
    enabled = connection.execute(INVITEE_ENABLED, {"agent_id": agent_id}).scalar()
    return invitation_rules.Invitee(
        exists=enabled is not None, enabled=bool(enabled), entitled=is_entitled(connection, agent_id, list_id)
    )


def accept(connection: Connection, agent_id: str, conversation_id: str, invitation_id: str) -> Conversation:
    """Joins the invited agent as JoinConversation does, but for the subscription, which the invitation stands
    in for: the conversation's lock, then the agent's, then the invitation's."""
    _of_invitee(connection, agent_id, conversation_id, invitation_id, lock=False)
    before = conversation_store.get(connection, conversation_id, for_update=True)
    conversation_store.lock_enabled_agent(connection, agent_id)
    invitation = _of_invitee(connection, agent_id, conversation_id, invitation_id, lock=True)
    now = now_micros()
    if not invitation_rules.check_answerable(invitation, InvitationState.ACCEPTED, now):
        return before
    outcome = rules.join(
        before,
        agent_id,
        now,
        invitation_rules.accept_access(is_entitled(connection, agent_id, before.list_id)),
        conversation_store.join_limits(connection, agent_id, before),
    )
    conversation_store.write(connection, before, outcome)
    _store_answer(connection, invitation, InvitationState.ACCEPTED, now)
    return outcome.conversation


def decline(connection: Connection, agent_id: str, conversation_id: str, invitation_id: str) -> Invitation:
    invitation = _of_invitee(connection, agent_id, conversation_id, invitation_id, lock=True)
    now = now_micros()
    if not invitation_rules.check_answerable(invitation, InvitationState.DECLINED, now):
        return invitation
    return _store_answer(connection, invitation, InvitationState.DECLINED, now)


def expire_due(connection: Connection, now: int, limit: int) -> list[Invitation]:
    """Expires the PENDING invitations past their expire_time, telling each inviter; decided once however many
    instances sweep (FOR UPDATE SKIP LOCKED), and never under an accept or decline in progress."""
    due = [invitation_from_row(row) for row in connection.execute(DUE, {"now": now, "limit": limit})]
    return [_store_answer(connection, invitation, InvitationState.EXPIRED, now) for invitation in due]


def pending_for(connection: Connection, agent_id: str, now: int) -> list[tuple[Invitation, Conversation]]:
    """The invitations waiting for the agent's answer, oldest first, each with its conversation as it is now:
    what a desk's opening shows."""
    rows = connection.execute(PENDING_FOR_INVITEE, {"agent_id": agent_id, "now": now})
    found = [invitation_from_row(row) for row in rows]
    return [(invitation, conversation_store.get(connection, invitation.conversation_id)) for invitation in found]
