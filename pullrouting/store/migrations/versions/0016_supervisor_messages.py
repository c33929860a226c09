"""supervisor messages: the writing supervisor of a whisper or a transfer's note

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("supervisor_id", sa.String(63), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "supervisor_id")
