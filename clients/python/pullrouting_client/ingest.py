"""IngestService for backend connectors: post customer messages in, watch agent messages out."""

from collections.abc import AsyncIterable, AsyncIterator
from datetime import datetime

import grpc

from pullrouting.v1 import conversation_pb2, events_pb2, ingest_service_pb2_grpc
from pullrouting.v1 import ingest_service_pb2 as pb
from pullrouting_client.activity import expire_time
from pullrouting_client.calls import DEFAULT_TIMEOUT, ServiceClient
from pullrouting_client.enums import Activity
from pullrouting_client.errors import PullroutingError, from_rpc_error, from_status
from pullrouting_client.watch import Backoff, OnRetry, ResumableWatch


class IngestClient(ServiceClient):
    """The calls of one ingestor credential (the channel's token). Unary calls have the client's deadline
    (`timeout`), are retried by gRPC on UNAVAILABLE, and raise `PullroutingError` subclasses when refused."""

    def __init__(self, channel: grpc.aio.Channel, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        super().__init__(channel, timeout=timeout)
        self.stub = ingest_service_pb2_grpc.IngestServiceStub(channel)

    async def post(
        self,
        service_identifier: str,
        customer_id: str,
        text: str,
        source_message_id: str,
        customer_display_name: str = "",
    ) -> pb.PostCustomerMessageResponse:
        """A customer message. A retry with the same `source_message_id` returns the first result and
        creates nothing: retry freely after a timeout or a lost connection."""
        return await self._unary(
            self.stub.PostCustomerMessage,
            pb.PostCustomerMessageRequest(
                service_identifier=service_identifier,
                customer=conversation_pb2.Customer(id=customer_id, display_name=customer_display_name),
                text=text,
                source_message_id=source_message_id,
            ),
        )

    async def stream(
        self, messages: AsyncIterable[pb.PostCustomerMessageRequest]
    ) -> AsyncIterator[tuple[str, pb.PostCustomerMessageResponse | PullroutingError]]:
        """Posts many customer messages over one StreamCustomerMessages stream: yields, in the order sent,
        each message's source_message_id with what `post` would return, or the `PullroutingError` it would
        raise (not raised: the stream goes on). If the stream breaks, send the messages not yet yielded again
        on a new one; posting is idempotent on source_message_id."""
        call = self.stub.StreamCustomerMessages(
            pb.StreamCustomerMessagesRequest(message=message) async for message in messages
        )
        try:
            async for acknowledgement in call:
                if acknowledgement.HasField("error"):
                    yield acknowledgement.source_message_id, from_status(acknowledgement.error)
                else:
                    yield acknowledgement.source_message_id, acknowledgement.posted
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    async def end(self, service_identifier: str, customer_id: str) -> conversation_pb2.Conversation:
        """The customer's side ended their open conversation on the channel."""
        request = pb.EndConversationRequest(service_identifier=service_identifier, customer_id=customer_id)
        return (await self._unary(self.stub.EndConversation, request)).conversation

    async def post_activity(self, conversation: str, activity: Activity) -> datetime | None:
        """The customer is typing (TYPING) or stopped (NONE) in a conversation on the credential's channels: the
        agents' streams are told, live. It ends by itself at the time returned (None for NONE) unless posted
        again before then."""
        request = pb.PostCustomerActivityRequest(conversation=conversation, activity=activity)
        return expire_time(await self._unary(self.stub.PostCustomerActivity, request))

    def watch_outbound(
        self,
        service_identifier: str = "",
        resume_token: str = "",
        *,
        backoff: Backoff | None = None,
        on_retry: OnRetry | None = None,
    ) -> ResumableWatch[events_pb2.OutboundEvent]:
        """Agent messages and closes to deliver, for one channel or all the credential serves; reconnects and
        resumes by itself. An expired token raises `ResumeTokenExpired`: what was missed is gone, and only the
        caller can decide how to catch up."""
        return ResumableWatch(
            lambda token: self.stub.WatchOutbound(
                pb.WatchOutboundRequest(service_identifier=service_identifier, resume_token=token)
            ),
            resume_token=resume_token,
            backoff=backoff,
            on_retry=on_retry,
        )
