"""WatchQueues: every List in a supervisor's scope as WatchLists sends it, and each List's figures
(domain/supervisor_views.py), in one stream with one resume token.

The scope is the supervisor's Lists as they are now. A change of the supervisor (a PRINCIPAL event, written
too when one of its Lists is deleted) reads them again: a List it lost is UNSUBSCRIBED and its events stop
there; a List it gained is SUBSCRIBED, with its open requests as SNAPSHOT items and a SYNCED. Until the Lists
are read again the hub queues every List's events, so none of a gained List's is dropped on the way.
Figures are marked stale by the List's events, by a presence change of an agent entitled to it, and by a
change of such an agent (its Lists, enabled); they are read and sent as domain/supervisor_views.py's
Refreshes says. A resumed stream sends every List's figures again first."""

import functools
from collections.abc import AsyncIterator, Callable

import grpc
from sqlalchemy import Connection

from pullrouting.api.refreshing import with_refreshes
from pullrouting.api.supervisor_views import SupervisorView, SupervisorWatch, open_stream
from pullrouting.api.timestamps import to_timestamp
from pullrouting.api.watch import SNAPSHOT_PAGE, Call, Streams, already_shown, conversation_key, list_response
from pullrouting.bus.follow import Follower
from pullrouting.domain.events import AgentEventType, EventKind
from pullrouting.domain.model import Conversation
from pullrouting.domain.names import LISTS, format_name
from pullrouting.domain.supervisor_views import WAITING_AGE_LIMITS, QueueFigures
from pullrouting.store import supervisor_streams, supervisor_views
from pullrouting.store.events import StoredEvent, Wanted, now_micros
from pullrouting.store.pages import Key, Page, Shown
from pullrouting.store.positions import Position
from pullrouting.store.supervisor_streams import AGENT_PRINCIPALS, QueueWatchStart
from pullrouting.v1 import agent_service_pb2, events_pb2, supervisor_events_pb2, supervisor_service_pb2

ListType = events_pb2.ListEventType
SECONDS_PER_MINUTE = 60


def _queue_response(token: str, reset: bool = False) -> supervisor_service_pb2.WatchQueuesResponse:
    return supervisor_service_pb2.WatchQueuesResponse(
        event=supervisor_events_pb2.QueueEvent(resume_token=token, reset=reset)
    )


def _listed(listed: agent_service_pb2.WatchListsResponse, token: str) -> supervisor_service_pb2.WatchQueuesResponse:
    """A list event moved into a queue event, its resume token the queue event's."""
    response = _queue_response(token or listed.event.resume_token, listed.event.reset)
    response.event.list_event.CopyFrom(listed.event)
    response.event.list_event.resume_token = ""
    return response


def figures_to_proto(figures: QueueFigures, into: supervisor_events_pb2.QueueFigures) -> None:
    into.list = format_name(LISTS, figures.list_id)
    for count, minutes in zip(figures.waiting, WAITING_AGE_LIMITS, strict=True):
        age = into.waiting.add(count=count)
        if minutes is not None:
            age.waited_less_than.FromSeconds(minutes * SECONDS_PER_MINUTE)
    if figures.oldest_waiting is not None:
        into.oldest_waiting_time.CopyFrom(to_timestamp(figures.oldest_waiting))
    into.unread_count, into.active_count, into.inactive_count = figures.unread, figures.active, figures.inactive
    into.agents_available = figures.agents_available
    into.agents_away = figures.agents_away
    into.agents_offline = figures.agents_offline
    into.read_time.CopyFrom(to_timestamp(figures.read_time))


class _QueueView(SupervisorView):
    """What one WatchQueues stream keeps as it goes: the Lists in scope, the snapshot pages sent of each, who
    is entitled to them, and when each List's figures are due."""

    def __init__(self, streams: Streams, call: Call, supervisor_id: str, refresh_interval: int) -> None:
        super().__init__(streams, call, supervisor_id, refresh_interval)
        self.scope: frozenset[str] = frozenset()
        # Lists whose events the hub queues: any (None) until the start, and from a change of the supervisor
        # until its Lists are read again; precise filtering in on_event.
        self._coarse: frozenset[str] | None = None
        self._entitlements: dict[str, tuple[str, ...]] = {}
        self._shown: dict[str, Shown] = {}
        self._start: QueueWatchStart | None = None

    def wants(self, event: StoredEvent) -> bool:
        if event.kind is EventKind.LIST:
            return self._coarse is None or event.list_id in self._coarse
        if self.is_own_change(event):
            self._coarse = None
            return True
        if event.kind is EventKind.PRINCIPAL:
            return str(event.payload["principal"]).startswith(AGENT_PRINCIPALS)
        return event.type is AgentEventType.PRESENCE_CHANGED and event.agent_id in self._entitlements

    def wanted(self) -> Wanted:
        """What a resumed stream reads from the table: its Lists' events, and the changes of principals (figures
        are sent again whole, so presence changes need no reading)."""
        return Wanted(list_ids=self._coarse or frozenset(), principal_events=True)

    def started(self, start: QueueWatchStart) -> None:
        self._start = start
        self.scope = start.scope
        self._coarse = start.scope
        self._entitlements = start.entitlements
        for list_id in start.scope:
            self.refreshes.changed(list_id)

    async def opening(self, follower: Follower) -> AsyncIterator[supervisor_service_pb2.WatchQueuesResponse]:
        """The open requests of the Lists as SNAPSHOT items carrying the restart token, then SYNCED."""
        assert self._start is not None
        reset, opening = self._start.reset, Shown()
        async for conversation in self._open_pages(follower, self.scope, opening):
            listed = list_response(
                ListType.LIST_EVENT_TYPE_SNAPSHOT, self._call.restart_token, conversation, reset=reset
            )
            yield _listed(listed, "")
        self._shown.update(dict.fromkeys(self.scope, opening))
        self._call.last_position = self._start.position
        response = _queue_response(self._call.last_token, reset)
        response.event.list_event.type = ListType.LIST_EVENT_TYPE_SYNCED
        response.event.list_event.reset = reset
        yield response

    def _open_pages(self, follower: Follower, list_ids: frozenset[str], shown: Shown) -> AsyncIterator[Conversation]:
        """The open requests of those of `list_ids` still in scope, a page at a time."""

        def read(after: Key | None) -> Callable[[Connection], Page[Conversation]]:
            return functools.partial(
                supervisor_streams.open_page,
                supervisor_id=self._supervisor_id,
                list_ids=list_ids,
                after=after,
                limit=SNAPSHOT_PAGE,
            )

        return self._streams.pages(follower, read, conversation_key, shown)

    async def on_event(
        self, follower: Follower, event: StoredEvent, after: Position
    ) -> AsyncIterator[supervisor_service_pb2.WatchQueuesResponse]:
        if event.kind is EventKind.LIST:
            list_id = event.list_id or ""
            if list_id in self.scope:
                self.refreshes.changed(list_id)
                if not already_shown(self._shown, event):
                    listed = self._streams.list_event_response(event, after, self._call.tokens)
                    response = _queue_response(listed.token)
                    response.event.list_event.CopyFrom(listed.shared.event)
                    yield response
        elif self.is_own_change(event):
            async for response in self._rescope(follower, after):
                yield response
        elif event.kind is EventKind.PRINCIPAL:
            await self._agent_changed(event.payload["principal"].removeprefix(AGENT_PRINCIPALS))
        else:
            for list_id in self._entitlements.get(event.agent_id or "", ()):
                self.refreshes.changed(list_id)

    async def _agent_changed(self, agent_id: str) -> None:
        """An agent's Lists or enabled changed: the figures of the Lists it had and has now."""
        before = self._entitlements.get(agent_id, ())
        self._entitlements = await self.read_entitlements(self.scope)
        for list_id in {*before, *self._entitlements.get(agent_id, ())}:
            self.refreshes.changed(list_id)

    async def _rescope(
        self, follower: Follower, after: Position
    ) -> AsyncIterator[supervisor_service_pb2.WatchQueuesResponse]:
        """The supervisor changed: its Lists are read again. Every item carries the token before the change
        but the last, so that a stream cut off halfway resumes before it (and starts afresh, flagged reset)."""
        assert self._start is not None
        scope = await self.read_scope()
        self._coarse = scope
        lost, gained = sorted(self.scope - scope), sorted(scope - self.scope)
        self.scope = scope
        before = self._call.tokens.encode(self._call.last_position or self._start.position)
        done = self._call.tokens.encode(after)
        for index, list_id in enumerate(lost):
            self._shown.pop(list_id, None)
            self.refreshes.forget(list_id)
            last = index == len(lost) - 1 and not gained
            yield _queue_list_change(ListType.LIST_EVENT_TYPE_UNSUBSCRIBED, list_id, done if last else before)
        for index, list_id in enumerate(gained):
            yield _queue_list_change(ListType.LIST_EVENT_TYPE_SUBSCRIBED, list_id, before)
            pages = Shown()
            async for conversation in self._open_pages(follower, frozenset({list_id}), pages):
                yield _listed(list_response(ListType.LIST_EVENT_TYPE_SNAPSHOT, before, conversation), "")
            self._shown[list_id] = pages
            self.refreshes.changed(list_id)
            last = index == len(gained) - 1
            yield _queue_list_change(ListType.LIST_EVENT_TYPE_SYNCED, list_id, done if last else before)
        self._entitlements = await self.read_entitlements(self.scope)

    async def figures_due(self) -> AsyncIterator[supervisor_service_pb2.WatchQueuesResponse]:
        now = now_micros()
        due = self.refreshes.due(now)
        found = await self._streams.database.read(
            functools.partial(supervisor_views.queue_figures, list_ids=[i for i in due if i in self.scope], now=now)
        )
        for list_id in due:
            if list_id not in found:
                self.refreshes.forget(list_id)
                continue
            response = _queue_response(self._call.last_token)
            figures_to_proto(found[list_id].figures, response.event.figures)
            self.refreshes.sent(list_id, now, found[list_id].next_change)
            yield response


def _queue_list_change(event_type: int, list_id: str, token: str) -> supervisor_service_pb2.WatchQueuesResponse:
    response = _queue_response(token)
    response.event.list_event.type = event_type
    response.event.list_event.list = format_name(LISTS, list_id)
    return response


class Queues(SupervisorWatch):
    async def watch_queues(
        self, supervisor_id: str, resume_token: str, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[supervisor_service_pb2.WatchQueuesResponse]:
        streams = self._streams
        opened = open_stream(streams, supervisor_id, "WatchQueues", resume_token, context)
        call = opened.call
        view = _QueueView(streams, call, supervisor_id, self._refresh_interval)
        with streams.following(call, str(opened.principal), view.wanted, view.wants) as follower:
            start = await streams.database.read(
                functools.partial(
                    supervisor_streams.queue_watch_start, supervisor_id=supervisor_id, position=opened.position
                )
            )
            view.started(start)
            if start.snapshot:
                async for response in view.opening(follower):
                    yield response
            else:
                call.last_position = start.position
            events = streams.events(call, follower, start.position)
            async for item in with_refreshes(events, view.refreshes.next_due):
                if item is None:
                    async for response in view.figures_due():
                        yield response
                    continue
                async for response in view.on_event(follower, *item):
                    yield response
