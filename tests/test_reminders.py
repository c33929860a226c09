"""Stale-request reminders: an UNREAD request nobody joined within its list's unread_reminder_after is
re-announced to the list's watchers (UPDATED, `reminder` set), at most once per interval, by one instance
however many tick. The scheduler's clock is the test's."""

import asyncio

import pytest
from google.protobuf import duration_pb2, field_mask_pb2
from metrics_scrape import scrape, value
from scenario import Scenario, create_scenario, join
from scheduling import SECOND, Clock, micros, reminder_scheduler
from streams import read_event, read_until
from support import Server

from pullrouting.domain.model import Conversation, ConversationState
from pullrouting.domain.reminders import reminder_due
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2, resources_pb2

INTERVAL = 60


async def remind_after(scenario: Scenario, seconds: int) -> None:
    await scenario.admin.UpdateList(
        admin_service_pb2.UpdateListRequest(
            list=resources_pb2.List(name=scenario.list, unread_reminder_after=duration_pb2.Duration(seconds=seconds)),
            update_mask=field_mask_pb2.FieldMask(paths=["unread_reminder_after"]),
        )
    )


async def watch_synced(agent):
    stream = agent.stub.WatchLists(agent_service_pb2.WatchListsRequest())
    await read_until(stream, lambda event: event.type == events_pb2.LIST_EVENT_TYPE_SYNCED)
    return stream


async def test_an_unread_request_is_reminded_once_per_interval_until_joined(measured_server: Server):
    scenario = await create_scenario(measured_server, agents=2)
    await remind_after(scenario, INTERVAL)
    watcher, joiner = scenario.agents
    stream = await watch_synced(watcher)
    conversation = await scenario.new_conversation()
    assert (await read_event(stream)).type == events_pb2.LIST_EVENT_TYPE_ADDED
    created = micros(conversation.create_time)
    clock = Clock(created + INTERVAL * SECOND - 1)
    ticks = reminder_scheduler(measured_server, clock)

    assert await ticks.tick() == 0  # not yet a whole interval
    clock.now = created + INTERVAL * SECOND
    assert await ticks.tick() == 1
    reminder = await read_event(stream)
    assert (reminder.type, reminder.alert, reminder.reminder) == (
        events_pb2.LIST_EVENT_TYPE_UPDATED,
        events_pb2.LIST_ALERT_UNREAD_REMINDER,
        True,
    )
    assert reminder.conversation.name == conversation.name
    assert reminder.conversation.state == conversation.state
    assert await ticks.tick() == 0  # at most once per interval
    clock.now = created + 2 * INTERVAL * SECOND - 1
    assert await ticks.tick() == 0
    clock.now = created + 2 * INTERVAL * SECOND
    assert await ticks.tick() == 1
    assert (await read_event(stream)).reminder

    await join(joiner, conversation.name)
    clock.now += 10 * INTERVAL * SECOND
    assert await ticks.tick() == 0  # joined: no longer waiting for anyone
    # The next event is the join's UPDATED, no reminder in between.
    update = await read_event(stream)
    assert (update.type, update.reminder, update.conversation.participants[0].agent) == (
        events_pb2.LIST_EVENT_TYPE_UPDATED,
        False,
        joiner.name,
    )
    samples = await scrape(measured_server)
    assert value(samples, "pullrouting_reminders_total", list="l1") == 2
    stream.cancel()


async def test_lists_without_a_reminder_interval_are_never_reminded(server: Server):
    scenario = await create_scenario(server, agents=1)
    conversation = await scenario.new_conversation()
    clock = Clock(micros(conversation.create_time) + 365 * 24 * 3600 * SECOND)
    assert await reminder_scheduler(server, clock).tick() == 0


async def test_several_instances_send_each_reminder_once(two_instances):
    first, second = two_instances
    scenario = await create_scenario(first, agents=1)
    await remind_after(scenario, INTERVAL)
    stream = await watch_synced(scenario.agents[0])
    conversations = [await scenario.new_conversation(f"customer-{number}") for number in range(5)]
    names = sorted(conversation.name for conversation in conversations)
    await read_until(stream, lambda event: event.conversation.name == conversations[-1].name)
    clock = Clock(max(micros(conversation.create_time) for conversation in conversations))
    schedulers = [reminder_scheduler(server, clock) for server in (first, second) for _ in range(2)]
    for round_number in range(1, 4):
        clock.now += INTERVAL * SECOND
        reminded = await asyncio.gather(*(ticks.tick() for ticks in schedulers))
        assert sum(reminded) == len(conversations), f"round {round_number}: {reminded}"
        events = [await read_event(stream) for _ in conversations]
        assert all(event.reminder for event in events)
        assert sorted(event.conversation.name for event in events) == names
    stream.cancel()


@pytest.mark.parametrize(
    ("state", "last_reminder", "now", "due"),
    [
        (ConversationState.UNREAD, None, 59, False),
        (ConversationState.UNREAD, None, 60, True),
        (ConversationState.UNREAD, 60, 119, False),
        (ConversationState.UNREAD, 60, 120, True),
        (ConversationState.ACTIVE, None, 600, False),
        (ConversationState.INACTIVE, None, 600, False),
    ],
)
def test_the_rule(state, last_reminder, now, due):
    conversation = Conversation("c", "l1", "c2", "customer", "Customer", state, create_time=0, update_time=0)
    last = None if last_reminder is None else last_reminder * SECOND
    assert reminder_due(conversation, last, INTERVAL, now * SECOND) is due
    assert reminder_due(conversation, last, None, now * SECOND) is False
