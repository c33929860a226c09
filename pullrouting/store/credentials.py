"""Bearer tokens. Tokens are 256-bit random strings, so a SHA-256 digest is enough to store them safely
(a slow password hash guards guessable secrets, which these are not) and lets a token be found by index.
Looking a digest up by index leaks nothing useful through timing: an attacker cannot choose a token whose
digest comes close to a stored one."""

import hashlib
import secrets

from sqlalchemy import Connection, bindparam, select

from pullrouting.domain.principal import Principal, Role
from pullrouting.store.tables import agents, ingestors

TOKEN_PREFIX = {Role.ADMIN: "pra", Role.AGENT: "prg", Role.INGESTOR: "pri"}

# Built once (see store/conversations.py).
HOLDER_OF_TOKEN = tuple(
    (select(table.c.id, table.c.enabled).where(table.c.token_hash == bindparam("token_hash")), role)
    for table, role in ((agents, Role.AGENT), (ingestors, Role.INGESTOR))
)
AGENT_ENABLED = select(agents.c.enabled).where(agents.c.id == bindparam("agent_id"))


def new_token(role: Role) -> str:
    return f"{TOKEN_PREFIX[role]}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_principal(connection: Connection, token_hash: str) -> tuple[Principal, bool] | None:
    """The agent or ingestor holding the token, and whether it is enabled; None when nobody holds it."""
    for query, role in HOLDER_OF_TOKEN:
        row = connection.execute(query, {"token_hash": token_hash}).first()
        if row is not None:
            return Principal(role, row.id), row.enabled
    return None


def agent_enabled(connection: Connection, agent_id: str) -> bool | None:
    """Whether the agent is enabled; None when there is no such agent."""
    return connection.execute(AGENT_ENABLED, {"agent_id": agent_id}).scalar()
