"""Supervisors: the admin's standard methods on `supervisors/{id}` with a token shown once; the token (hashed,
rotatable, refused once disabled) admits to SupervisorService only; a supervisor sees the conversations of its
Lists and nothing else, a conversation elsewhere refused exactly as one that does not exist; a changed scope
holds from the next call, on every instance."""

import asyncio

import grpc
from scenario import Scenario, add_second_list, create_scenario
from support import dump_store, error_details, expect_error, violated_fields

from pullrouting.store.credentials import hash_token
from pullrouting.v1 import admin_service_pb2 as admin
from pullrouting.v1 import agent_service_pb2 as agent
from pullrouting.v1 import conversation_pb2, resources_pb2
from pullrouting.v1 import supervisor_service_pb2 as supervisor

Code = grpc.StatusCode


async def create_supervisor(scenario: Scenario, supervisor_id: str, lists: list[str]) -> admin.CreateSupervisorResponse:
    return await scenario.admin.CreateSupervisor(
        admin.CreateSupervisorRequest(
            supervisor_id=supervisor_id,
            supervisor=resources_pb2.Supervisor(display_name=supervisor_id.title(), lists=lists),
        )
    )


def get_conversation(stub, name: str):
    return stub.GetConversation(supervisor.SupervisorServiceGetConversationRequest(name=name))


def list_conversations(stub, parent: str = "lists/-"):
    return stub.ListConversations(supervisor.SupervisorServiceListConversationsRequest(parent=parent))


def list_messages(stub, parent: str):
    return stub.ListMessages(supervisor.SupervisorServiceListMessagesRequest(parent=parent))


async def test_the_admin_manages_supervisors_with_a_token_shown_once(any_server):
    scenario = await create_scenario(any_server, agents=0)
    created = await create_supervisor(scenario, "sam", [scenario.list])
    assert created.supervisor.name == "supervisors/sam"
    assert list(created.supervisor.lists) == [scenario.list]
    assert created.supervisor.enabled
    assert created.token.startswith("prs_")
    store = dump_store(any_server.database_url)
    assert [row[3] for row in store["supervisors"]] == [hash_token(created.token)]
    assert created.token not in repr(store)

    got = await scenario.admin.GetSupervisor(admin.GetSupervisorRequest(name="supervisors/sam"))
    assert got.supervisor == created.supervisor
    listed = await scenario.admin.ListSupervisors(admin.ListSupervisorsRequest())
    assert [s.name for s in listed.supervisors] == ["supervisors/sam"]

    second_list, _ = await add_second_list(scenario)
    updated = await scenario.admin.UpdateSupervisor(
        admin.UpdateSupervisorRequest(
            supervisor=resources_pb2.Supervisor(name="supervisors/sam", lists=[second_list, scenario.list]),
            update_mask={"paths": ["lists"]},
        )
    )
    assert list(updated.supervisor.lists) == [second_list, scenario.list]
    assert updated.supervisor.display_name == "Sam"

    rotated = await scenario.admin.RotateSupervisorToken(admin.RotateSupervisorTokenRequest(name="supervisors/sam"))
    await expect_error(list_conversations(any_server.supervisor(created.token)), Code.UNAUTHENTICATED, "TOKEN_INVALID")
    await list_conversations(any_server.supervisor(rotated.token))

    await scenario.admin.DeleteSupervisor(admin.DeleteSupervisorRequest(name="supervisors/sam"))
    await expect_error(list_conversations(any_server.supervisor(rotated.token)), Code.UNAUTHENTICATED, "TOKEN_INVALID")
    # A deleted supervisor's id is never given again: a new one cannot inherit what the old one did.
    await expect_error(create_supervisor(scenario, "sam", []), Code.ALREADY_EXISTS, "RESOURCE_ID_RETIRED")


async def test_bad_supervisors_are_refused_naming_the_field_and_change_nothing(any_server):
    scenario = await create_scenario(any_server, agents=0)
    before = dump_store(any_server.database_url)
    error = await expect_error(
        scenario.admin.CreateSupervisor(
            admin.CreateSupervisorRequest(
                supervisor_id="Bad Id",
                supervisor=resources_pb2.Supervisor(display_name=" ", lists=[scenario.list, scenario.list, "x"]),
            )
        ),
        Code.INVALID_ARGUMENT,
        "FIELD_INVALID",
    )
    assert violated_fields(error) == {
        "supervisor_id",
        "supervisor.display_name",
        "supervisor.lists[1]",
        "supervisor.lists[2]",
    }
    error = await expect_error(
        create_supervisor(scenario, "sam", ["lists/nowhere"]), Code.NOT_FOUND, "RESOURCE_NOT_FOUND"
    )
    assert error_details(error)[0].metadata["field"] == "supervisor.lists[0]"
    assert dump_store(any_server.database_url) == before


async def test_a_supervisor_token_admits_to_the_supervisor_service_only(any_server):
    scenario = await create_scenario(any_server, agents=1)
    token = (await create_supervisor(scenario, "sam", [scenario.list])).token
    admin_call = any_server.admin(token).ListLists(admin.AdminServiceListListsRequest())
    await expect_error(admin_call, Code.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    await expect_error(
        any_server.agent(token).ListLists(agent.ListListsRequest()), Code.PERMISSION_DENIED, "ROLE_NOT_ALLOWED"
    )
    await expect_error(
        list_conversations(any_server.supervisor(scenario.agents[0].token)), Code.PERMISSION_DENIED, "ROLE_NOT_ALLOWED"
    )
    await expect_error(list_conversations(any_server.supervisor(None)), Code.UNAUTHENTICATED, "TOKEN_MISSING")
    # A token of the right shape that nobody holds.
    await expect_error(
        list_conversations(any_server.supervisor("prs_" + "A" * 43)), Code.UNAUTHENTICATED, "TOKEN_INVALID"
    )

    await scenario.admin.UpdateSupervisor(
        admin.UpdateSupervisorRequest(
            supervisor=resources_pb2.Supervisor(name="supervisors/sam", enabled=False),
            update_mask={"paths": ["enabled"]},
        )
    )
    await expect_error(list_conversations(any_server.supervisor(token)), Code.PERMISSION_DENIED, "PRINCIPAL_DISABLED")


async def test_a_supervisor_sees_only_the_conversations_of_its_lists(any_server):
    scenario = await create_scenario(any_server, agents=1)
    second_list, second_service = await add_second_list(scenario)
    own = (await scenario.post(customer_id="own")).conversation
    foreign = (await scenario.post(customer_id="foreign", service_identifier=second_service)).conversation
    await scenario.agents[0].stub.JoinConversation(agent.JoinConversationRequest(name=own.name))
    note = await scenario.agents[0].stub.SendMessage(
        agent.SendMessageRequest(
            conversation=own.name, text="VIP", visibility=conversation_pb2.MESSAGE_VISIBILITY_INTERNAL
        )
    )
    stub = any_server.supervisor((await create_supervisor(scenario, "sam", [scenario.list])).token)

    for parent in ("lists/-", "", scenario.list):
        assert [c.name for c in (await list_conversations(stub, parent)).conversations] == [own.name]
    got = await get_conversation(stub, own.name)
    assert got.conversation.state == conversation_pb2.CONVERSATION_STATE_ACTIVE
    transcript = await list_messages(stub, own.name)
    assert [m.text for m in transcript.messages] == ["Hello", "VIP"]
    assert transcript.messages[1].name == note.message.name

    # Off its lists, or not there at all: the same refusal, naming only what the supervisor gave.
    for parent in (second_list, "lists/nowhere"):
        error = await expect_error(list_conversations(stub, parent), Code.PERMISSION_DENIED, "NOT_ENTITLED")
        assert dict(error_details(error)[0].metadata) == {"list": parent}
    refusals = []
    for name in (foreign.name, "conversations/nowhere"):
        for call in (get_conversation(stub, name), list_messages(stub, name)):
            error = await expect_error(call, Code.PERMISSION_DENIED, "NOT_ENTITLED")
            said = repr((dict(error_details(error)[0].metadata), error.details()))
            refusals.append(said.replace(name, "NAME"))
    assert refusals[0] == refusals[2] and refusals[1] == refusals[3]
    assert second_list not in refusals[0]


async def test_a_changed_scope_holds_from_the_next_call_on_every_instance(two_instances):
    first, second = two_instances
    scenario = await create_scenario(first, agents=0)
    second_list, second_service = await add_second_list(scenario)
    own = (await scenario.post(customer_id="own")).conversation
    foreign = (await scenario.post(customer_id="foreign", service_identifier=second_service)).conversation
    token = (await create_supervisor(scenario, "sam", [scenario.list])).token
    elsewhere = second.supervisor(token)
    await get_conversation(elsewhere, own.name)

    await scenario.admin.UpdateSupervisor(
        admin.UpdateSupervisorRequest(
            supervisor=resources_pb2.Supervisor(name="supervisors/sam", lists=[second_list]),
            update_mask={"paths": ["lists"]},
        )
    )

    await expect_error(get_conversation(elsewhere, own.name), Code.PERMISSION_DENIED, "NOT_ENTITLED")
    assert (await get_conversation(elsewhere, foreign.name)).conversation.name == foreign.name
    assert [c.name for c in (await list_conversations(elsewhere)).conversations] == [foreign.name]


async def test_a_rotated_supervisor_token_is_refused_on_every_instance(two_instances):
    first, second = two_instances
    scenario = await create_scenario(first, agents=0)
    token = (await create_supervisor(scenario, "sam", [scenario.list])).token
    elsewhere = second.supervisor(token)
    await list_conversations(elsewhere)

    await scenario.admin.RotateSupervisorToken(admin.RotateSupervisorTokenRequest(name="supervisors/sam"))

    # The other instance hears of the change through the events table: within its notification delay.
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        try:
            await list_conversations(elsewhere)
        except grpc.aio.AioRpcError as error:
            assert error.code() == Code.UNAUTHENTICATED
            break
        assert asyncio.get_running_loop().time() < deadline, "the other instance still accepts the old token"
        await asyncio.sleep(0.01)
