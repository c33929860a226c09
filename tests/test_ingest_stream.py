"""StreamCustomerMessages over a real port: one acknowledgement per message, in order, each the answer
PostCustomerMessage gives; refusals acknowledged without ending the stream; resending the unacknowledged on a
new stream posts nothing twice; each customer's messages land in the order sent; the rate limit is waited for."""

import asyncio
import contextlib
from pathlib import Path

import grpc
from processes import clean_environment, serving
from scenario import Scenario, conversation_id, create_scenario
from sqlalchemy import create_engine, func, select
from support import ADMIN_TOKEN, Server, error_reason, expect_error, serve, status_details, within

import pullrouting_client
import pullrouting_client.sync
from pullrouting.store.tables import messages
from pullrouting.v1 import admin_service_pb2, conversation_pb2, ingest_service_pb2

CUSTOMERS = 5
PER_CUSTOMER = 8
# Far more than a server acknowledges before the kill that follows its first hundred acknowledgements.
KILLED_STREAM_MESSAGES = 20_000


def message(
    scenario: Scenario, customer: str, number: int, **fields: object
) -> ingest_service_pb2.PostCustomerMessageRequest:
    return ingest_service_pb2.PostCustomerMessageRequest(
        service_identifier=fields.pop("service_identifier", scenario.service_identifier),
        customer=conversation_pb2.Customer(id=customer, display_name=customer.title()),
        text=fields.pop("text", f"{customer} says {number}"),
        source_message_id=f"{customer}-{number}",
        **fields,
    )


async def stream_all(
    scenario: Scenario, requests: list[ingest_service_pb2.PostCustomerMessageRequest]
) -> list[ingest_service_pb2.StreamCustomerMessagesResponse]:
    """Sends every message on one stream, then reads every acknowledgement."""
    stream = scenario.ingest.StreamCustomerMessages()
    for request in requests:
        await stream.write(ingest_service_pb2.StreamCustomerMessagesRequest(message=request))
    await stream.done_writing()
    acknowledgements = [await within(30, stream.read()) for _ in requests]
    assert await within(30, stream.read()) is grpc.aio.EOF
    return acknowledgements


def interleaved(scenario: Scenario, prefix: str = "customer") -> list[ingest_service_pb2.PostCustomerMessageRequest]:
    return [
        message(scenario, f"{prefix}-{customer}", number)
        for number in range(PER_CUSTOMER)
        for customer in range(CUSTOMERS)
    ]


def stored_messages(database_url: str) -> dict[str, str]:
    """Each stored customer message's id by its source_message_id, in the order stored."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(messages.c.idempotency_key, messages.c.id).order_by(messages.c.create_time, messages.c.id)
            return {key: message_id for key, message_id in connection.execute(query) if key is not None}
    finally:
        engine.dispose()


def stored_message_count(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(messages)).scalar_one()
    finally:
        engine.dispose()


async def test_each_message_is_acknowledged_in_order_as_post_customer_message_answers(any_server: Server):
    scenario = await create_scenario(any_server, agents=0)
    requests = interleaved(scenario)
    acknowledgements = await stream_all(scenario, requests)

    assert [a.source_message_id for a in acknowledgements] == [r.source_message_id for r in requests]
    assert all(a.WhichOneof("result") == "posted" for a in acknowledgements)
    # The same answer as PostCustomerMessage: a retry of each by the unary call repeats it.
    for request, acknowledgement in zip(requests, acknowledgements, strict=True):
        retried = await scenario.ingest.PostCustomerMessage(request)
        assert retried.message == acknowledgement.posted.message
        assert retried.created == acknowledgement.posted.created
    created = [a.posted.created for a in acknowledgements]
    assert created == [True] * CUSTOMERS + [False] * (CUSTOMERS * (PER_CUSTOMER - 1))


async def test_each_customers_messages_land_in_the_order_sent(any_server: Server):
    scenario = await create_scenario(any_server, agents=0)
    acknowledgements = await stream_all(scenario, interleaved(scenario))
    conversations = {a.posted.conversation.name for a in acknowledgements}
    assert len(conversations) == CUSTOMERS
    for name in conversations:
        request = admin_service_pb2.ListConversationMessagesRequest(parent=name)
        page = await scenario.admin.ListConversationMessages(request)
        texts = [m.text for m in page.messages]
        customer = texts[0].split(" says ")[0]
        assert texts == [f"{customer} says {number}" for number in range(PER_CUSTOMER)]


async def test_a_refused_message_is_acknowledged_with_its_status_and_the_stream_goes_on(any_server: Server):
    """The unknown service identifier is refused by the store, in a group commit with the good messages (on
    PostgreSQL too): the group runs again without it, and the good ones are answered as if alone."""
    scenario = await create_scenario(any_server, agents=0)
    requests = [
        message(scenario, "good", 1),
        message(scenario, "bad", 1, text=""),
        message(scenario, "unknown", 1, service_identifier="nobody-serves-this"),
        message(scenario, "control", 1, text="bell \x07"),
        message(scenario, "good", 2),
    ]
    acknowledgements = await stream_all(scenario, requests)

    assert [a.WhichOneof("result") for a in acknowledgements] == ["posted", "error", "error", "error", "posted"]
    empty_text, unknown, control = (a.error for a in acknowledgements[1:4])
    assert empty_text.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    info, bad_request = status_details(empty_text)
    assert info.reason == "FIELD_INVALID"
    assert {v.field for v in bad_request.field_violations} == {"text"}
    assert unknown.code == grpc.StatusCode.NOT_FOUND.value[0]
    assert status_details(unknown)[0].reason == "SERVICE_IDENTIFIER_UNKNOWN"
    assert {v.field for v in status_details(control)[1].field_violations} == {"text"}
    first, second = acknowledgements[0].posted, acknowledgements[4].posted
    assert first.created and not second.created
    assert second.conversation.name == first.conversation.name
    assert stored_message_count(any_server.database_url) == 2


async def test_every_acknowledged_message_survives_a_sigkill_mid_stream(database_url: str, tmp_path: Path):
    """Acknowledgements go out only once their message's group committed: a server killed while groups are
    in flight has stored every message it acknowledged, each customer's in the order sent."""
    env = clean_environment(PULLROUTING_ADMIN_TOKEN=ADMIN_TOKEN, PULLROUTING_DATABASE_URL=database_url)
    with serving(["--listen", "127.0.0.1:0"], tmp_path, env) as process:
        server = Server(process.address, database_url, process, [])
        scenario = await create_scenario(server, agents=0)
        requests = [message(scenario, f"killed-{number % 20}", number) for number in range(KILLED_STREAM_MESSAGES)]
        stream = scenario.ingest.StreamCustomerMessages()

        async def write_all() -> None:
            for request in requests:
                await stream.write(ingest_service_pb2.StreamCustomerMessagesRequest(message=request))

        writing = asyncio.create_task(write_all())
        acknowledged = [await within(30, stream.read()) for _ in range(100)]
        process.kill()
        with contextlib.suppress(grpc.aio.AioRpcError):
            while (acknowledgement := await within(30, stream.read())) is not grpc.aio.EOF:
                acknowledged.append(acknowledgement)
        writing.cancel()
        await asyncio.gather(writing, return_exceptions=True)
        for channel in server.channels:
            await channel.close()

    assert len(acknowledged) < KILLED_STREAM_MESSAGES, "the stream ended before the kill: nothing was tested"
    stored = stored_messages(database_url)
    for acknowledgement in acknowledged:
        assert stored[acknowledgement.source_message_id] == acknowledgement.posted.message.name.rpartition("/")[2]
    for customer in range(20):
        numbers = [int(key.rpartition("-")[2]) for key in stored if key.startswith(f"killed-{customer}-")]
        assert numbers == sorted(numbers)


async def test_resending_the_unacknowledged_on_a_new_stream_posts_nothing_twice(any_server: Server):
    scenario = await create_scenario(any_server, agents=0)
    requests = interleaved(scenario)
    broken = scenario.ingest.StreamCustomerMessages()
    for request in requests:
        await broken.write(ingest_service_pb2.StreamCustomerMessagesRequest(message=request))
    received = [await within(30, broken.read()) for _ in range(3)]
    broken.cancel()

    # The connector does not know how far the server got: it sends everything not acknowledged again.
    resent = await stream_all(scenario, requests[len(received) :])
    first_answers = {a.source_message_id: a.posted for a in [*received, *resent]}
    assert len(first_answers) == len(requests)
    assert stored_message_count(scenario.server.database_url) == len(requests)
    assert sum(answer.created for answer in first_answers.values()) == CUSTOMERS


async def test_two_streams_sending_the_same_messages_at_once_store_each_once_and_answer_alike(any_server: Server):
    """Their groups commit side by side and meet at the unique index: the loser runs again in its group and
    finds the winner's message."""
    scenario = await create_scenario(any_server, agents=0)
    requests = interleaved(scenario, prefix="raced")

    first, second = await asyncio.gather(stream_all(scenario, requests), stream_all(scenario, requests))

    assert [a.posted.message for a in first] == [a.posted.message for a in second]
    assert stored_message_count(any_server.database_url) == len(requests)
    for customer in range(CUSTOMERS):
        texts = [a.posted.message.text for a in first if a.source_message_id.startswith(f"raced-{customer}-")]
        assert texts == [f"raced-{customer} says {number}" for number in range(PER_CUSTOMER)]


async def test_streamed_messages_wait_for_the_rate_limit_instead_of_being_refused(sqlite_url: str):
    async for server in serve(sqlite_url, rate_limit_per_second=5):
        scenario = await create_scenario(server, agents=0)
        acknowledgements = await stream_all(scenario, [message(scenario, "patient", n) for n in range(8)])
        assert all(a.WhichOneof("result") == "posted" for a in acknowledgements)
        # The stream's messages counted against the ingestor's calls: its bucket is empty now.
        refused = await expect_error(
            scenario.ingest.PostCustomerMessage(message(scenario, "impatient", 1)), grpc.StatusCode.RESOURCE_EXHAUSTED
        )
        assert error_reason(refused) == "RATE_LIMITED"


async def test_a_message_that_does_not_parse_ends_the_stream_after_the_ones_before(server: Server):
    scenario = await create_scenario(server, agents=0)
    path = "/pullrouting.v1.IngestService/StreamCustomerMessages"
    channel = server.channel(scenario.ingestor_token)
    call = channel.stream_stream(
        path,
        request_serializer=lambda body: body,
        response_deserializer=ingest_service_pb2.StreamCustomerMessagesResponse.FromString,
    )()
    good = ingest_service_pb2.StreamCustomerMessagesRequest(message=message(scenario, "first", 1))
    await call.write(good.SerializeToString())
    await call.write(b"\xff\xff\xff")
    acknowledgement = await within(30, call.read())
    assert conversation_id(acknowledgement.posted.conversation.name)
    error = await expect_error(call.read(), grpc.StatusCode.INVALID_ARGUMENT)
    assert error_reason(error) == "FIELD_INVALID"


async def test_the_python_sdk_streams_messages_and_hands_back_typed_refusals(server: Server):
    scenario = await create_scenario(server, agents=0)
    channel = pullrouting_client.connect(server.address, scenario.ingestor_token)
    server.channels.append(channel)

    async def messages():
        for request in (message(scenario, "sdk", 1), message(scenario, "sdk", 2, text=""), message(scenario, "sdk", 3)):
            yield request

    results = [result async for result in pullrouting_client.IngestClient(channel).stream(messages())]
    assert [source for source, _ in results] == ["sdk-1", "sdk-2", "sdk-3"]
    first, refused, third = (result for _, result in results)
    assert isinstance(refused, pullrouting_client.FieldInvalid)
    assert refused.field_violations.keys() == {"text"}
    assert first.created and not third.created
    assert third.conversation.name == first.conversation.name


async def test_the_blocking_sdk_streams_too(server: Server):
    scenario = await create_scenario(server, agents=0)
    requests = [message(scenario, "blocking", number) for number in range(3)]

    def stream_all_blocking() -> list[tuple[str, object]]:
        with pullrouting_client.sync.connect(server.address, scenario.ingestor_token) as channel:
            return list(pullrouting_client.sync.SyncIngestClient(channel).stream(requests))

    results = await asyncio.to_thread(stream_all_blocking)
    assert [source for source, _ in results] == ["blocking-0", "blocking-1", "blocking-2"]
    assert all(isinstance(result, ingest_service_pb2.PostCustomerMessageResponse) for _, result in results)
