"""The Watch streams: a snapshot (or history), SYNCED, then live events, each carrying a resume token.

A stream follows the events table from a position (bus/follow.py), carried in resume tokens bound to the
stream and its caller (api/resume_tokens.py). A position older than what retention kept gives a fresh
snapshot flagged `reset` (WatchOutbound, which has no
snapshot, answers OUT_OF_RANGE instead). A stream that cannot keep up is cut off with RESOURCE_EXHAUSTED
and resumes from its last token; at shutdown streams end with UNAVAILABLE, so clients reconnect and resume."""

import asyncio
import contextlib
import functools
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from sqlalchemy import Connection

from pullrouting.api.activity import activity_change, activity_event
from pullrouting.api.catch_ups import CatchUpSlots
from pullrouting.api.errors import to_status
from pullrouting.api.handlers import cut_off
from pullrouting.api.mappings import (
    CLOSE_REASON_TO_PROTO,
    CONVERSATION_EVENT_TYPE_TO_PROTO,
    LEAVE_CAUSE_TO_PROTO,
    LIST_ALERT_TO_PROTO,
    LIST_EVENT_TYPE_TO_PROTO,
    OUTBOUND_EVENT_TYPE_TO_PROTO,
    STATE_TO_PROTO,
    conversation_payload_to_proto,
    conversation_to_proto,
    message_to_proto,
    supervisor_of,
)
from pullrouting.api.resume_tokens import ResumeTokens, StreamTokens
from pullrouting.api.timestamps import to_timestamp
from pullrouting.bus.follow import Follower
from pullrouting.bus.hub import EventHub, SlowConsumer, StreamClosed, Subscriber, wants_no_notice
from pullrouting.domain.activity import ActivityNotice
from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.events import (
    ConversationEventType,
    EventKind,
    ListAlert,
    ListEventType,
    SubscriptionEventType,
    alert_of,
    conversation_from_payload,
    leave_cause_of,
    message_from_payload,
)
from pullrouting.domain.model import CloseReason, Conversation, ConversationState, Message, SenderType
from pullrouting.domain.names import AGENTS, CONVERSATIONS, LISTS, format_name
from pullrouting.domain.principal import Principal, Role
from pullrouting.store import streams as stream_store
from pullrouting.store.database import Database
from pullrouting.store.events import Batch, StoredEvent, Wanted
from pullrouting.store.pages import Key, Page, Shown
from pullrouting.store.positions import RESTART, Position
from pullrouting.store.streams import ListWatchStart
from pullrouting.v1 import agent_service_pb2, conversation_pb2, events_pb2, ingest_service_pb2

ListType = events_pb2.ListEventType
ConversationType = events_pb2.ConversationEventType
OutboundType = events_pb2.OutboundEventType
# List events built lately, by event id: enough for every stream a burst reaches to find its event here.
BUILT_LIST_EVENTS = 4096
# Requests (messages) a snapshot (history) page holds: what a stream holds of it at a time, whatever its size.
SNAPSHOT_PAGE = 100
HISTORY_PAGE = 50
T = TypeVar("T")


class SharedListEvent:
    """A list event as every stream it reaches sends it, serialised once: a WatchListsResponse, and for
    desks a WatchDeskResponse, without the resume token. Each stream appends its own token (and a desk its
    unread count) as a second serialised message of the same type: a parser merges the two (protobuf's
    concatenation is a merge), so the client reads one response. Before, every stream copied the event into
    a response of its own (a desk twice) and serialised it."""

    def __init__(self, event: events_pb2.ListEvent) -> None:
        # Shared: nobody changes it.
        self.event = event
        self.conversation_id = event.conversation.name.removeprefix(f"{CONVERSATIONS}/")
        self._lists = agent_service_pb2.WatchListsResponse(event=event).SerializeToString()
        self._desk: bytes | None = None

    def for_lists(self, token: str) -> bytes:
        own = agent_service_pb2.WatchListsResponse(event=events_pb2.ListEvent(resume_token=token))
        return self._lists + own.SerializeToString()

    def for_desk(self, token: str, unread_count: int) -> bytes:
        if self._desk is None:
            shared = agent_service_pb2.WatchDeskResponse(event=events_pb2.DeskEvent(list_event=self.event))
            self._desk = shared.SerializeToString()
        own = events_pb2.DeskEvent(resume_token=token, unread_count=unread_count)
        return self._desk + agent_service_pb2.WatchDeskResponse(event=own).SerializeToString()


@dataclass(frozen=True)
class ListedEvent:
    """A list event as one stream sends it: the event every stream shares, and this stream's token."""

    shared: SharedListEvent
    token: str

    def for_lists(self) -> bytes:
        return self.shared.for_lists(self.token)

    def for_desk(self, unread_count: int) -> bytes:
        return self.shared.for_desk(self.token, unread_count)


@dataclass(frozen=True)
class StreamSettings:
    # Events a stream may have queued before it counts as too slow and is cut off.
    buffer_events: int = 1024
    # Streams of one agent or ingestor that may read missed events from the table at once; 0 for no limit.
    catch_ups_per_principal: int = 4


class Call:
    """One open stream: what it needs to be cut off from outside, its tokens, and the position it last sent."""

    def __init__(self, context: grpc.aio.ServicerContext, tokens: StreamTokens) -> None:
        self.context = context
        self.handler = asyncio.current_task()
        self.tokens = tokens
        # Encoded only when a token is asked for, not for every event sent.
        self.last_position: Position | None = None

    @property
    def last_token(self) -> str:
        return "" if self.last_position is None else self.tokens.encode(self.last_position)

    @property
    def restart_token(self) -> str:
        """The token of an unfinished snapshot's items: resuming from it starts over with a snapshot."""
        return self.tokens.encode(RESTART)

    def slow_consumer(self) -> DomainError:
        return DomainError(
            Reason.SLOW_CONSUMER,
            "the stream fell too far behind and was cut off; reconnect with the last resume_token received",
            resume_token=self.last_token,
        )

    def cut_off_when_stalled(self, subscriber: Subscriber) -> None:
        # A client that stopped reading leaves the handler blocked in a write: end the call from outside;
        # the status is queued behind what was already sent.
        subscriber.on_overflow = lambda: asyncio.get_running_loop().create_task(self._cut_off())

    async def _cut_off(self) -> None:
        await cut_off(self.context, self.handler, to_status(self.slow_consumer()))


def list_response(
    event_type: int, token: str, conversation: Conversation | None = None, **fields: object
) -> agent_service_pb2.WatchListsResponse:
    """The event is built inside its response, not built apart and then copied in."""
    response = agent_service_pb2.WatchListsResponse(event=dict(type=event_type, resume_token=token, **fields))
    if conversation is not None:
        response.event.list = format_name(LISTS, conversation.list_id)
        conversation_to_proto(conversation, response.event.conversation)
    return response


def _payload_list_response(
    event_type: int, token: str, list_id: str, conversation: Mapping[str, Any], **fields: object
) -> agent_service_pb2.WatchListsResponse:
    """list_response for a conversation as an event's payload carries it, on the list the event is for: the
    REMOVED of a transfer names the list the request left, its conversation the list it went to."""
    response = list_response(event_type, token, list=format_name(LISTS, list_id), **fields)
    conversation_payload_to_proto(conversation, response.event.conversation)
    return response


def message_response(
    message: Message, conversation: Conversation, token: str, reset: bool
) -> agent_service_pb2.WatchConversationResponse:
    is_customer = message.sender_type is SenderType.CUSTOMER
    return agent_service_pb2.WatchConversationResponse(
        event=events_pb2.ConversationEvent(
            type=ConversationType.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE
            if is_customer
            else ConversationType.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE,
            conversation=conversation_to_proto(conversation),
            agent=format_name(AGENTS, message.agent_id) if message.agent_id else "",
            message=message_to_proto(message),
            resume_token=token,
            reset=reset,
            event_time=to_timestamp(message.create_time),
        )
    )


class Streams:
    def __init__(self, database: Database, hub: EventHub, settings: StreamSettings, tokens: ResumeTokens) -> None:
        self.database = database
        self._hub = hub
        self._settings = settings
        self.tokens = tokens
        self._catch_ups = CatchUpSlots(settings.catch_ups_per_principal)
        # Oldest first: evicting from a plain dict's front scans the slots deleted before (1 us an event).
        self._built_list_events: OrderedDict[int, SharedListEvent] = OrderedDict()

    @contextlib.contextmanager
    def following(
        self,
        call: Call,
        principal: str,
        wanted: Callable[[], Wanted],
        wants: Callable[[StoredEvent], bool],
        wants_notice: Callable[[ActivityNotice], bool] = wants_no_notice,
    ) -> Iterator[Follower]:
        """The stream's inbox of live events (and the live notices `wants_notice` holds for), from before its
        first message: the slow-consumer budget applies while it sends its snapshot or history too. Its catch-up
        reads what `wanted()` says, taking turns with the principal's other streams."""
        follower = Follower(
            self.database,
            self._hub,
            wanted,
            wants,
            self._settings.buffer_events,
            call.cut_off_when_stalled,
            functools.partial(self._catch_ups.slot, principal),
            wants_notice,
        )
        try:
            yield follower
        except SlowConsumer:
            raise call.slow_consumer() from None
        except StreamClosed:
            raise DomainError(
                Reason.SERVER_SHUTTING_DOWN, "the server is shutting down; reconnect and resume with the last token"
            ) from None
        finally:
            follower.close()

    async def events(
        self, call: Call, follower: Follower, position: Position, first: tuple[Wanted, Batch] | None = None
    ) -> AsyncIterator[tuple[StoredEvent | ActivityNotice, Position]]:
        """The stream's events from `position` (Follower.events, with its first batch when read already)."""
        async for event, after in follower.events(position, first):
            yield event, after
            # Only when the caller asks for the next event has it sent all this one made (a subscription's
            # whole snapshot, say): a stream cut off before then resumes from the event before. A live notice
            # is no place in the order.
            if not isinstance(event, ActivityNotice):
                call.last_position = after

    async def pages(
        self,
        follower: Follower,
        read: Callable[[Key | None], Callable[[Connection], Page[T] | None]],
        key: Callable[[T], Key],
        shown: Shown,
    ) -> AsyncIterator[T]:
        """A snapshot or history, a page at a time (store/pages.py); `shown` records the pages sent."""
        after: Key | None = None
        while True:
            follower.check()  # a stream cut off meanwhile reads no further
            page = await self.database.read(read(after))
            if page is None:
                return
            for item in page.items:
                yield item
            if page.items:
                after = key(page.items[-1])
            shown.add(page, after)
            if page.final:
                return

    def open_pages(
        self, follower: Follower, agent_id: str, list_ids: frozenset[str], shown: Shown
    ) -> AsyncIterator[Conversation]:
        def read(after: Key | None) -> Callable[[Connection], Page[Conversation]]:
            return functools.partial(
                stream_store.open_page, agent_id=agent_id, list_ids=list_ids, after=after, limit=SNAPSHOT_PAGE
            )

        return self.pages(follower, read, conversation_key, shown)

    async def watch_lists(
        self, agent_id: str, resume_token: str, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[agent_service_pb2.WatchListsResponse | bytes]:
        call = Call(context, self.tokens.for_stream(Principal(Role.AGENT, agent_id), "WatchLists"))
        position = call.tokens.decode(resume_token)
        lists = AgentLists(self, call, agent_id)

        def wanted() -> Wanted:
            return Wanted(list_ids=lists.wanted_list_ids(), subscriber=agent_id)

        with self.following(call, format_name(AGENTS, agent_id), wanted, lists.wants) as follower:
            start = await self.database.read(
                functools.partial(stream_store.list_watch_start, agent_id=agent_id, position=position)
            )
            lists.started(start)
            if start.snapshot:
                async for response in lists.snapshot(follower):
                    yield response
                call.last_position = start.position
                yield list_response(ListType.LIST_EVENT_TYPE_SYNCED, call.last_token, reset=start.reset)
            async for event, after in self.events(call, follower, start.position):
                async for response in lists.on_event(follower, event, after):
                    yield response.for_lists() if isinstance(response, ListedEvent) else response

    async def subscription_change(
        self,
        call: Call,
        follower: Follower,
        agent_id: str,
        event: StoredEvent,
        before_event: Position,
        after_event: Position,
        subscribed: set[str],
        shown: dict[str, Shown],
    ) -> AsyncIterator[agent_service_pb2.WatchListsResponse]:
        """SUBSCRIBED adds the list and sends its open requests, read now, then SYNCED; UNSUBSCRIBED drops it.
        Until SYNCED the items carry the token before the subscription, so a resume resends the snapshot whole.
        The list's events up to what the snapshot shows are skipped, so none shows a request older than the
        snapshot did."""
        list_id = event.list_id or ""
        list_name = format_name(LISTS, list_id)
        token = call.tokens.encode(after_event)
        if event.type is SubscriptionEventType.UNSUBSCRIBED:
            # Not for a list this stream never had: a replayed subscription that did not count.
            if list_id in subscribed:
                subscribed.discard(list_id)
                shown.pop(list_id, None)
                yield list_response(ListType.LIST_EVENT_TYPE_UNSUBSCRIBED, token, list=list_name)
            return
        subscribed.add(list_id)
        before = call.tokens.encode(before_event)
        time = to_timestamp(event.create_time)
        yield list_response(ListType.LIST_EVENT_TYPE_SUBSCRIBED, before, list=list_name, event_time=time)
        pages = Shown()
        async for conversation in self.open_pages(follower, agent_id, frozenset({list_id}), pages):
            yield list_response(ListType.LIST_EVENT_TYPE_SNAPSHOT, before, conversation)
        shown[list_id] = pages
        yield list_response(ListType.LIST_EVENT_TYPE_SYNCED, token, list=list_name)

    def list_event_response(self, event: StoredEvent, after: Position, tokens: StreamTokens) -> "ListedEvent":
        """A list event is the same for every stream it reaches, live or catching up, but for the resume token,
        which is each stream's own: it is built and serialised once (SharedListEvent) instead of once per
        subscribed agent, and each stream adds its token."""
        shared = self._built_list_events.get(event.id)
        if shared is None:
            assert isinstance(event.type, ListEventType)
            alert = alert_of(event.payload, event.type)
            built = _payload_list_response(
                LIST_EVENT_TYPE_TO_PROTO[event.type],
                "",
                event.list_id or "",
                event.payload["conversation"],
                alert=LIST_ALERT_TO_PROTO[alert],
                reminder=alert is ListAlert.UNREAD_REMINDER,
                event_time=to_timestamp(event.create_time),
            )
            shared = self._built_list_events[event.id] = SharedListEvent(built.event)
            if len(self._built_list_events) > BUILT_LIST_EVENTS:
                self._built_list_events.popitem(last=False)
        return ListedEvent(shared, tokens.encode(after))

    async def watch_conversation(
        self, agent_id: str, conversation_id: str, resume_token: str, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[agent_service_pb2.WatchConversationResponse]:
        principal = Principal(Role.AGENT, agent_id)
        call = Call(context, self.tokens.for_stream(principal, f"WatchConversation/{conversation_id}"))
        position = call.tokens.decode(resume_token)

        def wants(event: StoredEvent) -> bool:
            return event.kind is EventKind.CONVERSATION and event.conversation_id == conversation_id

        def wants_notice(notice: ActivityNotice) -> bool:
            return notice.conversation_id == conversation_id and notice.agent_id != agent_id

        def read(after: Key | None) -> Callable[[Connection], Page[Message] | None]:
            return functools.partial(
                stream_store.history_page,
                agent_id=agent_id,
                conversation_id=conversation_id,
                after=after,
                limit=HISTORY_PAGE,
            )

        def wanted() -> Wanted:
            return Wanted(conversation_ids=frozenset({conversation_id}))

        with self.following(call, format_name(AGENTS, agent_id), wanted, wants, wants_notice) as follower:
            start = await self.database.read(
                functools.partial(
                    stream_store.conversation_watch_start,
                    agent_id=agent_id,
                    conversation_id=conversation_id,
                    position=position,
                )
            )
            shown = Shown()
            if start.history:
                async for message in self.pages(follower, read, _message_key, shown):
                    yield message_response(message, start.conversation, call.restart_token, start.reset)
                call.last_position = start.position
                yield agent_service_pb2.WatchConversationResponse(
                    event=events_pb2.ConversationEvent(
                        type=ConversationType.CONVERSATION_EVENT_TYPE_SYNCED,
                        conversation=conversation_to_proto(start.conversation),
                        resume_token=call.last_token,
                        reset=start.reset,
                    )
                )
            async for event, after in self.events(call, follower, start.position):
                if isinstance(event, ActivityNotice):
                    yield agent_service_pb2.WatchConversationResponse(event=activity_event(event))
                    continue
                message = event.payload.get("message")
                key = (message["create_time"], message["id"]) if message is not None else None
                if key is not None and shown.shows(key, event.xact, event.id):
                    continue  # in the history already
                yield conversation_response(event, after, call.tokens)
                if event.type is ConversationEventType.CONVERSATION_CLOSED or (
                    event.type is ConversationEventType.AGENT_LEFT and event.agent_id == agent_id
                ):
                    return

    async def watch_outbound(
        self, ingestor_id: str, service_identifier: str, resume_token: str, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[ingest_service_pb2.WatchOutboundResponse]:
        principal = Principal(Role.INGESTOR, ingestor_id)
        # One channel or all of them: the ingestor may resume either from the other's token, it sees both.
        call = Call(context, self.tokens.for_stream(principal, "WatchOutbound"))
        start = await self.database.read(
            functools.partial(
                stream_store.outbound_watch_start,
                ingestor_id=ingestor_id,
                service_identifier=service_identifier,
                position=call.tokens.decode(resume_token),
            )
        )
        scope = _OutboundScope(start.channel_ids, str(principal), single_channel=bool(service_identifier))

        def wanted() -> Wanted:
            return Wanted(outbound_channels=scope.channel_ids, principal_events=True)

        with self.following(call, str(principal), wanted, scope.wants, scope.wants_notice) as follower:
            call.last_position = start.position
            yield ingest_service_pb2.WatchOutboundResponse(
                event=events_pb2.OutboundEvent(
                    type=OutboundType.OUTBOUND_EVENT_TYPE_SYNCED, resume_token=call.last_token
                )
            )
            service_identifiers: dict[str, str] = {}
            async for event, after in self.events(call, follower, start.position):
                if isinstance(event, ActivityNotice):
                    if scope.serves(event):
                        identifier = await self._service_identifier(service_identifiers, event.channel_id)
                        yield _outbound_activity_response(event, identifier)
                    continue
                if event.kind is EventKind.PRINCIPAL:
                    # The ingestor changed: its channels are read again (CHANNEL_NOT_PERMITTED for a lost one).
                    scope.channel_ids = await self.database.read(
                        functools.partial(
                            stream_store.outbound_channel_ids,
                            ingestor_id=ingestor_id,
                            service_identifier=service_identifier,
                        )
                    )
                    continue
                if not scope.serves(event):
                    continue
                identifier = await self._service_identifier(service_identifiers, event.channel_id or "")
                yield _outbound_response(event, after, identifier, call.tokens)

    async def _service_identifier(self, known: dict[str, str], channel_id: str) -> str:
        """The channel's service identifier, read once per stream."""
        if channel_id not in known:
            known[channel_id] = await self.database.read(
                functools.partial(stream_store.service_identifier, channel_id=channel_id)
            )
        return known[channel_id]


class AgentLists:
    """What a stream of an agent's subscribed lists keeps as it goes (WatchLists, and WatchDesk's lists): the
    lists whose events the hub queues for it, the lists subscribed to, and the snapshot pages sent of each."""

    def __init__(self, streams: Streams, call: Call, agent_id: str) -> None:
        self._streams = streams
        self._call = call
        self._agent_id = agent_id
        # Lists whose events the hub queues for this stream: any until the start says which the agent may
        # subscribe to; then those, and any it subscribes to later (an entitlement granted after the stream
        # opened). Precise filtering in on_event.
        self._coarse: set[str] | None = None
        self._subscribed: set[str] = set()
        # The pages each list's snapshot was sent in, while later events may still be in them.
        self._shown: dict[str, Shown] = {}
        self._start: ListWatchStart | None = None

    def wants(self, event: StoredEvent) -> bool:
        if event.kind is EventKind.SUBSCRIPTION:
            if event.agent_id != self._agent_id:
                return False
            if event.type is SubscriptionEventType.SUBSCRIBED and event.list_id and self._coarse is not None:
                self._coarse.add(event.list_id)
            return True
        return event.kind is EventKind.LIST and (self._coarse is None or event.list_id in self._coarse)

    def wanted_list_ids(self) -> frozenset[str]:
        # The start sets the coarse lists before any catch-up.
        return frozenset(self._coarse or ())

    def reads(self, list_ids: frozenset[str]) -> bool:
        """Whether `list_ids` are still the lists `wanted_list_ids` names."""
        return (self._coarse or frozenset()) == list_ids

    def started(self, start: ListWatchStart) -> None:
        self._start = start
        self._coarse = set(start.entitled | start.subscribed)
        self._subscribed = set(start.subscribed)

    def subscribes(self, list_id: str) -> bool:
        return list_id in self._subscribed

    async def snapshot(self, follower: Follower) -> AsyncIterator[agent_service_pb2.WatchListsResponse]:
        """The open requests of the subscribed lists, as SNAPSHOT items carrying the restart token."""
        assert self._start is not None
        opening = Shown()
        pages = self._streams.open_pages(follower, self._agent_id, self._start.subscribed, opening)
        async for conversation in pages:
            yield list_response(
                ListType.LIST_EVENT_TYPE_SNAPSHOT, self._call.restart_token, conversation, reset=self._start.reset
            )
        self._shown.update(dict.fromkeys(self._start.subscribed, opening))

    async def on_event(
        self, follower: Follower, event: StoredEvent, after: Position
    ) -> AsyncIterator[agent_service_pb2.WatchListsResponse | ListedEvent]:
        """What a list or subscription event shows the agent, if anything: a list event as every stream
        shares it (ListedEvent), the responses of a subscription change as messages."""
        assert self._start is not None
        if event.kind is EventKind.SUBSCRIPTION:
            if self._start.replays_unentitled(event):
                return
            before = self._call.last_position or self._start.position
            changes = self._streams.subscription_change(
                self._call, follower, self._agent_id, event, before, after, self._subscribed, self._shown
            )
            async for response in changes:
                yield response
        elif event.kind is EventKind.LIST:
            listed = self.list_event(event, after)
            if listed is not None:
                yield listed

    def list_event(self, event: StoredEvent, after: Position) -> ListedEvent | None:
        """A LIST event as this stream shows it (as every stream shares it); None for a list it is not
        subscribed to, or a request its snapshot showed already."""
        if event.list_id in self._subscribed and not already_shown(self._shown, event):
            return self._streams.list_event_response(event, after, self._call.tokens)
        return None


class _OutboundScope:
    """The channels a WatchOutbound serves, read again at each change of its ingestor (a PRINCIPAL event)."""

    def __init__(self, channel_ids: frozenset[str] | None, principal: str, single_channel: bool) -> None:
        # None for every channel.
        self.channel_ids = channel_ids
        self._principal = principal
        # A stream for all of the ingestor's channels queues every reply: a change may widen its scope, and
        # what the hub queued before the change reached the stream must not be lost. serves() decides.
        self._single_channel = single_channel

    def wants(self, event: StoredEvent) -> bool:
        if event.kind is EventKind.PRINCIPAL:
            return event.payload["principal"] == self._principal
        return event.kind is EventKind.OUTBOUND and (not self._single_channel or self.serves(event))

    def wants_notice(self, notice: ActivityNotice) -> bool:
        """Agents' activity only: the connector shows it to the customer, who knows its own."""
        return notice.agent_id is not None and self.serves(notice)

    def serves(self, event: StoredEvent | ActivityNotice) -> bool:
        return self.channel_ids is None or event.channel_id in self.channel_ids


def conversation_key(conversation: Conversation) -> Key:
    return (conversation.create_time, conversation.id)


def _message_key(message: Message) -> Key:
    return (message.create_time, message.id)


def already_shown(shown: dict[str, Shown], event: StoredEvent) -> bool:
    """Whether the list event is in the snapshot sent of its list; forgets a snapshot once past its pages."""
    pages = shown.get(event.list_id or "")
    if pages is None:
        return False
    if pages.past(event.xact, event.id):
        del shown[event.list_id or ""]
        return False
    conversation = event.payload["conversation"]
    return pages.shows((conversation["create_time"], conversation["id"]), event.xact, event.id)


def _close_reason_value(value: str | None) -> int:
    return CLOSE_REASON_TO_PROTO[CloseReason(value)] if value else conversation_pb2.CLOSE_REASON_UNSPECIFIED


# The events that carry a leave_cause.
LEAVES = (ConversationEventType.AGENT_LEFT, ConversationEventType.SUPERVISOR_LEFT)


def conversation_response(
    event: StoredEvent, after: Position, tokens: StreamTokens
) -> agent_service_pb2.WatchConversationResponse:
    payload = event.payload
    message = payload.get("message")
    previous = payload.get("previous_state")
    event_message = events_pb2.ConversationEvent(
        type=CONVERSATION_EVENT_TYPE_TO_PROTO[event.type],
        agent=format_name(AGENTS, event.agent_id) if event.agent_id else "",
        message=message_to_proto(message_from_payload(message)) if message else None,
        previous_state=STATE_TO_PROTO[ConversationState(previous)]
        if previous
        else conversation_pb2.CONVERSATION_STATE_UNSPECIFIED,
        close_reason=_close_reason_value(payload.get("close_reason")),
        resume_token=tokens.encode(after),
        event_time=to_timestamp(event.create_time),
        leave_cause=LEAVE_CAUSE_TO_PROTO[leave_cause_of(payload)]
        if event.type in LEAVES
        else events_pb2.LEAVE_CAUSE_UNSPECIFIED,
        supervisor=supervisor_of(payload),
    )
    conversation_payload_to_proto(payload["conversation"], event_message.conversation)
    return agent_service_pb2.WatchConversationResponse(event=event_message)


def _outbound_activity_response(
    notice: ActivityNotice, service_identifier: str
) -> ingest_service_pb2.WatchOutboundResponse:
    """An agent's live activity for the connector: no resume_token."""
    return ingest_service_pb2.WatchOutboundResponse(
        event=events_pb2.OutboundEvent(
            type=OutboundType.OUTBOUND_EVENT_TYPE_AGENT_ACTIVITY,
            conversation=format_name(CONVERSATIONS, notice.conversation_id),
            service_identifier=service_identifier,
            customer=conversation_pb2.Customer(id=notice.customer_id, display_name=notice.customer_display_name),
            activity=activity_change(notice),
            event_time=to_timestamp(notice.create_time),
        )
    )


def _outbound_response(
    event: StoredEvent, after: Position, service_identifier: str, tokens: StreamTokens
) -> ingest_service_pb2.WatchOutboundResponse:
    conversation = conversation_from_payload(event.payload["conversation"])
    message = event.payload.get("message")
    event_message = events_pb2.OutboundEvent(
        type=OUTBOUND_EVENT_TYPE_TO_PROTO[event.type],
        conversation=format_name(CONVERSATIONS, conversation.id),
        service_identifier=service_identifier,
        customer=conversation_pb2.Customer(
            id=conversation.customer_id, display_name=conversation.customer_display_name
        ),
        message=message_to_proto(message_from_payload(message)) if message else None,
        close_reason=_close_reason_value(event.payload.get("close_reason")),
        resume_token=tokens.encode(after),
        event_time=to_timestamp(event.create_time),
        supervisor=supervisor_of(event.payload),
    )
    return ingest_service_pb2.WatchOutboundResponse(event=event_message)
