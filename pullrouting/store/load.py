"""One agent's load per media routing domain, for its desk: read as a supervisor's agent view reads it
(store/supervisor_views.py), and counted as joins count it (store/conversations.py `join_limits`)."""

from collections import Counter

from sqlalchemy import Connection

from pullrouting.domain.supervisor_views import DomainLoad, domain_loads
from pullrouting.store.supervisor_views import CAP_OVERRIDES, DOMAIN_CAPS, OPEN_PARTICIPATIONS


def agent_load(connection: Connection, agent_id: str) -> tuple[DomainLoad, ...]:
    """The agent's load in every media routing domain, by domain id."""
    of_agent = {"agent_ids": [agent_id]}
    open_by_domain = Counter(row.media_routing_domain_id for row in connection.execute(OPEN_PARTICIPATIONS, of_agent))
    own_caps = connection.execute(CAP_OVERRIDES, of_agent)
    overrides = {row.media_routing_domain_id: row.max_conversations for row in own_caps}
    return domain_loads(dict(open_by_domain), dict(connection.execute(DOMAIN_CAPS).all()), overrides)
