"""Bearer tokens. Tokens are 256-bit random strings, so a SHA-256 digest is enough to store them safely
(a slow password hash guards guessable secrets, which these are not) and lets a token be found by index.
Looking a digest up by index leaks nothing useful through timing: an attacker cannot choose a token whose
digest comes close to a stored one."""

import hashlib
import secrets

from sqlalchemy import Connection, bindparam, select

from pullrouting.domain.principal import Principal, Role
from pullrouting.store.tables import agents, ingestors, supervisors

TOKEN_PREFIX = {Role.ADMIN: "pra", Role.AGENT: "prg", Role.INGESTOR: "pri", Role.SUPERVISOR: "prs"}

# Built once (see store/conversations.py).
HOLDER_OF_TOKEN = tuple(
    (select(table.c.id, table.c.enabled).where(table.c.token_hash == bindparam("token_hash")), role)
    for table, role in ((agents, Role.AGENT), (ingestors, Role.INGESTOR), (supervisors, Role.SUPERVISOR))
)
ENABLED_OF_ROLE = {
    role: select(table.c.enabled).where(table.c.id == bindparam("principal_id"))
    for table, role in ((agents, Role.AGENT), (supervisors, Role.SUPERVISOR))
}


def new_token(role: Role) -> str:
    return f"{TOKEN_PREFIX[role]}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_principal(connection: Connection, token_hash: str) -> tuple[Principal, bool] | None:
    """The agent, ingestor or supervisor holding the token, and whether it is enabled; None when nobody holds it."""
    for query, role in HOLDER_OF_TOKEN:
        row = connection.execute(query, {"token_hash": token_hash}).first()
        if row is not None:
            return Principal(role, row.id), row.enabled
    return None


def principal_enabled(connection: Connection, principal: Principal) -> bool | None:
    """Whether the agent or supervisor a JWT names is enabled; None when there is no such one."""
    return connection.execute(ENABLED_OF_ROLE[principal.role], {"principal_id": principal.id}).scalar()
