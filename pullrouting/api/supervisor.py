"""SupervisorService: what a supervisor's console calls. The supervisor is the one the bearer token names, never
a request field; its Lists are read at every call, so a narrowed scope holds from the next call on, and its
open streams read them again when it changes (api/queues.py, api/agent_statuses.py, api/monitor.py)."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TypeVar

import grpc
from sqlalchemy import Connection

from pullrouting.api.agent_statuses import AgentStatuses
from pullrouting.api.audit import audited
from pullrouting.api.auth import current_principal
from pullrouting.api.conversation_pages import conversation_page, transcript_page
from pullrouting.api.mappings import conversation_to_proto, message_name, message_to_proto
from pullrouting.api.monitor import Monitors
from pullrouting.api.queues import Queues
from pullrouting.domain import conversation as rules
from pullrouting.domain.errors import Violations
from pullrouting.domain.names import AGENTS, CONVERSATIONS, LISTS, check_name, parse_name
from pullrouting.store import conversations, transcripts
from pullrouting.store.database import Database
from pullrouting.v1 import supervisor_service_pb2 as pb
from pullrouting.v1 import supervisor_service_pb2_grpc

T = TypeVar("T")

# `lists/-` (AIP-159), or an empty parent, lists the conversations of all the supervisor's lists.
EVERY_LIST = ("", f"{LISTS}/-")


def _supervisor_id() -> str:
    supervisor_id = current_principal().id
    assert supervisor_id is not None, "the auth interceptor admits only supervisors to this service"
    return supervisor_id


def _conversation_id(request_name: str) -> str:
    return parse_name(request_name, CONVERSATIONS, "name")


def _transfer_fields(request: pb.SupervisorServiceTransferConversationRequest) -> tuple[str, str]:
    """The conversation and target list ids of a valid TransferConversation; INVALID_ARGUMENT otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.name, CONVERSATIONS, "name")
    list_id = check_name(violations, request.list, LISTS, "list")
    rules.check_note(violations, request.note, "note")
    violations.raise_if_any()
    assert conversation_id is not None and list_id is not None
    return conversation_id, list_id


def _priority_fields(request: pb.SetPriorityRequest) -> str:
    """The conversation id of a valid SetPriority; INVALID_ARGUMENT otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.name, CONVERSATIONS, "name")
    rules.check_priority(violations, request.priority, "priority")
    violations.raise_if_any()
    assert conversation_id is not None
    return conversation_id


def _release_fields(request: pb.ReleaseParticipantRequest) -> tuple[str, str]:
    """The conversation and agent ids of a valid ReleaseParticipant; INVALID_ARGUMENT otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.name, CONVERSATIONS, "name")
    agent_id = check_name(violations, request.agent, AGENTS, "agent")
    violations.raise_if_any()
    assert conversation_id is not None and agent_id is not None
    return conversation_id, agent_id


def _whisper_fields(request: pb.WhisperRequest) -> str:
    """The conversation id of a valid Whisper; INVALID_ARGUMENT otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.name, CONVERSATIONS, "name")
    rules.check_text(violations, request.text, "text")
    violations.raise_if_any()
    assert conversation_id is not None
    return conversation_id


def _message_fields(request: pb.SupervisorServiceSendMessageRequest) -> tuple[str, str | None]:
    """The conversation id of a valid SendMessage and the id of its expected_last_message (None when empty);
    INVALID_ARGUMENT naming every bad field otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.name, CONVERSATIONS, "name")
    rules.check_text(violations, request.text, "text")
    rules.check_idempotency_key(violations, request.request_id, "request_id")
    expected_id = rules.check_expected_last_message(
        violations, request.expected_last_message, conversation_id, "expected_last_message"
    )
    violations.raise_if_any()
    assert conversation_id is not None
    return conversation_id, expected_id


@dataclass(frozen=True)
class SupervisorStreams:
    queues: Queues
    agents: AgentStatuses
    monitors: Monitors


class SupervisorServicer(supervisor_service_pb2_grpc.SupervisorServiceServicer):
    def __init__(self, database: Database, streams: SupervisorStreams) -> None:
        self._database = database
        self._streams = streams

    async def _act(
        self,
        action: str,
        request_name: str,
        work: Callable[[Connection], T],
        detail: str | Callable[[T], str] = "",
        *,
        retry_on_conflict: bool = False,
    ) -> T:
        """Runs a supervisor's action in one transaction with its audit record (`action` on the conversation)."""
        return await self._database.run(
            audited(work, action, request_name, detail), retry_on_conflict=retry_on_conflict
        )

    async def ListConversations(
        self, request: pb.SupervisorServiceListConversationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SupervisorServiceListConversationsResponse:
        supervisor_id = _supervisor_id()
        list_id = None if request.parent in EVERY_LIST else parse_name(request.parent, LISTS, "parent")
        shown, token = await conversation_page(
            self._database,
            request,
            lambda c, *page: conversations.list_for_supervisor(c, supervisor_id, list_id, *page),
        )
        return pb.SupervisorServiceListConversationsResponse(conversations=shown, next_page_token=token)

    async def GetConversation(
        self, request: pb.SupervisorServiceGetConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.SupervisorServiceGetConversationResponse:
        supervisor_id, conversation_id = _supervisor_id(), _conversation_id(request.name)
        conversation = await self._database.read(
            lambda c: conversations.get_for_supervisor(c, supervisor_id, conversation_id)
        )
        return pb.SupervisorServiceGetConversationResponse(conversation=conversation_to_proto(conversation))

    async def ListMessages(
        self, request: pb.SupervisorServiceListMessagesRequest, context: grpc.aio.ServicerContext
    ) -> pb.SupervisorServiceListMessagesResponse:
        supervisor_id, conversation_id = _supervisor_id(), parse_name(request.parent, CONVERSATIONS, "parent")
        shown, token = await transcript_page(
            self._database,
            request,
            lambda c, *page: transcripts.for_supervisor(c, supervisor_id, conversation_id, *page),
        )
        return pb.SupervisorServiceListMessagesResponse(messages=shown, next_page_token=token)

    async def WatchQueues(
        self, request: pb.WatchQueuesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchQueuesResponse]:
        async for response in self._streams.queues.watch_queues(_supervisor_id(), request.resume_token, context):
            yield response

    async def WatchAgents(
        self, request: pb.WatchAgentsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchAgentsResponse]:
        async for response in self._streams.agents.watch_agents(_supervisor_id(), request.resume_token, context):
            yield response

    async def MonitorConversation(
        self, request: pb.MonitorConversationRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.MonitorConversationResponse]:
        supervisor_id, conversation_id = _supervisor_id(), _conversation_id(request.name)
        responses = self._streams.monitors.monitor_conversation(
            supervisor_id, conversation_id, request.resume_token, context
        )
        async for response in responses:
            yield response

    async def ForceCloseConversation(
        self, request: pb.SupervisorServiceForceCloseConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.SupervisorServiceForceCloseConversationResponse:
        supervisor_id, conversation_id = _supervisor_id(), _conversation_id(request.name)
        conversation = await self._act(
            "ForceCloseConversation",
            request.name,
            lambda c: conversations.force_close_by_supervisor(c, supervisor_id, conversation_id),
        )
        return pb.SupervisorServiceForceCloseConversationResponse(conversation=conversation_to_proto(conversation))

    async def TransferConversation(
        self, request: pb.SupervisorServiceTransferConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.SupervisorServiceTransferConversationResponse:
        supervisor_id, (conversation_id, list_id) = _supervisor_id(), _transfer_fields(request)
        conversation = await self._act(
            "TransferConversation",
            request.name,
            lambda c: conversations.transfer_by_supervisor(c, supervisor_id, conversation_id, list_id, request.note),
            f"list: {request.list}",
        )
        return pb.SupervisorServiceTransferConversationResponse(conversation=conversation_to_proto(conversation))

    async def SetPriority(
        self, request: pb.SetPriorityRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetPriorityResponse:
        supervisor_id, conversation_id = _supervisor_id(), _priority_fields(request)
        conversation = await self._act(
            "SetPriority",
            request.name,
            lambda c: conversations.set_priority(c, supervisor_id, conversation_id, request.priority),
            f"priority: {request.priority}",
        )
        return pb.SetPriorityResponse(conversation=conversation_to_proto(conversation))

    async def ReleaseParticipant(
        self, request: pb.ReleaseParticipantRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReleaseParticipantResponse:
        supervisor_id, (conversation_id, agent_id) = _supervisor_id(), _release_fields(request)
        conversation = await self._act(
            "ReleaseParticipant",
            request.name,
            lambda c: conversations.remove_participant(c, supervisor_id, conversation_id, agent_id),
            f"agent: {request.agent}",
        )
        return pb.ReleaseParticipantResponse(conversation=conversation_to_proto(conversation))

    async def Whisper(self, request: pb.WhisperRequest, context: grpc.aio.ServicerContext) -> pb.WhisperResponse:
        supervisor_id, conversation_id = _supervisor_id(), _whisper_fields(request)
        message = await self._act(
            "Whisper",
            request.name,
            lambda c: conversations.whisper(c, supervisor_id, conversation_id, request.text),
        )
        return pb.WhisperResponse(message=message_to_proto(message))

    async def BargeIn(self, request: pb.BargeInRequest, context: grpc.aio.ServicerContext) -> pb.BargeInResponse:
        supervisor_id, conversation_id = _supervisor_id(), _conversation_id(request.name)
        conversation = await self._act(
            "BargeIn", request.name, lambda c: conversations.barge_in(c, supervisor_id, conversation_id)
        )
        return pb.BargeInResponse(conversation=conversation_to_proto(conversation))

    async def SendMessage(
        self, request: pb.SupervisorServiceSendMessageRequest, context: grpc.aio.ServicerContext
    ) -> pb.SupervisorServiceSendMessageResponse:
        supervisor_id, (conversation_id, expected_id) = _supervisor_id(), _message_fields(request)
        request_id = request.request_id or None
        message = await self._act(
            "SendMessage",
            request.name,
            lambda c: conversations.send_supervisor_message(
                c, supervisor_id, conversation_id, request.text, request_id, expected_id
            ),
            lambda message: f"message: {message_name(message)}",
            retry_on_conflict=True,
        )
        return pb.SupervisorServiceSendMessageResponse(message=message_to_proto(message))

    async def LeaveConversation(
        self, request: pb.SupervisorServiceLeaveConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.SupervisorServiceLeaveConversationResponse:
        supervisor_id, conversation_id = _supervisor_id(), _conversation_id(request.name)
        conversation = await self._act(
            "LeaveConversation",
            request.name,
            lambda c: conversations.leave_by_supervisor(c, supervisor_id, conversation_id),
        )
        return pb.SupervisorServiceLeaveConversationResponse(conversation=conversation_to_proto(conversation))
