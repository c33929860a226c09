"""Blocking clients, for scripts and programs without asyncio: thin wrappers over the async clients.

A `SyncChannel` runs a `grpc.aio` channel on an event loop of its own, in a background thread; each call of
`SyncAdminClient`, `SyncAgentClient`, `SyncIngestClient` and `SyncSupervisorClient` runs the async client's call
there and waits for it, so both flavours behave alike (deadlines, retries, typed exceptions, resumable watches)::

    with pullrouting_client.sync.connect("127.0.0.1:50051", token) as channel:
        agent = SyncAgentClient(channel)
        for summary in agent.list_lists():
            print(summary.list.display_name, summary.unread_count)
"""

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import grpc

from pullrouting.v1 import (
    admin_service_pb2,
    agent_service_pb2,
    conversation_pb2,
    events_pb2,
    ingest_service_pb2,
    resources_pb2,
    supervisor_events_pb2,
)
from pullrouting_client.admin import AdminClient
from pullrouting_client.agent import AgentClient
from pullrouting_client.calls import DEFAULT_TIMEOUT
from pullrouting_client.connection import connect as connect_aio
from pullrouting_client.enums import Activity, CloseReason, ConversationState, Presence
from pullrouting_client.errors import PullroutingError
from pullrouting_client.ingest import IngestClient
from pullrouting_client.supervisor import SupervisorClient
from pullrouting_client.watch import Backoff, OnRetry, ResumableWatch

T = TypeVar("T")
E = TypeVar("E")


class SyncChannel:
    """A `grpc.aio` channel on an event loop of its own, in a daemon thread; `close()` (or leaving a `with`
    block) closes both. Make one with `connect()`."""

    def __init__(self, make_channel: Callable[[], grpc.aio.Channel]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pullrouting-client", daemon=True)
        self._thread.start()

        async def made() -> grpc.aio.Channel:
            return make_channel()

        # Made on its loop: a grpc.aio channel belongs to the loop it is made on.
        self.aio_channel = self.run(made())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Runs `coroutine` on the channel's loop and waits for its result (or its exception)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def close(self) -> None:
        """Closes the channel (ending its calls) and stops its thread."""
        if self._loop.is_closed():
            return
        self.run(self.aio_channel.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> "SyncChannel":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def connect(
    address: str,
    token: str,
    *,
    tls: bool = False,
    root_certificates: bytes | None = None,
    options: Sequence[tuple[str, Any]] = (),
) -> SyncChannel:
    """A `SyncChannel` to `address` with the bearer token, as `pullrouting_client.connect()` makes it."""
    return SyncChannel(
        lambda: connect_aio(address, token, tls=tls, root_certificates=root_certificates, options=options)
    )


def _blocking(channel: SyncChannel, items: AsyncIterator[T]) -> Iterator[T]:
    """An async iterator on the channel's loop as a blocking one; closed with it."""

    async def following() -> T:
        return await anext(items)

    async def closing() -> None:
        await items.aclose()  # type: ignore[attr-defined]

    try:
        while True:
            try:
                yield channel.run(following())
            except StopAsyncIteration:
                return
    finally:
        channel.run(closing())


class SyncWatch(Generic[E]):
    """A `ResumableWatch` as a blocking iterator: `for event in agent.watch_desk(): ...`. It reconnects and
    resumes by itself; `resume_token` is the token of the last event handed out."""

    def __init__(self, channel: SyncChannel, watch: ResumableWatch[Any]) -> None:
        self._channel = channel
        self.watch = watch

    @property
    def resume_token(self) -> str:
        return self.watch.resume_token

    @property
    def reconnects(self) -> int:
        return self.watch.reconnects

    def __iter__(self) -> Iterator[E]:
        return _blocking(self._channel, aiter(self.watch))


class SyncAdminClient:
    """AdminClient's calls, blocking: for scripts and threads. Made from a `SyncChannel`."""

    def __init__(self, channel: SyncChannel, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self._channel = channel
        self.aio = AdminClient(channel.aio_channel, timeout=timeout)

    def create_media_routing_domain(
        self, media_routing_domain_id: str, **fields: Any
    ) -> resources_pb2.MediaRoutingDomain:
        """Creates `mediaRoutingDomains/{media_routing_domain_id}` (display_name, description...)."""
        return self._channel.run(self.aio.create_media_routing_domain(media_routing_domain_id, **fields))

    def get_media_routing_domain(self, name: str) -> resources_pb2.MediaRoutingDomain:
        """One media routing domain by name."""
        return self._channel.run(self.aio.get_media_routing_domain(name))

    def list_media_routing_domains(self) -> list[resources_pb2.MediaRoutingDomain]:
        """Every media routing domain."""
        return self._channel.run(self.aio.list_media_routing_domains())

    def update_media_routing_domain(self, name: str, **fields: Any) -> resources_pb2.MediaRoutingDomain:
        """Changes the given fields of a media routing domain, and only those."""
        return self._channel.run(self.aio.update_media_routing_domain(name, **fields))

    def delete_media_routing_domain(self, name: str) -> None:
        """Deletes a media routing domain no channel type uses (else `ResourceInUse`)."""
        return self._channel.run(self.aio.delete_media_routing_domain(name))

    def create_channel_type(self, channel_type_id: str, **fields: Any) -> resources_pb2.ChannelType:
        """Creates `channelTypes/{channel_type_id}` (display_name, media_routing_domain...)."""
        return self._channel.run(self.aio.create_channel_type(channel_type_id, **fields))

    def get_channel_type(self, name: str) -> resources_pb2.ChannelType:
        """One channel type by name."""
        return self._channel.run(self.aio.get_channel_type(name))

    def list_channel_types(self) -> list[resources_pb2.ChannelType]:
        """Every channel type."""
        return self._channel.run(self.aio.list_channel_types())

    def update_channel_type(self, name: str, **fields: Any) -> resources_pb2.ChannelType:
        """Changes the given fields of a channel type, and only those."""
        return self._channel.run(self.aio.update_channel_type(name, **fields))

    def delete_channel_type(self, name: str) -> None:
        """Deletes a channel type no channel uses (else `ResourceInUse`)."""
        return self._channel.run(self.aio.delete_channel_type(name))

    def create_list(self, list_id: str, **fields: Any) -> resources_pb2.List:
        """Creates `lists/{list_id}` (display_name, description, max_participants...)."""
        return self._channel.run(self.aio.create_list(list_id, **fields))

    def get_list(self, name: str) -> resources_pb2.List:
        """One List by name."""
        return self._channel.run(self.aio.get_list(name))

    def list_lists(self) -> list[resources_pb2.List]:
        """Every List."""
        return self._channel.run(self.aio.list_lists())

    def update_list(self, name: str, **fields: Any) -> resources_pb2.List:
        """Changes the given fields of a List, and only those."""
        return self._channel.run(self.aio.update_list(name, **fields))

    def delete_list(self, name: str) -> None:
        """Deletes a List no channel maps to (else `ResourceInUse`)."""
        return self._channel.run(self.aio.delete_list(name))

    def create_channel(self, channel_id: str, **fields: Any) -> resources_pb2.Channel:
        """Creates `channels/{channel_id}` (display_name, channel_type, service_identifier, routing_mode, list...)."""
        return self._channel.run(self.aio.create_channel(channel_id, **fields))

    def get_channel(self, name: str) -> resources_pb2.Channel:
        """One channel by name."""
        return self._channel.run(self.aio.get_channel(name))

    def list_channels(self) -> list[resources_pb2.Channel]:
        """Every channel."""
        return self._channel.run(self.aio.list_channels())

    def update_channel(self, name: str, **fields: Any) -> resources_pb2.Channel:
        """Changes the given fields of a channel, and only those (e.g. `enabled=False`)."""
        return self._channel.run(self.aio.update_channel(name, **fields))

    def delete_channel(self, name: str) -> None:
        """Deletes a channel with no open conversation (else `ResourceInUse`)."""
        return self._channel.run(self.aio.delete_channel(name))

    def create_agent(self, agent_id: str, **fields: Any) -> tuple[resources_pb2.Agent, str]:
        """Creates `agents/{agent_id}` (display_name, lists...); returns the agent and its token, which is
        shown this once."""
        return self._channel.run(self.aio.create_agent(agent_id, **fields))

    def get_agent(self, name: str) -> resources_pb2.Agent:
        """One agent by name."""
        return self._channel.run(self.aio.get_agent(name))

    def list_agents(self) -> list[resources_pb2.Agent]:
        """Every agent."""
        return self._channel.run(self.aio.list_agents())

    def update_agent(self, name: str, **fields: Any) -> resources_pb2.Agent:
        """Changes the given fields of an agent, and only those (`lists=[...]`, `enabled=False`...)."""
        return self._channel.run(self.aio.update_agent(name, **fields))

    def delete_agent(self, name: str) -> None:
        """Deletes an agent; its token stops working and its id is never given out again."""
        return self._channel.run(self.aio.delete_agent(name))

    def rotate_agent_token(self, name: str) -> str:
        """A new token for the agent; the old one stops working."""
        return self._channel.run(self.aio.rotate_agent_token(name))

    def create_ingestor(self, ingestor_id: str, **fields: Any) -> tuple[resources_pb2.Ingestor, str]:
        """Creates `ingestors/{ingestor_id}` (display_name, channels...); returns it and its token, which is
        shown this once."""
        return self._channel.run(self.aio.create_ingestor(ingestor_id, **fields))

    def get_ingestor(self, name: str) -> resources_pb2.Ingestor:
        """One ingestor credential by name."""
        return self._channel.run(self.aio.get_ingestor(name))

    def list_ingestors(self) -> list[resources_pb2.Ingestor]:
        """Every ingestor credential."""
        return self._channel.run(self.aio.list_ingestors())

    def update_ingestor(self, name: str, **fields: Any) -> resources_pb2.Ingestor:
        """Changes the given fields of an ingestor credential, and only those."""
        return self._channel.run(self.aio.update_ingestor(name, **fields))

    def delete_ingestor(self, name: str) -> None:
        """Deletes an ingestor credential; its token stops working."""
        return self._channel.run(self.aio.delete_ingestor(name))

    def rotate_ingestor_token(self, name: str) -> str:
        """A new token for the ingestor credential; the old one stops working."""
        return self._channel.run(self.aio.rotate_ingestor_token(name))

    def create_supervisor(self, supervisor_id: str, **fields: Any) -> tuple[resources_pb2.Supervisor, str]:
        """Creates `supervisors/{supervisor_id}` (display_name, lists it supervises...); returns it and its token,
        which is shown this once."""
        return self._channel.run(self.aio.create_supervisor(supervisor_id, **fields))

    def get_supervisor(self, name: str) -> resources_pb2.Supervisor:
        """One supervisor by name."""
        return self._channel.run(self.aio.get_supervisor(name))

    def list_supervisors(self) -> list[resources_pb2.Supervisor]:
        """Every supervisor."""
        return self._channel.run(self.aio.list_supervisors())

    def update_supervisor(self, name: str, **fields: Any) -> resources_pb2.Supervisor:
        """Changes the given fields of a supervisor, and only those (`lists=[...]`, `enabled=False`...); its open
        streams follow at once."""
        return self._channel.run(self.aio.update_supervisor(name, **fields))

    def delete_supervisor(self, name: str) -> None:
        """Deletes a supervisor; its token stops working and its id is never given out again."""
        return self._channel.run(self.aio.delete_supervisor(name))

    def rotate_supervisor_token(self, name: str) -> str:
        """A new token for the supervisor; the old one stops working."""
        return self._channel.run(self.aio.rotate_supervisor_token(name))

    def list_audit_records(self, filter: str = "") -> list[admin_service_pb2.AuditRecord]:
        """Audit records, newest first, all pages; `filter` is AIP-160 on actor, action, resource and
        create_time (`'actor = "supervisors/sam" AND action = "Whisper"'`)."""
        return self._channel.run(self.aio.list_audit_records(filter))

    def list_conversations(
        self, list_name: str = "", states: Iterable[ConversationState] = (), order_by: str = ""
    ) -> list[conversation_pb2.Conversation]:
        """Conversations on one List (or all with `list_name` empty), the open ones unless `states` says
        otherwise, all pages."""
        return self._channel.run(self.aio.list_conversations(list_name, states, order_by))

    def get_conversation(self, name: str) -> conversation_pb2.Conversation:
        """Any conversation by name."""
        return self._channel.run(self.aio.get_conversation(name))

    def list_conversation_messages(self, name: str) -> list[conversation_pb2.Message]:
        """The transcript of any conversation, oldest first."""
        return self._channel.run(self.aio.list_conversation_messages(name))

    def force_close_conversation(self, name: str) -> conversation_pb2.Conversation:
        """Closes any open conversation with reason FORCED."""
        return self._channel.run(self.aio.force_close_conversation(name))


class SyncAgentClient:
    """AgentClient's calls, blocking: for scripts and threads. Made from a `SyncChannel`."""

    def __init__(self, channel: SyncChannel, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self._channel = channel
        self.aio = AgentClient(channel.aio_channel, timeout=timeout)

    def list_lists(self) -> list[agent_service_pb2.ListSummary]:
        """Every List the agent is entitled to, with its counts per state and whether it is subscribed."""
        return self._channel.run(self.aio.list_lists())

    def subscribe(self, list_name: str) -> agent_service_pb2.Subscription:
        """Subscribes to an entitled List (`lists/{id}`): its requests reach the watches. Idempotent."""
        return self._channel.run(self.aio.subscribe(list_name))

    def unsubscribe(self, list_name: str) -> None:
        """Ends a subscription; the agent's own conversations on the List stay its own. Idempotent."""
        return self._channel.run(self.aio.unsubscribe(list_name))

    def list_subscriptions(self) -> list[agent_service_pb2.Subscription]:
        """The agent's subscriptions, oldest first."""
        return self._channel.run(self.aio.list_subscriptions())

    def list_conversations(
        self, list_name: str, states: Iterable[ConversationState] = ()
    ) -> list[conversation_pb2.Conversation]:
        """Requests on a List, oldest first (the open ones unless `states` says otherwise), all pages."""
        return self._channel.run(self.aio.list_conversations(list_name, states))

    def get(self, name: str) -> conversation_pb2.Conversation:
        """One conversation (`conversations/{id}`) on an entitled List, or one the agent is in."""
        return self._channel.run(self.aio.get(name))

    def list_messages(self, name: str) -> list[conversation_pb2.Message]:
        """The transcript of a conversation, oldest first: to read a request before joining it."""
        return self._channel.run(self.aio.list_messages(name))

    def join(self, name: str) -> conversation_pb2.Conversation:
        """Joins an open request on a subscribed List: it becomes ACTIVE. Idempotent. Refusals include
        `NotSubscribed`, `ListFull`, `AgentAtCapacity`, `ConversationClosed`."""
        return self._channel.run(self.aio.join(name))

    def leave(self, name: str) -> conversation_pb2.Conversation:
        """Leaves a conversation; the last agent out leaves it INACTIVE. Idempotent."""
        return self._channel.run(self.aio.leave(name))

    def close(self, name: str, reason: CloseReason = CloseReason.AGENT) -> conversation_pb2.Conversation:
        """Closes an open request on a subscribed List (reason AGENT, or INACTIVITY)."""
        return self._channel.run(self.aio.close(name, reason))

    def send(self, name: str, text: str, client_message_id: str | None = None) -> conversation_pb2.Message:
        """Writes to the customer. Sending again with the same `client_message_id` returns the first message
        and writes nothing: to retry after a failure, pass the id of the first attempt (`new_message_id()`
        makes one). Without one, a fresh id is made for this call, which gRPC's own retries of UNAVAILABLE
        keep."""
        return self._channel.run(self.aio.send(name, text, client_message_id))

    def set_presence(self, presence: Presence) -> Presence:
        """Sets the agent's presence, AVAILABLE or AWAY; returns the presence now (OFFLINE while the agent has no
        open stream)."""
        return self._channel.run(self.aio.set_presence(presence))

    def mark_read(self, conversation: str, message: str) -> int:
        """Marks `message` (`conversations/{id}/messages/{id}`) and every one before it read; returns how many
        messages of others are unread after it."""
        return self._channel.run(self.aio.mark_read(conversation, message))

    def set_activity(self, name: str, activity: Activity) -> datetime | None:
        """Tells the conversation's watchers (and, for TYPING, the connector) what the agent is doing in it:
        TYPING or NONE in one it is in, VIEWING in any it may read. Live only, stored nowhere; it ends by itself at
        the time returned (None for NONE) unless set again before then, as a desk does every few seconds."""
        return self._channel.run(self.aio.set_activity(name, activity))

    def watch_lists(
        self, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> SyncWatch[events_pb2.ListEvent]:
        """The subscribed Lists: snapshot, SYNCED, then live events; reconnects and resumes by itself."""
        return SyncWatch(self._channel, self.aio.watch_lists(resume_token, backoff=backoff, on_retry=on_retry))

    def watch_conversation(
        self, name: str, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> SyncWatch[events_pb2.ConversationEvent]:
        """One conversation: history, SYNCED, then live events; ends when the agent leaves or it closes."""
        return SyncWatch(
            self._channel, self.aio.watch_conversation(name, resume_token, backoff=backoff, on_retry=on_retry)
        )

    def watch_desk(
        self, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> SyncWatch[events_pb2.DeskEvent]:
        """Everything a desk shows on one stream: the agent's presence, the conversations it is in (from its
        join to its leave or the close, whatever its subscriptions), its subscribed Lists, read positions and
        unread counts. Opens with the presence, a SNAPSHOT per conversation, the Lists' snapshot and a SYNCED
        list event; reconnects and resumes by itself (an event with `reset` set replaces what the desk holds)."""
        return SyncWatch(self._channel, self.aio.watch_desk(resume_token, backoff=backoff, on_retry=on_retry))


class SyncIngestClient:
    """IngestClient's calls, blocking: for scripts and threads. Made from a `SyncChannel`."""

    def __init__(self, channel: SyncChannel, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self._channel = channel
        self.aio = IngestClient(channel.aio_channel, timeout=timeout)

    def post(
        self,
        service_identifier: str,
        customer_id: str,
        text: str,
        source_message_id: str,
        customer_display_name: str = "",
    ) -> ingest_service_pb2.PostCustomerMessageResponse:
        """A customer message. A retry with the same `source_message_id` returns the first result and
        creates nothing: retry freely after a timeout or a lost connection."""
        return self._channel.run(
            self.aio.post(service_identifier, customer_id, text, source_message_id, customer_display_name)
        )

    def end(self, service_identifier: str, customer_id: str) -> conversation_pb2.Conversation:
        """The customer's side ended their open conversation on the channel."""
        return self._channel.run(self.aio.end(service_identifier, customer_id))

    def post_activity(self, conversation: str, activity: Activity) -> datetime | None:
        """The customer is typing (TYPING) or stopped (NONE) in a conversation on the credential's channels: the
        agents' streams are told, live. It ends by itself at the time returned (None for NONE) unless posted
        again before then."""
        return self._channel.run(self.aio.post_activity(conversation, activity))

    def stream(
        self, messages: Iterable[ingest_service_pb2.PostCustomerMessageRequest]
    ) -> Iterator[tuple[str, ingest_service_pb2.PostCustomerMessageResponse | PullroutingError]]:
        """IngestClient.stream, blocking: `messages` is read as the stream takes them (on the channel's
        thread, so it must not block for long), and each (source_message_id, result or refusal) is handed out
        in the order sent."""

        async def sent() -> AsyncIterator[ingest_service_pb2.PostCustomerMessageRequest]:
            for message in messages:
                yield message

        return _blocking(self._channel, self.aio.stream(sent()))

    def watch_outbound(
        self,
        service_identifier: str = "",
        resume_token: str = "",
        *,
        backoff: Backoff | None = None,
        on_retry: OnRetry | None = None,
    ) -> SyncWatch[events_pb2.OutboundEvent]:
        """Agent messages and closes to deliver, for one channel or all the credential serves; reconnects and
        resumes by itself. An expired token raises `ResumeTokenExpired`: what was missed is gone, and only the
        caller can decide how to catch up."""
        return SyncWatch(
            self._channel, self.aio.watch_outbound(service_identifier, resume_token, backoff=backoff, on_retry=on_retry)
        )


class SyncSupervisorClient:
    """SupervisorClient's calls, blocking: for scripts and threads. Made from a `SyncChannel`."""

    def __init__(self, channel: SyncChannel, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self._channel = channel
        self.aio = SupervisorClient(channel.aio_channel, timeout=timeout)

    def list_conversations(
        self, list_name: str = "lists/-", states: Iterable[ConversationState] = (), order_by: str = ""
    ) -> list[conversation_pb2.Conversation]:
        """Requests on one of the supervisor's Lists (`lists/{id}`), or on all of them (`lists/-`), the open ones
        unless `states` says otherwise, in the `order_by` asked for, all pages."""
        return self._channel.run(self.aio.list_conversations(list_name, states, order_by))

    def get(self, name: str) -> conversation_pb2.Conversation:
        """One request (`conversations/{id}`), open or closed, on one of the supervisor's Lists."""
        return self._channel.run(self.aio.get(name))

    def list_messages(self, name: str) -> list[conversation_pb2.Message]:
        """The transcript of a request, internal notes included, oldest first."""
        return self._channel.run(self.aio.list_messages(name))

    def force_close(self, name: str) -> conversation_pb2.Conversation:
        """Closes an open request with reason FORCED."""
        return self._channel.run(self.aio.force_close(name))

    def transfer(self, name: str, list_name: str, note: str = "") -> conversation_pb2.Conversation:
        """Moves an open request to another of the supervisor's Lists, its agents let go."""
        return self._channel.run(self.aio.transfer(name, list_name, note))

    def set_priority(self, name: str, priority: int) -> conversation_pb2.Conversation:
        """Sets an open request's priority (0-9)."""
        return self._channel.run(self.aio.set_priority(name, priority))

    def release(self, name: str, agent: str) -> conversation_pb2.Conversation:
        """Takes an agent (`agents/{id}`) out of an open request."""
        return self._channel.run(self.aio.release(name, agent))

    def whisper(self, name: str, text: str) -> conversation_pb2.Message:
        """An internal note from the supervisor to the request's agents, never sent to the customer."""
        return self._channel.run(self.aio.whisper(name, text))

    def barge_in(self, name: str) -> conversation_pb2.Conversation:
        """Joins an open request as a participant with role SUPERVISOR."""
        return self._channel.run(self.aio.barge_in(name))

    def send(self, name: str, text: str, request_id: str | None = None) -> conversation_pb2.Message:
        """Writes to the customer of a request the supervisor barged into; idempotent on `request_id`."""
        return self._channel.run(self.aio.send(name, text, request_id))

    def leave(self, name: str) -> conversation_pb2.Conversation:
        """Leaves a request the supervisor barged into."""
        return self._channel.run(self.aio.leave(name))

    def watch_queues(
        self, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> SyncWatch[supervisor_events_pb2.QueueEvent]:
        """The supervisor's Lists and their figures, live; reconnects and resumes by itself."""
        return SyncWatch(self._channel, self.aio.watch_queues(resume_token, backoff=backoff, on_retry=on_retry))

    def watch_agents(
        self, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> SyncWatch[supervisor_events_pb2.AgentStatusEvent]:
        """The agents of the supervisor's Lists, each a whole status, live; reconnects and resumes by itself."""
        return SyncWatch(self._channel, self.aio.watch_agents(resume_token, backoff=backoff, on_retry=on_retry))

    def monitor(
        self, name: str, resume_token: str = "", *, backoff: Backoff | None = None, on_retry: OnRetry | None = None
    ) -> SyncWatch[events_pb2.ConversationEvent]:
        """A silent monitor of one request: history, SYNCED, its events and who is typing or viewing, to the
        close; reconnects and resumes by itself."""
        return SyncWatch(self._channel, self.aio.monitor(name, resume_token, backoff=backoff, on_retry=on_retry))
