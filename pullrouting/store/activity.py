"""Who may set an activity, read in one read-only transaction (rules in domain/activity.py). Nothing is
written: an activity is a live notice, stored nowhere."""

from sqlalchemy import Connection

from pullrouting.domain import activity as rules
from pullrouting.domain.activity import Activity, ActivityNotice
from pullrouting.store import conversations
from pullrouting.store.events import now_micros
from pullrouting.store.subscriptions import is_entitled


def of_agent(
    connection: Connection, agent_id: str, conversation_id: str, activity: Activity, ttl_seconds: float
) -> ActivityNotice:
    conversation = conversations.get(connection, conversation_id)
    rules.check_agent_may_set(conversation, agent_id, activity, is_entitled(connection, agent_id, conversation.list_id))
    return rules.notice(conversation, agent_id, activity, ttl_seconds, now_micros())


def of_customer(
    connection: Connection, ingestor_id: str, conversation_id: str, activity: Activity, ttl_seconds: float
) -> ActivityNotice:
    conversation = conversations.get(connection, conversation_id)
    conversations.check_ingestor_may_serve(connection, ingestor_id, conversation.channel_id)
    rules.check_customer_may_set(conversation, activity)
    return rules.notice(conversation, None, activity, ttl_seconds, now_micros())
