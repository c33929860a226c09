"""A List deleted while supervisors watch it, over a real port on both databases: their WatchQueues streams get
its UNSUBSCRIBED and their WatchAgents streams the agents it took out of view at once, in the deletion's
transaction, as after an UpdateSupervisor dropping it; a resume token from after it replays nothing of it, one
from before it starts afresh (reset) without the List; across two instances."""

import grpc
from scenario import Scenario, create_scenario, last_event_id, stored_events
from streams import read_until
from support import Server
from test_supervisor_streams import is_synced, listed, watch_agents, watch_queues

from pullrouting.v1 import admin_service_pb2, events_pb2, resources_pb2
from pullrouting.v1 import supervisor_events_pb2 as sev

ListType = events_pb2.ListEventType
StatusType = sev.AgentStatusEventType


async def add_list(scenario: Scenario, list_id: str) -> str:
    """A List no channel maps to, so that it can be deleted."""
    created = await scenario.admin.CreateList(
        admin_service_pb2.CreateListRequest(list_id=list_id, list=resources_pb2.List(display_name=list_id.upper()))
    )
    return created.list.name


async def delete_list(scenario: Scenario, name: str) -> None:
    await scenario.admin.DeleteList(admin_service_pb2.DeleteListRequest(name=name))


def unsubscribed(event, list_name: str) -> bool:
    return listed(event, ListType.LIST_EVENT_TYPE_UNSUBSCRIBED) and event.list_event.list == list_name


async def watching(stub) -> tuple[grpc.aio.UnaryStreamCall, str, grpc.aio.UnaryStreamCall, str]:
    """WatchQueues and WatchAgents streams read to their SYNCED, with its resume token."""
    queues = watch_queues(stub)
    queues_synced = (await read_until(queues, is_synced))[-1].resume_token
    agents = watch_agents(stub)
    agents_synced = (await read_until(agents, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_SYNCED))[
        -1
    ].resume_token
    return queues, queues_synced, agents, agents_synced


async def setup(server: Server) -> tuple[Scenario, str, object]:
    """Sam supervises L1 and L3; Ann is entitled to L1, Bob to L3 only."""
    scenario = await create_scenario(server, agents=0)
    doomed = await add_list(scenario, "l3")
    await scenario.add_agent("ann", lists=[scenario.list])
    await scenario.add_agent("bob", lists=[doomed])
    sam = await scenario.add_supervisor("sam", [scenario.list, doomed])
    return scenario, doomed, sam


async def test_deleting_a_list_reaches_the_open_supervisor_views_at_once(any_server):
    scenario, doomed, sam = await setup(any_server)
    await scenario.add_supervisor("kim", [scenario.list])
    queues, queues_synced, agents, agents_synced = await watching(sam.stub)
    before = last_event_id(any_server.database_url)

    await delete_list(scenario, doomed)

    # Written with the deletion: a change of each supervisor whose scope held the List, and of no other.
    principals = [
        e.payload["principal"] for e in stored_events(any_server.database_url, before) if e.kind == "principal"
    ]
    assert principals == ["supervisor:sam"]
    gone = (await read_until(queues, lambda e: unsubscribed(e, doomed)))[-1]
    assert not gone.reset
    removed = await read_until(agents, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_REMOVED)
    assert [e.agent.agent for e in removed if e.type == StatusType.AGENT_STATUS_EVENT_TYPE_REMOVED] == ["agents/bob"]
    supervisor = await scenario.admin.GetSupervisor(admin_service_pb2.GetSupervisorRequest(name=sam.name))
    assert list(supervisor.supervisor.lists) == [scenario.list]
    queues.cancel()
    agents.cancel()

    # From after it: nothing of it again, and the stream goes on where it was.
    resumed = watch_queues(sam.stub, gone.resume_token)
    added = await scenario.new_conversation()
    received = await read_until(resumed, lambda e: listed(e, ListType.LIST_EVENT_TYPE_ADDED))
    assert received[-1].list_event.conversation.name == added.name
    assert not any(e.reset or unsubscribed(e, doomed) for e in received)
    assert all(e.figures.list != doomed for e in received)
    resumed.cancel()

    # From before it: a fresh opening, flagged reset, without the List or its agents.
    reset = watch_queues(sam.stub, queues_synced)
    opening = await read_until(reset, is_synced)
    assert all(e.reset for e in opening)
    await scenario.new_conversation("customer-2")
    after_opening = await read_until(reset, lambda e: listed(e, ListType.LIST_EVENT_TYPE_ADDED))
    assert [e.figures.list for e in after_opening if e.WhichOneof("event") == "figures"][:1] == [scenario.list]
    assert all(e.figures.list != doomed and e.list_event.list != doomed for e in opening + after_opening)
    reset.cancel()
    agents_reset = watch_agents(sam.stub, agents_synced)
    opening = await read_until(agents_reset, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_SYNCED)
    assert all(e.reset for e in opening)
    assert [e.agent.agent for e in opening[:-1]] == ["agents/ann"]
    agents_reset.cancel()


async def test_a_list_deleted_on_one_instance_leaves_the_views_on_the_other(two_instances):
    first, second = two_instances
    scenario, doomed, sam = await setup(first)
    stub = second.supervisor(sam.token)
    queues, _, agents, _ = await watching(stub)

    await delete_list(scenario, doomed)

    await read_until(queues, lambda e: unsubscribed(e, doomed))
    removed = await read_until(agents, lambda e: e.type == StatusType.AGENT_STATUS_EVENT_TYPE_REMOVED)
    assert removed[-1].agent.agent == "agents/bob"
    # The other List is still followed.
    added = await scenario.new_conversation()
    received = await read_until(queues, lambda e: listed(e, ListType.LIST_EVENT_TYPE_ADDED))
    assert received[-1].list_event.conversation.name == added.name
