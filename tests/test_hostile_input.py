"""Input an attacker sends on purpose, over a real port: each is refused with INVALID_ARGUMENT (or the status
its reason documents) naming the field, and the store is left as it was."""

import base64
import json

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from scenario import create_scenario, expect_refusal, join_call
from support import violated_fields

from pullrouting.store.database import create_database_engine
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, ingest_service_pb2, resources_pb2
from pullrouting_client import is_retryable

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def forged(key: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


# Ids: the whole id must match, not a prefix of it.


@pytest.mark.parametrize("agent_id", ["alice\n", "alice\r\n", "bob\nx"])
async def test_an_id_with_a_line_break_is_refused(server, agent_id):
    admin = server.admin()
    request = admin_service_pb2.CreateAgentRequest(agent_id=agent_id, agent=resources_pb2.Agent(display_name="A"))

    error = await expect_refusal(server, lambda: admin.CreateAgent(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"agent_id"}


async def test_a_name_with_a_trailing_line_break_is_refused(server):
    scenario = await create_scenario(server, agents=0)
    request = admin_service_pb2.GetListRequest(name=scenario.list + "\n")

    error = await expect_refusal(server, lambda: scenario.admin.GetList(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"name"}


# Control characters: PostgreSQL cannot store U+0000, and no id, name or token needs a C0 control.


def customer_message(text: str, display_name: str = "Customer") -> ingest_service_pb2.PostCustomerMessageRequest:
    return ingest_service_pb2.PostCustomerMessageRequest(
        service_identifier="facebook.com/acme",
        customer=conversation_pb2.Customer(id="customer-1", display_name=display_name),
        text=text,
        source_message_id="src-nul",
    )


async def test_a_nul_in_message_text_is_refused_naming_the_field_on_both_databases(any_server):
    scenario = await create_scenario(any_server, agents=0)
    request = customer_message("card 4111 1111 1111 1111\x00")

    error = await expect_refusal(any_server, lambda: scenario.ingest.PostCustomerMessage(request), INVALID)

    assert violated_fields(error) == {"text"}
    # Neither the SQL statement nor the text comes back.
    assert "4111" not in error.details() and "INSERT" not in error.details()


async def test_control_characters_are_refused_in_every_field_that_holds_one(any_server):
    scenario = await create_scenario(any_server, agents=0)
    request = customer_message("bell\x07", display_name="Cus\x1btomer")
    request.source_message_id = "src\x01"

    error = await expect_refusal(any_server, lambda: scenario.ingest.PostCustomerMessage(request), INVALID)

    assert violated_fields(error) == {"text", "customer.display_name", "source_message_id"}


async def test_message_text_keeps_tabs_and_line_breaks(server):
    scenario = await create_scenario(server, agents=0)
    posted = await scenario.ingest.PostCustomerMessage(customer_message("line one\r\n\tline two\n"))
    assert posted.message.text == "line one\r\n\tline two\n"


async def test_a_line_break_in_a_display_name_is_refused(server):
    admin = server.admin()
    request = admin_service_pb2.CreateListRequest(list=resources_pb2.List(display_name="L1\nInjected: yes"))

    error = await expect_refusal(server, lambda: admin.CreateList(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"list.display_name"}


def test_database_errors_carry_no_statement_parameters(database_url):
    engine = create_database_engine(database_url)
    try:
        assert engine.hide_parameters
    finally:
        engine.dispose()


# Page tokens: a forged one is refused before it reaches a query.

FORGED_TWO_PART = [
    forged([True, "x"]),
    forged([9223372036854775808, "x"]),
    forged([-9223372036854775809, "x"]),
    forged([1, "id\x1b"]),
    forged([1.5, "x"]),
    forged([1, ["x"]]),
    base64.urlsafe_b64encode(b"[" * 100_000 + b"]" * 100_000).decode(),
    forged(json.loads("[" * 900 + "]" * 900)),
]


@pytest.mark.parametrize("token", FORGED_TWO_PART)
async def test_a_forged_page_token_of_list_conversations_is_refused(any_server, token):
    scenario = await create_scenario(any_server, agents=1)
    await scenario.new_conversation()
    request = agent_service_pb2.ListConversationsRequest(parent=scenario.list, page_token=token)
    stub = scenario.agents[0].stub

    error = await expect_refusal(any_server, lambda: stub.ListConversations(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"page_token"}


@pytest.mark.parametrize("token", [forged([True]), forged([7]), forged(["id\x00"]), forged([["x"]])])
async def test_a_forged_page_token_of_an_admin_listing_is_refused(server, token):
    admin = server.admin()
    request = admin_service_pb2.ListAgentsRequest(page_token=token)

    error = await expect_refusal(server, lambda: admin.ListAgents(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"page_token"}


# Durations: valid per the protobuf rules, no shorter than the reminder check, at most a year.


@pytest.mark.parametrize(
    "reminder",
    [
        Duration(seconds=60, nanos=-5),
        Duration(seconds=-60, nanos=5),
        Duration(seconds=60, nanos=2_000_000_000),
        Duration(nanos=1),
        Duration(seconds=4, nanos=999_999_999),
        Duration(seconds=315_576_000_001),
    ],
)
async def test_an_invalid_or_unkeepable_reminder_interval_is_refused(server, reminder):
    admin = server.admin()
    routing_list = resources_pb2.List(display_name="L", unread_reminder_after=reminder)
    request = admin_service_pb2.CreateListRequest(list=routing_list)

    error = await expect_refusal(server, lambda: admin.CreateList(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"list.unread_reminder_after"}


async def test_the_shortest_reminder_interval_is_one_reminder_check(server):
    admin = server.admin()
    check = Duration(seconds=5)  # the default PULLROUTING_REMINDER_CHECK_SECONDS
    created = await admin.CreateList(
        admin_service_pb2.CreateListRequest(list=resources_pb2.List(display_name="L", unread_reminder_after=check))
    )
    assert created.list.unread_reminder_after == check


# Capacity refusals are preconditions of the request's or the agent's state, not quotas to retry.


async def test_list_full_is_a_failed_precondition_that_clients_do_not_retry(any_server):
    scenario = await create_scenario(any_server, agents=2, max_participants=1)
    first, second = scenario.agents
    name = (await scenario.new_conversation()).name
    await join_call(first, name)()

    error = await expect_refusal(any_server, join_call(second, name), grpc.StatusCode.FAILED_PRECONDITION, "LIST_FULL")

    assert not is_retryable(error)


async def test_agent_at_capacity_is_a_failed_precondition(server):
    scenario = await create_scenario(server, agents=1, max_conversations_per_agent=1)
    agent = scenario.agents[0]
    await join_call(agent, (await scenario.new_conversation("customer-1")).name)()
    second = (await scenario.new_conversation("customer-2")).name

    error = await expect_refusal(
        server, join_call(agent, second), grpc.StatusCode.FAILED_PRECONDITION, "AGENT_AT_CAPACITY"
    )

    assert not is_retryable(error)
