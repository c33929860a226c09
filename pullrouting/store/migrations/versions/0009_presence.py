"""agents' presence and last sighting; lists.release_after and release_away_agents

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("agents", sa.Column("presence", sa.String(16), nullable=False, server_default="AVAILABLE"))
    op.add_column("agents", sa.Column("presence_time", sa.BigInteger(), nullable=True))
    op.add_column("agents", sa.Column("last_seen_time", sa.BigInteger(), nullable=True))
    op.add_column("agents", sa.Column("offline", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("lists", sa.Column("release_after_seconds", sa.Float(), nullable=True))
    op.add_column(
        "lists", sa.Column("release_away_agents", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("lists") as batch:
        batch.drop_column("release_away_agents")
        batch.drop_column("release_after_seconds")
    with op.batch_alter_table("agents") as batch:
        for column in ("offline", "last_seen_time", "presence_time", "presence"):
            batch.drop_column(column)
