"""retired_ids: deleted resource ids, never given again; server_secrets: the resume token signing key

Revision ID: 0008
Revises: 0007
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retired_ids",
        sa.Column("collection", sa.String(32), nullable=False),
        sa.Column("id", sa.String(63), nullable=False),
        sa.Column("delete_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("collection", "id", name=op.f("pk_retired_ids")),
    )
    server_secrets = op.create_table(
        "server_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resume_token_key", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_secrets")),
    )
    # Made once, here: every instance on this database reads the same key.
    op.bulk_insert(server_secrets, [{"id": 1, "resume_token_key": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("server_secrets")
    op.drop_table("retired_ids")
