"""What a supervisor's streams share: a stream opened for one supervisor, its resume tokens bound to the
supervisor and the stream (WatchQueues, WatchAgents, MonitorConversation); and, for WatchQueues (api/queues.py)
and WatchAgents (api/agent_statuses.py), a view that reads the supervisor's
Lists and who is entitled to them again when an event says they may have changed, and sends what
domain/supervisor_views.py's Refreshes says is due."""

import functools
from collections.abc import Collection
from dataclasses import dataclass

import grpc

from pullrouting.api.watch import Call, Streams
from pullrouting.domain.events import EventKind
from pullrouting.domain.principal import Principal, Role
from pullrouting.domain.supervisor_views import Refreshes
from pullrouting.store import supervisor_streams, supervisor_views
from pullrouting.store.events import StoredEvent
from pullrouting.store.positions import Position


@dataclass(frozen=True)
class SupervisorStream:
    principal: Principal
    call: Call
    # Where the given resume token resumes; None for a fresh opening.
    position: Position | None


def open_stream(
    streams: Streams, supervisor_id: str, method: str, resume_token: str, context: grpc.aio.ServicerContext
) -> SupervisorStream:
    """A supervisor's stream of `method` (MonitorConversation's names its conversation too); FIELD_INVALID for a
    resume token that another stream or principal was given."""
    principal = Principal(Role.SUPERVISOR, supervisor_id)
    call = Call(context, streams.tokens.for_stream(principal, method))
    return SupervisorStream(principal, call, call.tokens.decode(resume_token))


class SupervisorWatch:
    """The streams of one method, each sending its figures at most once per `refresh_interval` (microseconds)
    for each List or agent."""

    def __init__(self, streams: Streams, refresh_interval: int) -> None:
        self._streams = streams
        self._refresh_interval = refresh_interval


class SupervisorView:
    """What one stream keeps of its supervisor, and when each of its views is due."""

    def __init__(self, streams: Streams, call: Call, supervisor_id: str, refresh_interval: int) -> None:
        self._streams = streams
        self._call = call
        self._supervisor_id = supervisor_id
        self._principal = str(Principal(Role.SUPERVISOR, supervisor_id))
        self.refreshes: Refreshes[str] = Refreshes(refresh_interval)

    def is_own_change(self, event: StoredEvent) -> bool:
        """The supervisor changed (its Lists, say, or one of them was deleted)."""
        return event.kind is EventKind.PRINCIPAL and event.payload["principal"] == self._principal

    async def read_scope(self) -> frozenset[str]:
        """The supervisor's Lists now."""
        return await self._streams.database.read(
            functools.partial(supervisor_streams.scope, supervisor_id=self._supervisor_id)
        )

    async def read_entitlements(self, list_ids: Collection[str]) -> dict[str, tuple[str, ...]]:
        """The enabled agents entitled to any of `list_ids`, each with those it is entitled to."""
        return await self._streams.database.read(functools.partial(supervisor_views.entitlements, list_ids=list_ids))
