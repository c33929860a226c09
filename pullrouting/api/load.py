"""The agent's load as its desk shows it (DeskEvent.load, events_pb2.AgentLoad): read when it is sent, and sent
again only when it changed."""

import functools

from pullrouting.domain.events import ConversationEventType, EventKind
from pullrouting.domain.names import AGENTS, MEDIA_ROUTING_DOMAINS, format_name
from pullrouting.domain.supervisor_views import DomainLoad
from pullrouting.store import load as load_store
from pullrouting.store.database import Database
from pullrouting.store.events import StoredEvent
from pullrouting.v1 import events_pb2

# The conversation events that change the agent's load when they are its own (or of a conversation it was in).
OWN_PARTICIPATION = (ConversationEventType.AGENT_JOINED, ConversationEventType.AGENT_LEFT)


def agent_load_to_proto(agent_id: str, load: tuple[DomainLoad, ...], into: events_pb2.AgentLoad) -> None:
    into.agent = format_name(AGENTS, agent_id)
    for domain in load:
        into.media_routing_domains.add(
            media_routing_domain=format_name(MEDIA_ROUTING_DOMAINS, domain.media_routing_domain_id),
            open_conversations=domain.open_conversations,
            max_conversations=domain.max_conversations,
        )


def may_change_load(event: StoredEvent, agent_id: str, was_in: bool) -> bool:
    """Whether the event may have changed the agent's load: its own join or leave (a transfer and an accepted
    invitation among them), the close of a conversation it was in, or a change of the agent itself (its
    capacity_overrides). Only the agent's own PRINCIPAL events reach its desk."""
    if event.kind is EventKind.PRINCIPAL:
        return True
    if event.type in OWN_PARTICIPATION:
        return event.agent_id == agent_id
    return event.type is ConversationEventType.CONVERSATION_CLOSED and was_in


class ShownLoad:
    """The load one desk stream showed last."""

    def __init__(self, database: Database, agent_id: str) -> None:
        self._database = database
        self._agent_id = agent_id
        self._shown: tuple[DomainLoad, ...] | None = None

    async def now(self) -> tuple[DomainLoad, ...]:
        self._shown = await self._database.read(functools.partial(load_store.agent_load, agent_id=self._agent_id))
        return self._shown

    async def changed(self) -> tuple[DomainLoad, ...] | None:
        """The load now if it is not the one shown last; None otherwise."""
        shown = self._shown
        load = await self.now()
        return None if load == shown else load
