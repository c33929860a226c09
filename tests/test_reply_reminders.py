"""No reply: an ACTIVE request whose customer has waited its List's reply_reminder_after for an agent's
answer is alerted NO_REPLY to the List's watchers, once per wait and again after each further interval,
decided in the database so that several instances ticking at once alert it once. The scheduler's clock is
the test's."""

import asyncio

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2
from scenario import Scenario, create_scenario, expect_refusal, join
from scheduling import SECOND, Clock, micros, reminder_scheduler
from streams import read_event, read_until
from support import Server, violated_fields

from pullrouting.domain.model import Conversation, ConversationState
from pullrouting.domain.reminders import reply_reminder_due
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2, resources_pb2

INTERVAL = 60


def update_list(scenario: Scenario, **fields):
    return scenario.admin.UpdateList(
        admin_service_pb2.UpdateListRequest(
            list=resources_pb2.List(name=scenario.list, **fields),
            update_mask=field_mask_pb2.FieldMask(paths=list(fields)),
        )
    )


async def active_waiting(scenario: Scenario) -> tuple[str, int]:
    """A request an agent joined whose customer waits: its name and when the wait began."""
    posted = await scenario.post("Where is my parcel?")
    await join(scenario.agents[0], posted.conversation.name)
    return posted.conversation.name, micros(posted.message.create_time)


async def test_an_unanswered_customer_is_alerted_once_per_interval_until_an_agent_answers(any_server: Server):
    scenario = await create_scenario(any_server, agents=2)
    await update_list(scenario, reply_reminder_after=duration_pb2.Duration(seconds=INTERVAL))
    agent, watcher = scenario.agents
    name, waiting_since = await active_waiting(scenario)
    stream = watcher.stub.WatchLists(agent_service_pb2.WatchListsRequest())
    await read_until(stream, lambda event: event.type == events_pb2.LIST_EVENT_TYPE_SYNCED)
    clock = Clock(waiting_since + INTERVAL * SECOND - 1)
    ticks = reminder_scheduler(any_server, clock)

    assert await ticks.tick() == 0  # not yet a whole interval
    clock.now += 1
    assert await ticks.tick() == 1
    alert = await read_event(stream)
    assert (alert.type, alert.alert, alert.reminder) == (
        events_pb2.LIST_EVENT_TYPE_UPDATED,
        events_pb2.LIST_ALERT_NO_REPLY,
        False,
    )
    assert (alert.conversation.name, micros(alert.conversation.waiting_since)) == (name, waiting_since)
    assert await ticks.tick() == 0  # once per interval
    clock.now += INTERVAL * SECOND
    assert await ticks.tick() == 1
    assert (await read_event(stream)).alert == events_pb2.LIST_ALERT_NO_REPLY

    await agent.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=name, text="Here it is"))
    assert (await read_event(stream)).alert == events_pb2.LIST_ALERT_UNSPECIFIED
    clock.now += 10 * INTERVAL * SECOND
    assert await ticks.tick() == 0  # answered: nobody waits
    # The customer writes again: a new wait, alerted once a whole interval has passed (when exactly a new
    # wait is due is the rule's test below: the test clock runs ahead of the message times).
    again = await scenario.post("Thanks, but it is the wrong one")
    assert micros(again.conversation.waiting_since) == micros(again.message.create_time)
    clock.now += INTERVAL * SECOND
    assert await ticks.tick() == 1
    renewed = await read_until(stream, lambda event: event.alert == events_pb2.LIST_ALERT_NO_REPLY)
    assert micros(renewed[-1].conversation.waiting_since) == micros(again.message.create_time)
    stream.cancel()


async def test_only_active_requests_on_lists_that_ask_are_alerted(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    name, waiting_since = await active_waiting(scenario)
    unread = await scenario.new_conversation("unread-customer")
    clock = Clock(max(waiting_since, micros(unread.create_time)) + 365 * 24 * 3600 * SECOND)
    assert await reminder_scheduler(any_server, clock).tick() == 0  # the list has no reply_reminder_after
    await update_list(scenario, reply_reminder_after=duration_pb2.Duration(seconds=INTERVAL))
    await scenario.agents[0].stub.LeaveConversation(agent_service_pb2.LeaveConversationRequest(name=name))
    assert await reminder_scheduler(any_server, clock).tick() == 0  # INACTIVE and UNREAD requests are not alerted


async def test_several_instances_alert_each_wait_once(two_instances):
    first, second = two_instances
    scenario = await create_scenario(first, agents=1)
    await update_list(scenario, reply_reminder_after=duration_pb2.Duration(seconds=INTERVAL))
    waits = []
    for number in range(5):
        posted = await scenario.post(customer_id=f"customer-{number}")
        await join(scenario.agents[0], posted.conversation.name)
        waits.append(micros(posted.message.create_time))
    clock = Clock(max(waits))
    schedulers = [reminder_scheduler(server, clock) for server in (first, second) for _ in range(2)]
    for round_number in range(1, 4):
        clock.now += INTERVAL * SECOND
        alerted = await asyncio.gather(*(ticks.tick() for ticks in schedulers))
        assert sum(alerted) == len(waits), f"round {round_number}: {alerted}"


@pytest.mark.parametrize(
    "duration",
    [
        duration_pb2.Duration(seconds=0),
        duration_pb2.Duration(seconds=-5),
        duration_pb2.Duration(seconds=4),
        duration_pb2.Duration(seconds=366 * 24 * 3600),
    ],
    ids=["zero", "negative", "shorter-than-the-check-interval", "over-a-year"],
)
async def test_a_reply_reminder_outside_the_check_interval_and_a_year_is_refused(server: Server, duration):
    scenario = await create_scenario(server, agents=0)
    error = await expect_refusal(
        server,
        lambda: update_list(scenario, reply_reminder_after=duration),
        grpc.StatusCode.INVALID_ARGUMENT,
        "FIELD_INVALID",
    )
    assert violated_fields(error) == {"list.reply_reminder_after"}
    created = admin_service_pb2.CreateListRequest(
        list_id="l9", list=resources_pb2.List(display_name="L9", reply_reminder_after=duration)
    )
    error = await expect_refusal(
        server, lambda: scenario.admin.CreateList(created), grpc.StatusCode.INVALID_ARGUMENT, "FIELD_INVALID"
    )
    assert violated_fields(error) == {"list.reply_reminder_after"}
    kept = await update_list(scenario, reply_reminder_after=duration_pb2.Duration(seconds=5))
    assert kept.list.reply_reminder_after == duration_pb2.Duration(seconds=5)


@pytest.mark.parametrize(
    ("state", "waiting_since", "last_alert", "now", "due"),
    [
        (ConversationState.ACTIVE, 0, None, 59, False),
        (ConversationState.ACTIVE, 0, None, 60, True),
        (ConversationState.ACTIVE, 0, 60, 119, False),
        (ConversationState.ACTIVE, 0, 60, 120, True),
        (ConversationState.ACTIVE, 100, 60, 159, False),  # a new wait: the old wait's alert does not count
        (ConversationState.ACTIVE, 100, 60, 160, True),
        (ConversationState.ACTIVE, None, None, 600, False),
        (ConversationState.UNREAD, 0, None, 600, False),
        (ConversationState.INACTIVE, 0, None, 600, False),
    ],
)
def test_the_rule(state, waiting_since, last_alert, now, due):
    conversation = Conversation(
        "c",
        "l1",
        "c2",
        "customer",
        "Customer",
        state,
        create_time=0,
        update_time=0,
        waiting_since=None if waiting_since is None else waiting_since * SECOND,
    )
    last = None if last_alert is None else last_alert * SECOND
    assert reply_reminder_due(conversation, last, INTERVAL, now * SECOND) is due
    assert reply_reminder_due(conversation, last, None, now * SECOND) is False
