"""Abandoned requests close: an INACTIVE request untouched for its List's close_inactive_after is closed by
the server with reason INACTIVITY, leaves the List, and the connector is told; decided in the database, so
several instances ticking at once close it once. The scheduler's clock is the test's."""

import asyncio

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2
from scenario import Scenario, create_scenario, expect_refusal, join, stored_events
from scheduling import SECOND, Clock, micros, reminder_scheduler
from streams import read_event, read_until
from support import Server, violated_fields

from pullrouting.domain.model import Conversation, ConversationState
from pullrouting.domain.reminders import abandoned
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2, ingest_service_pb2, resources_pb2
from pullrouting.v1.conversation_pb2 import CLOSE_REASON_INACTIVITY, CONVERSATION_STATE_CLOSED

INTERVAL = 60


def close_after(scenario: Scenario, duration: duration_pb2.Duration):
    return scenario.admin.UpdateList(
        admin_service_pb2.UpdateListRequest(
            list=resources_pb2.List(name=scenario.list, close_inactive_after=duration),
            update_mask=field_mask_pb2.FieldMask(paths=["close_inactive_after"]),
        )
    )


async def left_alone(
    scenario: Scenario, customer_id: str = "customer-1"
) -> agent_service_pb2.LeaveConversationResponse:
    """A request an agent joined and left: INACTIVE."""
    name = (await scenario.new_conversation(customer_id)).name
    await join(scenario.agents[0], name)
    return await scenario.agents[0].stub.LeaveConversation(agent_service_pb2.LeaveConversationRequest(name=name))


async def test_an_abandoned_request_is_closed_for_inactivity_and_the_connector_told(any_server: Server):
    scenario = await create_scenario(any_server, agents=2)
    await close_after(scenario, duration_pb2.Duration(seconds=INTERVAL))
    watcher = scenario.agents[1]
    inactive = (await left_alone(scenario)).conversation
    outbound = scenario.ingest.WatchOutbound(ingest_service_pb2.WatchOutboundRequest())
    assert (await read_event(outbound)).type == events_pb2.OUTBOUND_EVENT_TYPE_SYNCED
    lists = watcher.stub.WatchLists(agent_service_pb2.WatchListsRequest())
    await read_until(lists, lambda event: event.type == events_pb2.LIST_EVENT_TYPE_SYNCED)
    unread = await scenario.new_conversation("still-unread")
    await read_event(lists)  # its ADDED
    clock = Clock(micros(inactive.update_time) + INTERVAL * SECOND - 1)
    ticks = reminder_scheduler(any_server, clock)

    assert await ticks.tick() == 0  # not yet a whole interval
    clock.now = max(micros(inactive.update_time), micros(unread.create_time)) + 10 * INTERVAL * SECOND
    assert await ticks.tick() == 1  # the UNREAD one is not abandoned, it waits for its first agent
    removed = await read_event(lists)
    assert (removed.type, removed.conversation.name) == (events_pb2.LIST_EVENT_TYPE_REMOVED, inactive.name)
    told = await read_event(outbound)
    assert (told.type, told.conversation, told.close_reason) == (
        events_pb2.OUTBOUND_EVENT_TYPE_CONVERSATION_CLOSED,
        inactive.name,
        CLOSE_REASON_INACTIVITY,
    )
    closed = (
        await scenario.admin.GetConversation(admin_service_pb2.AdminServiceGetConversationRequest(name=inactive.name))
    ).conversation
    assert (closed.state, closed.close_reason) == (CONVERSATION_STATE_CLOSED, CLOSE_REASON_INACTIVITY)
    assert await ticks.tick() == 0
    lists.cancel()
    outbound.cancel()


async def test_a_touched_request_is_not_abandoned(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    await close_after(scenario, duration_pb2.Duration(seconds=INTERVAL))
    inactive = (await left_alone(scenario)).conversation
    written = await scenario.post("Hello? Still there?")  # the customer touches it: a later update_time
    touched = micros(written.conversation.update_time)
    assert touched > micros(inactive.update_time)
    # A whole interval after it went INACTIVE, but not after it was touched: kept.
    ticks = reminder_scheduler(any_server, Clock(touched + INTERVAL * SECOND - 1))
    assert await ticks.tick() == 0
    ticks = reminder_scheduler(any_server, Clock(touched + INTERVAL * SECOND))
    assert await ticks.tick() == 1


async def test_lists_without_close_inactive_after_keep_their_inactive_requests(server: Server):
    scenario = await create_scenario(server, agents=1)
    inactive = (await left_alone(scenario)).conversation
    clock = Clock(micros(inactive.update_time) + 365 * 24 * 3600 * SECOND)
    assert await reminder_scheduler(server, clock).tick() == 0


async def test_several_instances_close_each_abandoned_request_once(two_instances):
    first, second = two_instances
    scenario = await create_scenario(first, agents=1)
    await close_after(scenario, duration_pb2.Duration(seconds=INTERVAL))
    left = [(await left_alone(scenario, f"customer-{number}")).conversation for number in range(5)]
    clock = Clock(max(micros(c.update_time) for c in left) + INTERVAL * SECOND)
    schedulers = [reminder_scheduler(server, clock) for server in (first, second) for _ in range(2)]
    closed = await asyncio.gather(*(ticks.tick() for ticks in schedulers))
    assert sum(closed) == len(left), closed
    closes = [e for e in stored_events(first.database_url) if e.type == "CONVERSATION_CLOSED"]
    assert sorted(e.conversation_id for e in closes if e.kind == "conversation") == sorted(
        c.name.rpartition("/")[2] for c in left
    )


@pytest.mark.parametrize("seconds", [0, -5, 4, 366 * 24 * 3600])
async def test_a_close_inactive_after_outside_the_check_interval_and_a_year_is_refused(server: Server, seconds):
    scenario = await create_scenario(server, agents=0)
    error = await expect_refusal(
        server,
        lambda: close_after(scenario, duration_pb2.Duration(seconds=seconds)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "FIELD_INVALID",
    )
    assert violated_fields(error) == {"list.close_inactive_after"}


@pytest.mark.parametrize(
    ("state", "idle", "due"),
    [
        (ConversationState.INACTIVE, 59, False),
        (ConversationState.INACTIVE, 60, True),
        (ConversationState.ACTIVE, 600, False),
        (ConversationState.UNREAD, 600, False),
    ],
)
def test_the_rule(state, idle, due):
    conversation = Conversation("c", "l1", "c2", "customer", "Customer", state, create_time=0, update_time=0)
    assert abandoned(conversation, INTERVAL, idle * SECOND) is due
    assert abandoned(conversation, None, idle * SECOND) is False
