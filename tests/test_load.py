"""The desk's load over a real port: WatchDesk shows the agent's open conversations per media routing domain
against its cap (its capacity override, or the domain's default; 0 for none) on its opening, and again
whenever it changes: a join, a leave, a close, a transfer, an accepted invitation, a change of its override."""

from google.protobuf import field_mask_pb2
from scenario import Agent, create_scenario, join, leave
from support import Server
from test_desk import next_of, opening
from test_invitations import accept, invite

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2, resources_pb2

DEFAULT_CAP = 2


def loads(event: events_pb2.DeskEvent) -> list[tuple[str, int, int]]:
    domains = event.load.media_routing_domains
    return [(d.media_routing_domain, d.open_conversations, d.max_conversations) for d in domains]


async def next_load(desk) -> list[tuple[str, int, int]]:
    return loads(await next_of(desk, "load"))


async def test_the_desk_shows_its_load_per_domain_and_each_change(any_server: Server):
    scenario = await create_scenario(any_server, agents=1, max_conversations_per_agent=DEFAULT_CAP)
    agent = scenario.agents[0]
    await scenario.admin.CreateMediaRoutingDomain(
        admin_service_pb2.CreateMediaRoutingDomainRequest(
            media_routing_domain_id="voice", media_routing_domain=resources_pb2.MediaRoutingDomain(display_name="Voice")
        )
    )
    voice = "mediaRoutingDomains/voice"
    desk, opened = await opening(agent)
    load_items = [event for event in opened if event.WhichOneof("event") == "load"]
    assert [loads(event) for event in load_items] == [[(scenario.mrd, 0, DEFAULT_CAP), (voice, 0, 0)]]
    assert load_items[0].load.agent == agent.name

    first = (await scenario.new_conversation("customer-1")).name
    second = (await scenario.new_conversation("customer-2")).name
    await join(agent, first)
    loaded = await next_of(desk, "load")
    assert loads(loaded) == [(scenario.mrd, 1, DEFAULT_CAP), (voice, 0, 0)]
    assert loaded.resume_token
    await join(agent, second)
    assert (await next_load(desk))[0] == (scenario.mrd, 2, DEFAULT_CAP)
    await leave(agent, first)
    assert (await next_load(desk))[0] == (scenario.mrd, 1, DEFAULT_CAP)
    await set_override(scenario, agent, 5)
    assert (await next_load(desk))[0] == (scenario.mrd, 1, 5)
    await agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=second))
    assert (await next_load(desk))[0] == (scenario.mrd, 0, 5)

    await set_override(scenario, agent, 0)
    assert (await next_load(desk))[0] == (scenario.mrd, 0, 0)
    third = (await scenario.new_conversation("customer-3")).name
    await join(agent, third)
    assert (await next_load(desk))[0] == (scenario.mrd, 1, 0)
    await scenario.admin.CreateList(
        admin_service_pb2.CreateListRequest(list_id="billing", list=resources_pb2.List(display_name="Billing"))
    )
    transfer = agent_service_pb2.TransferConversationRequest(name=third, list="lists/billing")
    await agent.stub.TransferConversation(transfer)
    assert (await next_load(desk))[0] == (scenario.mrd, 0, 0)


async def test_an_accepted_invitation_shows_on_the_invited_agents_load(any_server: Server):
    scenario = await create_scenario(any_server, agents=1, max_conversations_per_agent=DEFAULT_CAP)
    inviter = scenario.agents[0]
    expert = await scenario.add_agent("expert", subscribe=False)
    desk, _ = await opening(expert)
    name = (await scenario.new_conversation()).name
    await join(inviter, name)

    await accept(expert, (await invite(inviter, name, expert)).invitation.name)

    assert await next_load(desk) == [(scenario.mrd, 1, DEFAULT_CAP)]


async def set_override(scenario, agent: Agent, cap: int) -> None:
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(
                name=agent.name,
                capacity_overrides=[
                    resources_pb2.CapacityOverride(media_routing_domain=scenario.mrd, max_conversations=cap)
                ],
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["capacity_overrides"]),
        )
    )
