"""The outermost interceptor: it observes every RPC of the three services once it ends with its final status
(domain errors, auth refusals and cut-off streams included), and it is the last word on what a client sees of
a server fault.

It counts each RPC, times it and logs one line with the method, status code, duration and caller - never a
token, never a message text; streams are logged once, when they end. Only server faults log at ERROR. An
exception nothing below expected becomes INTERNAL with an error id and no exception text (which may hold SQL
and the values in it); the log line carries the same id and the traceback, so an operator finds one from the
other."""

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc

from pullrouting.api.auth import current_principal
from pullrouting.api.handlers import SERVICE_PACKAGE, ServiceInterceptor, StreamBehavior, UnaryBehavior, wrap_handler
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


class RpcObserver(ServiceInterceptor):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def intercept(
        self, handler: grpc.RpcMethodHandler, details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        method = details.method.removeprefix(f"/{SERVICE_PACKAGE}.")
        return wrap_handler(
            handler, functools.partial(self._observe_unary, method), functools.partial(self._observe_stream, method)
        )

    def _observe_unary(self, method: str, behavior: UnaryBehavior) -> UnaryBehavior:
        async def observed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started, outcome = time.perf_counter(), _Outcome()
            try:
                return await behavior(request, context)
            except Exception as error:
                await outcome.fault(error, context)
            except BaseException as error:
                outcome.error = error
                raise
            finally:
                self._record(method, context, outcome, started)

        return observed

    def _observe_stream(self, method: str, behavior: StreamBehavior) -> StreamBehavior:
        kind = stream_kind(method)
        open_streams = self._metrics.open_streams.labels(kind)
        delivered = self._metrics.events_delivered.labels(kind)

        async def observed(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            started, outcome = time.perf_counter(), _Outcome()
            open_streams.inc()
            try:
                async for response in behavior(request, context):
                    delivered.inc()
                    yield response
            except Exception as error:
                await outcome.fault(error, context)
            except BaseException as error:
                outcome.error = error
                raise
            finally:
                open_streams.dec()
                self._record(method, context, outcome, started)

        return observed

    def _record(self, method: str, context: grpc.aio.ServicerContext, outcome: _Outcome, started: float) -> None:
        code = outcome.code(context)
        seconds = time.perf_counter() - started
        self._metrics.rpcs.labels(method, code.name).inc()
        self._metrics.rpc_seconds.labels(method, code.name).observe(seconds)
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
