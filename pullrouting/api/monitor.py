"""MonitorConversation: a supervisor's silent view of one conversation on its Lists: the messages so far
(internal notes included), SYNCED, then every conversation event as WatchConversation sends it, until the
close. The typing and viewing of those in it (ACTIVITY) come live as WatchConversation sends them: no resume
token, never replayed.

Silent: opening, reading and ending it writes nothing. The supervisor is no participant, so no agent or
customer sees it, no event tells of it, and it counts against no List's max_participants and no agent's cap.
Only the `pullrouting_open_streams{kind="monitor"}` gauge counts it. It ends with NOT_ENTITLED once the
conversation is on none of the supervisor's Lists: transferred away, or the supervisor lost the List (its
change is a PRINCIPAL event, after which the Lists are read again)."""

import functools
from collections.abc import AsyncIterator, Callable

import grpc
from sqlalchemy import Connection

from pullrouting.api.activity import activity_event
from pullrouting.api.mappings import conversation_to_proto, message_key
from pullrouting.api.supervisor_views import open_stream
from pullrouting.api.watch import Streams, conversation_response, message_response
from pullrouting.domain import supervision
from pullrouting.domain.activity import ActivityNotice
from pullrouting.domain.events import ConversationEventType, EventKind, conversation_from_payload
from pullrouting.domain.model import ConversationState, Message
from pullrouting.store import supervisor_streams
from pullrouting.store.events import StoredEvent, Wanted
from pullrouting.store.pages import Key, Page, Shown
from pullrouting.v1 import events_pb2, supervisor_service_pb2

HISTORY_PAGE = 50
ConversationType = events_pb2.ConversationEventType


class Monitors:
    def __init__(self, streams: Streams) -> None:
        self._streams = streams

    async def monitor_conversation(
        self, supervisor_id: str, conversation_id: str, resume_token: str, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[supervisor_service_pb2.MonitorConversationResponse]:
        streams = self._streams
        opened = open_stream(streams, supervisor_id, f"MonitorConversation/{conversation_id}", resume_token, context)
        call, myself = opened.call, str(opened.principal)

        def wants(event: StoredEvent) -> bool:
            if event.kind is EventKind.PRINCIPAL:
                return event.payload["principal"] == myself
            return event.kind is EventKind.CONVERSATION and event.conversation_id == conversation_id

        def wants_notice(notice: ActivityNotice) -> bool:
            return notice.conversation_id == conversation_id

        def wanted() -> Wanted:
            return Wanted(conversation_ids=frozenset({conversation_id}), principal_events=True)

        def read(after: Key | None) -> Callable[[Connection], Page[Message]]:
            return functools.partial(
                supervisor_streams.history_page,
                supervisor_id=supervisor_id,
                conversation_id=conversation_id,
                after=after,
                limit=HISTORY_PAGE,
            )

        with streams.following(call, myself, wanted, wants, wants_notice) as follower:
            start = await streams.database.read(
                functools.partial(
                    supervisor_streams.monitor_start,
                    supervisor_id=supervisor_id,
                    conversation_id=conversation_id,
                    position=opened.position,
                )
            )
            scope, shown = start.scope, Shown()
            call.last_position = start.position
            if start.history:
                async for message in streams.pages(follower, read, message_key, shown):
                    item = message_response(message, start.conversation, call.restart_token, start.reset)
                    yield supervisor_service_pb2.MonitorConversationResponse(event=item.event)
                yield supervisor_service_pb2.MonitorConversationResponse(
                    event=events_pb2.ConversationEvent(
                        type=ConversationType.CONVERSATION_EVENT_TYPE_SYNCED,
                        conversation=conversation_to_proto(start.conversation),
                        resume_token=call.last_token,
                        reset=start.reset,
                    )
                )
                if start.conversation.state is ConversationState.CLOSED:
                    return
            conversation = start.conversation
            async for event, after in streams.events(call, follower, start.position):
                if isinstance(event, ActivityNotice):
                    yield supervisor_service_pb2.MonitorConversationResponse(event=activity_event(event))
                    continue
                if event.kind is EventKind.PRINCIPAL:
                    scope = await streams.database.read(
                        functools.partial(supervisor_streams.scope, supervisor_id=supervisor_id)
                    )
                else:
                    conversation = conversation_from_payload(event.payload["conversation"])
                # Refused as a conversation off the supervisor's Lists: the List it went to is not named.
                supervision.check_conversation_in_scope(conversation, conversation_id, scope)
                if event.kind is EventKind.PRINCIPAL:
                    continue
                message = event.payload.get("message")
                if message is not None and shown.shows((message["create_time"], message["id"]), event.xact, event.id):
                    continue  # in the history already
                yield supervisor_service_pb2.MonitorConversationResponse(
                    event=conversation_response(event, after, call.tokens).event
                )
                if event.type is ConversationEventType.CONVERSATION_CLOSED:
                    return
