"""A deleted resource's id is retired: history names resources by id (closed conversations keep their List
and channel, events their agent), so a new resource with an old id would inherit what was not its own."""

import grpc
import pytest
from scenario import create_scenario, expect_refusal

from pullrouting.v1 import admin_service_pb2 as pb
from pullrouting.v1 import agent_service_pb2, conversation_pb2
from pullrouting.v1 import resources_pb2 as res

EXISTS = grpc.StatusCode.ALREADY_EXISTS


async def test_a_new_list_cannot_take_a_deleted_lists_id_and_its_closed_conversations(any_server):
    scenario = await create_scenario(any_server, agents=1)
    agent = scenario.agents[0]
    old = await scenario.new_conversation("private-customer")
    await agent.stub.JoinConversation(agent_service_pb2.JoinConversationRequest(name=old.name))
    await agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=old.name))
    admin = scenario.admin
    await admin.DeleteChannel(pb.DeleteChannelRequest(name=scenario.channel))
    await admin.DeleteAgent(pb.DeleteAgentRequest(name=agent.name))
    await admin.DeleteList(pb.DeleteListRequest(name=scenario.list))

    again = pb.CreateListRequest(list_id="l1", list=res.List(display_name="New team"))
    await expect_refusal(any_server, lambda: admin.CreateList(again), EXISTS, "RESOURCE_ID_RETIRED")

    new_list = (await admin.CreateList(pb.CreateListRequest(list_id="l1-new", list=res.List(display_name="New")))).list
    newcomer = await scenario.add_agent("newcomer", lists=[new_list.name])
    closed = await newcomer.stub.ListConversations(
        agent_service_pb2.ListConversationsRequest(
            parent=new_list.name, states=[conversation_pb2.CONVERSATION_STATE_CLOSED]
        )
    )
    assert list(closed.conversations) == []


@pytest.mark.parametrize(
    ("create", "delete", "request_"),
    [
        ("CreateAgent", "DeleteAgent", pb.CreateAgentRequest(agent_id="dave", agent=res.Agent(display_name="D"))),
        (
            "CreateIngestor",
            "DeleteIngestor",
            pb.CreateIngestorRequest(ingestor_id="dave", ingestor=res.Ingestor(display_name="D")),
        ),
        ("CreateList", "DeleteList", pb.CreateListRequest(list_id="dave", list=res.List(display_name="D"))),
    ],
)
async def test_every_deleted_id_is_retired(server, create, delete, request_):
    admin = server.admin()
    created = await getattr(admin, create)(request_)
    name = next(field for _, field in created.ListFields() if hasattr(field, "name")).name
    await getattr(admin, delete)(getattr(pb, f"{delete}Request")(name=name))

    error = await expect_refusal(server, lambda: getattr(admin, create)(request_), EXISTS, "RESOURCE_ID_RETIRED")

    assert name in error.details()
