"""Invitations withdrawn over a real port: a close, a transfer, the inviter's leave and either agent's disable
withdraw the pending invitations they leave unacceptable (WITHDRAWN, both desks told); an accept or a decline
after it is refused INVITATION_NOT_PENDING; accepts racing a close or a transfer are one or the other, on
SQLite and PostgreSQL."""

import grpc
import pytest
from scenario import Agent, Scenario, conversation_id, expect_refusal, join, leave
from sqlalchemy import create_engine, select
from support import Server, error_details, gather_all
from test_concurrency import refusals
from test_desk import next_of, opening
from test_disable import set_agent_enabled
from test_invitations import ROUNDS, accept, decline, invite, invited_scenario

from pullrouting.store.tables import invitations, participants
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, events_pb2, resources_pb2

Code = grpc.StatusCode
WITHDRAWN = events_pb2.INVITATION_EVENT_TYPE_WITHDRAWN


def close(agent: Agent, name: str):
    return agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=name))


def transfer(agent: Agent, name: str):
    request = agent_service_pb2.TransferConversationRequest(name=name, list="lists/billing")
    return agent.stub.TransferConversation(request)


async def add_billing(scenario: Scenario) -> None:
    await scenario.admin.CreateList(
        admin_service_pb2.CreateListRequest(list_id="billing", list=resources_pb2.List(display_name="Billing"))
    )


def stored_states(database_url: str, conversation: str) -> dict[str, str]:
    """Invitation id -> state, as stored."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(invitations.c.id, invitations.c.state).where(
                invitations.c.conversation_id == conversation_id(conversation)
            )
            return dict(connection.execute(query).all())
    finally:
        engine.dispose()


def is_participant(database_url: str, conversation: str, agent: Agent) -> bool:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(participants.c.agent_id).where(
                participants.c.conversation_id == conversation_id(conversation), participants.c.agent_id == agent.id
            )
            return connection.execute(query).first() is not None
    finally:
        engine.dispose()


async def expect_not_pending(server: Server, expert: Agent, invitation: str) -> None:
    for answer in (accept, decline):
        refused = await expect_refusal(
            server, lambda a=answer: a(expert, invitation), Code.FAILED_PRECONDITION, "INVITATION_NOT_PENDING"
        )
        assert error_details(refused)[0].metadata["state"] == "WITHDRAWN"


async def test_a_close_withdraws_the_invitation_and_both_desks_are_told(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    inviter_desk, _ = await opening(inviter)
    expert_desk, _ = await opening(expert)
    name = (await scenario.new_conversation()).name
    await join(inviter, name)
    invitation = (await invite(inviter, name, expert)).invitation

    await close(inviter, name)

    for desk in (expert_desk, inviter_desk):
        told = (await next_of(desk, "invitation", WITHDRAWN)).invitation
        assert (told.invitation.name, told.invitation.state) == (
            invitation.name,
            conversation_pb2.INVITATION_STATE_WITHDRAWN,
        )
    await expect_not_pending(any_server, expert, invitation.name)
    _, shown = await opening(expert)
    assert [event for event in shown if event.WhichOneof("event") == "invitation"] == []


async def test_a_transfer_withdraws_the_invitation(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    await add_billing(scenario)
    name = (await scenario.new_conversation()).name
    await join(inviter, name)
    invitation = (await invite(inviter, name, expert)).invitation

    await transfer(inviter, name)

    await expect_not_pending(any_server, expert, invitation.name)


async def test_the_inviters_leave_withdraws_its_invitations_only(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    other = await scenario.add_agent("other")
    third = await scenario.add_agent("third", subscribe=False)
    name = (await scenario.new_conversation()).name
    await join(inviter, name)
    await join(other, name)
    leaving = (await invite(inviter, name, expert)).invitation
    staying = (await invite(other, name, third)).invitation

    await leave(inviter, name)

    await expect_not_pending(any_server, expert, leaving.name)
    assert (await accept(third, staying.name)).conversation.state == conversation_pb2.CONVERSATION_STATE_ACTIVE


async def test_disabling_the_invited_agent_or_the_inviter_withdraws(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    other = await scenario.add_agent("other", subscribe=False)
    inviter_desk, _ = await opening(inviter)
    name = (await scenario.new_conversation()).name
    await join(inviter, name)
    to_expert = (await invite(inviter, name, expert)).invitation
    to_other = (await invite(inviter, name, other)).invitation

    await set_agent_enabled(scenario, expert.name, False)

    told = (await next_of(inviter_desk, "invitation", WITHDRAWN)).invitation
    assert told.invitation.name == to_expert.name
    await set_agent_enabled(scenario, inviter.name, False)
    await expect_not_pending(any_server, other, to_other.name)
    assert set(stored_states(any_server.database_url, name).values()) == {"WITHDRAWN"}


# Races, with real concurrent clients: the conversation's row lock puts them one after the other.


@pytest.mark.parametrize("ending", [close, transfer], ids=["close", "transfer"])
async def test_accepts_racing_a_close_or_a_transfer_are_one_or_the_other(any_server: Server, ending):
    scenario, inviter, expert = await invited_scenario(any_server)
    await add_billing(scenario)
    for round_number in range(ROUNDS):
        name = (await scenario.new_conversation(f"customer-{round_number}")).name
        await join(inviter, name)
        invitation = (await invite(inviter, name, expert)).invitation

        calls = [lambda n=invitation.name: accept(expert, n), lambda n=name: ending(inviter, n)]
        results = await gather_all(calls[:: 1 if round_number % 2 else -1])

        accepted = not refusals(results)
        assert refusals(results) in ([], ["INVITATION_NOT_PENDING"]), results
        states = stored_states(any_server.database_url, name)
        assert states == {invitation.name.rpartition("/")[2]: "ACCEPTED" if accepted else "WITHDRAWN"}
        # Closed or transferred, the conversation let everybody go either way.
        assert not is_participant(any_server.database_url, name, expert)


async def test_a_close_on_one_instance_withdraws_for_the_desk_and_the_accept_on_another(
    two_instances: tuple[Server, Server],
):
    first, second = two_instances
    scenario, inviter, expert = await invited_scenario(first)
    expert_elsewhere = Agent(expert.name, expert.id, expert.token, second.agent(expert.token))
    desk, _ = await opening(expert_elsewhere)
    name = (await scenario.new_conversation()).name
    await join(inviter, name)
    invitation = (await invite(inviter, name, expert)).invitation
    await next_of(desk, "invitation", events_pb2.INVITATION_EVENT_TYPE_INVITED)

    await close(inviter, name)

    assert (await next_of(desk, "invitation", WITHDRAWN)).invitation.invitation.name == invitation.name
    await expect_not_pending(second, expert_elsewhere, invitation.name)
