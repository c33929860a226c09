"""Authentication: every RPC of the three services needs `authorization: Bearer <token>` of the right
role: a token this server issued or, for agents when OpenID Connect is configured, a JWT from the issuer.
Health checking and reflection stay open. The caller is handed to servicers through a context variable, so
no request field can name someone else. Each caller's calls per second are limited, and so are its open
streams, which end once its credentials stop being valid (api/open_streams.py)."""

import hmac
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from pullrouting.api.handlers import StreamBehavior, UnaryBehavior, wrap_handler
from pullrouting.api.limits import RateLimiter
from pullrouting.api.oidc import OidcVerifier, looks_like_jwt
from pullrouting.api.open_streams import Credentials, OpenStreams
from pullrouting.domain.errors import DomainError, InvalidInput, Reason
from pullrouting.domain.events import Event, EventKind
from pullrouting.domain.names import AGENTS, format_name
from pullrouting.domain.principal import ADMIN, Principal, Role
from pullrouting.store.credentials import agent_enabled, find_principal, hash_token
from pullrouting.store.database import Database

ROLE_BY_SERVICE = {
    "pullrouting.v1.AdminService": Role.ADMIN,
    "pullrouting.v1.AgentService": Role.AGENT,
    "pullrouting.v1.IngestService": Role.INGESTOR,
}

_principal: ContextVar[Principal] = ContextVar("principal")
# Stands for a request whose bytes did not parse.
_UNDECODABLE = object()


def current_principal() -> Principal:
    """The authenticated caller of the RPC being served."""
    return _principal.get()


def _bearer_token(context: grpc.aio.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
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
        # Enabled agents and ingestors by token digest, so that a call costs no database read. An entry goes
        # when its principal changes (disabled, deleted, token replaced): at commit for changes made through
        # this process, through the event hub for changes made through another instance.
        self._known: dict[str, Principal] = {}
        self._changes = 0
        # forget() runs on database worker threads as well as on the event loop.
        self._known_lock = threading.Lock()

    def forget(self, principal: str | None = None) -> None:
        """Drops what is known of `principal` (`agent:<id>`, `ingestor:<id>`), or of everyone."""
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
            agent_id, expires = await self._oidc.agent_id(token)
            enabled = await self._database.read(lambda connection: agent_enabled(connection, agent_id))
            if enabled is None:
                name = format_name(AGENTS, agent_id)
                raise DomainError(Reason.TOKEN_INVALID, f"the bearer JWT names {name}, which does not exist")
            principal = Principal(Role.AGENT, agent_id)
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


class AuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, authenticator: Authenticator, rate_limiter: RateLimiter, open_streams: OpenStreams) -> None:
        self._authenticator = authenticator
        self._rate_limiter = rate_limiter
        self._open_streams = open_streams

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        service = handler_call_details.method.lstrip("/").partition("/")[0]
        required = ROLE_BY_SERVICE.get(service)
        if handler is None or required is None:
            return handler
        authenticate, open_streams = self._authenticator.authenticate, self._open_streams
        decode = handler.request_deserializer

        def lenient_decode(data: bytes) -> Any:
            # gRPC answers bytes that do not parse with UNKNOWN, before any check: keep them for `admit` to refuse.
            try:
                return decode(data)
            except DecodeError:
                return _UNDECODABLE

        async def admit(request: Any, context: grpc.aio.ServicerContext) -> tuple[str, Credentials]:
            token = _bearer_token(context)
            credentials = await authenticate(token, required)
            await self._rate_limiter.check(credentials.principal)
            if request is _UNDECODABLE:
                raise InvalidInput.of("request", "is not a valid protobuf message of the method's request type")
            _principal.set(credentials.principal)
            return token, credentials

        def guard_unary(behavior: UnaryBehavior) -> UnaryBehavior:
            async def guarded(request: Any, context: grpc.aio.ServicerContext) -> Any:
                await admit(request, context)
                return await behavior(request, context)

            return guarded

        def guard_stream(behavior: StreamBehavior) -> StreamBehavior:
            async def guarded(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                token, credentials = await admit(request, context)
                with open_streams.track(credentials, token, context):
                    # Again, now that the stream is tracked: a disable committed since the first check ends it here.
                    await authenticate(token, required)
                    async for response in behavior(request, context):
                        yield response

            return guarded

        return wrap_handler(handler, guard_unary, guard_stream, lenient_decode)
