"""The Admin service's conversation RPCs: list across lists, get, read the transcript and force-close any
conversation (a supervisor's, within its Lists, are SupervisorService's)."""

import grpc

from pullrouting.api.audit import audited
from pullrouting.api.conversation_pages import conversation_page, transcript_page
from pullrouting.api.mappings import conversation_to_proto
from pullrouting.domain.names import CONVERSATIONS, LISTS, parse_name
from pullrouting.store import conversations, transcripts
from pullrouting.store.database import Database
from pullrouting.v1 import admin_service_pb2 as pb

# `lists/-` (AIP-159), or an empty parent, lists conversations across every list.
EVERY_LIST = ("", f"{LISTS}/-")


class AdminConversationMethods:
    """Mixed into the AdminServicer, which sets `_database`."""

    _database: Database

    async def ListConversations(
        self, request: pb.AdminServiceListConversationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.AdminServiceListConversationsResponse:
        list_id = None if request.parent in EVERY_LIST else parse_name(request.parent, LISTS, "parent")
        shown, token = await conversation_page(
            self._database, request, lambda c, *page: conversations.list_for_admin(c, list_id, *page)
        )
        return pb.AdminServiceListConversationsResponse(conversations=shown, next_page_token=token)

    async def GetConversation(
        self, request: pb.AdminServiceGetConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.AdminServiceGetConversationResponse:
        conversation_id = parse_name(request.name, CONVERSATIONS, "name")
        conversation = await self._database.read(lambda c: conversations.get(c, conversation_id))
        return pb.AdminServiceGetConversationResponse(conversation=conversation_to_proto(conversation))

    async def ListConversationMessages(
        self, request: pb.ListConversationMessagesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListConversationMessagesResponse:
        conversation_id = parse_name(request.parent, CONVERSATIONS, "parent")
        shown, token = await transcript_page(
            self._database, request, lambda c, *page: transcripts.for_admin(c, conversation_id, *page)
        )
        return pb.ListConversationMessagesResponse(messages=shown, next_page_token=token)

    async def ForceCloseConversation(
        self, request: pb.ForceCloseConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.ForceCloseConversationResponse:
        conversation_id = parse_name(request.name, CONVERSATIONS, "name")
        conversation = await self._database.run(
            audited(lambda c: conversations.force_close(c, conversation_id), "ForceCloseConversation", request.name)
        )
        return pb.ForceCloseConversationResponse(conversation=conversation_to_proto(conversation))
