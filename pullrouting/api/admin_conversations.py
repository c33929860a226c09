"""The Admin service's conversation RPCs, for supervisors (admin role): list across lists, get, read the
transcript, force-close."""

import grpc

from pullrouting.api.conversation_pages import conversation_page
from pullrouting.api.mappings import conversation_to_proto, message_key, message_to_proto
from pullrouting.api.pagination import after_position, page, page_size
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
            self._database, request, lambda c, *page: conversations.list_for_supervisor(c, list_id, *page)
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
        size, after = page_size(request.page_size), after_position(request.page_token)
        found = await self._database.read(lambda c: transcripts.for_supervisor(c, conversation_id, after, size + 1))
        shown, token = page(found, size, message_key)
        return pb.ListConversationMessagesResponse(messages=[message_to_proto(m) for m in shown], next_page_token=token)

    async def ForceCloseConversation(
        self, request: pb.ForceCloseConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.ForceCloseConversationResponse:
        conversation_id = parse_name(request.name, CONVERSATIONS, "name")
        conversation = await self._database.run(lambda c: conversations.force_close(c, conversation_id))
        return pb.ForceCloseConversationResponse(conversation=conversation_to_proto(conversation))
