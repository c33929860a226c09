"""What the metrics read from the database at scrape time: cheap aggregates over open requests, the same
whichever instance is asked."""

from dataclasses import dataclass

from sqlalchemy import Connection, case, func, select

from pullrouting.domain.model import OPEN_STATES, ConversationState
from pullrouting.domain.supervisor_views import LONGEST_WAITING_BUCKET, MICROS_PER_MINUTE, WAITING_AGES, WAITING_BUCKETS
from pullrouting.store.tables import conversations, lists


@dataclass(frozen=True)
class RequestStatistics:
    # Open requests by (list id, state): every list and open state, zero included.
    open_requests: dict[tuple[str, ConversationState], int]
    # The create time of each list's oldest UNREAD request, for lists that have one.
    oldest_unread: dict[str, int]
    # Customers waiting now (open requests with `waiting_since` set) by (list id, age): every list and age,
    # zero included.
    customers_waiting: dict[tuple[str, str], int]


def request_statistics(connection: Connection, now: int) -> RequestStatistics:
    list_ids = [row.id for row in connection.execute(select(lists.c.id))]
    open_requests = {(list_id, state): 0 for list_id in list_ids for state in OPEN_STATES}
    oldest_unread: dict[str, int] = {}
    query = (
        select(
            conversations.c.list_id,
            conversations.c.state,
            func.count().label("count"),
            func.min(conversations.c.create_time).label("oldest"),
        )
        .where(conversations.c.state.in_([state.value for state in OPEN_STATES]))
        .group_by(conversations.c.list_id, conversations.c.state)
    )
    for row in connection.execute(query):
        state = ConversationState(row.state)
        open_requests[row.list_id, state] = row.count
        if state is ConversationState.UNREAD:
            oldest_unread[row.list_id] = row.oldest
    return RequestStatistics(open_requests, oldest_unread, _customers_waiting(connection, list_ids, now))


def _customers_waiting(connection: Connection, list_ids: list[str], now: int) -> dict[tuple[str, str], int]:
    waited = now - conversations.c.waiting_since
    age = case(
        *((waited < minutes * MICROS_PER_MINUTE, label) for label, minutes in WAITING_BUCKETS),
        else_=LONGEST_WAITING_BUCKET,
    ).label("age")
    query = (
        select(conversations.c.list_id, age, func.count().label("count"))
        .where(
            conversations.c.state.in_([state.value for state in OPEN_STATES]),
            conversations.c.waiting_since.is_not(None),
        )
        .group_by(conversations.c.list_id, age)
    )
    waiting = {(list_id, label): 0 for list_id in list_ids for label in WAITING_AGES}
    for row in connection.execute(query):
        waiting[row.list_id, row.age] = row.count
    return waiting
