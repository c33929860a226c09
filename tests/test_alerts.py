"""Rows never go stale and alerts are explicit: every change to a listed conversation reaches its List's
watchers with the conversation as GetConversation shows it, and `ListEvent.alert` alone says whether the
desk should ring and why."""

from google.protobuf import field_mask_pb2
from scenario import Scenario, create_scenario
from streams import read_event, watch_from_synced
from support import Server

from pullrouting.domain.events import ListAlert, ListEventType, alert_of
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, events_pb2, resources_pb2
from pullrouting.v1.conversation_pb2 import (
    CONVERSATION_STATE_ACTIVE,
    CONVERSATION_STATE_INACTIVE,
    CONVERSATION_STATE_UNREAD,
)

SILENT = events_pb2.LIST_ALERT_UNSPECIFIED


async def alert_follow_ups(scenario: Scenario) -> resources_pb2.List:
    updated = await scenario.admin.UpdateList(
        admin_service_pb2.UpdateListRequest(
            list=resources_pb2.List(name=scenario.list, follow_up_alerts=True),
            update_mask=field_mask_pb2.FieldMask(paths=["follow_up_alerts"]),
        )
    )
    return updated.list


async def test_every_change_reaches_the_watchers_as_get_conversation_shows_it(any_server: Server):
    scenario = await create_scenario(any_server, agents=2)
    watcher, agent = scenario.agents
    stream = await watch_from_synced(watcher)

    async def next_row(expected_type: int, expected_alert: int, state: int) -> None:
        event = await read_event(stream)
        assert (event.type, event.alert, event.conversation.state) == (expected_type, expected_alert, state)
        shown = await watcher.stub.GetConversation(agent_service_pb2.GetConversationRequest(name=name))
        assert event.conversation == shown.conversation

    name = (await scenario.post("Where is my parcel?")).conversation.name
    await next_row(events_pb2.LIST_EVENT_TYPE_ADDED, events_pb2.LIST_ALERT_NEW_REQUEST, CONVERSATION_STATE_UNREAD)
    await scenario.post("It was due Monday")
    await next_row(events_pb2.LIST_EVENT_TYPE_UPDATED, SILENT, CONVERSATION_STATE_UNREAD)
    await agent.stub.JoinConversation(agent_service_pb2.JoinConversationRequest(name=name))
    await next_row(events_pb2.LIST_EVENT_TYPE_UPDATED, SILENT, CONVERSATION_STATE_ACTIVE)
    await agent.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=name, text="Checking"))
    await next_row(events_pb2.LIST_EVENT_TYPE_UPDATED, SILENT, CONVERSATION_STATE_ACTIVE)
    await scenario.post("Thanks")
    await next_row(events_pb2.LIST_EVENT_TYPE_UPDATED, SILENT, CONVERSATION_STATE_ACTIVE)
    await agent.stub.LeaveConversation(agent_service_pb2.LeaveConversationRequest(name=name))
    await next_row(events_pb2.LIST_EVENT_TYPE_UPDATED, SILENT, CONVERSATION_STATE_INACTIVE)
    # The seed: a customer writing on an INACTIVE request publishes no new notification on the List.
    await scenario.post("This is urgent please")
    await next_row(events_pb2.LIST_EVENT_TYPE_UPDATED, SILENT, CONVERSATION_STATE_INACTIVE)


async def test_a_list_with_follow_up_alerts_rings_when_a_customer_writes_on_an_inactive_request(any_server: Server):
    scenario = await create_scenario(any_server, agents=2)
    assert (await alert_follow_ups(scenario)).follow_up_alerts
    listed = await scenario.admin.GetList(admin_service_pb2.GetListRequest(name=scenario.list))
    assert listed.list.follow_up_alerts
    watcher, agent = scenario.agents
    name = (await scenario.new_conversation()).name
    await agent.stub.JoinConversation(agent_service_pb2.JoinConversationRequest(name=name))
    stream = await watch_from_synced(watcher)

    await scenario.post("Still there?")  # ACTIVE: its agent is told on the conversation; no alert
    assert (await read_event(stream)).alert == SILENT
    await agent.stub.LeaveConversation(agent_service_pb2.LeaveConversationRequest(name=name))
    assert (await read_event(stream)).alert == SILENT
    await scenario.post("This is urgent please")
    follow_up = await read_event(stream)
    assert (follow_up.type, follow_up.alert, follow_up.reminder) == (
        events_pb2.LIST_EVENT_TYPE_UPDATED,
        events_pb2.LIST_ALERT_FOLLOW_UP,
        False,
    )
    assert (follow_up.conversation.state, follow_up.conversation.message_count) == (CONVERSATION_STATE_INACTIVE, 3)


def test_events_written_before_alerts_read_with_the_alert_they_meant() -> None:
    assert alert_of({"conversation": {}}, ListEventType.ADDED) is ListAlert.NEW_REQUEST
    assert alert_of({"conversation": {}, "reminder": True}, ListEventType.UPDATED) is ListAlert.UNREAD_REMINDER
    assert alert_of({"conversation": {}}, ListEventType.UPDATED) is None
    assert alert_of({"conversation": {}, "alert": "FOLLOW_UP"}, ListEventType.UPDATED) is ListAlert.FOLLOW_UP
