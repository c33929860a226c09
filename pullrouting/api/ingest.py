"""IngestService: what backend connectors call. The ingestor is the one the bearer token names; a credential
scoped to some channels is refused on the others."""

from collections.abc import AsyncIterator

import grpc

from pullrouting.api.activity import Activities, activity_fields
from pullrouting.api.auth import current_principal
from pullrouting.api.ingest_stream import CustomerMessageStreams
from pullrouting.api.limits import RateLimiter
from pullrouting.api.mappings import conversation_to_proto, message_to_proto
from pullrouting.api.watch import Streams
from pullrouting.domain import conversation as rules
from pullrouting.domain.errors import Violations
from pullrouting.domain.names import CONVERSATIONS, check_name
from pullrouting.domain.resources import MAX_DISPLAY_NAME, MAX_SERVICE_IDENTIFIER
from pullrouting.store import conversations
from pullrouting.store.database import Database
from pullrouting.v1 import ingest_service_pb2 as pb
from pullrouting.v1 import ingest_service_pb2_grpc


def _ingestor_id() -> str:
    ingestor_id = current_principal().id
    assert ingestor_id is not None, "the admission admits only ingestors to this service"
    return ingestor_id


def _check_length(violations: Violations, value: str, field_path: str, max_length: int) -> None:
    violations.check(len(value) <= max_length, field_path, f"must be at most {max_length} characters long")


def _check_post(request: pb.PostCustomerMessageRequest) -> None:
    """INVALID_ARGUMENT naming every bad field of a customer message."""
    violations = Violations()
    violations.check(bool(request.service_identifier), "service_identifier", "is required")
    _check_length(violations, request.service_identifier, "service_identifier", MAX_SERVICE_IDENTIFIER)
    violations.check(bool(request.customer.id), "customer.id", "is required")
    _check_length(violations, request.customer.id, "customer.id", rules.CUSTOMER_ID_MAX_LENGTH)
    _check_length(violations, request.customer.display_name, "customer.display_name", MAX_DISPLAY_NAME)
    rules.check_text(violations, request.text, "text")
    violations.check(bool(request.source_message_id), "source_message_id", "is required")
    _check_length(violations, request.source_message_id, "source_message_id", rules.IDEMPOTENCY_KEY_MAX_LENGTH)
    rules.check_priority(violations, request.priority, "priority")
    violations.raise_if_any()


def _conversation_to_end(request: pb.EndConversationRequest) -> str | None:
    """The named conversation's id, or None to end the customer's open one on the channel; INVALID_ARGUMENT
    unless exactly one of the two ways is given in full."""
    violations = Violations()
    if request.conversation:
        conversation_id = check_name(violations, request.conversation, CONVERSATIONS, "conversation")
        for field_path in ("service_identifier", "customer_id"):
            violations.check(not getattr(request, field_path), field_path, "must be empty when conversation is given")
    else:
        conversation_id = None
        for field_path in ("service_identifier", "customer_id"):
            violations.check(bool(getattr(request, field_path)), field_path, "is required when conversation is empty")
    _check_length(violations, request.service_identifier, "service_identifier", MAX_SERVICE_IDENTIFIER)
    _check_length(violations, request.customer_id, "customer_id", rules.CUSTOMER_ID_MAX_LENGTH)
    violations.raise_if_any()
    return conversation_id


def _check_watch(request: pb.WatchOutboundRequest) -> None:
    violations = Violations()
    _check_length(violations, request.service_identifier, "service_identifier", MAX_SERVICE_IDENTIFIER)
    violations.raise_if_any()


class IngestServicer(ingest_service_pb2_grpc.IngestServiceServicer):
    def __init__(
        self,
        database: Database,
        streams: Streams,
        rate_limiter: RateLimiter,
        stream_window: int,
        activities: Activities,
    ) -> None:
        self._database = database
        self._activities = activities
        self._streams = streams
        self._message_streams = CustomerMessageStreams(self._post, rate_limiter, stream_window)

    async def PostCustomerMessage(
        self, request: pb.PostCustomerMessageRequest, context: grpc.aio.ServicerContext
    ) -> pb.PostCustomerMessageResponse:
        return await self._post(_ingestor_id(), request)

    async def StreamCustomerMessages(
        self, request_iterator: AsyncIterator[pb.StreamCustomerMessagesRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamCustomerMessagesResponse]:
        async for acknowledgement in self._message_streams.serve(current_principal(), request_iterator):
            yield acknowledgement

    async def _post(self, ingestor_id: str, request: pb.PostCustomerMessageRequest) -> pb.PostCustomerMessageResponse:
        _check_post(request)
        posted = await self._database.run(
            lambda c: conversations.post_customer_message(
                c,
                ingestor_id,
                service_identifier=request.service_identifier,
                customer_id=request.customer.id,
                customer_display_name=request.customer.display_name,
                text=request.text,
                source_message_id=request.source_message_id,
                priority=request.priority,
            ),
            retry_on_conflict=True,
            # The first row a post locks is the customer's open conversation on the channel.
            group_key=f"{request.service_identifier}\n{request.customer.id}",
        )
        return pb.PostCustomerMessageResponse(
            conversation=conversation_to_proto(posted.conversation),
            message=message_to_proto(posted.message),
            created=posted.created,
        )

    async def EndConversation(
        self, request: pb.EndConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.EndConversationResponse:
        ingestor_id, conversation_id = _ingestor_id(), _conversation_to_end(request)
        conversation = await self._database.run(
            lambda c: conversations.end_by_customer(
                c,
                ingestor_id,
                conversation_id=conversation_id,
                service_identifier=request.service_identifier,
                customer_id=request.customer_id,
            )
        )
        return pb.EndConversationResponse(conversation=conversation_to_proto(conversation))

    async def WatchOutbound(
        self, request: pb.WatchOutboundRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchOutboundResponse]:
        _check_watch(request)
        async for response in self._streams.watch_outbound(
            _ingestor_id(), request.service_identifier, request.resume_token, context
        ):
            yield response

    async def PostCustomerActivity(
        self, request: pb.PostCustomerActivityRequest, context: grpc.aio.ServicerContext
    ) -> pb.PostCustomerActivityResponse:
        conversation_id, activity = activity_fields(request.conversation, request.activity, "conversation")
        expire_time = await self._activities.post_by_customer(current_principal(), conversation_id, activity)
        return pb.PostCustomerActivityResponse(expire_time=expire_time)
