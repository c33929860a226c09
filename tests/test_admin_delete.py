"""AdminService deletes (refused while live data depends on the resource) and credentials (tokens returned
once, stored hashed, replaced by rotation). Live data the Admin API cannot make - conversations,
participants, subscriptions - is written straight into the store."""

from typing import Any

import grpc
import pytest
from scenario import create_scenario, expect_refusal, last_event_id, stored_events
from sqlalchemy import Table, create_engine, insert, select
from support import dump_store, error_details, expect_error

from pullrouting.store.credentials import hash_token
from pullrouting.store.tables import agent_lists, agents, conversations, participants, subscriptions
from pullrouting.v1 import admin_service_pb2 as pb
from pullrouting.v1 import agent_service_pb2, ingest_service_pb2
from pullrouting.v1 import resources_pb2 as res

IN_USE = grpc.StatusCode.FAILED_PRECONDITION


def insert_rows(database_url: str, table: Table, *rows: dict[str, Any]) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(table), list(rows))
    finally:
        engine.dispose()


def select_rows(database_url: str, table: Table) -> list[tuple[Any, ...]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return sorted(tuple(row) for row in connection.execute(select(table)))
    finally:
        engine.dispose()


def add_conversation(database_url: str, conversation_id: str, list_id: str, channel_id: str, state: str) -> None:
    insert_rows(
        database_url,
        conversations,
        {
            "id": conversation_id,
            "list_id": list_id,
            "channel_id": channel_id,
            "customer_id": f"customer-{conversation_id}",
            "customer_display_name": "Customer",
            "state": state,
            "create_time": 1,
            "update_time": 1,
            "message_count": 1,
        },
    )


def used_by(error: grpc.aio.AioRpcError) -> str:
    return error_details(error)[0].metadata["used_by"]


async def create_list(admin: Any, list_id: str) -> None:
    await admin.CreateList(pb.CreateListRequest(list_id=list_id, list=res.List(display_name=list_id)))


async def test_resources_are_deleted_once_nothing_depends_on_them(server):
    scenario = await create_scenario(server, agents=0)
    admin = server.admin()
    add_conversation(server.database_url, "done", "l1", "c2", "CLOSED")

    await admin.DeleteIngestor(pb.DeleteIngestorRequest(name="ingestors/connector"))
    await admin.DeleteChannel(pb.DeleteChannelRequest(name=scenario.channel))
    await admin.DeleteList(pb.DeleteListRequest(name=scenario.list))
    await admin.DeleteChannelType(pb.DeleteChannelTypeRequest(name=scenario.channel_type))
    await admin.DeleteMediaRoutingDomain(pb.DeleteMediaRoutingDomainRequest(name=scenario.mrd))

    await expect_error(admin.GetList(pb.GetListRequest(name=scenario.list)), grpc.StatusCode.NOT_FOUND)
    for listing in (
        (await admin.ListMediaRoutingDomains(pb.ListMediaRoutingDomainsRequest())).media_routing_domains,
        (await admin.ListChannelTypes(pb.ListChannelTypesRequest())).channel_types,
        (await admin.ListLists(pb.AdminServiceListListsRequest())).lists,
        (await admin.ListChannels(pb.ListChannelsRequest())).channels,
        (await admin.ListIngestors(pb.ListIngestorsRequest())).ingestors,
    ):
        assert list(listing) == []
    # The closed conversation stays, as history.
    assert [row[0] for row in select_rows(server.database_url, conversations)] == ["done"]


@pytest.mark.parametrize(
    ("method", "request_", "user"),
    [
        (
            "DeleteMediaRoutingDomain",
            pb.DeleteMediaRoutingDomainRequest(name="mediaRoutingDomains/social"),
            "channelTypes/facebook-page-comments",
        ),
        ("DeleteChannelType", pb.DeleteChannelTypeRequest(name="channelTypes/facebook-page-comments"), "channels/c2"),
        ("DeleteList", pb.DeleteListRequest(name="lists/l1"), "channels/c2"),
        ("DeleteChannel", pb.DeleteChannelRequest(name="channels/c2"), "ingestors/connector"),
    ],
)
async def test_delete_refuses_what_is_still_referenced(server, method, request_, user):
    await create_scenario(server, agents=0, ingestor_channels=["channels/c2"])
    admin = server.admin()

    error = await expect_refusal(server, lambda: getattr(admin, method)(request_), IN_USE, "RESOURCE_IN_USE")

    assert error_details(error)[0].metadata == {"resource": request_.name, "used_by": user}


async def test_a_list_with_an_open_conversation_cannot_be_deleted(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    await create_list(admin, "l9")
    add_conversation(server.database_url, "open", "l9", "c2", "INACTIVE")
    add_conversation(server.database_url, "closed", "l9", "c2", "CLOSED")

    error = await expect_refusal(
        server, lambda: admin.DeleteList(pb.DeleteListRequest(name="lists/l9")), IN_USE, "RESOURCE_IN_USE"
    )

    assert used_by(error) == "conversations/open"


async def test_a_channel_with_an_open_conversation_cannot_be_deleted(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    add_conversation(server.database_url, "waiting", "l1", "c2", "UNREAD")

    error = await expect_refusal(
        server, lambda: admin.DeleteChannel(pb.DeleteChannelRequest(name="channels/c2")), IN_USE, "RESOURCE_IN_USE"
    )

    assert used_by(error) == "conversations/waiting"


async def test_deleting_a_list_ends_entitlements_and_subscriptions_to_it(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    await create_list(admin, "l9")
    await admin.CreateAgent(
        pb.CreateAgentRequest(agent_id="ann", agent=res.Agent(display_name="Ann", lists=["lists/l9", "lists/l1"]))
    )
    insert_rows(
        server.database_url,
        subscriptions,
        {"agent_id": "ann", "list_id": "l9", "create_time": 1},
        {"agent_id": "ann", "list_id": "l1", "create_time": 1},
    )
    before = last_event_id(server.database_url)

    await admin.DeleteList(pb.DeleteListRequest(name="lists/l9"))

    assert list((await admin.GetAgent(pb.GetAgentRequest(name="agents/ann"))).agent.lists) == ["lists/l1"]
    assert select_rows(server.database_url, subscriptions) == [("ann", "l1", 1)]
    revoked = [(e.kind, e.type, e.agent_id, e.list_id) for e in stored_events(server.database_url, before)]
    assert revoked == [("subscription", "UNSUBSCRIBED", "ann", "l9")]


async def test_losing_an_entitlement_ends_the_subscription_to_that_list(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    await create_list(admin, "l9")
    await admin.CreateAgent(
        pb.CreateAgentRequest(agent_id="ann", agent=res.Agent(display_name="Ann", lists=["lists/l1", "lists/l9"]))
    )
    insert_rows(
        server.database_url,
        subscriptions,
        {"agent_id": "ann", "list_id": "l9", "create_time": 1},
        {"agent_id": "ann", "list_id": "l1", "create_time": 1},
    )

    await admin.UpdateAgent(pb.UpdateAgentRequest(agent=res.Agent(name="agents/ann", lists=["lists/l1"])))

    assert select_rows(server.database_url, subscriptions) == [("ann", "l1", 1)]
    revoked = [(e.type, e.agent_id, e.list_id) for e in stored_events(server.database_url) if e.kind == "subscription"]
    assert revoked == [("UNSUBSCRIBED", "ann", "l9")]


async def test_deleting_an_agent_removes_its_rows_and_its_token(server):
    scenario = await create_scenario(server, agents=0)
    admin = server.admin()
    created = await admin.CreateAgent(
        pb.CreateAgentRequest(agent_id="ann", agent=res.Agent(display_name="Ann", lists=[scenario.list]))
    )
    insert_rows(server.database_url, subscriptions, {"agent_id": "ann", "list_id": "l1", "create_time": 1})
    add_conversation(server.database_url, "old", "l1", "c2", "CLOSED")
    insert_rows(server.database_url, participants, {"conversation_id": "old", "agent_id": "ann", "join_time": 2})

    await admin.DeleteAgent(pb.DeleteAgentRequest(name="agents/ann"))

    for table in (agents, agent_lists, subscriptions, participants):
        assert select_rows(server.database_url, table) == [], table.name
    await expect_error(
        server.agent(created.token).ListLists(agent_service_pb2.ListListsRequest()),
        grpc.StatusCode.UNAUTHENTICATED,
        "TOKEN_INVALID",
    )


async def test_create_agent_returns_a_working_token_that_is_stored_hashed(server):
    admin = server.admin()

    created = await admin.CreateAgent(pb.CreateAgentRequest(agent_id="ann", agent=res.Agent(display_name="Ann")))

    assert created.token.startswith("prg_") and created.agent.name == "agents/ann"
    assert created.token not in repr(dump_store(server.database_url))
    assert select_rows(server.database_url, agents)[0][3] == hash_token(created.token)
    await assert_accepted(server.agent(created.token).ListLists(agent_service_pb2.ListListsRequest()))


async def test_rotating_an_agent_token_stops_the_old_one_at_once(server):
    admin = server.admin()
    old = (await admin.CreateAgent(pb.CreateAgentRequest(agent_id="ann", agent=res.Agent(display_name="Ann")))).token
    before = (await admin.GetAgent(pb.GetAgentRequest(name="agents/ann"))).agent

    new = (await admin.RotateAgentToken(pb.RotateAgentTokenRequest(name="agents/ann"))).token

    assert new != old and new.startswith("prg_")
    await expect_error(
        server.agent(old).ListLists(agent_service_pb2.ListListsRequest()),
        grpc.StatusCode.UNAUTHENTICATED,
        "TOKEN_INVALID",
    )
    await assert_accepted(server.agent(new).ListLists(agent_service_pb2.ListListsRequest()))
    assert (await admin.GetAgent(pb.GetAgentRequest(name="agents/ann"))).agent == before


async def test_rotating_an_ingestor_token_stops_the_old_one_at_once(server):
    scenario = await create_scenario(server, agents=0)
    admin = server.admin()
    old = scenario.ingestor_token
    post = ingest_service_pb2.PostCustomerMessageRequest(service_identifier="nowhere", text="hi", source_message_id="1")
    await assert_accepted(server.ingest(old).PostCustomerMessage(post))

    new = (await admin.RotateIngestorToken(pb.RotateIngestorTokenRequest(name="ingestors/connector"))).token

    assert new != old and new.startswith("pri_")
    await expect_error(server.ingest(old).PostCustomerMessage(post), grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")
    await assert_accepted(server.ingest(new).PostCustomerMessage(post))


async def test_deleting_an_ingestor_stops_its_token(server):
    scenario = await create_scenario(server, agents=0, ingestor_channels=["channels/c2"])
    admin = server.admin()

    await admin.DeleteIngestor(pb.DeleteIngestorRequest(name="ingestors/connector"))

    post = ingest_service_pb2.PostCustomerMessageRequest(service_identifier="nowhere", text="hi", source_message_id="1")
    await expect_error(
        server.ingest(scenario.ingestor_token).PostCustomerMessage(post), grpc.StatusCode.UNAUTHENTICATED
    )
    # Its channel scope went with it, so the channel is free to go.
    await admin.DeleteChannel(pb.DeleteChannelRequest(name=scenario.channel))


@pytest.mark.parametrize(
    ("method", "request_type", "name", "code"),
    [
        ("RotateAgentToken", pb.RotateAgentTokenRequest, "agents/ghost", grpc.StatusCode.NOT_FOUND),
        ("RotateIngestorToken", pb.RotateIngestorTokenRequest, "ingestors/ghost", grpc.StatusCode.NOT_FOUND),
        ("RotateAgentToken", pb.RotateAgentTokenRequest, "ingestors/connector", grpc.StatusCode.INVALID_ARGUMENT),
        ("RotateIngestorToken", pb.RotateIngestorTokenRequest, "", grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
async def test_rotating_the_token_of_a_missing_or_misnamed_credential_is_refused(
    server, method, request_type, name, code
):
    await create_scenario(server, agents=0)
    admin = server.admin()

    await expect_refusal(server, lambda: getattr(admin, method)(request_type(name=name)), code)


async def assert_accepted(call: Any) -> None:
    """The call got past authentication: whatever it answers, it is not UNAUTHENTICATED or PERMISSION_DENIED."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        assert error.code() not in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED), error
