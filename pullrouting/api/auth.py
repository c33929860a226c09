"""Authentication: every RPC of the four services needs `authorization: Bearer <token>` of the right
role: a token this server issued or, for agents and supervisors when OpenID Connect is configured, a JWT from
the issuer.
Health checking and reflection stay open. The caller is handed to servicers through a context variable, so
no request field can name someone else. Each caller's calls per second are limited, and so are its open
streams, which end once its credentials stop being valid (api/open_streams.py)."""

import contextlib
import hmac
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NoReturn

import grpc
from google.protobuf.message import DecodeError

from pullrouting.api.control_characters import check_control_characters
from pullrouting.api.drain import Drain
from pullrouting.api.limits import FailedLogins, RateLimiter
from pullrouting.api.oidc import OidcVerifier, looks_like_jwt
from pullrouting.api.open_streams import Credentials, OpenStreams
from pullrouting.domain.errors import DomainError, InvalidInput, Reason
from pullrouting.domain.events import Event, EventKind
from pullrouting.domain.principal import ADMIN, Principal, Role
from pullrouting.store.credentials import find_principal, hash_token, principal_enabled
from pullrouting.store.database import Database

ROLE_BY_SERVICE = {
    "pullrouting.v1.AdminService": Role.ADMIN,
    "pullrouting.v1.AgentService": Role.AGENT,
    "pullrouting.v1.IngestService": Role.INGESTOR,
    "pullrouting.v1.SupervisorService": Role.SUPERVISOR,
}

# The metadata in which the web endpoint (pullrouting/web) names the browser's address, as `SECRET HOST`: believed
# only with the secret this process gave its web endpoint (a gRPC client cannot name another address).
WEB_PEER_KEY = "pullrouting-web-peer"

# Refusals that count as failed logins: the caller did not prove who it is.
LOGIN_FAILURES = frozenset({Reason.TOKEN_MISSING, Reason.TOKEN_INVALID})

_principal: ContextVar[Principal] = ContextVar("principal")
# Stands for a request whose bytes did not parse.
_UNDECODABLE = object()


def current_principal() -> Principal:
    """The authenticated caller of the RPC being served."""
    return _principal.get()


def _bearer_token(metadata: Sequence[tuple[str, str | bytes]] | None) -> str:
    for key, value in metadata or ():
        if key == "authorization":
            scheme, _, token = str(value).partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            raise DomainError(Reason.TOKEN_INVALID, "authorization metadata must be `Bearer <token>`")
    raise DomainError(Reason.TOKEN_MISSING, "missing `authorization: Bearer <token>` metadata")


class Authenticator:
    def __init__(self, database: Database, admin_token: str, oidc: OidcVerifier | None = None) -> None:
        self._database = database
        self._admin_token_hash = hash_token(admin_token)
        self._oidc = oidc
        # Enabled agents, ingestors and supervisors by token digest, so that a call costs no database read. An
        # entry goes when its principal changes (disabled, deleted, token replaced): at commit for changes made
        # through this process, through the event hub for changes made through another instance.
        self._known: dict[str, Principal] = {}
        self._changes = 0
        # forget() runs on database worker threads as well as on the event loop.
        self._known_lock = threading.Lock()

    def forget(self, principal: str | None = None) -> None:
        """Drops what is known of `principal` (`agent:<id>`, `supervisor:<id>`...), or of everyone."""
        with self._known_lock:
            self._changes += 1
            for token_hash, known in list(self._known.items()):
                if principal is None or str(known) == principal:
                    del self._known[token_hash]

    def forget_changed(self, events: list[Event]) -> None:
        """Called with the events of each commit in this process."""
        for event in events:
            if event.kind is EventKind.PRINCIPAL:
                self.forget(event.payload["principal"])

    async def _find(self, token_hash: str) -> tuple[Principal, bool] | None:
        known = self._known.get(token_hash)
        if known is not None:
            return known, True
        changes = self._changes
        found = await self._database.read(lambda connection: find_principal(connection, token_hash))
        with self._known_lock:
            # Not if a change committed while reading: what was read may predate it.
            if found is not None and found[1] and changes == self._changes:
                self._known[token_hash] = found[0]
        return found

    async def authenticate(self, token: str, required: Role) -> Credentials:
        """Who holds `token`, if of the `required` role and enabled; a refusal otherwise."""
        expires = None
        if self._oidc is not None and looks_like_jwt(token):
            principal, expires = await self._oidc.principal(token, required)
            enabled = await self._database.read(lambda connection: principal_enabled(connection, principal))
            if enabled is None:
                raise DomainError(
                    Reason.TOKEN_INVALID,
                    f"the bearer JWT names the {principal.role.value} {principal.id!r}, which does not exist",
                )
        else:
            token_hash = hash_token(token)
            if hmac.compare_digest(token_hash, self._admin_token_hash):
                principal, enabled = ADMIN, True
            else:
                found = await self._find(token_hash)
                if found is None:
                    raise DomainError(Reason.TOKEN_INVALID, "the bearer token is not valid")
                principal, enabled = found
        if principal.role != required:
            raise DomainError(
                Reason.ROLE_NOT_ALLOWED,
                f"this method needs the {required.value} role; the token is of the {principal.role.value} role",
                required_role=required.value,
            )
        if not enabled:
            raise DomainError(Reason.PRINCIPAL_DISABLED, f"{principal} is disabled")
        return Credentials(principal, expires)


def _undecodable() -> InvalidInput:
    return InvalidInput.of("request", "is not a valid protobuf message of the method's request type")


async def _decoded_messages(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """A request stream's messages; one that does not parse ends the call. Each message's fields (control
    characters among them) are the method's to check, so that it can refuse one message and go on."""
    async for request in requests:
        if request is _UNDECODABLE:
            raise _undecodable()
        yield request


@dataclass(frozen=True)
class _Admitted:
    """A call admitted on its metadata: who made it, with which token, for which role."""

    credentials: Credentials
    token: str
    required: Role


# Set on a call's task when it is admitted (before its handler runs, in the same task), read by its handler.
_admitted: ContextVar[_Admitted] = ContextVar("admitted")


class Admission:
    """Admits each call on its metadata, before its request is read: a call refused here (no token, a bad
    one, a throttled caller, a server shutting down) never waits for a body its client may withhold. Then
    admits the request itself, and tracks a stream's credentials while it runs. The one interceptor
    (api/rpcs.py) calls these."""

    def __init__(
        self,
        authenticator: Authenticator,
        rate_limiter: RateLimiter,
        open_streams: OpenStreams,
        failed_logins: FailedLogins,
        drain: Drain,
        web_secret: str | None = None,
    ) -> None:
        """`web_secret`: what the web endpoint's calls carry before the browser's address in WEB_PEER_KEY."""
        self._authenticator = authenticator
        self._web_secret = web_secret
        self._rate_limiter = rate_limiter
        self._open_streams = open_streams
        self._failed_logins = failed_logins
        self._drain = drain

    async def admit(self, details: grpc.HandlerCallDetails, required: Role) -> Exception | None:
        """None once the call is admitted; else why it is refused (a refusal, or a fault for the observer to
        report), for `refuse` to raise when the refused call runs."""
        try:
            self._drain.admit()
            token = _bearer_token(details.invocation_metadata)
            credentials = await self._authenticator.authenticate(token, required)
            await self._rate_limiter.check(credentials.principal)
        except Exception as error:
            return error
        _admitted.set(_Admitted(credentials, token, required))
        return None

    async def refuse(self, error: Exception, context: grpc.aio.ServicerContext) -> NoReturn:
        if isinstance(error, DomainError) and error.reason in LOGIN_FAILURES:
            self._failed_logins.failed(self._caller_peer(context), error.reason)
        raise error

    def _caller_peer(self, context: grpc.aio.ServicerContext) -> str:
        """Who made the call, for counting failed logins: the connection's peer or, on a call the web endpoint
        forwarded, the browser's address (`web:HOST`), so that all browsers are not one peer."""
        peer = context.peer()
        forwarded = dict(context.invocation_metadata() or ()).get(WEB_PEER_KEY)
        if self._web_secret is not None and isinstance(forwarded, str):
            secret, _, host = forwarded.partition(" ")
            if hmac.compare_digest(secret.encode(), self._web_secret.encode()) and host:
                return f"web:{host}"
        return peer

    def request(self, request: Any, context: grpc.aio.ServicerContext, streaming: bool) -> Any:
        """The admitted call's request, admitted; a request stream is admitted message by message as it is
        read. Sets the caller that servicers see."""
        if self._failed_logins.throttling:
            self._failed_logins.check(self._caller_peer(context))
        _principal.set(_admitted.get().credentials.principal)
        if streaming:
            return _decoded_messages(request)
        if request is _UNDECODABLE:
            raise _undecodable()
        check_control_characters(request)
        return request

    @contextlib.asynccontextmanager
    async def stream(self, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        """Counts the admitted stream against its caller's limit while it runs, and ends it once the caller's
        credentials stop being valid."""
        admitted = _admitted.get()
        with self._open_streams.track(admitted.credentials, admitted.token, context):
            # Again, now that the stream is tracked: a disable committed since the first check ends it here.
            await self._authenticator.authenticate(admitted.token, admitted.required)
            yield


def lenient(decode: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """`decode`, keeping bytes that do not parse (gRPC would answer them with UNKNOWN before any check) for
    `Admission.request` to refuse."""

    def lenient_decode(data: bytes) -> Any:
        try:
            return decode(data)
        except DecodeError:
            return _UNDECODABLE

    return lenient_decode
