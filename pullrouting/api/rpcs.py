"""The one interceptor of the services' methods. Each call passes through one wrapper of its method's
handler (built once per method), which admits it (api/auth.py), turns the domain errors raised under it
into their statuses (api/errors.py), and observes it once it ends with its final status (domain errors, auth
refusals and cut-off streams included). It is the last word on what a client sees of a server fault. One
pass instead of an interceptor for each of these: every call and every message of a stream went through
three layers of wrappers, each built anew for every call. Health checking and reflection pass untouched
(their Watch is not a generator, and probes every few seconds are neither counted nor logged).

It counts each RPC, times it and logs one line with the method, status code, duration and caller - never a
token, never a message text; streams are logged once, when they end. Only server faults log at ERROR. An
exception nothing below expected becomes INTERNAL with an error id and no exception text (which may hold SQL
and the values in it); the log line carries the same id and the traceback, so an operator finds one from the
other."""

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from prometheus_client import Counter, Histogram

from pullrouting.api.auth import ROLE_BY_SERVICE, Admission, current_principal, lenient
from pullrouting.api.errors import to_status
from pullrouting.api.handlers import (
    SERVICE_PACKAGE,
    StreamBehavior,
    UnaryBehavior,
    end_call,
    is_service_method,
    passing_bytes,
    refusing_handler,
    wrap_handler,
)
from pullrouting.domain.errors import DomainError
from pullrouting.domain.principal import Role
from pullrouting.ops.metrics import Metrics

log = logging.getLogger("pullrouting.rpc")

# Codes that mean the server failed, rather than the call being refused or the client going away.
SERVER_FAULTS = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.DATA_LOSS}


class _Outcome:
    """How one RPC ended: its code, and the error id of a server fault."""

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.error_id: str | None = None

    def code(self, context: grpc.aio.ServicerContext) -> grpc.StatusCode:
        code = context.code()
        if code is not None:  # set by an abort: a domain error, an auth refusal, a stream cut off from outside
            return code
        if self.error is None:
            return grpc.StatusCode.OK
        if isinstance(self.error, asyncio.CancelledError | GeneratorExit):
            return grpc.StatusCode.CANCELLED
        return grpc.StatusCode.UNKNOWN

    async def fault(self, error: Exception, context: grpc.aio.ServicerContext) -> None:
        """Ends the call with INTERNAL and an error id, unless `error` is the abort of a call already ended."""
        self.error = error
        if context.done():
            raise error
        self.error_id = uuid.uuid4().hex
        await context.abort(grpc.StatusCode.INTERNAL, f"internal error; error id {self.error_id}")


def _caller() -> str | None:
    """`agent:<id>`, `ingestor:<id>` or `admin`; None when the call was refused before it was authenticated."""
    try:
        return str(current_principal())
    except LookupError:
        return None


# Streams whose name says nothing after `Watch`: a supervisor's silent monitor of a conversation.
STREAM_KINDS = {"MonitorConversation": "monitor"}


def stream_kind(method: str) -> str:
    """`AgentService/WatchLists` -> `lists`, `.../WatchConversation` -> `conversation`, ... -> `outbound`;
    `SupervisorService/MonitorConversation` -> `monitor`."""
    rpc = method.rpartition("/")[2]
    return STREAM_KINDS.get(rpc, rpc.removeprefix("Watch").lower())


@dataclass(frozen=True)
class _Method:
    """What every call of one method shares."""

    required: Role
    # The handler's kinds (request and response streaming) and serializers, for refusals.
    handler: grpc.RpcMethodHandler
    # Serves the calls admitted on their metadata.
    admitted: grpc.RpcMethodHandler


# What a stream refused on its metadata tracks: nothing.
_UNTRACKED = contextlib.nullcontext()


class RpcInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, admission: Admission, metrics: Metrics) -> None:
        self._admission = admission
        self._metrics = metrics
        self._methods: dict[str, _Method] = {}
        # The RPC counter and duration histogram of each (method, code), looked up once.
        self._recorders: dict[tuple[str, grpc.StatusCode], tuple[Counter, Histogram]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or not is_service_method(handler_call_details.method):
            return handler
        method = self._methods.get(handler_call_details.method)
        if method is None or method.handler is not handler:
            method = self._methods[handler_call_details.method] = self._prepare(handler_call_details.method, handler)
        refusal = await self._admission.admit(handler_call_details, method.required)
        if refusal is None:
            return method.admitted
        name = handler_call_details.method.removeprefix(f"/{SERVICE_PACKAGE}.")
        refusing = refusing_handler(handler, functools.partial(self._admission.refuse, refusal))
        return wrap_handler(
            refusing,
            functools.partial(self._unary, name, admitted=False),
            functools.partial(self._stream, name, admitted=False),
        )

    def _prepare(self, method: str, handler: grpc.RpcMethodHandler) -> _Method:
        name = method.removeprefix(f"/{SERVICE_PACKAGE}.")
        admitted = wrap_handler(
            handler,
            functools.partial(self._unary, name, admitted=True, streaming=handler.request_streaming),
            functools.partial(self._stream, name, admitted=True, streaming=handler.request_streaming),
            lenient(handler.request_deserializer),
            passing_bytes(handler.response_serializer) if handler.response_streaming else None,
        )
        return _Method(ROLE_BY_SERVICE[method.lstrip("/").partition("/")[0]], handler, admitted)

    def _unary(self, method: str, behavior: UnaryBehavior, *, admitted: bool, streaming: bool = False) -> UnaryBehavior:
        admission = self._admission

        async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started, outcome = time.perf_counter(), _Outcome()
            try:
                try:
                    if admitted:
                        request = admission.request(request, context, streaming)
                    return await behavior(request, context)
                except DomainError as error:
                    await end_call(context, to_status(error))
            except Exception as error:
                await outcome.fault(error, context)
            except BaseException as error:
                outcome.error = error
                raise
            finally:
                self._record(method, context, outcome, started)

        return call

    def _stream(
        self, method: str, behavior: StreamBehavior, *, admitted: bool, streaming: bool = False
    ) -> StreamBehavior:
        admission = self._admission
        kind = stream_kind(method)
        open_streams = self._metrics.open_streams.labels(kind)
        delivered = self._metrics.events_delivered.labels(kind)

        async def call(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            started, outcome = time.perf_counter(), _Outcome()
            open_streams.inc()
            try:
                try:
                    if admitted:
                        request = admission.request(request, context, streaming)
                    async with admission.stream(context) if admitted else _UNTRACKED:
                        async for response in behavior(request, context):
                            delivered.inc()
                            yield response
                except DomainError as error:
                    await end_call(context, to_status(error))
            except Exception as error:
                await outcome.fault(error, context)
            except BaseException as error:
                outcome.error = error
                raise
            finally:
                open_streams.dec()
                self._record(method, context, outcome, started)

        return call

    def _record(self, method: str, context: grpc.aio.ServicerContext, outcome: _Outcome, started: float) -> None:
        code = outcome.code(context)
        seconds = time.perf_counter() - started
        recorders = self._recorders.get((method, code))
        if recorders is None:
            recorders = self._recorders[method, code] = (
                self._metrics.rpcs.labels(method, code.name),
                self._metrics.rpc_seconds.labels(method, code.name),
            )
        recorders[0].inc()
        recorders[1].observe(seconds)
        caller = _caller()
        milliseconds = round(seconds * 1000, 3)
        fields = {"method": method, "code": code.name, "duration_ms": milliseconds, "principal": caller}
        if outcome.error_id is None:
            level = logging.ERROR if code in SERVER_FAULTS else logging.INFO
            log.log(level, "%s %s %.1f ms %s", method, code.name, milliseconds, caller or "-", extra=fields)
            return
        log.error(
            "%s %s %.1f ms %s error id %s",
            method,
            code.name,
            milliseconds,
            caller or "-",
            outcome.error_id,
            exc_info=outcome.error,
            extra={**fields, "error_id": outcome.error_id},
        )
