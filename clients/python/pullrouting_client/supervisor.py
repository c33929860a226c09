"""SupervisorService for supervisors' consoles: the requests on the supervisor's Lists, the live views of its
queues, agents and conversations, and the calls that steer them; typed refusals, watches that resume."""

from collections.abc import Iterable

import grpc

from pullrouting.v1 import conversation_pb2, events_pb2, supervisor_events_pb2, supervisor_service_pb2_grpc
from pullrouting.v1 import supervisor_service_pb2 as pb
from pullrouting_client.agent import new_message_id
from pullrouting_client.calls import DEFAULT_TIMEOUT, PAGE_SIZE, ServiceClient
from pullrouting_client.enums import ConversationState
from pullrouting_client.watch import Backoff, OnRetry, ResumableWatch


class SupervisorClient(ServiceClient):
    """The calls of one supervisor: the supervisor is the one the channel's token names, and it sees and acts
    only within its Lists (`Supervisor.lists`). A request elsewhere, or none, is refused `NotEntitled` alike.

    Every unary call has the client's deadline (`timeout`, 10 s by default), is retried by gRPC on UNAVAILABLE
    and raises a `PullroutingError` subclass when refused (`NotEntitled`, `ConversationClosed`...).
    """

    def __init__(self, channel: grpc.aio.Channel, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        super().__init__(channel, timeout=timeout)
        self.stub = supervisor_service_pb2_grpc.SupervisorServiceStub(channel)

    async def list_conversations(
        self, list_name: str = "lists/-", states: Iterable[ConversationState] = (), order_by: str = ""
    ) -> list[conversation_pb2.Conversation]:
        """Requests on one of the supervisor's Lists (`lists/{id}`), or on all of them (`lists/-`), the open ones
        unless `states` says otherwise, in the `order_by` asked for (`"waiting_since"`, `"priority desc"`...),
        all pages."""
        return await self._all_pages(
            self.stub.ListConversations,
            lambda token: pb.SupervisorServiceListConversationsRequest(
                parent=list_name, states=list(states), order_by=order_by, page_size=PAGE_SIZE, page_token=token
            ),
            "conversations",
        )

    async def get(self, name: str) -> conversation_pb2.Conversation:
        """One request (`conversations/{id}`), open or closed, on one of the supervisor's Lists."""
        request = pb.SupervisorServiceGetConversationRequest(name=name)
        return (await self._unary(self.stub.GetConversation, request)).conversation

    async def list_messages(self, name: str) -> list[conversation_pb2.Message]:
        """The transcript of a request, internal notes included, oldest first."""
        return await self._all_pages(
            self.stub.ListMessages,
            lambda token: pb.SupervisorServiceListMessagesRequest(parent=name, page_size=PAGE_SIZE, page_token=token),
            "messages",
        )

    async def force_close(self, name: str) -> conversation_pb2.Conversation:
        """Closes an open request with reason FORCED; of two supervisors at once, the second gets
        `ConversationClosed`."""
        request = pb.SupervisorServiceForceCloseConversationRequest(name=name)
        return (await self._unary(self.stub.ForceCloseConversation, request)).conversation

    async def transfer(self, name: str, list_name: str, note: str = "") -> conversation_pb2.Conversation:
        """Moves an open request to another of the supervisor's Lists, its agents let go; the note (if any) is
        written as the supervisor's internal message. Refusals include `TransferNotAccepted`."""
        request = pb.SupervisorServiceTransferConversationRequest(name=name, list=list_name, note=note)
        return (await self._unary(self.stub.TransferConversation, request)).conversation

    async def set_priority(self, name: str, priority: int) -> conversation_pb2.Conversation:
        """Sets an open request's priority (0-9); its List's watchers get the row."""
        request = pb.SetPriorityRequest(name=name, priority=priority)
        return (await self._unary(self.stub.SetPriority, request)).conversation

    async def release(self, name: str, agent: str) -> conversation_pb2.Conversation:
        """Takes an agent (`agents/{id}`) out of an open request (AGENT_LEFT, leave_cause REMOVED); an agent that
        is not in it is left as it is."""
        request = pb.ReleaseParticipantRequest(name=name, agent=agent)
        return (await self._unary(self.stub.ReleaseParticipant, request)).conversation

    async def whisper(self, name: str, text: str) -> conversation_pb2.Message:
        """An internal note from the supervisor to the request's agents, never sent to the customer."""
        return (await self._unary(self.stub.Whisper, pb.WhisperRequest(name=name, text=text))).message

    async def barge_in(self, name: str) -> conversation_pb2.Conversation:
        """Joins an open request as a participant with role SUPERVISOR, until it leaves or the request closes or
        moves to another List; again changes nothing."""
        return (await self._unary(self.stub.BargeIn, pb.BargeInRequest(name=name))).conversation

    async def send(self, name: str, text: str, request_id: str | None = None) -> conversation_pb2.Message:
        """Writes to the customer of a request the supervisor barged into (`NotParticipant` otherwise). Sending
        again with the same `request_id` returns the first message and writes nothing; without one, a fresh id
        is made for this call, which gRPC's own retries of UNAVAILABLE keep."""
        request_id = request_id or new_message_id()
        request = pb.SupervisorServiceSendMessageRequest(name=name, text=text, request_id=request_id)
        return (await self._unary(self.stub.SendMessage, request)).message

    async def leave(self, name: str) -> conversation_pb2.Conversation:
        """Leaves a request the supervisor barged into; leaving one it is not in changes nothing."""
        request = pb.SupervisorServiceLeaveConversationRequest(name=name)
        return (await self._unary(self.stub.LeaveConversation, request)).conversation

    def watch_queues(
        self, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> ResumableWatch[supervisor_events_pb2.QueueEvent]:
        """The supervisor's Lists as WatchLists sends them (`list_event`), with each List's figures (`figures`):
        opening, SYNCED, then live; a List it gains comes as SUBSCRIBED, one it loses (or that is deleted) as
        UNSUBSCRIBED. Reconnects and resumes by itself (an event with `reset` set replaces what the console
        holds)."""
        return ResumableWatch(
            lambda token: self.stub.WatchQueues(pb.WatchQueuesRequest(resume_token=token)),
            resume_token=resume_token,
            backoff=backoff,
            on_retry=on_retry,
        )

    def watch_agents(
        self, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> ResumableWatch[supervisor_events_pb2.AgentStatusEvent]:
        """The agents of the supervisor's Lists, each a whole `AgentStatus` (presence, Lists, open conversations,
        load against its cap): a SNAPSHOT each, SYNCED, then ADDED, UPDATED and REMOVED. Reconnects and resumes
        by itself (a resumed stream sends every status again, UPDATED)."""
        return ResumableWatch(
            lambda token: self.stub.WatchAgents(pb.WatchAgentsRequest(resume_token=token)),
            resume_token=resume_token,
            backoff=backoff,
            on_retry=on_retry,
        )

    def monitor(
        self, name: str, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> ResumableWatch[events_pb2.ConversationEvent]:
        """A silent monitor of one request: its messages so far (internal notes included), SYNCED, then its events
        and who is typing or viewing (ACTIVITY, live only), to the close; nobody in it is told. Reconnects and
        resumes by itself; raises `NotEntitled` once the request leaves the supervisor's Lists."""
        return ResumableWatch(
            lambda token: self.stub.MonitorConversation(pb.MonitorConversationRequest(name=name, resume_token=token)),
            resume_token=resume_token,
            backoff=backoff,
            on_retry=on_retry,
        )
