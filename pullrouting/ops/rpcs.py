"""One interceptor, outermost, observes every RPC of the three services once it ends with its final status
(domain errors, auth refusals and cut-off streams included): it counts it, times it and logs one line with
the method, status code, duration and caller - never a token, never a message text. Streams are logged once,
when they end."""

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from pullrouting.api.auth import current_principal
from pullrouting.api.errors import SERVICE_PACKAGE
from pullrouting.api.handlers import StreamBehavior, UnaryBehavior, wrap_handler
from pullrouting.ops.metrics import Metrics

log = logging.getLogger("pullrouting.rpc")

# Codes that mean the server failed, rather than the call being refused or the client going away.
SERVER_FAULTS = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.DATA_LOSS}


def _final_code(context: grpc.aio.ServicerContext, error: BaseException | None) -> grpc.StatusCode:
    code = context.code()
    if code is not None:  # set by an abort: a domain error, an auth refusal, a stream cut off from outside
        return code
    if error is None:
        return grpc.StatusCode.OK
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return grpc.StatusCode.CANCELLED
    return grpc.StatusCode.UNKNOWN  # what gRPC answers for an exception the servicer let through


def _caller() -> str | None:
    """`agent:<id>`, `ingestor:<id>` or `admin`; None when the call was refused before it was authenticated."""
    try:
        return str(current_principal())
    except LookupError:
        return None


def stream_kind(method: str) -> str:
    """`AgentService/WatchLists` -> `lists`, `.../WatchConversation` -> `conversation`, ... -> `outbound`."""
    return method.rpartition("/")[2].removeprefix("Watch").lower()


class RpcObserver(grpc.aio.ServerInterceptor):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        prefix = f"/{SERVICE_PACKAGE}."
        # Health checks (probes, every few seconds) and reflection are left out.
        if handler is None or not handler_call_details.method.startswith(prefix):
            return handler
        method = handler_call_details.method.removeprefix(prefix)
        return wrap_handler(
            handler, functools.partial(self._observe_unary, method), functools.partial(self._observe_stream, method)
        )

    def _observe_unary(self, method: str, behavior: UnaryBehavior) -> UnaryBehavior:
        async def observed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            error: BaseException | None = None
            try:
                return await behavior(request, context)
            except BaseException as raised:
                error = raised
                raise
            finally:
                self._record(method, _final_code(context, error), started)

        return observed

    def _observe_stream(self, method: str, behavior: StreamBehavior) -> StreamBehavior:
        kind = stream_kind(method)
        open_streams = self._metrics.open_streams.labels(kind)
        delivered = self._metrics.events_delivered.labels(kind)

        async def observed(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            started = time.perf_counter()
            error: BaseException | None = None
            open_streams.inc()
            try:
                async for response in behavior(request, context):
                    delivered.inc()
                    yield response
            except BaseException as raised:
                error = raised
                raise
            finally:
                open_streams.dec()
                self._record(method, _final_code(context, error), started)

        return observed

    def _record(self, method: str, code: grpc.StatusCode, started: float) -> None:
        seconds = time.perf_counter() - started
        self._metrics.rpcs.labels(method, code.name).inc()
        self._metrics.rpc_seconds.labels(method, code.name).observe(seconds)
        caller = _caller()
        milliseconds = round(seconds * 1000, 3)
        log.log(
            logging.ERROR if code in SERVER_FAULTS else logging.INFO,
            "%s %s %.1f ms %s",
            method,
            code.name,
            milliseconds,
            caller or "-",
            extra={"method": method, "code": code.name, "duration_ms": milliseconds, "principal": caller},
        )
