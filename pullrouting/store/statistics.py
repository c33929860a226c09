"""What the metrics read from the database at scrape time: cheap aggregates over open requests, the same
whichever instance is asked."""

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from pullrouting.domain.model import OPEN_STATES, ConversationState
from pullrouting.store.tables import conversations, lists


@dataclass(frozen=True)
class RequestStatistics:
    # Open requests by (list id, state): every list and open state, zero included.
    open_requests: dict[tuple[str, ConversationState], int]
    # The create time of each list's oldest UNREAD request, for lists that have one.
    oldest_unread: dict[str, int]


def request_statistics(connection: Connection) -> RequestStatistics:
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
    return RequestStatistics(open_requests, oldest_unread)
