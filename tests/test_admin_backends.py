"""AdminService on both backends (SQLite and PostgreSQL), including concurrent writes that race for the
same id, the same service identifier, or a resource being deleted."""

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from support import dump_store, error_reason, gather_all

from pullrouting.v1 import admin_service_pb2 as pb
from pullrouting.v1 import resources_pb2 as res


def outcomes(results: list) -> list[str]:
    """OK, or the error reason of each result, sorted."""
    return sorted("OK" if not isinstance(result, grpc.aio.AioRpcError) else error_reason(result) for result in results)


async def create_routing(admin) -> None:
    await admin.CreateMediaRoutingDomain(
        pb.CreateMediaRoutingDomainRequest(
            media_routing_domain_id="social", media_routing_domain=res.MediaRoutingDomain(display_name="Social")
        )
    )
    await admin.CreateChannelType(
        pb.CreateChannelTypeRequest(
            channel_type_id="fb",
            channel_type=res.ChannelType(display_name="FB", media_routing_domain="mediaRoutingDomains/social"),
        )
    )
    await admin.CreateList(pb.CreateListRequest(list_id="l1", list=res.List(display_name="L1")))


def pull_channel(service_identifier: str, list_name: str = "lists/l1") -> res.Channel:
    return res.Channel(
        display_name="C",
        channel_type="channelTypes/fb",
        service_identifier=service_identifier,
        routing_mode=res.ROUTING_MODE_PULL,
        list=list_name,
    )


async def test_create_list_update_delete_round(any_server):
    admin = any_server.admin()
    await create_routing(admin)
    await admin.CreateChannel(pb.CreateChannelRequest(channel_id="c2", channel=pull_channel("page-2")))
    agent = await admin.CreateAgent(
        pb.CreateAgentRequest(agent_id="ann", agent=res.Agent(display_name="Ann", lists=["lists/l1"]))
    )

    updated = await admin.UpdateChannel(
        pb.UpdateChannelRequest(
            channel=res.Channel(name="channels/c2", routing_mode=res.ROUTING_MODE_PUSH, list=""),
            update_mask=FieldMask(paths=["routing_mode", "list"]),
        )
    )
    channels = (await admin.ListChannels(pb.ListChannelsRequest(page_size=1))).channels
    await admin.DeleteList(pb.DeleteListRequest(name="lists/l1"))

    assert updated.channel.routing_mode == res.ROUTING_MODE_PUSH and updated.channel.list == ""
    assert list(channels) == [updated.channel]
    assert list(agent.agent.lists) == ["lists/l1"]
    assert list((await admin.GetAgent(pb.GetAgentRequest(name="agents/ann"))).agent.lists) == []
    assert [found.name for found in (await admin.ListLists(pb.AdminServiceListListsRequest())).lists] == []


async def test_concurrent_creates_of_one_id_make_one_resource(any_server):
    admin = any_server.admin()
    request = pb.CreateMediaRoutingDomainRequest(
        media_routing_domain_id="social", media_routing_domain=res.MediaRoutingDomain(display_name="Social")
    )

    results = await gather_all([lambda: admin.CreateMediaRoutingDomain(request)] * 10)

    assert outcomes(results) == ["OK"] + ["RESOURCE_EXISTS"] * 9
    assert [row[0] for row in dump_store(any_server.database_url)["media_routing_domains"]] == ["social"]


async def test_concurrent_creates_of_agents_with_one_id_make_one_agent(any_server):
    admin = any_server.admin()
    await create_routing(admin)
    request = pb.CreateAgentRequest(agent_id="ann", agent=res.Agent(display_name="Ann", lists=["lists/l1"]))

    results = await gather_all([lambda: admin.CreateAgent(request)] * 10)

    assert outcomes(results) == ["OK"] + ["RESOURCE_EXISTS"] * 9
    assert len(dump_store(any_server.database_url)["agent_lists"]) == 1


async def test_concurrent_channels_on_one_service_identifier_make_one_channel(any_server):
    admin = any_server.admin()
    await create_routing(admin)

    results = await gather_all(
        [
            lambda number=number: admin.CreateChannel(
                pb.CreateChannelRequest(channel_id=f"c{number}", channel=pull_channel("facebook.com/acme"))
            )
            for number in range(10)
        ]
    )

    assert outcomes(results) == ["OK"] + ["SERVICE_IDENTIFIER_TAKEN"] * 9
    assert len(dump_store(any_server.database_url)["channels"]) == 1


async def test_a_list_deleted_while_a_channel_is_mapped_to_it_stays_consistent(any_server):
    admin = any_server.admin()
    await create_routing(admin)

    results = await gather_all(
        [
            lambda: admin.DeleteList(pb.DeleteListRequest(name="lists/l1")),
            lambda: admin.CreateChannel(pb.CreateChannelRequest(channel_id="c2", channel=pull_channel("page-2"))),
        ]
    )

    deleted, created = ["OK" if not isinstance(r, grpc.aio.AioRpcError) else error_reason(r) for r in results]
    store = dump_store(any_server.database_url)
    if deleted == "OK":
        assert created == "RESOURCE_NOT_FOUND" and store["lists"] == [] and store["channels"] == []
    else:
        assert (deleted, created) == ("RESOURCE_IN_USE", "OK") and len(store["channels"]) == 1
