"""Property-based: random bytes and random field values thrown at every Ingest and Agent RPC over a real port.
The server answers each call with a status, keeps serving, and leaves the store as it was when it refuses.

The server runs on an event loop of its own thread, so hypothesis drives it with a blocking client."""

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor as d
from google.protobuf import message_factory
from google.protobuf.message import DecodeError
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario import create_scenario
from support import dump_store, serve

from pullrouting.v1 import agent_service_pb2, ingest_service_pb2

SERVICES = [("AgentService", agent_service_pb2), ("IngestService", ingest_service_pb2)]
METHODS = [
    (service, module, method)
    for service, module in SERVICES
    for method in module.DESCRIPTOR.services_by_name[service].methods
]
# A status, not a crash: UNKNOWN or INTERNAL would be an exception the server did not handle. Bytes that do
# not parse as the request message are INVALID_ARGUMENT like any other bad input.
REFUSALS = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.UNAUTHENTICATED,
}
# Streams that have nothing to send yet are ended by the client after this long.
STREAM_WAIT = 0.3
FUZZ_SETTINGS = settings(
    max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@dataclass
class Target:
    address: str
    database_url: str
    tokens: dict[str, str]
    # Valid values to mix into string fields, so that random requests also reach the store.
    known_strings: list[str]


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Iterator[Target]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(60)

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/pullrouting.db"
    # Fuzzed tokens fail to log in by the hundred: throttling them is test_auth's subject.
    servers = serve(url, failed_logins_per_minute=0)
    server = run(anext(servers))
    scenario = run(create_scenario(server, agents=1))
    conversation = run(scenario.new_conversation()).name
    tokens = {"AgentService": scenario.agents[0].token, "IngestService": scenario.ingestor_token}
    known = [scenario.list, scenario.service_identifier, conversation, "customer-1", "lists/missing", "hi"]
    try:
        yield Target(server.address, url, tokens, known)
    finally:
        run(servers.aclose())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def _field_value(field: d.FieldDescriptor, known: list[str], depth: int) -> st.SearchStrategy[Any]:
    if field.type == d.FieldDescriptor.TYPE_STRING:
        return st.one_of(st.text(max_size=300), st.sampled_from(known), st.just("x" * 5000))
    if field.type == d.FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if field.type == d.FieldDescriptor.TYPE_ENUM:
        return st.integers(-(2**31), 2**31 - 1)
    if field.type in (d.FieldDescriptor.TYPE_INT32, d.FieldDescriptor.TYPE_SINT32):
        return st.integers(-(2**31), 2**31 - 1)
    if field.type in (d.FieldDescriptor.TYPE_INT64, d.FieldDescriptor.TYPE_SINT64):
        return st.integers(-(2**63), 2**63 - 1)
    if field.type == d.FieldDescriptor.TYPE_MESSAGE:
        return _message(field.message_type, known, depth + 1)
    raise AssertionError(f"no strategy for {field.full_name}")


def _message(descriptor: d.Descriptor, known: list[str], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts of field values for `descriptor`, each field present or not, repeated fields as lists."""
    if depth > 2:
        return st.just({})
    fields = {}
    for field in descriptor.fields:
        value = _field_value(field, known, depth)
        if field.is_repeated:
            value = st.lists(value, max_size=3)
        fields[field.name] = value
    return st.fixed_dictionaries({}, optional=fields)


def _build(descriptor: d.Descriptor, values: dict[str, Any]) -> Any:
    message = message_factory.GetMessageClass(descriptor)()
    _fill(message, values)
    return message


def _fill(message: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        field = message.DESCRIPTOR.fields_by_name[name]
        if field.type == d.FieldDescriptor.TYPE_MESSAGE:
            if field.is_repeated:
                for item in value:
                    _fill(getattr(message, name).add(), item)
            else:
                _fill(getattr(message, name), value)
        elif field.is_repeated:
            getattr(message, name).extend(value)
        else:
            setattr(message, name, value)


def _call(
    target: Target, service: str, method: d.MethodDescriptor, payload: bytes, token: str | None
) -> grpc.StatusCode:
    """The status the server answers with; OK for a stream that sent a first response or nothing yet."""
    metadata = () if token is None else (("authorization", f"Bearer {token}"),)
    path = f"/pullrouting.v1.{service}/{method.name}"
    with grpc.insecure_channel(target.address) as channel:
        identity = {"request_serializer": None, "response_deserializer": None}
        try:
            if method.server_streaming:
                stream = channel.unary_stream(path, **identity)(payload, metadata=metadata, timeout=STREAM_WAIT)
                with contextlib.suppress(StopIteration):
                    next(stream)
                stream.cancel()
            else:
                channel.unary_unary(path, **identity)(payload, metadata=metadata, timeout=10)
        except grpc.RpcError as error:
            code = error.code()
            if method.server_streaming and code == grpc.StatusCode.DEADLINE_EXCEEDED:
                return grpc.StatusCode.OK
            return code
        return grpc.StatusCode.OK


def _parses(method: d.MethodDescriptor, payload: bytes) -> bool:
    try:
        message_factory.GetMessageClass(method.input_type).FromString(payload)
    except DecodeError:
        return False
    return True


def _still_serving(target: Target) -> None:
    with grpc.insecure_channel(target.address) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert health.status == health_pb2.HealthCheckResponse.SERVING


def _check(target: Target, service: str, method: d.MethodDescriptor, payload: bytes, token: str | None) -> None:
    before = dump_store(target.database_url)
    code = _call(target, service, method, payload, token)
    if code != grpc.StatusCode.OK:
        assert code in REFUSALS, f"{method.name} answered {code}"
        if not _parses(method, payload) and token is not None:
            assert code == grpc.StatusCode.INVALID_ARGUMENT, f"{method.name} answered {code} to bytes that do not parse"
        assert dump_store(target.database_url) == before, f"a refused {method.name} changed the store"
    _still_serving(target)


@FUZZ_SETTINGS
@given(data=st.data())
def test_random_bytes(target, data):
    service, _, method = data.draw(st.sampled_from(METHODS), label="rpc")
    payload = data.draw(st.binary(max_size=512), label="payload")
    token = data.draw(st.sampled_from([target.tokens[service], None]), label="token")
    _check(target, service, method, payload, token)


@FUZZ_SETTINGS
@given(data=st.data())
def test_random_field_values(target, data):
    service, _, method = data.draw(st.sampled_from(METHODS), label="rpc")
    values = data.draw(_message(method.input_type, target.known_strings), label="request")
    request = _build(method.input_type, values)
    _check(target, service, method, request.SerializeToString(), target.tokens[service])
