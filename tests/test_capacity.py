"""Per-agent capacity: Agent.capacity_overrides replaces a media routing domain's max_conversations_per_agent for
one agent (0: no cap); joins count against it, and simultaneous joins of one agent respect it, on SQLite and
PostgreSQL."""

import grpc
from google.protobuf import field_mask_pb2
from scenario import Scenario, create_scenario, expect_refusal, join, join_call
from support import error_details, gather_all
from test_concurrency import refusals

from pullrouting.v1 import admin_service_pb2, agent_service_pb2, resources_pb2

Code = grpc.StatusCode
ROUNDS = 10


async def set_overrides(scenario: Scenario, agent_name: str, caps: dict[str, int]):
    return await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(
                name=agent_name,
                capacity_overrides=[
                    resources_pb2.CapacityOverride(media_routing_domain=mrd, max_conversations=cap)
                    for mrd, cap in caps.items()
                ],
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["capacity_overrides"]),
        )
    )


async def test_an_override_replaces_the_domains_cap_for_its_agent(any_server):
    scenario = await create_scenario(any_server, agents=3, max_conversations_per_agent=1)
    raised, plain, unlimited = scenario.agents
    updated = (await set_overrides(scenario, raised.name, {scenario.mrd: 3})).agent
    assert [(o.media_routing_domain, o.max_conversations) for o in updated.capacity_overrides] == [(scenario.mrd, 3)]
    await set_overrides(scenario, unlimited.name, {scenario.mrd: 0})
    names = [(await scenario.new_conversation(f"customer-{n}")).name for n in range(5)]

    for name in names[:3]:
        await join(raised, name)
    refused = await expect_refusal(
        any_server, join_call(raised, names[3]), Code.FAILED_PRECONDITION, "AGENT_AT_CAPACITY"
    )
    assert error_details(refused)[0].metadata["max_conversations_per_agent"] == "3"
    await join(plain, names[0])
    await expect_refusal(any_server, join_call(plain, names[1]), Code.FAILED_PRECONDITION, "AGENT_AT_CAPACITY")
    for name in names:
        await join(unlimited, name)
    got = (await scenario.admin.GetAgent(admin_service_pb2.GetAgentRequest(name=raised.name))).agent
    assert got.capacity_overrides == updated.capacity_overrides


async def test_overrides_name_existing_domains_once_and_keep_them_from_deletion(any_server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    await expect_refusal(
        any_server,
        lambda: set_overrides(scenario, agent.name, {"mediaRoutingDomains/none": 2}),
        Code.NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )
    await expect_refusal(
        any_server,
        lambda: set_overrides(scenario, agent.name, {scenario.mrd: -1}),
        Code.INVALID_ARGUMENT,
        "FIELD_INVALID",
    )
    twice = admin_service_pb2.UpdateAgentRequest(
        agent=resources_pb2.Agent(
            name=agent.name,
            capacity_overrides=[
                resources_pb2.CapacityOverride(media_routing_domain=scenario.mrd, max_conversations=1),
                resources_pb2.CapacityOverride(media_routing_domain=scenario.mrd, max_conversations=2),
            ],
        ),
        update_mask=field_mask_pb2.FieldMask(paths=["capacity_overrides"]),
    )
    await expect_refusal(any_server, lambda: scenario.admin.UpdateAgent(twice), Code.INVALID_ARGUMENT, "FIELD_INVALID")
    await set_overrides(scenario, agent.name, {scenario.mrd: 2})
    await scenario.admin.DeleteChannel(admin_service_pb2.DeleteChannelRequest(name=scenario.channel))
    await scenario.admin.DeleteChannelType(admin_service_pb2.DeleteChannelTypeRequest(name=scenario.channel_type))
    await expect_refusal(
        any_server,
        lambda: scenario.admin.DeleteMediaRoutingDomain(
            admin_service_pb2.DeleteMediaRoutingDomainRequest(name=scenario.mrd)
        ),
        Code.FAILED_PRECONDITION,
        "RESOURCE_IN_USE",
    )
    await set_overrides(scenario, agent.name, {})
    await scenario.admin.DeleteMediaRoutingDomain(admin_service_pb2.DeleteMediaRoutingDomainRequest(name=scenario.mrd))


async def test_one_agents_simultaneous_joins_respect_its_override(any_server):
    scenario = await create_scenario(any_server, agents=1, max_conversations_per_agent=1)
    agent = scenario.agents[0]
    await set_overrides(scenario, agent.name, {scenario.mrd: 2})
    for round_number in range(ROUNDS):
        names = [(await scenario.new_conversation(f"customer-{round_number}-{n}")).name for n in range(8)]
        results = await gather_all([join_call(agent, name) for name in names])
        assert sorted(refusals(results)) == ["AGENT_AT_CAPACITY"] * 6
        for result in results:
            if not isinstance(result, BaseException):
                await agent.stub.CloseConversation(
                    agent_service_pb2.CloseConversationRequest(name=result.conversation.name)
                )
