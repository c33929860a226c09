"""Invitations over a real port: a participant invites another agent, whose desk is told (INVITED); accepting
joins it (without a subscription, within the caps, if entitled) and declining tells the inviter, as an expiry
does; at most one invitation is pending per agent and conversation. Accepts racing the expiry sweep and a full
List are decided by the database, on SQLite and PostgreSQL."""

import asyncio

import grpc
from scenario import Agent, Scenario, add_second_list, create_scenario, expect_refusal, join, participant_rows
from scheduling import Clock, micros, reminder_scheduler
from support import Server, dump_store, gather_all, serve, violated_fields
from test_concurrency import refusals
from test_desk import next_of, opening

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, events_pb2, resources_pb2

Code = grpc.StatusCode

ROUNDS = 10


def invite(agent: Agent, conversation: str, invitee: Agent, note: str = ""):
    return agent.stub.InviteAgent(
        agent_service_pb2.InviteAgentRequest(name=conversation, agent=invitee.name, note=note)
    )


def accept(agent: Agent, invitation: str):
    return agent.stub.AcceptInvitation(agent_service_pb2.AcceptInvitationRequest(name=invitation))


def decline(agent: Agent, invitation: str):
    return agent.stub.DeclineInvitation(agent_service_pb2.DeclineInvitationRequest(name=invitation))


async def invited_scenario(server: Server) -> tuple[Scenario, Agent, Agent]:
    """An inviter subscribed to L1 and an expert entitled to L1 but not subscribed."""
    scenario = await create_scenario(server, agents=1)
    expert = await scenario.add_agent("expert", subscribe=False)
    return scenario, scenario.agents[0], expert


async def test_an_invited_agent_is_told_on_its_desk_and_joins_by_accepting(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    inviter_desk, _ = await opening(inviter)
    expert_desk, _ = await opening(expert)
    conversation = await scenario.new_conversation()
    await join(inviter, conversation.name)

    invitation = (await invite(inviter, conversation.name, expert, "Can you check the refund?")).invitation

    assert (invitation.inviter, invitation.invitee, invitation.state, invitation.note) == (
        inviter.name,
        expert.name,
        conversation_pb2.INVITATION_STATE_PENDING,
        "Can you check the refund?",
    )
    assert micros(invitation.expire_time) - micros(invitation.create_time) == 120_000_000
    told = (await next_of(expert_desk, "invitation", events_pb2.INVITATION_EVENT_TYPE_INVITED)).invitation
    assert (told.invitation, told.conversation.name) == (invitation, conversation.name)

    joined = (await accept(expert, invitation.name)).conversation

    assert [p.agent for p in joined.participants] == [inviter.name, expert.name]
    answered = (await next_of(inviter_desk, "invitation", events_pb2.INVITATION_EVENT_TYPE_ACCEPTED)).invitation
    assert answered.invitation.state == conversation_pb2.INVITATION_STATE_ACCEPTED
    # Accepting again changes nothing; the agent is in, so it is not invited again.
    assert (await accept(expert, invitation.name)).conversation == joined
    refused = await expect_refusal(
        any_server, lambda: invite(inviter, conversation.name, expert), Code.INVALID_ARGUMENT, "FIELD_INVALID"
    )
    assert violated_fields(refused) == {"agent"}


async def test_an_agent_in_through_an_invitation_closes_it_without_subscribing(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    conversation = await scenario.new_conversation()
    await join(inviter, conversation.name)
    invitation = (await invite(inviter, conversation.name, expert)).invitation
    await accept(expert, invitation.name)
    await inviter.stub.LeaveConversation(agent_service_pb2.LeaveConversationRequest(name=conversation.name))

    closed = (
        await expert.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=conversation.name))
    ).conversation

    assert closed.state == conversation_pb2.CONVERSATION_STATE_CLOSED


async def test_one_invitation_is_pending_per_agent_and_a_decline_tells_the_inviter(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    inviter_desk, _ = await opening(inviter)
    conversation = await scenario.new_conversation()
    await join(inviter, conversation.name)
    first = (await invite(inviter, conversation.name, expert)).invitation

    again = await expect_refusal_free(any_server, lambda: invite(inviter, conversation.name, expert, "ping"))

    assert again.invitation == first
    declined = (await decline(expert, first.name)).invitation
    assert declined.state == conversation_pb2.INVITATION_STATE_DECLINED
    told = (await next_of(inviter_desk, "invitation", events_pb2.INVITATION_EVENT_TYPE_DECLINED)).invitation
    assert told.invitation == declined
    assert (await decline(expert, first.name)).invitation == declined
    await expect_refusal(
        any_server, lambda: accept(expert, first.name), Code.FAILED_PRECONDITION, "INVITATION_NOT_PENDING"
    )
    # Declined, it is no longer pending: a new invitation may be made.
    second = (await invite(inviter, conversation.name, expert)).invitation
    assert second.name != first.name


async def expect_refusal_free(server: Server, call):
    """A call that must succeed without changing the store (an idempotent repeat)."""
    before = dump_store(server.database_url)
    response = await call()
    assert dump_store(server.database_url) == before
    return response


async def test_invitations_are_refused_when_they_may_not_be_made_or_answered(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    outsider = await scenario.add_agent("outsider", lists=[])
    other_list, _ = await add_second_list(scenario)
    stranger = await scenario.add_agent("stranger", lists=[other_list])
    disabled = await scenario.add_agent("disabled", subscribe=False)
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name=disabled.name, enabled=False), update_mask={"paths": ["enabled"]}
        )
    )
    conversation = await scenario.new_conversation()
    name = conversation.name
    await join(inviter, name)

    await expect_refusal(any_server, lambda: invite(expert, name, inviter), Code.FAILED_PRECONDITION, "NOT_PARTICIPANT")
    await expect_refusal(any_server, lambda: invite(inviter, name, inviter), Code.INVALID_ARGUMENT, "FIELD_INVALID")
    nobody = Agent("agents/nobody", "nobody", "", inviter.stub)
    await expect_refusal(any_server, lambda: invite(inviter, name, nobody), Code.NOT_FOUND, "RESOURCE_NOT_FOUND")
    await expect_refusal(any_server, lambda: invite(outsider, name, expert), Code.PERMISSION_DENIED, "NOT_ENTITLED")
    # An invitation the agent could not accept is not made: it would only ring in vain.
    for unable in (stranger, disabled):
        refused = await expect_refusal(
            any_server, lambda unable=unable: invite(inviter, name, unable), Code.INVALID_ARGUMENT, "FIELD_INVALID"
        )
        assert violated_fields(refused) == {"agent"}
    invitation = (await invite(inviter, name, expert)).invitation
    # Only the invited agent sees its invitation; one no longer entitled to the List cannot accept.
    await expect_refusal(any_server, lambda: accept(stranger, invitation.name), Code.NOT_FOUND, "RESOURCE_NOT_FOUND")
    await expect_refusal(any_server, lambda: decline(stranger, invitation.name), Code.NOT_FOUND, "RESOURCE_NOT_FOUND")
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name=expert.name, lists=[other_list]), update_mask={"paths": ["lists"]}
        )
    )
    await expect_refusal(any_server, lambda: accept(expert, invitation.name), Code.PERMISSION_DENIED, "NOT_ENTITLED")
    await expect_refusal(
        any_server, lambda: accept(stranger, "not/an-invitation"), Code.INVALID_ARGUMENT, "FIELD_INVALID"
    )
    await inviter.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=name))
    await expect_refusal(
        any_server, lambda: invite(inviter, name, expert), Code.FAILED_PRECONDITION, "CONVERSATION_CLOSED"
    )


async def test_an_unanswered_invitation_expires_and_the_inviter_is_told(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    inviter_desk, _ = await opening(inviter)
    conversation = await scenario.new_conversation()
    await join(inviter, conversation.name)
    invitation = (await invite(inviter, conversation.name, expert)).invitation
    clock = Clock(micros(invitation.expire_time) - 1)
    sweep = reminder_scheduler(any_server, clock)

    assert await sweep.tick() == 0
    clock.now += 1
    assert await sweep.tick() == 1

    told = (await next_of(inviter_desk, "invitation", events_pb2.INVITATION_EVENT_TYPE_EXPIRED)).invitation
    assert told.invitation.state == conversation_pb2.INVITATION_STATE_EXPIRED
    assert await sweep.tick() == 0
    await expect_refusal(
        any_server, lambda: accept(expert, invitation.name), Code.FAILED_PRECONDITION, "INVITATION_NOT_PENDING"
    )


async def test_an_invitation_past_its_time_is_not_accepted_before_the_sweep(sqlite_url: str):
    async for server in serve(sqlite_url, invitation_ttl_seconds=0.2):
        await _accept_after_the_expire_time(server)


async def _accept_after_the_expire_time(server: Server) -> None:
    scenario, inviter, expert = await invited_scenario(server)
    conversation = await scenario.new_conversation()
    await join(inviter, conversation.name)
    invitation = (await invite(inviter, conversation.name, expert)).invitation
    await asyncio.sleep(0.3)  # the server's own clock passes the expire_time

    await expect_refusal(
        server, lambda: accept(expert, invitation.name), Code.FAILED_PRECONDITION, "INVITATION_NOT_PENDING"
    )
    # Inviting again expires it, telling the inviter, and makes a new one.
    renewed = (await invite(inviter, conversation.name, expert)).invitation
    assert renewed.name != invitation.name


# Races.


async def test_accepts_racing_the_expiry_sweep_are_one_or_the_other(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    for round_number in range(ROUNDS):
        conversation = await scenario.new_conversation(f"customer-{round_number}")
        await join(inviter, conversation.name)
        invitation = (await invite(inviter, conversation.name, expert)).invitation
        sweep = reminder_scheduler(any_server, Clock(micros(invitation.expire_time)))

        calls = [lambda name=invitation.name: accept(expert, name), sweep.tick]
        results = await gather_all(calls[:: 1 if round_number % 2 else -1])

        accepted = not refusals(results)
        swept = next(r for r in results if isinstance(r, int))
        assert (accepted, swept) in ((True, 0), (False, 1)), results
        assert sorted(refusals(results)) in ([], ["INVITATION_NOT_PENDING"])
        in_it = expert.id in participant_rows(any_server.database_url, conversation.name.rpartition("/")[2])
        assert in_it == accepted
        await inviter.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=conversation.name))


async def test_accepts_racing_for_the_last_seat_admit_one(any_server: Server):
    scenario = await create_scenario(any_server, agents=1, max_participants=2)
    inviter = scenario.agents[0]
    experts = [await scenario.add_agent(f"expert-{n}", subscribe=False) for n in range(6)]
    for round_number in range(ROUNDS):
        conversation = await scenario.new_conversation(f"customer-{round_number}")
        await join(inviter, conversation.name)
        names = [(await invite(inviter, conversation.name, expert)).invitation.name for expert in experts]

        results = await gather_all([lambda e=e, n=n: accept(e, n) for e, n in zip(experts, names, strict=True)])

        assert sorted(refusals(results)) == ["LIST_FULL"] * (len(experts) - 1)
        assert len(participant_rows(any_server.database_url, conversation.name.rpartition("/")[2])) == 2
        await inviter.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=conversation.name))


async def test_an_invitation_on_one_instance_reaches_the_desk_on_another(two_instances: tuple[Server, Server]):
    first, second = two_instances
    scenario, inviter, expert = await invited_scenario(first)
    expert_elsewhere = Agent(expert.name, expert.id, expert.token, second.agent(expert.token))
    desk, _ = await opening(expert_elsewhere)
    conversation = await scenario.new_conversation()
    await join(inviter, conversation.name)

    invitation = (await invite(inviter, conversation.name, expert)).invitation

    told = (await next_of(desk, "invitation", events_pb2.INVITATION_EVENT_TYPE_INVITED)).invitation
    assert told.invitation == invitation


async def test_a_desk_opened_later_shows_the_invitations_waiting_for_an_answer(any_server: Server):
    scenario, inviter, expert = await invited_scenario(any_server)
    conversation = await scenario.new_conversation()
    await join(inviter, conversation.name)
    invitation = (await invite(inviter, conversation.name, expert)).invitation

    _, shown = await opening(expert)

    items = [event.invitation for event in shown if event.WhichOneof("event") == "invitation"]
    assert [(item.type, item.invitation, item.conversation.name) for item in items] == [
        (events_pb2.INVITATION_EVENT_TYPE_INVITED, invitation, conversation.name)
    ]
    await decline(expert, invitation.name)
    _, shown = await opening(expert)
    assert [event for event in shown if event.WhichOneof("event") == "invitation"] == []
