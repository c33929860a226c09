"""StreamCustomerMessages: PostCustomerMessage for high-volume connectors, over one bidirectional stream.

Messages are read as they come and posted concurrently, up to a window in flight; past it the stream reads
no further (HTTP/2 flow control then holds the client back) until the oldest is acknowledged. Acknowledgements
go out in the order the messages came, each the answer PostCustomerMessage would give, a refusal included
(as a google.rpc.Status: one bad message does not end the stream). The messages of one customer on one
channel are posted one after another, so a conversation holds them in the order they were sent; posts of
different customers overlap and commit together, with other streams' and calls' messages, in the groups of
store/group_commit.py (on both databases); each acknowledgement waits for its group's commit. A connector
whose stream broke sends the unacknowledged messages again: posting is idempotent on source_message_id."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from pullrouting.api.control_characters import check_control_characters
from pullrouting.api.errors import to_status_proto
from pullrouting.api.limits import RateLimiter
from pullrouting.domain.errors import DomainError
from pullrouting.domain.principal import Principal
from pullrouting.v1 import ingest_service_pb2 as pb

Post = Callable[[str, pb.PostCustomerMessageRequest], Awaitable[pb.PostCustomerMessageResponse]]
Acknowledgement = asyncio.Task[pb.StreamCustomerMessagesResponse]


class CustomerMessageStreams:
    def __init__(self, post: Post, rate_limiter: RateLimiter, window: int) -> None:
        """`post` is PostCustomerMessage's own work (checks included) for an ingestor's id."""
        self._post = post
        self._rate_limiter = rate_limiter
        self._window = window

    async def serve(
        self, ingestor: Principal, requests: AsyncIterator[pb.StreamCustomerMessagesRequest]
    ) -> AsyncIterator[pb.StreamCustomerMessagesResponse]:
        # The reader hands over each message's acknowledgement in the making; None once the client is done.
        in_flight: asyncio.Queue[Acknowledgement | None] = asyncio.Queue(self._window)
        reader = asyncio.create_task(self._read(ingestor, requests, in_flight))
        try:
            while (acknowledgement := await in_flight.get()) is not None:
                yield await acknowledgement
            await reader  # what ended the request stream, if it failed
        finally:
            reader.cancel()
            while not in_flight.empty():
                pending = in_flight.get_nowait()
                if pending is not None:
                    pending.cancel()

    async def _read(
        self,
        ingestor: Principal,
        requests: AsyncIterator[pb.StreamCustomerMessagesRequest],
        in_flight: asyncio.Queue[Acknowledgement | None],
    ) -> None:
        assert ingestor.id is not None
        # Each customer's latest post, which its next one waits for.
        latest: dict[tuple[str, str], Acknowledgement] = {}
        try:
            async for request in requests:
                await self._rate_limiter.wait(ingestor)
                customer = (request.message.service_identifier, request.message.customer.id)
                previous = latest.get(customer)
                acknowledgement = asyncio.create_task(self._acknowledge(ingestor.id, request.message, previous))
                latest[customer] = acknowledgement
                acknowledgement.add_done_callback(
                    lambda done, customer=customer: latest.pop(customer) if latest.get(customer) is done else None
                )
                await in_flight.put(acknowledgement)
        except Exception:
            # The acknowledgements of the messages before go out first; then the failure ends the stream.
            await in_flight.put(None)
            raise
        await in_flight.put(None)

    async def _acknowledge(
        self, ingestor_id: str, message: pb.PostCustomerMessageRequest, previous: Acknowledgement | None
    ) -> pb.StreamCustomerMessagesResponse:
        if previous is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(previous)
        response = pb.StreamCustomerMessagesResponse(source_message_id=message.source_message_id)
        try:
            check_control_characters(message)
            response.posted.CopyFrom(await self._post(ingestor_id, message))
        except DomainError as error:
            response.error.CopyFrom(to_status_proto(error))
        return response
