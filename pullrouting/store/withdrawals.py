"""Withdrawing the pending invitations that can no longer be accepted (rules in domain/invitations.py), in the
transaction of the change that makes them so: a close or a transfer (all of the conversation's), the
inviter's leave (its own), an agent's disable or deletion (those to it and by it). The change holds the
conversation's row already; each invitation's row is locked too, so an accept, a decline or the expiry
sweep waiting on it finds it withdrawn (INVITATION_NOT_PENDING), or withdraws nothing it answered first."""

from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, update

from pullrouting.domain import invitations as rules
from pullrouting.domain.invitations import Invitation, InvitationState
from pullrouting.domain.model import Conversation
from pullrouting.store import events
from pullrouting.store.tables import invitations

SET_STATE = update(invitations).where(invitations.c.id == bindparam("invitation_id"))
PENDING_OF_CONVERSATION = (
    select(invitations)
    .where(
        invitations.c.conversation_id == bindparam("conversation_id"),
        invitations.c.state == InvitationState.PENDING.value,
    )
    .order_by(invitations.c.id)
    .with_for_update()
)
PENDING_OF_AGENT = (
    select(invitations)
    .where(
        or_(invitations.c.invitee_id == bindparam("agent_id"), invitations.c.inviter_id == bindparam("agent_id")),
        invitations.c.state == InvitationState.PENDING.value,
    )
    .order_by(invitations.c.id)
    .with_for_update()
)


def invitation_from_row(row: Any) -> Invitation:
    return rules.invitation_from_dict(dict(row._mapping))


def _withdraw(connection: Connection, pending: list[Invitation], now: int) -> None:
    for invitation in pending:
        after, written = rules.withdraw(invitation, now)
        connection.execute(
            SET_STATE, {"invitation_id": after.id, "state": after.state.value, "update_time": after.update_time}
        )
        events.append(connection, list(written), after.update_time)


def after_change(connection: Connection, before: Conversation | None, after: Conversation) -> None:
    """Withdraws what the conversation's change leaves unacceptable."""
    everything, inviters = rules.withdrawn_by(before, after)
    if not everything and not inviters:
        return
    rows = connection.execute(PENDING_OF_CONVERSATION, {"conversation_id": after.id})
    pending = [invitation_from_row(row) for row in rows]
    _withdraw(connection, [i for i in pending if everything or i.inviter_id in inviters], after.update_time)


def of_agent(connection: Connection, agent_id: str, now: int) -> None:
    """The agent was disabled or is being deleted: nobody can accept its invitations, nor those made to it."""
    rows = connection.execute(PENDING_OF_AGENT, {"agent_id": agent_id})
    _withdraw(connection, [invitation_from_row(row) for row in rows], now)
