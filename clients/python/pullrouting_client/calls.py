"""What every client shares: a default deadline on each unary call, typed exceptions, and reading all pages."""

from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from pullrouting_client.errors import from_rpc_error

# Seconds a unary call may take, waiting for a starting server and gRPC's retries included, unless the client
# is made with another `timeout`. Watches have none: they stay open.
DEFAULT_TIMEOUT = 10.0
# The largest page the server serves: fewer round trips for the `list_*` calls, which read every page.
PAGE_SIZE = 1000

Item = TypeVar("Item")


class ServiceClient:
    """The calls of one service over a `grpc.aio` channel (see `connect()`); `timeout` is each unary call's
    deadline in seconds (None: no deadline)."""

    def __init__(self, channel: grpc.aio.Channel, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self.channel = channel
        self.timeout = timeout

    async def _unary(self, method: grpc.aio.UnaryUnaryMultiCallable, request: Any) -> Any:
        """Calls `method` with the client's deadline; a failure raises its `PullroutingError` subclass."""
        try:
            return await method(request, timeout=self.timeout)
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(error) from error

    async def _all_pages(
        self, method: grpc.aio.UnaryUnaryMultiCallable, make_request: Callable[[str], Any], field: str
    ) -> list[Any]:
        """Every item of a paged List call: `make_request(page_token)` builds each page's request, `field` names
        the response's repeated field."""
        found: list[Any] = []
        page_token = ""
        while True:
            response = await self._unary(method, make_request(page_token))
            found.extend(getattr(response, field))
            page_token = response.next_page_token
            if not page_token:
                return found
