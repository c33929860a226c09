"""AgentService: what agent desktops call. The agent is the one the bearer token names, never a request field;
the rules live in pullrouting.domain.conversation, the transactions in pullrouting.store."""

from collections.abc import AsyncIterator

import grpc

from pullrouting.api.activity import Activities, activity_fields
from pullrouting.api.auth import current_principal
from pullrouting.api.conversation_pages import conversation_page, transcript_page
from pullrouting.api.desk import Desks
from pullrouting.api.limits import RateLimiter
from pullrouting.api.mappings import (
    close_reason_from_proto,
    conversation_to_proto,
    invitation_to_proto,
    message_to_proto,
    visibility_from_proto,
)
from pullrouting.api.pagination import after_position, page, page_size
from pullrouting.api.presence import AgentStreams
from pullrouting.api.resources import LIST, PRESENCE_FROM_PROTO, PRESENCE_TO_PROTO
from pullrouting.api.timestamps import to_timestamp
from pullrouting.api.watch import Streams
from pullrouting.domain import conversation as rules
from pullrouting.domain.errors import Violations
from pullrouting.domain.model import ConversationState, Subscription, WrapUp
from pullrouting.domain.names import (
    AGENTS,
    CONVERSATIONS,
    LISTS,
    check_invitation_name,
    check_message_name,
    check_name,
    format_name,
    parse_name,
)
from pullrouting.domain.presence import check_settable
from pullrouting.store import conversations, invitations, read_positions, subscriptions, transcripts
from pullrouting.store import presence as presence_store
from pullrouting.store.database import Database
from pullrouting.store.events import now_micros
from pullrouting.v1 import agent_service_pb2 as pb
from pullrouting.v1 import agent_service_pb2_grpc


def _agent_id() -> str:
    agent_id = current_principal().id
    assert agent_id is not None, "the admission admits only agents to this service"
    return agent_id


def _subscription_to_proto(subscription: Subscription) -> pb.Subscription:
    return pb.Subscription(
        list=format_name(LISTS, subscription.list_id), create_time=to_timestamp(subscription.create_time)
    )


def _summary_to_proto(summary: subscriptions.ListSummary) -> pb.ListSummary:
    return pb.ListSummary(
        list=LIST.to_proto(summary.routing_list),
        subscribed=summary.subscribed,
        unread_count=summary.counts[ConversationState.UNREAD],
        active_count=summary.counts[ConversationState.ACTIVE],
        inactive_count=summary.counts[ConversationState.INACTIVE],
    )


def _message_fields(request: pb.SendMessageRequest) -> tuple[str, str | None]:
    """The conversation id of a valid SendMessage and the id of its expected_last_message (None when empty);
    INVALID_ARGUMENT naming every bad field otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.conversation, CONVERSATIONS, "conversation")
    rules.check_text(violations, request.text, "text")
    rules.check_idempotency_key(violations, request.client_message_id, "client_message_id")
    expected_id = rules.check_expected_last_message(
        violations, request.expected_last_message, conversation_id, "expected_last_message"
    )
    violations.raise_if_any()
    assert conversation_id is not None
    return conversation_id, expected_id


def _mark_read_fields(request: pb.MarkReadRequest) -> tuple[str, tuple[str, str]]:
    """The conversation id and the message's (conversation id, message id); INVALID_ARGUMENT naming every
    bad field otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.conversation, CONVERSATIONS, "conversation")
    message = check_message_name(violations, request.message, "message")
    violations.raise_if_any()
    assert conversation_id is not None and message is not None
    return conversation_id, message


def _close_fields(request: pb.CloseConversationRequest) -> tuple[str, WrapUp]:
    """The conversation id and wrap-up of a valid CloseConversation; INVALID_ARGUMENT otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.name, CONVERSATIONS, "name")
    wrap_up = rules.check_wrap_up_fields(violations, request.wrap_up.codes, request.wrap_up.note, "wrap_up")
    violations.raise_if_any()
    assert conversation_id is not None
    return conversation_id, wrap_up


def _transfer_fields(request: pb.TransferConversationRequest) -> tuple[str, str]:
    """The conversation and target list ids of a valid TransferConversation; INVALID_ARGUMENT otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.name, CONVERSATIONS, "name")
    list_id = check_name(violations, request.list, LISTS, "list")
    rules.check_note(violations, request.note, "note")
    violations.raise_if_any()
    assert conversation_id is not None and list_id is not None
    return conversation_id, list_id


def _return_fields(request: pb.ReturnConversationRequest) -> str:
    """The conversation id of a valid ReturnConversation; INVALID_ARGUMENT otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.name, CONVERSATIONS, "name")
    rules.check_note(violations, request.note, "note")
    violations.raise_if_any()
    assert conversation_id is not None
    return conversation_id


def _invite_fields(request: pb.InviteAgentRequest) -> tuple[str, str]:
    """The conversation and invited agent ids of a valid InviteAgent; INVALID_ARGUMENT otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, request.name, CONVERSATIONS, "name")
    invitee_id = check_name(violations, request.agent, AGENTS, "agent")
    rules.check_note(violations, request.note, "note")
    violations.raise_if_any()
    assert conversation_id is not None and invitee_id is not None
    return conversation_id, invitee_id


def _invitation_name(name: str) -> tuple[str, str]:
    """(conversation id, invitation id) of a valid invitation name; INVALID_ARGUMENT otherwise."""
    violations = Violations()
    found = check_invitation_name(violations, name, "name")
    violations.raise_if_any()
    assert found is not None
    return found


class AgentServicer(agent_service_pb2_grpc.AgentServiceServicer):
    def __init__(
        self,
        database: Database,
        streams: Streams,
        desks: Desks,
        subscription_changes: RateLimiter,
        agent_streams: AgentStreams,
        invitation_ttl_seconds: float,
        activities: Activities,
    ) -> None:
        self._database = database
        self._activities = activities
        self._invitation_ttl_seconds = invitation_ttl_seconds
        self._streams = streams
        self._desks = desks
        self._subscription_changes = subscription_changes
        self._agent_streams = agent_streams

    async def ListLists(self, request: pb.ListListsRequest, context: grpc.aio.ServicerContext) -> pb.ListListsResponse:
        agent_id, size, after = _agent_id(), page_size(request.page_size), after_position(request.page_token)
        found = await self._database.read(lambda c: subscriptions.list_summaries(c, agent_id, after, size + 1))
        shown, token = page(found, size, lambda summary: (summary.position, summary.routing_list.id))
        return pb.ListListsResponse(lists=[_summary_to_proto(s) for s in shown], next_page_token=token)

    async def Subscribe(self, request: pb.SubscribeRequest, context: grpc.aio.ServicerContext) -> pb.SubscribeResponse:
        agent_id, list_id = _agent_id(), parse_name(request.list, LISTS, "list")
        await self._subscription_changes.check(current_principal())
        subscription = await self._database.run(
            lambda c: subscriptions.subscribe(c, agent_id, list_id), retry_on_conflict=True
        )
        return pb.SubscribeResponse(subscription=_subscription_to_proto(subscription))

    async def Unsubscribe(
        self, request: pb.UnsubscribeRequest, context: grpc.aio.ServicerContext
    ) -> pb.UnsubscribeResponse:
        agent_id, list_id = _agent_id(), parse_name(request.list, LISTS, "list")
        await self._subscription_changes.check(current_principal())
        await self._database.run(lambda c: subscriptions.unsubscribe(c, agent_id, list_id))
        return pb.UnsubscribeResponse()

    async def ListSubscriptions(
        self, request: pb.ListSubscriptionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSubscriptionsResponse:
        agent_id, size, after = _agent_id(), page_size(request.page_size), after_position(request.page_token)
        found = await self._database.read(lambda c: subscriptions.list_subscriptions(c, agent_id, after, size + 1))
        shown, token = page(found, size, lambda subscription: (subscription.create_time, subscription.list_id))
        return pb.ListSubscriptionsResponse(
            subscriptions=[_subscription_to_proto(s) for s in shown], next_page_token=token
        )

    async def ListConversations(
        self, request: pb.ListConversationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListConversationsResponse:
        agent_id, list_id = _agent_id(), parse_name(request.parent, LISTS, "parent")
        shown, token = await conversation_page(
            self._database, request, lambda c, *page: conversations.list_for_agent(c, agent_id, list_id, *page)
        )
        return pb.ListConversationsResponse(conversations=shown, next_page_token=token)

    async def GetConversation(
        self, request: pb.GetConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetConversationResponse:
        agent_id, conversation_id = _agent_id(), parse_name(request.name, CONVERSATIONS, "name")
        conversation = await self._database.read(lambda c: conversations.get_for_agent(c, agent_id, conversation_id))
        return pb.GetConversationResponse(conversation=conversation_to_proto(conversation))

    async def JoinConversation(
        self, request: pb.JoinConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.JoinConversationResponse:
        agent_id, conversation_id = _agent_id(), parse_name(request.name, CONVERSATIONS, "name")
        conversation = await self._database.run(lambda c: conversations.join(c, agent_id, conversation_id))
        return pb.JoinConversationResponse(conversation=conversation_to_proto(conversation))

    async def LeaveConversation(
        self, request: pb.LeaveConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.LeaveConversationResponse:
        agent_id, conversation_id = _agent_id(), parse_name(request.name, CONVERSATIONS, "name")
        conversation = await self._database.run(lambda c: conversations.leave(c, agent_id, conversation_id))
        return pb.LeaveConversationResponse(conversation=conversation_to_proto(conversation))

    async def CloseConversation(
        self, request: pb.CloseConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.CloseConversationResponse:
        agent_id, (conversation_id, wrap_up) = _agent_id(), _close_fields(request)
        reason = rules.agent_close_reason(close_reason_from_proto(request.reason, "reason"))
        conversation = await self._database.run(
            lambda c: conversations.close_by_agent(c, agent_id, conversation_id, reason, wrap_up)
        )
        return pb.CloseConversationResponse(conversation=conversation_to_proto(conversation))

    async def SendMessage(
        self, request: pb.SendMessageRequest, context: grpc.aio.ServicerContext
    ) -> pb.SendMessageResponse:
        agent_id, (conversation_id, expected_id) = _agent_id(), _message_fields(request)
        key = request.client_message_id or None
        visibility = visibility_from_proto(request.visibility, "visibility")
        message = await self._database.run(
            lambda c: conversations.send_agent_message(
                c, agent_id, conversation_id, request.text, key, visibility, expected_id
            ),
            retry_on_conflict=True,
        )
        return pb.SendMessageResponse(message=message_to_proto(message))

    async def ListMessages(
        self, request: pb.ListMessagesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListMessagesResponse:
        agent_id, conversation_id = _agent_id(), parse_name(request.parent, CONVERSATIONS, "parent")
        shown, token = await transcript_page(
            self._database, request, lambda c, *page: transcripts.for_agent(c, agent_id, conversation_id, *page)
        )
        return pb.ListMessagesResponse(messages=shown, next_page_token=token)

    async def WatchLists(
        self, request: pb.WatchListsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchListsResponse | bytes]:
        agent_id = _agent_id()
        responses = self._streams.watch_lists(agent_id, request.resume_token, context)
        async for response in self._agent_streams.present_while_open(agent_id, responses):
            yield response

    async def WatchConversation(
        self, request: pb.WatchConversationRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchConversationResponse]:
        agent_id, conversation_id = _agent_id(), parse_name(request.name, CONVERSATIONS, "name")
        responses = self._streams.watch_conversation(agent_id, conversation_id, request.resume_token, context)
        async for response in self._agent_streams.present_while_open(agent_id, responses):
            yield response

    async def TransferConversation(
        self, request: pb.TransferConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.TransferConversationResponse:
        agent_id, (conversation_id, list_id) = _agent_id(), _transfer_fields(request)
        conversation = await self._database.run(
            lambda c: conversations.transfer(c, agent_id, conversation_id, list_id, request.note)
        )
        return pb.TransferConversationResponse(conversation=conversation_to_proto(conversation))

    async def ReturnConversation(
        self, request: pb.ReturnConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReturnConversationResponse:
        agent_id, conversation_id = _agent_id(), _return_fields(request)
        conversation = await self._database.run(
            lambda c: conversations.return_to_list(c, agent_id, conversation_id, request.note)
        )
        return pb.ReturnConversationResponse(conversation=conversation_to_proto(conversation))

    async def InviteAgent(
        self, request: pb.InviteAgentRequest, context: grpc.aio.ServicerContext
    ) -> pb.InviteAgentResponse:
        agent_id, (conversation_id, invitee_id) = _agent_id(), _invite_fields(request)
        invitation = await self._database.run(
            lambda c: invitations.invite(
                c, agent_id, conversation_id, invitee_id, request.note, self._invitation_ttl_seconds
            ),
            retry_on_conflict=True,
        )
        return pb.InviteAgentResponse(invitation=invitation_to_proto(invitation))

    async def AcceptInvitation(
        self, request: pb.AcceptInvitationRequest, context: grpc.aio.ServicerContext
    ) -> pb.AcceptInvitationResponse:
        agent_id, (conversation_id, invitation_id) = _agent_id(), _invitation_name(request.name)
        conversation = await self._database.run(
            lambda c: invitations.accept(c, agent_id, conversation_id, invitation_id)
        )
        return pb.AcceptInvitationResponse(conversation=conversation_to_proto(conversation))

    async def DeclineInvitation(
        self, request: pb.DeclineInvitationRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeclineInvitationResponse:
        agent_id, (conversation_id, invitation_id) = _agent_id(), _invitation_name(request.name)
        invitation = await self._database.run(
            lambda c: invitations.decline(c, agent_id, conversation_id, invitation_id)
        )
        return pb.DeclineInvitationResponse(invitation=invitation_to_proto(invitation))

    async def SetPresence(
        self, request: pb.SetPresenceRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetPresenceResponse:
        agent_id, presence = _agent_id(), check_settable(PRESENCE_FROM_PROTO.get(request.presence))
        shown = await self._database.run(lambda c: presence_store.set_presence(c, agent_id, presence, now_micros()))
        return pb.SetPresenceResponse(presence=PRESENCE_TO_PROTO[shown])

    def WatchDesk(
        self, request: pb.WatchDeskRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchDeskResponse | bytes]:
        # The desk's responses themselves, not passed on by a generator of this method's own: one layer less
        # for each of them (api/rpcs.py iterates whatever the method returns).
        agent_id = _agent_id()
        responses = self._desks.watch_desk(agent_id, request.resume_token, context)
        return self._agent_streams.present_while_open(agent_id, responses)

    async def MarkRead(self, request: pb.MarkReadRequest, context: grpc.aio.ServicerContext) -> pb.MarkReadResponse:
        agent_id, conversation_id, message = _agent_id(), *_mark_read_fields(request)
        unread_count = await self._database.run(
            lambda c: read_positions.mark_read(c, agent_id, conversation_id, message, now_micros())
        )
        return pb.MarkReadResponse(unread_count=unread_count)

    async def SetActivity(
        self, request: pb.SetActivityRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetActivityResponse:
        conversation_id, activity = activity_fields(request.name, request.activity, "name")
        expire_time = await self._activities.set_by_agent(current_principal(), conversation_id, activity)
        return pb.SetActivityResponse(expire_time=expire_time)
