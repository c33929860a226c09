"""The reads behind the supervisor views, on both databases: a List's figures and an agent's status equal what
the calls that made them say."""

from scenario import add_second_list, create_scenario, join

from pullrouting.domain.presence import Presence
from pullrouting.domain.supervisor_views import DomainLoad
from pullrouting.store import supervisor_views
from pullrouting.store.events import now_micros
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, resources_pb2

MINUTE = 60_000_000


async def test_figures_count_requests_waiting_customers_and_entitled_agents_by_presence(any_server):
    scenario = await create_scenario(any_server, agents=3)
    second_list, other = await add_second_list(scenario)
    first = await scenario.new_conversation("customer-1")
    await scenario.new_conversation("customer-2")
    await scenario.post(customer_id="customer-3", service_identifier=other)
    ann, bob, _ = scenario.agents
    await join(ann, first.name)
    await ann.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=first.name, text="Hi"))
    # Ann opens a stream (present), then goes AWAY; Bob and the third never opened one (OFFLINE).
    desk = ann.stub.WatchDesk(agent_service_pb2.WatchDeskRequest())
    await desk.read()
    await ann.stub.SetPresence(agent_service_pb2.SetPresenceRequest(presence=resources_pb2.PRESENCE_AWAY))
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name=bob.name, enabled=False), update_mask={"paths": ["enabled"]}
        )
    )
    now = now_micros()

    found = await any_server.running.database.read(
        lambda connection: supervisor_views.queue_figures(connection, ["l1", "l2"], now)
    )
    desk.cancel()

    l1, l2 = found["l1"].figures, found["l2"].figures
    # On L1 one customer waits (the other was answered), under a minute; it moves to 1-5m a minute after it came.
    assert (l1.unread, l1.active, l1.inactive) == (1, 1, 0)
    assert l1.waiting == (1, 0, 0, 0, 0)
    assert l1.oldest_waiting is not None and now - MINUTE < l1.oldest_waiting <= now
    assert found["l1"].next_change == l1.oldest_waiting + MINUTE
    assert (l1.agents_available, l1.agents_away, l1.agents_offline) == (0, 1, 1)
    assert (l2.unread, l2.waiting[0], l2.agents_available + l2.agents_away + l2.agents_offline) == (1, 1, 0)
    assert second_list == "lists/l2"


async def test_an_agents_status_has_its_lists_in_scope_and_its_load_per_domain(any_server):
    scenario = await create_scenario(any_server, agents=0, max_conversations_per_agent=3)
    second_list, other = await add_second_list(scenario)
    ann = await scenario.add_agent("ann", lists=[scenario.list, second_list])
    await scenario.add_agent("bob", lists=[second_list])
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(
                name=ann.name,
                capacity_overrides=[
                    resources_pb2.CapacityOverride(media_routing_domain=scenario.mrd, max_conversations=5)
                ],
            ),
            update_mask={"paths": ["capacity_overrides"]},
        )
    )
    first = await scenario.new_conversation("customer-1")
    second = (await scenario.post(customer_id="customer-2", service_identifier=other)).conversation
    await join(ann, first.name)
    await join(ann, second.name)

    statuses = await any_server.running.database.read(
        lambda connection: supervisor_views.agent_statuses(connection, ["l1"])
    )
    assert list(statuses) == ["ann"]
    status = statuses["ann"]
    assert status.list_ids == ("l1",)
    assert status.presence is Presence.OFFLINE
    assert status.loads == (DomainLoad("social", 2, 5),)
    assert sorted(status.conversation_ids) == sorted(name.rpartition("/")[2] for name in (first.name, second.name))

    both = await any_server.running.database.read(
        lambda connection: supervisor_views.agent_statuses(connection, ["l1", "l2"], agent_ids={"bob"})
    )
    assert list(both) == ["bob"]
    assert both["bob"].loads == (DomainLoad("social", 0, 3),)
