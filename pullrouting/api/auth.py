"""Authentication: every RPC of the three services needs `authorization: Bearer <token>` of the right
role. Health checking and reflection stay open. The caller is handed to servicers through a context
variable, so no request field can name someone else."""

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import grpc

from pullrouting.api.handlers import StreamBehavior, UnaryBehavior, wrap_handler
from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.principal import ADMIN, Principal, Role
from pullrouting.store.credentials import find_principal, hash_token
from pullrouting.store.database import Database

ROLE_BY_SERVICE = {
    "pullrouting.v1.AdminService": Role.ADMIN,
    "pullrouting.v1.AgentService": Role.AGENT,
    "pullrouting.v1.IngestService": Role.INGESTOR,
}

_principal: ContextVar[Principal] = ContextVar("principal")


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
    def __init__(self, database: Database, admin_token: str) -> None:
        self._database = database
        self._admin_token_hash = hash_token(admin_token)

    async def authenticate(self, context: grpc.aio.ServicerContext, required: Role) -> Principal:
        token_hash = hash_token(_bearer_token(context))
        if hmac.compare_digest(token_hash, self._admin_token_hash):
            principal, enabled = ADMIN, True
        else:
            found = await self._database.read(lambda connection: find_principal(connection, token_hash))
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
        return principal


class AuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, authenticator: Authenticator) -> None:
        self._authenticator = authenticator

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
        authenticate = self._authenticator.authenticate

        def guard_unary(behavior: UnaryBehavior) -> UnaryBehavior:
            async def guarded(request: Any, context: grpc.aio.ServicerContext) -> Any:
                _principal.set(await authenticate(context, required))
                return await behavior(request, context)

            return guarded

        def guard_stream(behavior: StreamBehavior) -> StreamBehavior:
            async def guarded(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                _principal.set(await authenticate(context, required))
                async for response in behavior(request, context):
                    yield response

            return guarded

        return wrap_handler(handler, guard_unary, guard_stream)
