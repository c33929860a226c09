"""Typing and viewing over a real port: SetActivity and PostCustomerActivity reach the conversation's watchers
(WatchConversation, the desks of the agents in it, the connector's WatchOutbound for agents) live, without a
resume token, stored nowhere and never replayed; a renewal sends nothing, the end (NONE, expiry, the agent's
leave) is sent; who may set what; the per-caller limit; a supervisor's MonitorConversation sees them too, and
shows as nobody; across instances on PostgreSQL."""

import grpc
from scenario import Agent, Scenario, create_scenario, expect_refusal, join, leave
from scheduling import micros
from streams import read_event, read_until
from support import Server, dump_store, error_details, serve
from test_desk import next_of, opening, send

from pullrouting.v1 import (
    admin_service_pb2,
    agent_service_pb2,
    conversation_pb2,
    events_pb2,
    ingest_service_pb2,
    resources_pb2,
    supervisor_service_pb2,
)

Code = grpc.StatusCode
C = events_pb2.ConversationEventType
O = events_pb2.OutboundEventType  # noqa: E741
TYPING, VIEWING, NONE = events_pb2.ACTIVITY_TYPING, events_pb2.ACTIVITY_VIEWING, events_pb2.ACTIVITY_NONE
SHORT_TTL = 0.5


def set_activity(agent: Agent, conversation: str, activity: int):
    return agent.stub.SetActivity(agent_service_pb2.SetActivityRequest(name=conversation, activity=activity))


def post_activity(scenario: Scenario, conversation: str, activity: int):
    return scenario.ingest.PostCustomerActivity(
        ingest_service_pb2.PostCustomerActivityRequest(conversation=conversation, activity=activity)
    )


async def watch_conversation(agent: Agent, conversation: str, token: str = ""):
    """A WatchConversation stream and the token of its SYNCED (none when resumed)."""
    stream = agent.stub.WatchConversation(
        agent_service_pb2.WatchConversationRequest(name=conversation, resume_token=token)
    )
    if token:
        return stream, token
    synced = await read_until(stream, lambda e: e.type == C.CONVERSATION_EVENT_TYPE_SYNCED)
    return stream, synced[-1].resume_token


async def watch_outbound(scenario: Scenario):
    stream = scenario.ingest.WatchOutbound(ingest_service_pb2.WatchOutboundRequest())
    assert (await read_event(stream)).type == O.OUTBOUND_EVENT_TYPE_SYNCED
    return stream


async def next_activity(stream) -> events_pb2.ConversationEvent:
    return (await read_until(stream, lambda e: e.type == C.CONVERSATION_EVENT_TYPE_ACTIVITY))[-1]


async def two_in_a_conversation(server: Server) -> tuple[Scenario, Agent, Agent, str]:
    scenario = await create_scenario(server, agents=2)
    first, second = scenario.agents
    name = (await scenario.new_conversation()).name
    await join(first, name)
    await join(second, name)
    return scenario, first, second, name


def change(conversation: str, agent: Agent | None, activity: int, expired: bool = False) -> tuple:
    sender = conversation_pb2.SENDER_TYPE_AGENT if agent else conversation_pb2.SENDER_TYPE_CUSTOMER
    return conversation, sender, agent.name if agent else "", activity, expired


def seen(activity: events_pb2.ActivityChange) -> tuple:
    return activity.conversation, activity.sender_type, activity.agent, activity.activity, activity.expired


async def test_typing_reaches_the_watchers_live_and_is_stored_nowhere(any_server: Server):
    scenario, typist, other, name = await two_in_a_conversation(any_server)
    conversation_stream, _ = await watch_conversation(other, name)
    own_stream, _ = await watch_conversation(typist, name)
    desk, _ = await opening(other)
    outbound = await watch_outbound(scenario)
    before = dump_store(any_server.database_url)

    response = await set_activity(typist, name, TYPING)
    await set_activity(typist, name, TYPING)  # a renewal: nothing is sent
    await set_activity(typist, name, NONE)

    assert dump_store(any_server.database_url) == before
    assert micros(response.expire_time) > 0
    for expected in (TYPING, NONE):
        event = await next_activity(conversation_stream)
        assert (seen(event.activity), event.resume_token, event.agent) == (
            change(name, typist, expected),
            "",
            typist.name,
        )
        on_desk = await next_of(desk, "activity")
        assert (seen(on_desk.activity), on_desk.resume_token) == (change(name, typist, expected), "")
        delivered = (await read_until(outbound, lambda e: e.type == O.OUTBOUND_EVENT_TYPE_AGENT_ACTIVITY))[-1]
        assert (seen(delivered.activity), delivered.resume_token) == (change(name, typist, expected), "")
        assert (delivered.conversation, delivered.customer.id, delivered.service_identifier) == (
            name,
            "customer-1",
            scenario.service_identifier,
        )
    # The typist's own stream is not told of its own typing: the next thing it gets is the message.
    await send(other, name, "Hello")
    assert (await read_event(own_stream)).type == C.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE


async def test_a_resumed_stream_replays_no_activity(any_server: Server):
    _scenario, typist, other, name = await two_in_a_conversation(any_server)
    stream, token = await watch_conversation(other, name)
    await set_activity(typist, name, TYPING)
    assert (await next_activity(stream)).resume_token == ""
    stream.cancel()
    await set_activity(typist, name, NONE)
    await send(typist, name, "Are you there?")

    resumed, _ = await watch_conversation(other, name, token)

    # From the SYNCED's token: the message, nothing of the typing before or after it.
    event = await read_event(resumed)
    assert (event.type, event.message.text) == (C.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE, "Are you there?")
    _desk, opened = await opening(other)
    assert not [e for e in opened if e.WhichOneof("event") == "activity"]


async def test_the_customers_typing_reaches_the_agents_but_not_the_connector(any_server: Server):
    scenario, first, second, name = await two_in_a_conversation(any_server)
    desk, _ = await opening(first)
    outbound = await watch_outbound(scenario)

    response = await post_activity(scenario, name, TYPING)

    assert micros(response.expire_time) > 0
    assert seen((await next_of(desk, "activity")).activity) == change(name, None, TYPING)
    await send(second, name, "Thanks for waiting")
    assert (await read_event(outbound)).type == O.OUTBOUND_EVENT_TYPE_AGENT_MESSAGE
    # NONE gives no expire_time.
    assert not (await post_activity(scenario, name, NONE)).HasField("expire_time")
    assert seen((await next_of(desk, "activity")).activity) == change(name, None, NONE)


async def test_an_activity_not_renewed_expires_and_the_watchers_are_told(sqlite_url: str):
    async for server in serve(sqlite_url, activity_ttl_seconds=SHORT_TTL):
        scenario, typist, other, name = await two_in_a_conversation(server)
        stream, _ = await watch_conversation(other, name)
        outbound = await watch_outbound(scenario)

        response = await set_activity(typist, name, TYPING)

        assert (await next_activity(stream)).activity.activity == TYPING
        ended = await next_activity(stream)
        assert seen(ended.activity) == change(name, typist, NONE, expired=True)
        assert micros(ended.activity.event_time) >= micros(response.expire_time)
        delivered = await read_until(outbound, lambda e: e.activity.activity == NONE)
        assert seen(delivered[-1].activity) == change(name, typist, NONE, expired=True)


async def test_a_leave_ends_the_agents_activity(any_server: Server):
    scenario, typist, other, name = await two_in_a_conversation(any_server)
    stream, _ = await watch_conversation(other, name)
    outbound = await watch_outbound(scenario)
    await set_activity(typist, name, TYPING)
    assert (await next_activity(stream)).activity.activity == TYPING

    await leave(typist, name)

    assert seen((await next_activity(stream)).activity) == change(name, typist, NONE, expired=True)
    delivered = await read_until(outbound, lambda e: e.activity.activity == NONE)
    assert seen(delivered[-1].activity) == change(name, typist, NONE, expired=True)


async def test_any_agent_that_may_read_a_conversation_may_view_it_but_only_participants_type(any_server: Server):
    scenario, first, _second, name = await two_in_a_conversation(any_server)
    onlooker = await scenario.add_agent("onlooker", subscribe=False)
    desk, _ = await opening(first)

    await expect_refusal(
        any_server, lambda: set_activity(onlooker, name, TYPING), Code.FAILED_PRECONDITION, "NOT_PARTICIPANT"
    )
    await expect_refusal(
        any_server, lambda: set_activity(onlooker, name, NONE), Code.FAILED_PRECONDITION, "NOT_PARTICIPANT"
    )
    await set_activity(onlooker, name, VIEWING)

    assert seen((await next_of(desk, "activity")).activity) == change(name, onlooker, VIEWING)


async def test_activity_is_refused_where_it_may_not_be_set(any_server: Server):
    scenario, first, _second, name = await two_in_a_conversation(any_server)
    outsider = await scenario.add_agent("outsider", lists=[])
    missing = "conversations/nobody-knows"

    await expect_refusal(
        any_server, lambda: set_activity(outsider, name, VIEWING), Code.PERMISSION_DENIED, "NOT_ENTITLED"
    )
    await expect_refusal(any_server, lambda: set_activity(first, missing, TYPING), Code.NOT_FOUND, "RESOURCE_NOT_FOUND")
    await expect_refusal(
        any_server,
        lambda: set_activity(first, name, events_pb2.ACTIVITY_UNSPECIFIED),
        Code.INVALID_ARGUMENT,
        "FIELD_INVALID",
    )
    await expect_refusal(
        any_server, lambda: post_activity(scenario, name, VIEWING), Code.INVALID_ARGUMENT, "FIELD_INVALID"
    )
    await expect_refusal(
        any_server, lambda: post_activity(scenario, missing, TYPING), Code.NOT_FOUND, "RESOURCE_NOT_FOUND"
    )
    await first.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=name))
    for activity in (TYPING, VIEWING, NONE):
        await expect_refusal(
            any_server, lambda a=activity: set_activity(first, name, a), Code.FAILED_PRECONDITION, "CONVERSATION_CLOSED"
        )
    await expect_refusal(
        any_server, lambda: post_activity(scenario, name, TYPING), Code.FAILED_PRECONDITION, "CONVERSATION_CLOSED"
    )


async def test_an_ingestor_posts_only_within_its_channels(any_server: Server):
    scenario = await create_scenario(any_server, agents=1)
    await scenario.add_pull_channel("c3", "facebook.com/other")
    own = (await scenario.new_conversation()).name
    other = (await scenario.post(service_identifier="facebook.com/other")).conversation.name
    scoped = await any_server.admin().CreateIngestor(
        admin_service_pb2.CreateIngestorRequest(
            ingestor_id="scoped", ingestor=resources_pb2.Ingestor(display_name="Scoped", channels=[scenario.channel])
        )
    )
    ingest = any_server.ingest(scoped.token)

    def post(conversation: str):
        request = ingest_service_pb2.PostCustomerActivityRequest(conversation=conversation, activity=TYPING)
        return ingest.PostCustomerActivity(request)

    await expect_refusal(any_server, lambda: post(other), Code.PERMISSION_DENIED, "CHANNEL_NOT_PERMITTED")
    await post(own)


async def test_activity_changes_are_limited_per_caller(sqlite_url: str):
    async for server in serve(sqlite_url, activity_changes_per_minute=3):
        await _past_the_limit(server)


async def _past_the_limit(server: Server) -> None:
    scenario, first, second, name = await two_in_a_conversation(server)
    for activity in (TYPING, NONE, TYPING):
        await set_activity(first, name, activity)

    refused = await expect_refusal(
        server, lambda: set_activity(first, name, NONE), Code.RESOURCE_EXHAUSTED, "RATE_LIMITED"
    )

    assert error_details(refused)[0].metadata["limit"] == "3"
    # Another caller has a budget of its own.
    await set_activity(second, name, TYPING)
    await post_activity(scenario, name, TYPING)


async def test_activity_reaches_the_watchers_of_another_instance(postgres_url: str):
    async for first_server in serve(postgres_url, activity_ttl_seconds=SHORT_TTL):
        async for second_server in serve(postgres_url, activity_ttl_seconds=SHORT_TTL):
            _scenario, typist, other, name = await two_in_a_conversation(first_server)
            watcher = Agent(other.name, other.id, other.token, second_server.agent(other.token))
            stream, _ = await watch_conversation(watcher, name)
            desk, _ = await opening(watcher)

            await set_activity(typist, name, TYPING)

            assert seen((await next_activity(stream)).activity) == change(name, typist, TYPING)
            assert seen((await next_of(desk, "activity")).activity) == change(name, typist, TYPING)
            # Nobody renews it: the other instance ends it for its own watchers.
            assert seen((await next_activity(stream)).activity) == change(name, typist, NONE, expired=True)


async def test_the_largest_notice_fits_in_a_notification(postgres_url: str):
    """Customer ids and names at their longest, in the characters JSON and UTF-8 make longest, still travel."""
    async for first_server in serve(postgres_url):
        async for second_server in serve(postgres_url):
            scenario = await create_scenario(first_server, agents=1)
            customer = conversation_pb2.Customer(id="\U0001f600" * 500, display_name="\U0001f600" * 200)
            posted = await scenario.ingest.PostCustomerMessage(
                ingest_service_pb2.PostCustomerMessageRequest(
                    service_identifier=scenario.service_identifier, customer=customer, text="Hi", source_message_id="s"
                )
            )
            agent = scenario.agents[0]
            name = posted.conversation.name
            await join(agent, name)
            stream = await watch_outbound(
                Scenario(**{**scenario.__dict__, "ingest": second_server.ingest(scenario.ingestor_token)})
            )

            await set_activity(agent, name, TYPING)

            delivered = (await read_until(stream, lambda e: e.type == O.OUTBOUND_EVENT_TYPE_AGENT_ACTIVITY))[-1]
            assert delivered.customer == customer


def monitor(stub, name: str, token: str = ""):
    return stub.MonitorConversation(supervisor_service_pb2.MonitorConversationRequest(name=name, resume_token=token))


async def monitoring(stub, name: str):
    """A MonitorConversation stream read to its SYNCED, and that event's token."""
    stream = monitor(stub, name)
    synced = await read_until(stream, lambda e: e.type == C.CONVERSATION_EVENT_TYPE_SYNCED)
    return stream, synced[-1].resume_token


async def test_a_monitor_sees_typing_and_viewing_live_never_replayed_and_shows_as_nobody(any_server: Server):
    scenario, typist, other, name = await two_in_a_conversation(any_server)
    onlooker = await scenario.add_agent("onlooker", subscribe=False)
    supervisor = await scenario.add_supervisor("sam", [scenario.list])
    stream, synced = await monitoring(supervisor.stub, name)
    conversation_stream, _ = await watch_conversation(other, name)
    before = dump_store(any_server.database_url)

    await set_activity(typist, name, TYPING)
    await post_activity(scenario, name, TYPING)
    await set_activity(onlooker, name, VIEWING)

    for expected in (change(name, typist, TYPING), change(name, None, TYPING), change(name, onlooker, VIEWING)):
        event = await next_activity(stream)
        assert (seen(event.activity), event.resume_token, event.HasField("conversation")) == (expected, "", False)
    assert dump_store(any_server.database_url) == before
    stream.cancel()
    await set_activity(typist, name, NONE)
    await send(typist, name, "Are you there?")

    # Resumed: the message, nothing of the activities before or after it.
    resumed = monitor(supervisor.stub, name, synced)
    event = await read_event(resumed)
    assert (event.type, event.message.text) == (C.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE, "Are you there?")
    # The monitor never shows as viewing: the agents' stream got only the others' changes, then the message.
    seen_by_other = await read_until(conversation_stream, lambda e: e.message.text == "Are you there?")
    assert [e.activity.agent or "customer" for e in seen_by_other if e.type == C.CONVERSATION_EVENT_TYPE_ACTIVITY] == [
        typist.name,
        "customer",
        onlooker.name,
        typist.name,
    ]


async def test_activity_reaches_a_monitor_on_another_instance(postgres_url: str):
    async for first_server in serve(postgres_url):
        async for second_server in serve(postgres_url):
            scenario, typist, _other, name = await two_in_a_conversation(first_server)
            supervisor = await scenario.add_supervisor("sam", [scenario.list])
            stream, _ = await monitoring(second_server.supervisor(supervisor.token), name)

            await set_activity(typist, name, TYPING)
            await post_activity(scenario, name, TYPING)

            assert seen((await next_activity(stream)).activity) == change(name, typist, TYPING)
            assert seen((await next_activity(stream)).activity) == change(name, None, TYPING)
