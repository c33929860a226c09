"""A page of conversations as the services list them: the request's states, page size and order, and a page
token bound to that order; likewise a page of a transcript. Who may see which List is the store query's
business."""

from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import Connection

from pullrouting.api.mappings import (
    conversation_to_proto,
    message_key,
    message_to_proto,
    ordered_page,
    ordered_page_after,
    states_filter,
)
from pullrouting.api.pagination import after_position, page, page_size
from pullrouting.domain.model import Conversation, ConversationState, Message
from pullrouting.domain.ordering import ConversationOrder, parse_order_by
from pullrouting.store.database import Database
from pullrouting.v1 import conversation_pb2

# Reads up to `limit` messages of the conversation, oldest first, after this (time, id).
TranscriptQuery = Callable[[Connection, tuple[int, str] | None, int], list[Message]]


class ConversationPageRequest(Protocol):
    @property
    def states(self) -> Sequence[int]: ...
    @property
    def page_size(self) -> int: ...
    @property
    def order_by(self) -> str: ...
    @property
    def page_token(self) -> str: ...


# Reads up to `limit` conversations in these states, in this order, after this key.
PageQuery = Callable[
    [Connection, tuple[ConversationState, ...], ConversationOrder, tuple[int | str, ...] | None, int],
    list[Conversation],
]


async def conversation_page(
    database: Database, request: ConversationPageRequest, query: PageQuery
) -> tuple[list[conversation_pb2.Conversation], str]:
    """The page the request asks for and the token of the next one ("" after the last)."""
    states, size, order = (
        states_filter(request.states),
        page_size(request.page_size),
        parse_order_by(request.order_by),
    )
    after = ordered_page_after(request.page_token, order)
    found = await database.read(lambda c: query(c, states, order, after, size + 1))
    shown, token = ordered_page(found, size, order)
    return [conversation_to_proto(c) for c in shown], token


class TranscriptPageRequest(Protocol):
    @property
    def page_size(self) -> int: ...
    @property
    def page_token(self) -> str: ...


async def transcript_page(
    database: Database, request: TranscriptPageRequest, query: TranscriptQuery
) -> tuple[list[conversation_pb2.Message], str]:
    """The page of messages the request asks for and the token of the next one ("" after the last)."""
    size, after = page_size(request.page_size), after_position(request.page_token)
    found = await database.read(lambda c: query(c, after, size + 1))
    shown, token = page(found, size, message_key)
    return [message_to_proto(m) for m in shown], token
