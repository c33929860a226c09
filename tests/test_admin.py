"""AdminService standard methods: create, get, list and update of the six configuration resources, and the
refusals of bad input, each naming the offending fields and leaving the store as it was."""

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp
from scenario import create_scenario, expect_refusal
from support import error_details, violated_fields

from pullrouting.api.pagination import encode_page_token
from pullrouting.domain.names import ID_PATTERN
from pullrouting.v1 import admin_service_pb2 as pb
from pullrouting.v1 import resources_pb2 as res

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND

# (message name, collection) of every resource kind.
KINDS = [
    ("MediaRoutingDomain", "mediaRoutingDomains"),
    ("ChannelType", "channelTypes"),
    ("List", "lists"),
    ("Channel", "channels"),
    ("Agent", "agents"),
    ("Ingestor", "ingestors"),
]
REQUEST_FIELD = {
    "MediaRoutingDomain": "media_routing_domain",
    "ChannelType": "channel_type",
    "List": "list",
    "Channel": "channel",
    "Agent": "agent",
    "Ingestor": "ingestor",
}


# The resource of each kind that create_scenario(server, agents=1) makes.
SCENARIO_NAMES = {
    "MediaRoutingDomain": "mediaRoutingDomains/social",
    "ChannelType": "channelTypes/facebook-page-comments",
    "List": "lists/l1",
    "Channel": "channels/c2",
    "Agent": "agents/agent-1",
    "Ingestor": "ingestors/connector",
}


def error_info(error: grpc.aio.AioRpcError) -> dict[str, str]:
    return dict(error_details(error)[0].metadata)


def channel(**fields) -> res.Channel:
    values = {
        "display_name": "C3",
        "channel_type": "channelTypes/facebook-page-comments",
        "service_identifier": "facebook.com/other",
        "routing_mode": res.ROUTING_MODE_PULL,
        "list": "lists/l1",
    }
    return res.Channel(**{**values, **fields})


async def test_the_seed_workflow_creates_resources_that_get_returns(server):
    scenario = await create_scenario(server, agents=0)
    admin = server.admin()

    got = (await admin.GetChannel(pb.GetChannelRequest(name="channels/c2"))).channel

    assert got.name == "channels/c2"
    assert got.display_name == "C2"
    assert got.channel_type == scenario.channel_type == "channelTypes/facebook-page-comments"
    assert got.list == "lists/l1"
    assert got.routing_mode == res.ROUTING_MODE_PULL
    assert got.service_identifier == "facebook.com/acme"
    assert got.HasField("enabled") and got.enabled
    assert got.create_time.ToMicroseconds() > 0 and got.update_time == got.create_time
    channel_type = (await admin.GetChannelType(pb.GetChannelTypeRequest(name=scenario.channel_type))).channel_type
    assert channel_type.media_routing_domain == "mediaRoutingDomains/social"
    mrd = (await admin.GetMediaRoutingDomain(pb.GetMediaRoutingDomainRequest(name=scenario.mrd))).media_routing_domain
    assert (mrd.display_name, mrd.max_conversations_per_agent) == ("Social", 0)
    ingestor = (await admin.GetIngestor(pb.GetIngestorRequest(name="ingestors/connector"))).ingestor
    assert ingestor.display_name == "Connector" and list(ingestor.channels) == [] and ingestor.enabled


async def test_create_without_an_id_generates_one(server):
    admin = server.admin()

    created = await admin.CreateList(pb.CreateListRequest(list=res.List(display_name="Generated")))

    collection, _, list_id = created.list.name.partition("/")
    assert collection == "lists" and ID_PATTERN.fullmatch(list_id)
    assert (await admin.GetList(pb.GetListRequest(name=created.list.name))).list == created.list


async def test_create_keeps_every_field_of_a_list_and_an_agent(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    await admin.CreateList(pb.CreateListRequest(list_id="l2", list=res.List(display_name="L2")))

    routing_list = (
        await admin.CreateList(
            pb.CreateListRequest(
                list_id="vip",
                list=res.List(
                    display_name="VIP",
                    description="Important customers",
                    max_participants=2,
                    unread_reminder_after=Duration(seconds=90, nanos=500_000_000),
                ),
            )
        )
    ).list
    agent = (
        await admin.CreateAgent(
            pb.CreateAgentRequest(
                agent_id="ann",
                agent=res.Agent(display_name="Ann", lists=["lists/vip", "lists/l1", "lists/l2"], enabled=False),
            )
        )
    ).agent

    assert (await admin.GetList(pb.GetListRequest(name="lists/vip"))).list == routing_list
    assert routing_list.description == "Important customers" and routing_list.max_participants == 2
    assert routing_list.unread_reminder_after == Duration(seconds=90, nanos=500_000_000)
    assert (await admin.GetAgent(pb.GetAgentRequest(name="agents/ann"))).agent == agent
    assert list(agent.lists) == ["lists/vip", "lists/l1", "lists/l2"], "entitlements keep their order"
    assert agent.HasField("enabled") and not agent.enabled


async def test_create_names_every_invalid_field(server):
    admin = server.admin()
    request = pb.CreateMediaRoutingDomainRequest(
        media_routing_domain_id="Not_An_Id",
        media_routing_domain=res.MediaRoutingDomain(
            display_name=" ", description="x" * 1001, max_conversations_per_agent=-1
        ),
    )

    error = await expect_refusal(server, lambda: admin.CreateMediaRoutingDomain(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {
        "media_routing_domain_id",
        "media_routing_domain.display_name",
        "media_routing_domain.description",
        "media_routing_domain.max_conversations_per_agent",
    }


async def test_create_channel_names_every_missing_field(server):
    admin = server.admin()
    request = pb.CreateChannelRequest(channel_id="c3", channel=res.Channel())

    error = await expect_refusal(server, lambda: admin.CreateChannel(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {
        "channel.display_name",
        "channel.channel_type",
        "channel.service_identifier",
        "channel.routing_mode",
    }


@pytest.mark.parametrize(
    ("fields", "offending"),
    [
        ({"list": ""}, "channel.list"),
        ({"list": "lists/"}, "channel.list"),
        ({"list": "channels/c2"}, "channel.list"),
        ({"channel_type": "facebook-page-comments"}, "channel.channel_type"),
        ({"routing_mode": 7}, "channel.routing_mode"),
        ({"service_identifier": "x" * 501}, "channel.service_identifier"),
        ({"display_name": "x" * 201}, "channel.display_name"),
    ],
)
async def test_create_channel_refuses_a_bad_field(server, fields, offending):
    await create_scenario(server, agents=0)
    admin = server.admin()
    request = pb.CreateChannelRequest(channel_id="c3", channel=channel(**fields))

    error = await expect_refusal(server, lambda: admin.CreateChannel(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {offending}


async def test_a_push_channel_needs_no_list(server):
    await create_scenario(server, agents=0)

    created = await server.admin().CreateChannel(
        pb.CreateChannelRequest(channel_id="c3", channel=channel(routing_mode=res.ROUTING_MODE_PUSH, list=""))
    )

    assert created.channel.routing_mode == res.ROUTING_MODE_PUSH and created.channel.list == ""


@pytest.mark.parametrize(
    ("lists", "offending"),
    [
        (["lists/l1", "channels/c2"], {"agent.lists[1]"}),
        (["lists/l1", "lists/l1"], {"agent.lists[1]"}),
        (["", "lists/Upper"], {"agent.lists[0]", "agent.lists[1]"}),
    ],
)
async def test_create_agent_names_each_bad_list(server, lists, offending):
    await create_scenario(server, agents=0)
    admin = server.admin()
    request = pb.CreateAgentRequest(agent_id="ann", agent=res.Agent(display_name="Ann", lists=lists))

    error = await expect_refusal(server, lambda: admin.CreateAgent(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == offending


async def test_create_ingestor_names_each_bad_channel(server):
    admin = server.admin()
    request = pb.CreateIngestorRequest(ingestor=res.Ingestor(display_name="I", channels=["channels/ok", "lists/l1"]))

    error = await expect_refusal(server, lambda: admin.CreateIngestor(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"ingestor.channels[1]"}


@pytest.mark.parametrize(
    "reminder",
    [Duration(seconds=0), Duration(seconds=-5), Duration(nanos=-1), Duration(seconds=366 * 24 * 3600)],
)
async def test_create_list_refuses_a_reminder_that_is_not_positive_or_absurd(server, reminder):
    admin = server.admin()
    request = pb.CreateListRequest(list=res.List(display_name="L", unread_reminder_after=reminder, max_participants=-2))

    error = await expect_refusal(server, lambda: admin.CreateList(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"list.unread_reminder_after", "list.max_participants"}


@pytest.mark.parametrize(
    ("method", "request_", "field", "resource"),
    [
        (
            "CreateChannelType",
            pb.CreateChannelTypeRequest(
                channel_type=res.ChannelType(display_name="T", media_routing_domain="mediaRoutingDomains/ghost")
            ),
            "channel_type.media_routing_domain",
            "mediaRoutingDomains/ghost",
        ),
        (
            "CreateChannel",
            pb.CreateChannelRequest(channel=channel(channel_type="channelTypes/ghost")),
            "channel.channel_type",
            "channelTypes/ghost",
        ),
        ("CreateChannel", pb.CreateChannelRequest(channel=channel(list="lists/ghost")), "channel.list", "lists/ghost"),
        (
            "CreateAgent",
            pb.CreateAgentRequest(agent=res.Agent(display_name="A", lists=["lists/l1", "lists/ghost"])),
            "agent.lists[1]",
            "lists/ghost",
        ),
        (
            "CreateIngestor",
            pb.CreateIngestorRequest(ingestor=res.Ingestor(display_name="I", channels=["channels/ghost"])),
            "ingestor.channels[0]",
            "channels/ghost",
        ),
    ],
)
async def test_create_refuses_a_reference_to_a_missing_resource(server, method, request_, field, resource):
    await create_scenario(server, agents=0)
    admin = server.admin()

    error = await expect_refusal(server, lambda: getattr(admin, method)(request_), NOT_FOUND, "RESOURCE_NOT_FOUND")

    assert error_info(error) == {"resource": resource, "field": field}


async def test_create_refuses_an_id_in_use(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    request = pb.CreateListRequest(list_id="l1", list=res.List(display_name="Another L1"))

    error = await expect_refusal(server, lambda: admin.CreateList(request), grpc.StatusCode.ALREADY_EXISTS)

    assert error_info(error) == {"resource": "lists/l1"}
    assert (await admin.GetList(pb.GetListRequest(name="lists/l1"))).list.display_name == "L1"


async def test_create_refuses_a_service_identifier_in_use(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    request = pb.CreateChannelRequest(channel_id="c3", channel=channel(service_identifier="facebook.com/acme"))

    error = await expect_refusal(
        server, lambda: admin.CreateChannel(request), grpc.StatusCode.ALREADY_EXISTS, "SERVICE_IDENTIFIER_TAKEN"
    )

    assert error_info(error) == {"service_identifier": "facebook.com/acme", "used_by": "channels/c2"}


@pytest.mark.parametrize(("kind", "collection"), KINDS)
async def test_get_update_delete_of_a_missing_resource_is_not_found(server, kind, collection):
    admin = server.admin()
    name = f"{collection}/ghost"
    update = getattr(pb, f"Update{kind}Request")(
        **{REQUEST_FIELD[kind]: getattr(res, kind)(name=name, display_name="X")}
    )
    calls = [
        lambda: getattr(admin, f"Get{kind}")(getattr(pb, f"Get{kind}Request")(name=name)),
        lambda: getattr(admin, f"Update{kind}")(update),
        lambda: getattr(admin, f"Delete{kind}")(getattr(pb, f"Delete{kind}Request")(name=name)),
    ]

    for call in calls:
        error = await expect_refusal(server, call, NOT_FOUND, "RESOURCE_NOT_FOUND")
        assert error_info(error) == {"resource": name}


@pytest.mark.parametrize(("kind", "collection"), KINDS)
@pytest.mark.parametrize("name", ["", "ghost", "things/x", "{collection}/", "{collection}/Bad_Id", "{collection}/a/b"])
async def test_get_and_delete_refuse_a_malformed_name(server, kind, collection, name):
    admin = server.admin()
    name = name.format(collection=collection)
    get = getattr(pb, f"Get{kind}Request")(name=name)
    delete = getattr(pb, f"Delete{kind}Request")(name=name)

    for call in (lambda: getattr(admin, f"Get{kind}")(get), lambda: getattr(admin, f"Delete{kind}")(delete)):
        error = await expect_refusal(server, call, INVALID, "FIELD_INVALID")
        assert violated_fields(error) == {"name"}


async def test_list_pages_are_stable_and_ordered_by_id(server):
    admin = server.admin()
    for number in range(7):
        await admin.CreateMediaRoutingDomain(
            pb.CreateMediaRoutingDomainRequest(
                media_routing_domain_id=f"mrd-{number}",
                media_routing_domain=res.MediaRoutingDomain(display_name=f"MRD {number}"),
            )
        )

    first = await admin.ListMediaRoutingDomains(pb.ListMediaRoutingDomainsRequest(page_size=3))
    # Added before the cursor while paging: later pages neither repeat nor skip anything.
    await admin.CreateMediaRoutingDomain(
        pb.CreateMediaRoutingDomainRequest(
            media_routing_domain_id="a-first", media_routing_domain=res.MediaRoutingDomain(display_name="A")
        )
    )
    second = await admin.ListMediaRoutingDomains(
        pb.ListMediaRoutingDomainsRequest(page_size=3, page_token=first.next_page_token)
    )
    third = await admin.ListMediaRoutingDomains(
        pb.ListMediaRoutingDomainsRequest(page_size=3, page_token=second.next_page_token)
    )

    pages = [[mrd.name.split("/")[1] for mrd in page.media_routing_domains] for page in (first, second, third)]
    assert pages == [["mrd-0", "mrd-1", "mrd-2"], ["mrd-3", "mrd-4", "mrd-5"], ["mrd-6"]]
    assert first.next_page_token and second.next_page_token and third.next_page_token == ""
    everything = await admin.ListMediaRoutingDomains(pb.ListMediaRoutingDomainsRequest())
    assert len(everything.media_routing_domains) == 8 and everything.next_page_token == ""


async def test_list_pages_carry_each_agents_lists(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    await admin.CreateList(pb.CreateListRequest(list_id="l2", list=res.List(display_name="L2")))
    for number in range(7):
        entitled = ["lists/l1", "lists/l2"][: number % 3]
        await admin.CreateAgent(
            pb.CreateAgentRequest(agent_id=f"agent-{number}", agent=res.Agent(display_name="A", lists=entitled))
        )

    found, token = [], ""
    while True:
        page = await admin.ListAgents(pb.ListAgentsRequest(page_size=3, page_token=token))
        assert len(page.agents) <= 3
        found.extend((agent.name, list(agent.lists)) for agent in page.agents)
        token = page.next_page_token
        if not token:
            break

    assert found == [(f"agents/agent-{n}", ["lists/l1", "lists/l2"][: n % 3]) for n in range(7)]


@pytest.mark.parametrize(
    ("page_size", "page_token", "offending"),
    [
        (-1, "", "page_size"),
        (3, "not a token", "page_token"),
        (3, encode_page_token([5]), "page_token"),
        (3, encode_page_token(["a", "b"]), "page_token"),
    ],
)
async def test_list_refuses_a_bad_page_size_or_token(server, page_size, page_token, offending):
    admin = server.admin()
    request = pb.ListChannelsRequest(page_size=page_size, page_token=page_token)

    error = await expect_refusal(server, lambda: admin.ListChannels(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {offending}


async def test_update_changes_only_the_fields_the_mask_names(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    before = (await admin.GetList(pb.GetListRequest(name="lists/l1"))).list

    updated = (
        await admin.UpdateList(
            pb.UpdateListRequest(
                list=res.List(name="lists/l1", display_name="Level 1", description="ignored", max_participants=4),
                update_mask=FieldMask(paths=["display_name", "max_participants"]),
            )
        )
    ).list

    assert (updated.display_name, updated.description, updated.max_participants) == ("Level 1", "", 4)
    assert updated.create_time == before.create_time
    assert updated.update_time.ToMicroseconds() > before.update_time.ToMicroseconds()
    assert (await admin.GetList(pb.GetListRequest(name="lists/l1"))).list == updated


async def test_update_without_a_mask_changes_the_fields_the_request_sets(server):
    await create_scenario(server, agents=0)
    admin = server.admin()

    updated = (
        await admin.UpdateChannel(pb.UpdateChannelRequest(channel=res.Channel(name="channels/c2", enabled=False)))
    ).channel

    assert updated.HasField("enabled") and not updated.enabled
    assert updated.display_name == "C2" and updated.list == "lists/l1"
    assert updated.routing_mode == res.ROUTING_MODE_PULL


async def test_update_with_a_star_mask_replaces_every_updatable_field(server):
    admin = server.admin()
    await admin.CreateList(
        pb.CreateListRequest(
            list_id="l9",
            list=res.List(
                display_name="L9", description="d", max_participants=3, unread_reminder_after=Duration(seconds=60)
            ),
        )
    )

    updated = (
        await admin.UpdateList(
            pb.UpdateListRequest(
                list=res.List(name="lists/l9", display_name="Nine"), update_mask=FieldMask(paths=["*"])
            )
        )
    ).list

    assert (updated.display_name, updated.description, updated.max_participants) == ("Nine", "", 0)
    assert not updated.HasField("unread_reminder_after")


async def test_update_of_agent_lists_replaces_the_entitlements(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    await admin.CreateList(pb.CreateListRequest(list_id="l2", list=res.List(display_name="L2")))
    await admin.CreateAgent(
        pb.CreateAgentRequest(agent_id="ann", agent=res.Agent(display_name="Ann", lists=["lists/l1"]))
    )

    updated = (
        await admin.UpdateAgent(
            pb.UpdateAgentRequest(
                agent=res.Agent(name="agents/ann", lists=["lists/l2", "lists/l1"]),
                update_mask=FieldMask(paths=["lists"]),
            )
        )
    ).agent

    assert list(updated.lists) == ["lists/l2", "lists/l1"] and updated.display_name == "Ann" and updated.enabled
    assert list((await admin.GetAgent(pb.GetAgentRequest(name="agents/ann"))).agent.lists) == ["lists/l2", "lists/l1"]


async def test_every_update_without_a_mask_changes_only_the_fields_the_request_populates(server):
    await create_scenario(server, agents=1)
    admin = server.admin()

    for kind, name in SCENARIO_NAMES.items():
        field = REQUEST_FIELD[kind]
        before = getattr(await getattr(admin, f"Get{kind}")(getattr(pb, f"Get{kind}Request")(name=name)), field)
        changes = getattr(res, kind)(name=name, display_name="Renamed")
        request = getattr(pb, f"Update{kind}Request")(**{field: changes})

        updated = getattr(await getattr(admin, f"Update{kind}")(request), field)

        expected = type(before)()
        expected.CopyFrom(before)
        expected.display_name = "Renamed"
        expected.update_time.CopyFrom(updated.update_time)
        assert updated == expected, kind


async def test_output_only_fields_of_a_request_are_ignored_on_create_and_are_no_update(server):
    admin = server.admin()
    long_ago = Timestamp(seconds=1)

    created = (
        await admin.CreateList(
            pb.CreateListRequest(
                list_id="l9",
                list=res.List(name="lists/other", display_name="L9", create_time=long_ago, update_time=long_ago),
            )
        )
    ).list

    assert created.name == "lists/l9"
    assert created.create_time.ToMicroseconds() > long_ago.ToMicroseconds()
    assert created.update_time == created.create_time
    only_output = pb.UpdateListRequest(list=res.List(name="lists/l9", create_time=long_ago, update_time=long_ago))
    error = await expect_refusal(server, lambda: admin.UpdateList(only_output), INVALID, "FIELD_INVALID")
    assert violated_fields(error) == {"update_mask"}


@pytest.mark.parametrize(
    "paths",
    [["name"], ["create_time"], ["update_time"], ["bogus"], ["*", "display_name"], ["unread_reminder_after.seconds"]],
)
async def test_update_refuses_a_mask_naming_a_field_it_cannot_update(server, paths):
    await create_scenario(server, agents=0)
    admin = server.admin()
    request = pb.UpdateListRequest(list=res.List(name="lists/l1", display_name="X"), update_mask=FieldMask(paths=paths))

    error = await expect_refusal(server, lambda: admin.UpdateList(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"update_mask"}


async def test_update_refuses_a_request_that_changes_nothing(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    request = pb.UpdateListRequest(list=res.List(name="lists/l1"))

    error = await expect_refusal(server, lambda: admin.UpdateList(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"update_mask"}


async def test_update_names_a_malformed_resource_name_and_a_bad_mask_at_once(server):
    admin = server.admin()
    request = pb.UpdateChannelRequest(
        channel=res.Channel(name="lists/l1", display_name="X"), update_mask=FieldMask(paths=["name"])
    )

    error = await expect_refusal(server, lambda: admin.UpdateChannel(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {"channel.name", "update_mask"}


@pytest.mark.parametrize(
    ("changes", "paths", "offending"),
    [
        (res.Channel(list=""), ["list"], "channel.list"),
        (res.Channel(display_name=""), ["display_name"], "channel.display_name"),
        (res.Channel(routing_mode=res.ROUTING_MODE_UNSPECIFIED), ["routing_mode"], "channel.routing_mode"),
        (res.Channel(service_identifier=""), ["service_identifier"], "channel.service_identifier"),
        (res.Channel(channel_type="mediaRoutingDomains/social"), ["channel_type"], "channel.channel_type"),
    ],
)
async def test_update_validates_the_result_as_create_does(server, changes, paths, offending):
    await create_scenario(server, agents=0)
    admin = server.admin()
    changes.name = "channels/c2"
    request = pb.UpdateChannelRequest(channel=changes, update_mask=FieldMask(paths=paths))

    error = await expect_refusal(server, lambda: admin.UpdateChannel(request), INVALID, "FIELD_INVALID")

    assert violated_fields(error) == {offending}


async def test_update_refuses_a_reference_to_a_missing_resource(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    request = pb.UpdateChannelRequest(channel=res.Channel(name="channels/c2", list="lists/ghost"))

    error = await expect_refusal(server, lambda: admin.UpdateChannel(request), NOT_FOUND, "RESOURCE_NOT_FOUND")

    assert error_info(error) == {"resource": "lists/ghost", "field": "channel.list"}


async def test_update_refuses_a_service_identifier_in_use(server):
    await create_scenario(server, agents=0)
    admin = server.admin()
    await admin.CreateChannel(pb.CreateChannelRequest(channel_id="c3", channel=channel()))
    request = pb.UpdateChannelRequest(channel=res.Channel(name="channels/c3", service_identifier="facebook.com/acme"))

    await expect_refusal(
        server, lambda: admin.UpdateChannel(request), grpc.StatusCode.ALREADY_EXISTS, "SERVICE_IDENTIFIER_TAKEN"
    )

    # A channel keeps its own identifier when other fields change.
    renamed = await admin.UpdateChannel(
        pb.UpdateChannelRequest(channel=res.Channel(name="channels/c2", display_name="C"))
    )
    assert renamed.channel.service_identifier == "facebook.com/acme"


async def test_update_moves_update_time_forward_each_time(server):
    admin = server.admin()
    created = await admin.CreateMediaRoutingDomain(
        pb.CreateMediaRoutingDomainRequest(
            media_routing_domain_id="m", media_routing_domain=res.MediaRoutingDomain(display_name="M")
        )
    )
    times = [created.media_routing_domain.update_time.ToMicroseconds()]
    for number in range(3):
        updated = await admin.UpdateMediaRoutingDomain(
            pb.UpdateMediaRoutingDomainRequest(
                media_routing_domain=res.MediaRoutingDomain(
                    name="mediaRoutingDomains/m", max_conversations_per_agent=number + 1
                )
            )
        )
        times.append(updated.media_routing_domain.update_time.ToMicroseconds())

    assert times == sorted(set(times))
    assert updated.media_routing_domain.create_time == created.media_routing_domain.create_time
