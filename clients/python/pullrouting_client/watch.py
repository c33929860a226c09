"""Watch streams that survive disconnects: reconnect with backoff and jitter, resume from the last token.

Every event of WatchLists, WatchConversation, WatchDesk, WatchOutbound and the supervisor's streams carries a
resume token (but live notices of typing and viewing, which have no place in the order), and a stream reopened
with the last one replays exactly what was missed. So a `ResumableWatch` remembers the last token it hands out
and, when the stream fails for a reason that passes (server restarting or shutting down, network
gone, deadline, cut off as a slow consumer), waits and reopens it from there. Failures that a retry cannot
fix (bad token, no permission, bad input...) are raised to the caller, as `PullroutingError` subclasses.
"""

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import grpc

from pullrouting_client.errors import PullroutingError, from_rpc_error


def is_retryable(error: grpc.RpcError) -> bool:
    """Whether reopening the stream from the last resume token can get past this failure."""
    return from_rpc_error(error).retryable


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with "equal jitter": attempt n waits between half and all of
    min(maximum, initial * multiplier**n) seconds, so clients cut off together do not return together."""

    initial: float = 0.2
    maximum: float = 15.0
    multiplier: float = 2.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.maximum, self.initial * self.multiplier**attempt)
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


class _Event(Protocol):
    resume_token: str


E = TypeVar("E", bound=_Event)
# Opens the stream from a resume token ("" for a fresh start).
OpenStream = Callable[[str], Any]
# Told about each retry: the failure and the seconds it waits before reopening.
OnRetry = Callable[[PullroutingError, float], None]


class ResumableWatch(Generic[E]):
    """An async iterator over the events of a Watch stream that reconnects by itself.

    It ends when the server ends the stream with OK (WatchConversation does when the agent leaves or the
    conversation closes). `resume_token` is the token of the last event handed out that has one (live notices
    have none): keep it to resume in a later process. `max_attempts` bounds consecutive failed reconnects (None:
    keep trying); a received event resets the count.
    """

    def __init__(
        self,
        open_stream: OpenStream,
        *,
        resume_token: str = "",
        backoff: Backoff | None = None,
        max_attempts: int | None = None,
        on_retry: OnRetry | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._open = open_stream
        self.resume_token = resume_token
        self._backoff = backoff or Backoff()
        self._max_attempts = max_attempts
        self._on_retry = on_retry
        self._sleep = sleep
        self.reconnects = 0

    async def __aiter__(self) -> AsyncIterator[E]:
        failures = 0
        while True:
            call = self._open(self.resume_token)
            try:
                async for response in call:
                    failures = 0
                    event: E = response.event
                    # A live notice (typing, viewing) has no place in the order and carries no token: the
                    # stream still resumes after the event before it.
                    if event.resume_token:
                        self.resume_token = event.resume_token
                    yield event
                return
            except grpc.aio.AioRpcError as raw:
                error = from_rpc_error(raw)
                if not error.retryable or (self._max_attempts is not None and failures >= self._max_attempts):
                    raise error from raw
                delay = self._backoff.delay(failures)
                failures += 1
                if self._on_retry is not None:
                    self._on_retry(error, delay)
            finally:
                call.cancel()
            await self._sleep(delay)
            self.reconnects += 1
