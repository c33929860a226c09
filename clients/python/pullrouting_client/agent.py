"""AgentService for agent desktops: plain arguments in, generated messages out, watches that resume."""

import uuid
from collections.abc import Iterable

import grpc

from pullrouting.v1 import agent_service_pb2 as pb
from pullrouting.v1 import agent_service_pb2_grpc, conversation_pb2, events_pb2
from pullrouting_client.watch import Backoff, OnRetry, ResumableWatch


class AgentClient:
    """The calls of one agent: the agent is the one the channel's token names."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.stub = agent_service_pb2_grpc.AgentServiceStub(channel)

    async def list_lists(self) -> list[pb.ListSummary]:
        """Every List the agent is entitled to, with counts per state, all pages."""
        found: list[pb.ListSummary] = []
        page_token = ""
        while True:
            response = await self.stub.ListLists(pb.ListListsRequest(page_size=1000, page_token=page_token))
            found.extend(response.lists)
            page_token = response.next_page_token
            if not page_token:
                return found

    async def subscribe(self, list_name: str) -> pb.Subscription:
        return (await self.stub.Subscribe(pb.SubscribeRequest(list=list_name))).subscription

    async def unsubscribe(self, list_name: str) -> None:
        await self.stub.Unsubscribe(pb.UnsubscribeRequest(list=list_name))

    async def list_conversations(
        self, list_name: str, states: Iterable[conversation_pb2.ConversationState] = ()
    ) -> list[conversation_pb2.Conversation]:
        """Requests on a List, oldest first (the open ones unless `states` says otherwise), all pages."""
        found: list[conversation_pb2.Conversation] = []
        page_token = ""
        while True:
            response = await self.stub.ListConversations(
                pb.ListConversationsRequest(
                    parent=list_name, states=list(states), page_size=1000, page_token=page_token
                )
            )
            found.extend(response.conversations)
            page_token = response.next_page_token
            if not page_token:
                return found

    async def get(self, name: str) -> conversation_pb2.Conversation:
        return (await self.stub.GetConversation(pb.GetConversationRequest(name=name))).conversation

    async def join(self, name: str) -> conversation_pb2.Conversation:
        return (await self.stub.JoinConversation(pb.JoinConversationRequest(name=name))).conversation

    async def leave(self, name: str) -> conversation_pb2.Conversation:
        return (await self.stub.LeaveConversation(pb.LeaveConversationRequest(name=name))).conversation

    async def close(
        self, name: str, reason: conversation_pb2.CloseReason = conversation_pb2.CLOSE_REASON_AGENT
    ) -> conversation_pb2.Conversation:
        request = pb.CloseConversationRequest(name=name, reason=reason)
        return (await self.stub.CloseConversation(request)).conversation

    async def send(self, name: str, text: str, client_message_id: str | None = None) -> conversation_pb2.Message:
        """Writes to the customer. The message id defaults to a fresh UUID; pass your own to retry safely."""
        request = pb.SendMessageRequest(
            conversation=name, text=text, client_message_id=client_message_id or str(uuid.uuid4())
        )
        return (await self.stub.SendMessage(request)).message

    def watch_lists(
        self, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> ResumableWatch[events_pb2.ListEvent]:
        """The subscribed Lists: snapshot, SYNCED, then live events; reconnects and resumes by itself."""
        return ResumableWatch(
            lambda token: self.stub.WatchLists(pb.WatchListsRequest(resume_token=token)),
            resume_token=resume_token,
            backoff=backoff,
            on_retry=on_retry,
        )

    def watch_conversation(
        self, name: str, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> ResumableWatch[events_pb2.ConversationEvent]:
        """One conversation: history, SYNCED, then live events; ends when the agent leaves or it closes."""
        return ResumableWatch(
            lambda token: self.stub.WatchConversation(pb.WatchConversationRequest(name=name, resume_token=token)),
            resume_token=resume_token,
            backoff=backoff,
            on_retry=on_retry,
        )
