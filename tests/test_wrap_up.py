"""Wrap-up codes: an admin resource with the standard methods; an agent closes with codes for the request's
List and a note, kept on the closed Conversation and counted in a metric; a List with require_wrap_up refuses
an agent's close without a code (WRAP_UP_REQUIRED), and only an agent's."""

import grpc
from google.protobuf import field_mask_pb2
from metrics_scrape import scrape, value
from scenario import Scenario, add_second_list, create_scenario, expect_refusal, join
from streams import read_until, watch_from_synced
from support import Server, violated_fields

from pullrouting.v1 import (
    admin_service_pb2,
    agent_service_pb2,
    conversation_pb2,
    events_pb2,
    ingest_service_pb2,
    resources_pb2,
)

Code = grpc.StatusCode


async def add_code(scenario: Scenario, code_id: str, lists: tuple[str, ...] = ()) -> str:
    created = await scenario.admin.CreateWrapUpCode(
        admin_service_pb2.CreateWrapUpCodeRequest(
            wrap_up_code_id=code_id,
            wrap_up_code=resources_pb2.WrapUpCode(display_name=code_id.title(), lists=lists),
        )
    )
    return created.wrap_up_code.name


async def require_wrap_up(scenario: Scenario) -> None:
    await scenario.admin.UpdateList(
        admin_service_pb2.UpdateListRequest(
            list=resources_pb2.List(name=scenario.list, require_wrap_up=True),
            update_mask=field_mask_pb2.FieldMask(paths=["require_wrap_up"]),
        )
    )


def close(agent, name: str, codes: tuple[str, ...] = (), note: str = ""):
    return agent.stub.CloseConversation(
        agent_service_pb2.CloseConversationRequest(name=name, wrap_up=conversation_pb2.WrapUp(codes=codes, note=note))
    )


async def test_wrap_up_codes_have_the_standard_methods(any_server: Server):
    scenario = await create_scenario(any_server, agents=0)
    admin = scenario.admin
    name = await add_code(scenario, "refund", (scenario.list,))

    got = (await admin.GetWrapUpCode(admin_service_pb2.GetWrapUpCodeRequest(name=name))).wrap_up_code
    assert (got.name, got.display_name, list(got.lists)) == ("wrapUpCodes/refund", "Refund", [scenario.list])
    await add_code(scenario, "spam")
    listed = (await admin.ListWrapUpCodes(admin_service_pb2.ListWrapUpCodesRequest(page_size=1))).wrap_up_codes
    assert [code.name for code in listed] == ["wrapUpCodes/refund"]
    await expect_refusal(any_server, lambda: add_code(scenario, "other", ("lists/none",)), Code.NOT_FOUND)
    await scenario.admin.DeleteChannel(admin_service_pb2.DeleteChannelRequest(name=scenario.channel))
    await expect_refusal(
        any_server,
        lambda: admin.DeleteList(admin_service_pb2.DeleteListRequest(name=scenario.list)),
        Code.FAILED_PRECONDITION,
        "RESOURCE_IN_USE",
    )
    updated = await admin.UpdateWrapUpCode(
        admin_service_pb2.UpdateWrapUpCodeRequest(
            wrap_up_code=resources_pb2.WrapUpCode(name=name, display_name="Refunded"),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name", "lists"]),
        )
    )
    assert (updated.wrap_up_code.display_name, list(updated.wrap_up_code.lists)) == ("Refunded", [])
    await admin.DeleteList(admin_service_pb2.DeleteListRequest(name=scenario.list))
    await admin.DeleteWrapUpCode(admin_service_pb2.DeleteWrapUpCodeRequest(name=name))
    await expect_refusal(
        any_server,
        lambda: admin.GetWrapUpCode(admin_service_pb2.GetWrapUpCodeRequest(name=name)),
        Code.NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )


async def test_a_close_keeps_its_wrap_up_and_counts_it(measured_server: Server):
    scenario = await create_scenario(measured_server, agents=2)
    closer, watcher = scenario.agents
    refund = await add_code(scenario, "refund", (scenario.list,))
    upsell = await add_code(scenario, "upsell")
    stream = await watch_from_synced(watcher)
    conversation = await scenario.new_conversation()
    await join(closer, conversation.name)

    closed = (await close(closer, conversation.name, (refund, upsell), "Refunded the shipping")).conversation

    assert (list(closed.wrap_up.codes), closed.wrap_up.note) == ([refund, upsell], "Refunded the shipping")
    got = (
        await scenario.admin.GetConversation(admin_service_pb2.AdminServiceGetConversationRequest(name=closed.name))
    ).conversation
    assert got.wrap_up == closed.wrap_up
    removed = await read_until(stream, lambda event: event.type == events_pb2.LIST_EVENT_TYPE_REMOVED)
    assert removed[-1].conversation.wrap_up == closed.wrap_up
    samples = await scrape(measured_server)
    assert value(samples, "pullrouting_wrap_ups_total", list="l1", code="refund") == 1
    assert value(samples, "pullrouting_wrap_ups_total", list="l1", code="upsell") == 1
    # Without one, a close shows none.
    plain = await scenario.new_conversation("customer-2")
    assert not (await close(closer, plain.name)).conversation.HasField("wrap_up")


async def test_a_list_that_requires_a_wrap_up_refuses_an_agents_close_without_a_code(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    other_list, _ = await add_second_list(scenario)
    refund = await add_code(scenario, "refund", (scenario.list,))
    elsewhere = await add_code(scenario, "elsewhere", (other_list,))
    await require_wrap_up(scenario)
    name = (await scenario.new_conversation()).name

    await expect_refusal(any_server, lambda: close(agent, name), Code.FAILED_PRECONDITION, "WRAP_UP_REQUIRED")
    await expect_refusal(
        any_server, lambda: close(agent, name, note="Done"), Code.FAILED_PRECONDITION, "WRAP_UP_REQUIRED"
    )
    not_here = await expect_refusal(
        any_server, lambda: close(agent, name, (elsewhere,)), Code.INVALID_ARGUMENT, "FIELD_INVALID"
    )
    assert violated_fields(not_here) == {"wrap_up.codes[0]"}
    await expect_refusal(
        any_server, lambda: close(agent, name, ("wrapUpCodes/unknown",)), Code.NOT_FOUND, "RESOURCE_NOT_FOUND"
    )
    twice = await expect_refusal(
        any_server, lambda: close(agent, name, (refund, refund)), Code.INVALID_ARGUMENT, "FIELD_INVALID"
    )
    assert violated_fields(twice) == {"wrap_up.codes[1]"}
    too_long = await expect_refusal(
        any_server, lambda: close(agent, name, (refund,), "x" * 5000), Code.INVALID_ARGUMENT, "FIELD_INVALID"
    )
    assert violated_fields(too_long) == {"wrap_up.note"}

    closed = (await close(agent, name, (refund,))).conversation

    assert closed.state == conversation_pb2.CONVERSATION_STATE_CLOSED
    # The customer's side and supervisors close without one.
    by_customer = (await scenario.new_conversation("customer-2")).name
    await scenario.ingest.EndConversation(ingest_service_pb2.EndConversationRequest(conversation=by_customer))
    forced = (await scenario.new_conversation("customer-3")).name
    await scenario.admin.ForceCloseConversation(admin_service_pb2.ForceCloseConversationRequest(name=forced))
