"""This database's secrets, made by the migration that created their table (store/migrations)."""

from sqlalchemy import Connection, select

from pullrouting.store.tables import server_secrets

RESUME_TOKEN_KEY = select(server_secrets.c.resume_token_key).where(server_secrets.c.id == 1)


def resume_token_key(connection: Connection) -> bytes:
    """The key resume tokens are signed with on this database."""
    return bytes.fromhex(connection.execute(RESUME_TOKEN_KEY).scalar_one())
