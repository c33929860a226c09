"""Races decided by the database, on SQLite and PostgreSQL: many callers at once, repeated for several rounds
so that a lost race shows. The outcome is read back from the tables, events included."""

import grpc
from scenario import conversation_id, create_scenario, join_call, last_event_id, participant_rows, stored_events
from support import error_reason, gather_all

from pullrouting.v1 import agent_service_pb2
from pullrouting.v1.conversation_pb2 import CONVERSATION_STATE_ACTIVE, CONVERSATION_STATE_CLOSED

ROUNDS = 20


def refusals(results) -> list[str]:
    """The ErrorInfo reasons of the failed calls; anything but a gRPC error fails the test."""
    found = []
    for result in results:
        if isinstance(result, BaseException):
            assert isinstance(result, grpc.aio.AioRpcError), repr(result)
            found.append(error_reason(result))
    return found


def close_call(agent, name: str):
    return lambda: agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=name))


def post_call(scenario, customer_id: str, source_message_id: str):
    return lambda: scenario.post(customer_id=customer_id, source_message_id=source_message_id)


def events_of(server, name: str, after: int) -> list:
    return [e for e in stored_events(server.database_url, after) if e.conversation_id == conversation_id(name)]


async def test_fifty_simultaneous_joins_are_all_recorded_once(any_server):
    scenario = await create_scenario(any_server, agents=50)
    for _ in range(ROUNDS):
        conversation = await scenario.new_conversation()
        mark = last_event_id(any_server.database_url)
        results = await gather_all([join_call(agent, conversation.name) for agent in scenario.agents])
        assert refusals(results) == []
        final = (
            await scenario.agents[0].stub.GetConversation(
                agent_service_pb2.GetConversationRequest(name=conversation.name)
            )
        ).conversation
        assert final.state == CONVERSATION_STATE_ACTIVE
        joined = [p.agent for p in final.participants]
        assert sorted(joined) == sorted(agent.name for agent in scenario.agents)
        assert sorted(participant_rows(any_server.database_url, conversation_id(conversation.name))) == sorted(
            agent.id for agent in scenario.agents
        )
        events = events_of(any_server, conversation.name, mark)
        changes = [e for e in events if e.type == "STATE_CHANGED"]
        assert [(e.payload["previous_state"], e.payload["conversation"]["state"]) for e in changes] == [
            ("UNREAD", "ACTIVE")
        ]
        assert sorted(e.agent_id for e in events if e.type == "AGENT_JOINED") == sorted(a.id for a in scenario.agents)
        assert len([e for e in events if e.kind == "list" and e.type == "UPDATED"]) == 50
        # Each join's snapshot has one more participant than the one before: the joins were serialised.
        counts = [len(e.payload["conversation"]["participants"]) for e in events if e.type == "AGENT_JOINED"]
        assert counts == list(range(1, 51))
        await scenario.agents[0].stub.CloseConversation(
            agent_service_pb2.CloseConversationRequest(name=conversation.name)
        )


async def test_a_one_seat_list_admits_exactly_one_of_twenty(any_server):
    scenario = await create_scenario(any_server, agents=20, max_participants=1)
    for _ in range(ROUNDS):
        conversation = await scenario.new_conversation()
        results = await gather_all([join_call(agent, conversation.name) for agent in scenario.agents])
        assert sorted(refusals(results)) == ["LIST_FULL"] * 19
        winner = next(r for r in results if not isinstance(r, BaseException))
        assert len(winner.conversation.participants) == 1
        assert len(participant_rows(any_server.database_url, conversation_id(conversation.name))) == 1
        await scenario.agents[0].stub.CloseConversation(
            agent_service_pb2.CloseConversationRequest(name=conversation.name)
        )


async def test_joins_racing_a_close_never_leave_a_participant_on_a_closed_conversation(any_server):
    scenario = await create_scenario(any_server, agents=11)
    closer, joiners = scenario.agents[0], scenario.agents[1:]
    for round_number in range(ROUNDS):
        conversation = await scenario.new_conversation()
        mark = last_event_id(any_server.database_url)
        calls = [join_call(agent, conversation.name) for agent in joiners]
        calls.insert(round_number % (len(calls) + 1), close_call(closer, conversation.name))
        results = await gather_all(calls)
        assert set(refusals(results)) <= {"CONVERSATION_CLOSED"}
        assert participant_rows(any_server.database_url, conversation_id(conversation.name)) == []
        events = events_of(any_server, conversation.name, mark)
        closed_at = [e.id for e in events if e.type == "CONVERSATION_CLOSED" and e.kind == "conversation"]
        assert len(closed_at) == 1
        joined = [e for e in events if e.type == "AGENT_JOINED"]
        assert all(e.id < closed_at[0] for e in joined)
        assert len(joined) == len(joiners) - len(refusals(results))
        final = (
            await closer.stub.GetConversation(agent_service_pb2.GetConversationRequest(name=conversation.name))
        ).conversation
        assert final.state == CONVERSATION_STATE_CLOSED and list(final.participants) == []


async def test_one_source_message_posted_twenty_times_at_once_is_one_message(any_server):
    scenario = await create_scenario(any_server, agents=0)
    for round_number in range(ROUNDS):
        customer = f"customer-{round_number}"
        mark = last_event_id(any_server.database_url)
        results = await gather_all([post_call(scenario, customer, f"dup-{round_number}") for _ in range(20)])
        assert refusals(results) == []
        assert {r.conversation.name for r in results} == {results[0].conversation.name}
        assert {r.message.name for r in results} == {results[0].message.name}
        assert all(r.created for r in results)
        events = stored_events(any_server.database_url, mark)
        assert [(e.kind, e.type) for e in events] == [("list", "ADDED"), ("conversation", "CUSTOMER_MESSAGE")]
        assert events[0].payload["conversation"]["message_count"] == 1


async def test_twenty_first_messages_of_one_customer_at_once_open_one_conversation(any_server):
    scenario = await create_scenario(any_server, agents=0)
    for round_number in range(ROUNDS):
        customer = f"customer-{round_number}"
        results = await gather_all(
            [post_call(scenario, customer, f"m-{round_number}-{number}") for number in range(20)]
        )
        assert refusals(results) == []
        assert len({r.conversation.name for r in results}) == 1
        assert len({r.message.name for r in results}) == 20
        assert sum(r.created for r in results) == 1
        assert sorted(r.conversation.message_count for r in results) == list(range(1, 21))


async def test_one_agents_simultaneous_joins_respect_its_mrd_cap(any_server):
    scenario = await create_scenario(any_server, agents=1, max_conversations_per_agent=1)
    agent = scenario.agents[0]
    for round_number in range(ROUNDS):
        conversations = [await scenario.new_conversation(f"customer-{round_number}-{n}") for n in range(10)]
        results = await gather_all([join_call(agent, c.name) for c in conversations])
        assert sorted(refusals(results)) == ["AGENT_AT_CAPACITY"] * 9
        joined = [r.conversation for r in results if not isinstance(r, BaseException)]
        assert sum(len(participant_rows(any_server.database_url, conversation_id(c.name))) for c in conversations) == 1
        await agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=joined[0].name))
