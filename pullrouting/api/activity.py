"""SetActivity and PostCustomerActivity, and the activity notices as the streams send them. A change is checked
against the store, then handed to the hub, which tells the watchers on every instance; nothing is stored."""

from collections.abc import Callable

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import Connection

from pullrouting.api.limits import RateLimiter
from pullrouting.api.timestamps import to_timestamp
from pullrouting.bus.hub import EventHub
from pullrouting.domain.activity import Activity, ActivityNotice
from pullrouting.domain.errors import Violations
from pullrouting.domain.names import AGENTS, CONVERSATIONS, check_name, format_name
from pullrouting.domain.principal import Principal
from pullrouting.store import activity as activity_store
from pullrouting.store.database import Database
from pullrouting.v1 import conversation_pb2, events_pb2

ACTIVITY_TO_PROTO = {
    Activity.NONE: events_pb2.ACTIVITY_NONE,
    Activity.TYPING: events_pb2.ACTIVITY_TYPING,
    Activity.VIEWING: events_pb2.ACTIVITY_VIEWING,
}
ACTIVITY_FROM_PROTO = {value: activity for activity, value in ACTIVITY_TO_PROTO.items()}
MICROS_PER_SECOND = 1_000_000


def activity_fields(conversation: str, activity: int, conversation_field: str) -> tuple[str, Activity]:
    """The conversation id and activity of a request; INVALID_ARGUMENT naming every bad field otherwise."""
    violations = Violations()
    conversation_id = check_name(violations, conversation, CONVERSATIONS, conversation_field)
    violations.check(activity in ACTIVITY_FROM_PROTO, "activity", "must be TYPING, VIEWING or NONE")
    violations.raise_if_any()
    assert conversation_id is not None
    return conversation_id, ACTIVITY_FROM_PROTO[activity]


def activity_change(notice: ActivityNotice) -> events_pb2.ActivityChange:
    is_agent = notice.agent_id is not None
    return events_pb2.ActivityChange(
        conversation=format_name(CONVERSATIONS, notice.conversation_id),
        sender_type=conversation_pb2.SENDER_TYPE_AGENT if is_agent else conversation_pb2.SENDER_TYPE_CUSTOMER,
        agent=format_name(AGENTS, notice.agent_id) if notice.agent_id is not None else "",
        activity=ACTIVITY_TO_PROTO[notice.activity],
        expired=notice.expired,
        event_time=to_timestamp(notice.create_time),
    )


def activity_event(notice: ActivityNotice) -> events_pb2.ConversationEvent:
    """A live notice as a conversation's watchers get it (WatchConversation, MonitorConversation): ACTIVITY, with
    no resume_token and no conversation."""
    return events_pb2.ConversationEvent(
        type=events_pb2.CONVERSATION_EVENT_TYPE_ACTIVITY,
        agent=format_name(AGENTS, notice.agent_id) if notice.agent_id is not None else "",
        activity=activity_change(notice),
        event_time=to_timestamp(notice.create_time),
    )


class Activities:
    def __init__(self, database: Database, hub: EventHub, limiter: RateLimiter, ttl_seconds: float) -> None:
        self._database = database
        self._hub = hub
        self._limiter = limiter
        self._ttl_seconds = ttl_seconds

    async def set_by_agent(self, principal: Principal, conversation_id: str, activity: Activity) -> Timestamp | None:
        agent_id = principal.id
        assert agent_id is not None
        return await self._set(
            principal, lambda c: activity_store.of_agent(c, agent_id, conversation_id, activity, self._ttl_seconds)
        )

    async def post_by_customer(
        self, principal: Principal, conversation_id: str, activity: Activity
    ) -> Timestamp | None:
        ingestor_id = principal.id
        assert ingestor_id is not None
        return await self._set(
            principal,
            lambda c: activity_store.of_customer(c, ingestor_id, conversation_id, activity, self._ttl_seconds),
        )

    async def _set(self, principal: Principal, check: Callable[[Connection], ActivityNotice]) -> Timestamp | None:
        """Counts the call against the caller's limit, checks it, tells the watchers; the expire_time of the
        activity (None for NONE)."""
        await self._limiter.check(principal)
        notice = await self._database.read(check)
        await self._hub.publish(notice)
        if not notice.lasts:
            return None
        return to_timestamp(notice.create_time + round(notice.ttl_seconds * MICROS_PER_SECOND))
