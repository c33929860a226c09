"""Bearer tokens. Tokens are 256-bit random strings, so a SHA-256 digest is enough to store them safely
(a slow password hash guards guessable secrets, which these are not) and lets a token be found by index."""

import hashlib
import secrets

from sqlalchemy import Connection, select

from pullrouting.domain.principal import Principal, Role
from pullrouting.store.tables import agents, ingestors

TOKEN_PREFIX = {Role.ADMIN: "pra", Role.AGENT: "prg", Role.INGESTOR: "pri"}


def new_token(role: Role) -> str:
    return f"{TOKEN_PREFIX[role]}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_principal(connection: Connection, token_hash: str) -> tuple[Principal, bool] | None:
    """The agent or ingestor holding the token, and whether it is enabled; None when nobody holds it."""
    for table, role in ((agents, Role.AGENT), (ingestors, Role.INGESTOR)):
        row = connection.execute(
            select(table.c.id, table.c.enabled).where(table.c.token_hash == token_hash)
        ).first()
        if row is not None:
            return Principal(role, row.id), row.enabled
    return None
