"""lists.reply_reminder_after_seconds and conversations.last_reply_reminder_time: NO_REPLY alerts

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("lists", sa.Column("reply_reminder_after_seconds", sa.Float(), nullable=True))
    op.add_column("conversations", sa.Column("last_reply_reminder_time", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("last_reply_reminder_time")
    with op.batch_alter_table("lists") as batch:
        batch.drop_column("reply_reminder_after_seconds")
