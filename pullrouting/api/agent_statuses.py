"""WatchAgents: the agents entitled to a supervisor's Lists, each as an AgentStatus (its presence, its Lists in
scope, its load in each media routing domain and its open conversations), live.

A status is read from the database when sent (domain/supervisor_views.py), never built from events: an event
only says whose status may have changed (a presence change, a join or leave, a close that let the agent go,
a change of the agent or of the supervisor), and Refreshes says when it is sent. Which of ADDED, UPDATED or
REMOVED it is follows from what the stream has shown: an agent read and not shown yet is ADDED, one read and
shown UPDATED, one shown and no longer read REMOVED. A resumed stream sends every agent's status again
(UPDATED), whole, so nothing that changed meanwhile is missed."""

import functools
from collections.abc import AsyncIterator

import grpc

from pullrouting.api.refreshing import with_refreshes
from pullrouting.api.resources import PRESENCE_TO_PROTO
from pullrouting.api.supervisor_views import SupervisorView, SupervisorWatch, open_stream
from pullrouting.api.timestamps import to_timestamp
from pullrouting.api.watch import Call, Streams
from pullrouting.domain.events import AgentEventType, ConversationEventType, EventKind
from pullrouting.domain.names import AGENTS, CONVERSATIONS, LISTS, MEDIA_ROUTING_DOMAINS, format_name
from pullrouting.domain.supervisor_views import AgentStatus
from pullrouting.store import supervisor_streams, supervisor_views
from pullrouting.store.events import StoredEvent, Wanted, now_micros
from pullrouting.store.supervisor_streams import AGENT_PRINCIPALS, AgentWatchStart
from pullrouting.v1 import supervisor_events_pb2, supervisor_service_pb2

StatusType = supervisor_events_pb2.AgentStatusEventType
# The conversation events that change who is in a conversation, and so an agent's load.
PARTICIPATION_CHANGES = (ConversationEventType.AGENT_JOINED, ConversationEventType.AGENT_LEFT)


def status_to_proto(status: AgentStatus, read_time: int, into: supervisor_events_pb2.AgentStatus) -> None:
    into.agent = format_name(AGENTS, status.agent_id)
    into.display_name = status.display_name
    into.presence = PRESENCE_TO_PROTO[status.presence]
    into.lists.extend(format_name(LISTS, list_id) for list_id in status.list_ids)
    for load in status.loads:
        into.loads.add(
            media_routing_domain=format_name(MEDIA_ROUTING_DOMAINS, load.media_routing_domain_id),
            open_conversations=load.open_conversations,
            max_conversations=load.max_conversations,
        )
    into.conversations.extend(format_name(CONVERSATIONS, i) for i in status.conversation_ids)
    into.read_time.CopyFrom(to_timestamp(read_time))


def _status_response(event_type: int, token: str, reset: bool = False) -> supervisor_service_pb2.WatchAgentsResponse:
    return supervisor_service_pb2.WatchAgentsResponse(
        event=supervisor_events_pb2.AgentStatusEvent(type=event_type, resume_token=token, reset=reset)
    )


class _AgentView(SupervisorView):
    """What one WatchAgents stream keeps: the supervisor's Lists, the agents it has shown, and when each
    agent's status is due."""

    def __init__(self, streams: Streams, call: Call, supervisor_id: str, refresh_interval: int) -> None:
        super().__init__(streams, call, supervisor_id, refresh_interval)
        self._scope: frozenset[str] = frozenset()
        self.shown: set[str] = set()

    def wants(self, event: StoredEvent) -> bool:
        if event.kind is EventKind.PRINCIPAL:
            return self.is_own_change(event) or str(event.payload["principal"]).startswith(AGENT_PRINCIPALS)
        if event.kind is EventKind.AGENT:
            return event.type is AgentEventType.PRESENCE_CHANGED and event.agent_id in self.shown
        if event.kind is not EventKind.CONVERSATION:
            return False
        if event.type is ConversationEventType.CONVERSATION_CLOSED:
            return any(agent_id in self.shown for agent_id in event.payload.get("released", ()))
        return event.type in PARTICIPATION_CHANGES and event.agent_id in self.shown

    def started(self, start: AgentWatchStart) -> None:
        self._scope = start.scope
        self.shown = set(start.statuses)
        if not start.snapshot:
            for agent_id in start.statuses:
                self.refreshes.changed(agent_id)

    async def on_event(self, event: StoredEvent) -> None:
        """Marks whose status the event may have changed."""
        if self.is_own_change(event):
            self._scope = await self.read_scope()
            entitled = await self.read_entitlements(self._scope)
            changed = self.shown | set(entitled)
        elif event.kind is EventKind.PRINCIPAL:
            changed = {str(event.payload["principal"]).removeprefix(AGENT_PRINCIPALS)}
        elif event.type is ConversationEventType.CONVERSATION_CLOSED:
            changed = set(event.payload.get("released", ()))
        else:
            changed = {event.agent_id or ""}
        for agent_id in changed:
            self.refreshes.changed(agent_id)

    async def statuses_due(self) -> AsyncIterator[supervisor_service_pb2.WatchAgentsResponse]:
        now = now_micros()
        due = self.refreshes.due(now)
        found = await self._streams.database.read(
            functools.partial(supervisor_views.agent_statuses, list_ids=self._scope, agent_ids=set(due))
        )
        for agent_id in due:
            status = found.get(agent_id)
            if status is None:
                self.refreshes.forget(agent_id)
                if agent_id in self.shown:
                    self.shown.discard(agent_id)
                    response = _status_response(StatusType.AGENT_STATUS_EVENT_TYPE_REMOVED, self._call.last_token)
                    response.event.agent.agent = format_name(AGENTS, agent_id)
                    yield response
                continue
            shown = agent_id in self.shown
            self.shown.add(agent_id)
            self.refreshes.sent(agent_id, now)
            event_type = (
                StatusType.AGENT_STATUS_EVENT_TYPE_UPDATED if shown else StatusType.AGENT_STATUS_EVENT_TYPE_ADDED
            )
            response = _status_response(event_type, self._call.last_token)
            status_to_proto(status, now, response.event.agent)
            yield response


class AgentStatuses(SupervisorWatch):
    async def watch_agents(
        self, supervisor_id: str, resume_token: str, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[supervisor_service_pb2.WatchAgentsResponse]:
        streams = self._streams
        opened = open_stream(streams, supervisor_id, "WatchAgents", resume_token, context)
        call = opened.call
        view = _AgentView(streams, call, supervisor_id, self._refresh_interval)

        def wanted() -> Wanted:
            # Statuses are sent again whole on a resume: only changes of principals are read from the table.
            return Wanted(principal_events=True)

        with streams.following(call, str(opened.principal), wanted, view.wants) as follower:
            start = await streams.database.read(
                functools.partial(
                    supervisor_streams.agent_watch_start, supervisor_id=supervisor_id, position=opened.position
                )
            )
            view.started(start)
            if start.snapshot:
                for agent_id in sorted(start.statuses):
                    response = _status_response(
                        StatusType.AGENT_STATUS_EVENT_TYPE_SNAPSHOT, call.restart_token, start.reset
                    )
                    status_to_proto(start.statuses[agent_id], start.read_time, response.event.agent)
                    yield response
            call.last_position = start.position
            if start.snapshot:
                yield _status_response(StatusType.AGENT_STATUS_EVENT_TYPE_SYNCED, call.last_token, start.reset)
            async for item in with_refreshes(streams.events(call, follower, start.position), view.refreshes.next_due):
                if item is None:
                    async for response in view.statuses_due():
                        yield response
                else:
                    await view.on_event(item[0])
