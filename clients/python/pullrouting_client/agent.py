"""AgentService for agent desks: plain arguments in, generated messages out, typed refusals, watches that resume."""

import uuid
from collections.abc import Iterable
from datetime import datetime

import grpc

from pullrouting.v1 import agent_service_pb2 as pb
from pullrouting.v1 import agent_service_pb2_grpc, conversation_pb2, events_pb2
from pullrouting_client.activity import expire_time
from pullrouting_client.calls import DEFAULT_TIMEOUT, PAGE_SIZE, ServiceClient
from pullrouting_client.enums import Activity, CloseReason, ConversationState, Presence
from pullrouting_client.watch import Backoff, OnRetry, ResumableWatch


class AgentClient(ServiceClient):
    """The calls of one agent: the agent is the one the channel's token names.

    Every unary call has the client's deadline (`timeout`, 10 s by default), is retried by gRPC on UNAVAILABLE
    and raises a `PullroutingError` subclass when refused (`NotSubscribed`, `ListFull`...).
    """

    def __init__(self, channel: grpc.aio.Channel, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        super().__init__(channel, timeout=timeout)
        self.stub = agent_service_pb2_grpc.AgentServiceStub(channel)

    async def list_lists(self) -> list[pb.ListSummary]:
        """Every List the agent is entitled to, with its counts per state and whether it is subscribed."""
        return await self._all_pages(
            self.stub.ListLists, lambda token: pb.ListListsRequest(page_size=PAGE_SIZE, page_token=token), "lists"
        )

    async def subscribe(self, list_name: str) -> pb.Subscription:
        """Subscribes to an entitled List (`lists/{id}`): its requests reach the watches. Idempotent."""
        return (await self._unary(self.stub.Subscribe, pb.SubscribeRequest(list=list_name))).subscription

    async def unsubscribe(self, list_name: str) -> None:
        """Ends a subscription; the agent's own conversations on the List stay its own. Idempotent."""
        await self._unary(self.stub.Unsubscribe, pb.UnsubscribeRequest(list=list_name))

    async def list_subscriptions(self) -> list[pb.Subscription]:
        """The agent's subscriptions, oldest first."""
        return await self._all_pages(
            self.stub.ListSubscriptions,
            lambda token: pb.ListSubscriptionsRequest(page_size=PAGE_SIZE, page_token=token),
            "subscriptions",
        )

    async def list_conversations(
        self, list_name: str, states: Iterable[ConversationState] = ()
    ) -> list[conversation_pb2.Conversation]:
        """Requests on a List, oldest first (the open ones unless `states` says otherwise), all pages."""
        return await self._all_pages(
            self.stub.ListConversations,
            lambda token: pb.ListConversationsRequest(
                parent=list_name, states=list(states), page_size=PAGE_SIZE, page_token=token
            ),
            "conversations",
        )

    async def get(self, name: str) -> conversation_pb2.Conversation:
        """One conversation (`conversations/{id}`) on an entitled List, or one the agent is in."""
        return (await self._unary(self.stub.GetConversation, pb.GetConversationRequest(name=name))).conversation

    async def list_messages(self, name: str) -> list[conversation_pb2.Message]:
        """The transcript of a conversation, oldest first: to read a request before joining it."""
        return await self._all_pages(
            self.stub.ListMessages,
            lambda token: pb.ListMessagesRequest(parent=name, page_size=PAGE_SIZE, page_token=token),
            "messages",
        )

    async def join(self, name: str) -> conversation_pb2.Conversation:
        """Joins an open request on a subscribed List: it becomes ACTIVE. Idempotent. Refusals include
        `NotSubscribed`, `ListFull`, `AgentAtCapacity`, `ConversationClosed`."""
        return (await self._unary(self.stub.JoinConversation, pb.JoinConversationRequest(name=name))).conversation

    async def leave(self, name: str) -> conversation_pb2.Conversation:
        """Leaves a conversation; the last agent out leaves it INACTIVE. Idempotent."""
        return (await self._unary(self.stub.LeaveConversation, pb.LeaveConversationRequest(name=name))).conversation

    async def close(self, name: str, reason: CloseReason = CloseReason.AGENT) -> conversation_pb2.Conversation:
        """Closes an open request on a subscribed List (reason AGENT, or INACTIVITY)."""
        request = pb.CloseConversationRequest(name=name, reason=reason)
        return (await self._unary(self.stub.CloseConversation, request)).conversation

    async def send(self, name: str, text: str, client_message_id: str | None = None) -> conversation_pb2.Message:
        """Writes to the customer. Sending again with the same `client_message_id` returns the first message
        and writes nothing: to retry after a failure, pass the id of the first attempt (`new_message_id()`
        makes one). Without one, a fresh id is made for this call, which gRPC's own retries of UNAVAILABLE
        keep."""
        request = pb.SendMessageRequest(
            conversation=name, text=text, client_message_id=client_message_id or new_message_id()
        )
        return (await self._unary(self.stub.SendMessage, request)).message

    async def set_presence(self, presence: Presence) -> Presence:
        """Sets the agent's presence, AVAILABLE or AWAY; returns the presence now (OFFLINE while the agent has no
        open stream)."""
        response = await self._unary(self.stub.SetPresence, pb.SetPresenceRequest(presence=presence))
        return Presence(response.presence)

    async def mark_read(self, conversation: str, message: str) -> int:
        """Marks `message` (`conversations/{id}/messages/{id}`) and every one before it read; returns how many
        messages of others are unread after it."""
        request = pb.MarkReadRequest(conversation=conversation, message=message)
        return (await self._unary(self.stub.MarkRead, request)).unread_count

    async def set_activity(self, name: str, activity: Activity) -> datetime | None:
        """Tells the conversation's watchers (and, for TYPING, the connector) what the agent is doing in it:
        TYPING or NONE in one it is in, VIEWING in any it may read. Live only, stored nowhere; it ends by itself at
        the time returned (None for NONE) unless set again before then, as a desk does every few seconds."""
        request = pb.SetActivityRequest(name=name, activity=activity)
        return expire_time(await self._unary(self.stub.SetActivity, request))

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

    def watch_desk(
        self, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> ResumableWatch[events_pb2.DeskEvent]:
        """Everything a desk shows on one stream: the agent's presence, the conversations it is in (from its
        join to its leave or the close, whatever its subscriptions), its subscribed Lists, read positions and
        unread counts. Opens with the presence, a SNAPSHOT per conversation, the Lists' snapshot and a SYNCED
        list event; reconnects and resumes by itself (an event with `reset` set replaces what the desk holds)."""
        return ResumableWatch(
            lambda token: self.stub.WatchDesk(pb.WatchDeskRequest(resume_token=token)),
            resume_token=resume_token,
            backoff=backoff,
            on_retry=on_retry,
        )


def new_message_id() -> str:
    """A fresh client_message_id: keep it with the text until the message is sent, and retry with it."""
    return str(uuid.uuid4())
