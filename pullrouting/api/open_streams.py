"""The streams open under each agent's and ingestor's credentials: at most so many at once, and each ended as
soon as its credentials stop being valid.

Disabling or deleting an agent or ingestor, and every new token, writes a PRINCIPAL event
(store/resources.py). One subscriber per process follows those events from the event hub (so a change made
through another instance counts too) and checks the credentials of that principal's open streams again; a
stream whose check fails ends with the status a new call would get: PERMISSION_DENIED (PRINCIPAL_DISABLED)
once disabled, UNAUTHENTICATED (TOKEN_INVALID) once deleted or its token rotated. A stream opened with a JWT
also ends when the JWT expires."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import grpc

from pullrouting.api.errors import to_status
from pullrouting.api.handlers import cut_off
from pullrouting.bus.hub import EventHub, SlowConsumer, StreamClosed
from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.events import EventKind
from pullrouting.domain.principal import Principal, Role
from pullrouting.store.events import StoredEvent

log = logging.getLogger(__name__)

# Principal events queued before the checker counts as behind; it then checks every open stream.
BACKLOG = 4096


@dataclass(frozen=True)
class Credentials:
    principal: Principal
    # Unix time at which a JWT stops being valid; None for tokens this server issued.
    expires: float | None = None


Authenticate = Callable[[str, Role], Awaitable[Credentials]]


@dataclass(eq=False)
class _Stream:
    principal: Principal
    token: str
    context: grpc.aio.ServicerContext
    handler: asyncio.Task[object] | None = field(default_factory=asyncio.current_task)


def _is_principal_event(event: StoredEvent) -> bool:
    return event.kind is EventKind.PRINCIPAL


class OpenStreams:
    def __init__(
        self,
        hub: EventHub,
        authenticate: Authenticate,
        max_per_principal: int,
        forget: Callable[[str | None], None] = lambda _principal: None,
    ) -> None:
        self._hub = hub
        self._authenticate = authenticate
        # Told first of each change, so that nothing the authenticator cached answers the checks below.
        self._forget = forget
        self._max_per_principal = max_per_principal
        self._streams: dict[str, set[_Stream]] = {}
        self._task: asyncio.Task[None] | None = None
        # Kept referenced until done: the event loop holds tasks only weakly.
        self._endings: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Starts following principal events; after the hub started, and it ends when the hub stops."""
        self._task = asyncio.create_task(self._follow(), name="credential-checks")

    @contextlib.contextmanager
    def track(self, credentials: Credentials, token: str, context: grpc.aio.ServicerContext) -> Iterator[None]:
        """Counts the current stream against its principal's limit while it runs. The caller checks the
        credentials again once inside: a change committed before that check is seen by it, one after it
        reaches the stream through its event."""
        principal = credentials.principal
        streams = self._streams.setdefault(str(principal), set())
        if self._max_per_principal and len(streams) >= self._max_per_principal:
            raise DomainError(
                Reason.TOO_MANY_STREAMS,
                f"{principal} already has {len(streams)} streams open; close one first",
                limit=str(self._max_per_principal),
            )
        stream = _Stream(principal, token, context)
        streams.add(stream)
        expiry = None
        if credentials.expires is not None:
            expired = DomainError(Reason.TOKEN_INVALID, "the bearer JWT expired; reconnect with a fresh one")
            expiry = asyncio.get_running_loop().call_later(
                max(credentials.expires - time.time(), 0), lambda: self._end_soon(stream, expired)
            )
        try:
            yield
        finally:
            if expiry is not None:
                expiry.cancel()
            streams.discard(stream)
            if not streams:
                self._streams.pop(str(principal), None)

    def _end_soon(self, stream: _Stream, error: DomainError) -> None:
        task = asyncio.create_task(_end(stream, error))
        self._endings.add(task)
        task.add_done_callback(self._endings.discard)

    async def _follow(self) -> None:
        check_all = False
        while True:
            subscriber, _ = self._hub.attach(_is_principal_event, BACKLOG)
            try:
                if check_all:
                    # Events were missed: whatever they said, every stream's credentials are checked again.
                    self._forget(None)
                    for principal in list(self._streams):
                        await self._check(principal)
                while True:
                    event = await subscriber.next()
                    self._forget(event.payload["principal"])
                    await self._check(event.payload["principal"])
            except SlowConsumer:
                check_all = True
            except StreamClosed:
                return
            finally:
                self._hub.detach(subscriber)

    async def _check(self, principal: str) -> None:
        for stream in list(self._streams.get(principal, ())):
            try:
                await self._authenticate(stream.token, stream.principal.role)
            except DomainError as error:
                await _end(stream, error)
            except Exception:
                # The database may be away for a moment; the stream keeps running, and the next change checks it.
                log.exception("checking the credentials of an open stream failed")


async def _end(stream: _Stream, error: DomainError) -> None:
    await cut_off(stream.context, stream.handler, to_status(error))
