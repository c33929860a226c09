"""WatchDesk: one stream for everything an agent's desk shows, with one resume token: its presence, the
conversations it is in (their events as WatchConversation sends them, from its join to its leave or the
close, and the others' activity in them, live only) and its subscribed lists (their events as WatchLists
sends them, by api/watch.py's AgentLists).

Which conversations the agent is in is followed from the events themselves, in order: the start says which
it was in at the stream's position (store/streams.py `desk_start`), its own AGENT_JOINED adds one, and its
AGENT_LEFT or the close ends one after it is sent. Unread counts are read when an event is sent, so a desk
shows the count of the moment even while it catches up."""

import contextlib
from collections.abc import AsyncIterator

import grpc
from sqlalchemy import Connection

from pullrouting.api.activity import activity_change
from pullrouting.api.load import ShownLoad, agent_load_to_proto, may_change_load
from pullrouting.api.mappings import (
    INVITATION_EVENT_TYPE_TO_PROTO,
    conversation_payload_to_proto,
    conversation_to_proto,
    invitation_to_proto,
)
from pullrouting.api.resources import PRESENCE_TO_PROTO
from pullrouting.api.watch import AgentLists, Call, ListedEvent, Streams, conversation_response
from pullrouting.bus.follow import Follower
from pullrouting.domain.activity import ActivityNotice
from pullrouting.domain.events import AgentEventType, ConversationEventType, EventKind
from pullrouting.domain.invitations import invitation_from_dict
from pullrouting.domain.model import Conversation
from pullrouting.domain.names import AGENTS, CONVERSATIONS, MESSAGES, format_name
from pullrouting.domain.presence import Presence
from pullrouting.domain.principal import Principal, Role
from pullrouting.domain.supervisor_views import DomainLoad
from pullrouting.store import read_positions
from pullrouting.store import streams as stream_store
from pullrouting.store.events import Batch, StoredEvent, Wanted
from pullrouting.store.positions import Position
from pullrouting.store.streams import DeskStart
from pullrouting.v1 import agent_service_pb2, events_pb2

ListType = events_pb2.ListEventType
ConversationType = events_pb2.ConversationEventType


def _desk_response(token: str, reset: bool = False, unread_count: int = 0) -> agent_service_pb2.WatchDeskResponse:
    return agent_service_pb2.WatchDeskResponse(
        event=events_pb2.DeskEvent(resume_token=token, reset=reset, unread_count=unread_count)
    )


def _load_response(token: str, agent_id: str, load: tuple[DomainLoad, ...]) -> agent_service_pb2.WatchDeskResponse:
    response = _desk_response(token)
    agent_load_to_proto(agent_id, load, response.event.load)
    return response


class _Participation:
    """The conversations the agent is in, as the stream has sent them (`current`), and, for the hub, every
    conversation whose events it may still need (`coarse`: also those joined in events not sent yet)."""

    def __init__(self, agent_id: str) -> None:
        self._agent_id = agent_id
        self.current: set[str] = set()
        # None until the start: every conversation event is queued meanwhile.
        self.coarse: set[str] | None = None

    def started(self, conversation_ids: frozenset[str]) -> None:
        self.current = set(conversation_ids)
        self.coarse = set(conversation_ids)

    def wants(self, event: StoredEvent) -> bool:
        if self.coarse is None:
            return True
        if event.type is ConversationEventType.AGENT_JOINED and event.agent_id == self._agent_id:
            self.coarse.add(event.conversation_id or "")
        return event.conversation_id in self.coarse

    def wants_notice(self, notice: ActivityNotice) -> bool:
        return self.coarse is not None and notice.conversation_id in self.coarse and notice.agent_id != self._agent_id

    def shows(self, event: StoredEvent) -> bool:
        """Whether the event is one of the agent's conversations' (joining makes it one), following the
        agent's part from the event: after the last event of it, the conversation is no longer followed."""
        conversation_id = event.conversation_id or ""
        if event.type is ConversationEventType.AGENT_JOINED and event.agent_id == self._agent_id:
            self.current.add(conversation_id)
            return True
        if conversation_id not in self.current:
            return False
        own_leave = event.type is ConversationEventType.AGENT_LEFT and event.agent_id == self._agent_id
        if own_leave or event.type is ConversationEventType.CONVERSATION_CLOSED:
            self.current.discard(conversation_id)
            if self.coarse is not None:
                self.coarse.discard(conversation_id)
        return True


class _ShownPresence:
    """The presence the desk shows: an event that shows the same again is not sent (the opening shows the
    agent present, and its own stream's start then announces it back from OFFLINE)."""

    def __init__(self) -> None:
        self.presence: Presence | None = None

    def changes_to(self, presence: Presence) -> bool:
        changed = presence is not self.presence
        self.presence = presence
        return changed


def _wanted(agent_id: str, list_ids: frozenset[str], conversation_ids: frozenset[str]) -> Wanted:
    """What a desk catching up reads: its lists, its subscriptions, its conversations, its own conversation and
    agent events, and the PRINCIPAL events (the agent's own among them)."""
    return Wanted(
        list_ids=list_ids,
        subscriber=agent_id,
        conversation_ids=conversation_ids,
        participant=agent_id,
        principal_events=True,
    )


class Desks:
    def __init__(self, streams: Streams) -> None:
        self._streams = streams

    async def watch_desk(
        self, agent_id: str, resume_token: str, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[agent_service_pb2.WatchDeskResponse | bytes]:
        streams = self._streams
        call = Call(context, streams.tokens.for_stream(Principal(Role.AGENT, agent_id), "WatchDesk"))
        position = call.tokens.decode(resume_token)
        lists = AgentLists(streams, call, agent_id)
        participation = _Participation(agent_id)
        shown = _ShownPresence()
        load = ShownLoad(streams.database, agent_id)
        own_principal = str(Principal(Role.AGENT, agent_id))

        def wants(event: StoredEvent) -> bool:
            if event.kind is EventKind.AGENT:
                return event.agent_id == agent_id
            if event.kind is EventKind.CONVERSATION:
                return participation.wants(event)
            if event.kind is EventKind.PRINCIPAL:
                return event.payload["principal"] == own_principal
            return lists.wants(event)

        # Asked for after every event caught up: made again only when what it says changed.
        last: list[Wanted] = []

        def wanted() -> Wanted:
            conversation_ids = participation.coarse or frozenset()
            if not last or not lists.reads(last[0].list_ids) or last[0].conversation_ids != conversation_ids:
                last[:] = [_wanted(agent_id, lists.wanted_list_ids(), frozenset(conversation_ids))]
            return last[0]

        def start_reading(connection: Connection) -> tuple[DeskStart, tuple[Wanted, Batch] | None]:
            """The start and, when resuming, the first batch of missed events: one read, not two."""
            start = stream_store.desk_start(connection, agent_id=agent_id, position=position)
            if start.lists.snapshot:
                return start, None
            reading = _wanted(agent_id, start.lists.entitled | start.lists.subscribed, start.participating)
            return start, (reading, follower.read_batch(connection, start.lists.position, reading))

        principal = format_name(AGENTS, agent_id)
        with streams.following(call, principal, wanted, wants, participation.wants_notice) as follower:
            # Reading missed events, when resuming: taking turns with the agent's other streams.
            async with follower.catch_up_slot() if position is not None else contextlib.nullcontext():
                start, first_batch = await streams.database.read(start_reading)
            lists.started(start.lists)
            participation.started(start.participating)
            if start.lists.snapshot:
                shown.changes_to(Presence(start.presence))
                opening_load = _load_response(call.restart_token, agent_id, await load.now())
                async for response in self._opening(call, follower, lists, start, opening_load):
                    yield response
            async for event, after in streams.events(call, follower, start.lists.position, first_batch):
                if isinstance(event, ActivityNotice):
                    if event.conversation_id in participation.current:
                        yield agent_service_pb2.WatchDeskResponse(
                            event=events_pb2.DeskEvent(activity=activity_change(event))
                        )
                    continue
                if event.kind is EventKind.AGENT and event.type is AgentEventType.PRESENCE_CHANGED:
                    if shown.changes_to(Presence(event.payload["presence"])):
                        yield self._presence_change(call, event, after)
                    continue
                if event.kind is EventKind.LIST:
                    # Most of what a desk sends, live or catching up: handled here, without a generator of its
                    # own per event. Serialised once for every desk it reaches; this desk adds its token and count.
                    listed = lists.list_event(event, after)
                    if listed is not None:
                        unread = await self._unread_count(
                            agent_id, listed.shared.conversation_id or None, participation
                        )
                        yield listed.for_desk(unread)
                    continue
                was_in = event.conversation_id in participation.current
                if event.kind is not EventKind.PRINCIPAL:
                    async for response in self._on_event(call, follower, agent_id, lists, participation, event, after):
                        yield response
                if may_change_load(event, agent_id, was_in):
                    changed = await load.changed()
                    if changed is not None:
                        yield _load_response(call.tokens.encode(after), agent_id, changed)

    async def _opening(
        self,
        call: Call,
        follower: Follower,
        lists: AgentLists,
        start: DeskStart,
        load: agent_service_pb2.WatchDeskResponse,
    ) -> AsyncIterator[agent_service_pb2.WatchDeskResponse]:
        """Presence, the agent's load, its conversations, the invitations waiting for its answer (as INVITED, the
        conversation as it is now), the lists' snapshot, then SYNCED; the items carry the restart
        token, so a stream resumed from one of them gets the whole opening again."""
        reset = start.lists.reset
        response = _desk_response(call.restart_token, reset)
        # The stream being open makes the agent present: what it chose shows.
        response.event.presence.presence = PRESENCE_TO_PROTO[Presence(start.presence)]
        yield response
        load.event.reset = reset
        yield load
        for conversation in start.conversations:
            yield self._conversation_snapshot(call, conversation, start.unread_counts[conversation.id], reset)
        for invitation, conversation in start.invitations:
            response = _desk_response(call.restart_token, reset)
            item = response.event.invitation
            item.type = events_pb2.INVITATION_EVENT_TYPE_INVITED
            item.invitation.CopyFrom(invitation_to_proto(invitation))
            conversation_to_proto(conversation, item.conversation)
            yield response
        async for listed in lists.snapshot(follower):
            conversation_id = listed.event.conversation.name.removeprefix(f"{CONVERSATIONS}/")
            yield self._listed(listed.event, call.restart_token, start.unread_counts.get(conversation_id))
        call.last_position = start.lists.position
        response = _desk_response(call.last_token, reset)
        response.event.list_event.type = ListType.LIST_EVENT_TYPE_SYNCED
        response.event.list_event.reset = reset
        yield response

    def _conversation_snapshot(
        self, call: Call, conversation: Conversation, unread_count: int, reset: bool
    ) -> agent_service_pb2.WatchDeskResponse:
        response = _desk_response(call.restart_token, reset, unread_count)
        item = response.event.conversation_event
        item.type = ConversationType.CONVERSATION_EVENT_TYPE_SNAPSHOT
        item.reset = reset
        conversation_to_proto(conversation, item.conversation)
        return response

    def _listed(
        self, event: events_pb2.ListEvent, token: str, unread_count: int | None
    ) -> agent_service_pb2.WatchDeskResponse:
        """A list event moved into a desk event, its resume token the desk event's."""
        response = _desk_response(token or event.resume_token, event.reset, unread_count or 0)
        response.event.list_event.CopyFrom(event)
        response.event.list_event.resume_token = ""
        return response

    async def _on_event(
        self,
        call: Call,
        follower: Follower,
        agent_id: str,
        lists: AgentLists,
        participation: _Participation,
        event: StoredEvent,
        after: Position,
    ) -> AsyncIterator[agent_service_pb2.WatchDeskResponse | bytes]:
        if event.kind is EventKind.AGENT:
            if event.type is AgentEventType.READ:
                yield await self._read(call, agent_id, event, after)
            else:
                yield self._invitation(call, event, after)
        elif event.kind is EventKind.CONVERSATION:
            if participation.shows(event):
                unread = await self._unread_count(agent_id, event.conversation_id, participation)
                response = _desk_response("", unread_count=unread)
                conversation_event = conversation_response(event, after, call.tokens).event
                response.event.resume_token = conversation_event.resume_token
                conversation_event.resume_token = ""
                response.event.conversation_event.CopyFrom(conversation_event)
                yield response
        else:
            # A subscription's change: its responses as messages (a LIST event never comes here).
            async for listed in lists.on_event(follower, event, after):
                assert not isinstance(listed, ListedEvent)
                conversation_id = listed.event.conversation.name.removeprefix(f"{CONVERSATIONS}/") or None
                unread = await self._unread_count(agent_id, conversation_id, participation)
                yield self._listed(listed.event, "", unread)

    def _invitation(self, call: Call, event: StoredEvent, after: Position) -> agent_service_pb2.WatchDeskResponse:
        """An invitation to the agent (INVITED), or the answer to or expiry of one it made."""
        assert isinstance(event.type, AgentEventType)
        response = _desk_response(call.tokens.encode(after))
        item = response.event.invitation
        item.type = INVITATION_EVENT_TYPE_TO_PROTO[event.type]
        item.invitation.CopyFrom(invitation_to_proto(invitation_from_dict(event.payload["invitation"])))
        conversation = event.payload.get("conversation")
        if conversation is not None:
            conversation_payload_to_proto(conversation, item.conversation)
        return response

    def _presence_change(self, call: Call, event: StoredEvent, after: Position) -> agent_service_pb2.WatchDeskResponse:
        response = _desk_response(call.tokens.encode(after))
        response.event.presence.presence = PRESENCE_TO_PROTO[Presence(event.payload["presence"])]
        return response

    async def _read(
        self, call: Call, agent_id: str, event: StoredEvent, after: Position
    ) -> agent_service_pb2.WatchDeskResponse:
        """The agent moved its read position (READ)."""
        response = _desk_response(call.tokens.encode(after))
        conversation_id = event.conversation_id or ""
        conversation = format_name(CONVERSATIONS, conversation_id)
        response.event.read.conversation = conversation
        response.event.read.message = f"{conversation}/{MESSAGES}/{event.payload['message_id']}"
        response.event.unread_count = await self._unread_now(agent_id, conversation_id)
        return response

    async def _unread_count(self, agent_id: str, conversation_id: str | None, participation: _Participation) -> int:
        """The agent's unread count in the conversation now; 0 for one it is not in, without a read."""
        if conversation_id is None or conversation_id not in participation.current:
            return 0
        return await self._unread_now(agent_id, conversation_id)

    async def _unread_now(self, agent_id: str, conversation_id: str) -> int:
        counts = await self._streams.database.read(
            lambda connection: read_positions.unread_counts(connection, agent_id, [conversation_id])
        )
        return counts[conversation_id]
