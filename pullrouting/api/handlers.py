"""Handlers of the services' methods: the one test of "is this our method", wrapping a gRPC method
handler with a handler of the same kind, a handler that refuses a call before reading its request, and the
one way to end a call with a status."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NoReturn

import grpc

UnaryBehavior = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]
StreamBehavior = Callable[[Any, grpc.aio.ServicerContext], AsyncIterator[Any]]
Refusal = Callable[[grpc.aio.ServicerContext], Awaitable[NoReturn]]

SERVICE_PACKAGE = "pullrouting.v1"


def is_service_method(method: str) -> bool:
    """True for the methods of the three services; false for health checking and reflection."""
    return method.startswith(f"/{SERVICE_PACKAGE}.")


def passing_bytes(serialize: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
    """`serialize`, letting through a response already serialised: a list event that every stream it reaches
    shares (api/watch.py `SharedListEvent`)."""

    def serialize_response(response: Any) -> bytes:
        return response if type(response) is bytes else serialize(response)

    return serialize_response


def wrap_handler(
    handler: grpc.RpcMethodHandler,
    wrap_unary: Callable[[UnaryBehavior], UnaryBehavior],
    wrap_stream: Callable[[StreamBehavior], StreamBehavior],
    request_deserializer: Callable[[bytes], Any] | None = None,
    response_serializer: Callable[[Any], bytes] | None = None,
) -> grpc.RpcMethodHandler:
    """The same handler with its behaviour wrapped (and its request deserializer or response serializer
    replaced, when one is given). The services' methods are unary-unary and unary-stream; refusals
    (`refusing_handler`) stream requests."""
    deserializer = request_deserializer or handler.request_deserializer
    serializer = response_serializer or handler.response_serializer
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(wrap_unary(handler.unary_unary), deserializer, serializer)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(wrap_stream(handler.unary_stream), deserializer, serializer)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(wrap_unary(handler.stream_unary), deserializer, serializer)
    return grpc.stream_stream_rpc_method_handler(wrap_stream(handler.stream_stream), deserializer, serializer)


def refusing_handler(handler: grpc.RpcMethodHandler, refuse: Refusal) -> grpc.RpcMethodHandler:
    """A handler of `handler`'s response kind that runs `refuse` (which raises) without reading the request:
    grpc.aio reads a unary request before it calls the method, but leaves a request stream to the method. So a
    call refused on its metadata holds nothing while its client withholds the body."""

    async def refused_unary(_requests: Any, context: grpc.aio.ServicerContext) -> NoReturn:
        await refuse(context)

    async def refused_stream(_requests: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        await refuse(context)
        yield  # never reached: the yield makes this an async generator, the kind stream wrappers iterate

    serializer = handler.response_serializer
    if handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(refused_stream, response_serializer=serializer)
    return grpc.stream_unary_rpc_method_handler(refused_unary, response_serializer=serializer)


async def end_call(context: grpc.aio.ServicerContext, status: grpc.Status) -> None:
    """Ends the call with `status` unless it already ended: a stream cut off from outside and its handler
    failing when it resumes both end the same call, which gRPC allows only once. Raises when it ends it."""
    if context.done():
        return
    await context.abort_with_status(status)


async def cut_off(context: grpc.aio.ServicerContext, handler: asyncio.Task[Any] | None, status: grpc.Status) -> None:
    """Ends a stream from outside its handler, which may be blocked writing to a client that does not read.
    The abort sets the status at once, but sending it waits behind that write: the handler is cancelled
    without waiting for it, so the stream's slot and everything the handler holds are given back now."""
    ending = asyncio.create_task(end_call(context, status))
    await asyncio.sleep(0)  # the abort's first step, which sets the status, runs before the cancellation below
    if handler is not None:
        handler.cancel()
    with contextlib.suppress(Exception):  # the abort raises by design, here in a task of its own
        await ending
