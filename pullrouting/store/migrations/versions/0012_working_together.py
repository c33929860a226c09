"""Working together: conversations.transfer_count, messages.visibility (internal notes) and the lists a list
accepts transfers from

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "conversations", sa.Column("transfer_count", sa.Integer(), nullable=False, server_default=sa.text("0"))
    )
    op.add_column("messages", sa.Column("visibility", sa.String(16), nullable=False, server_default="PUBLIC"))
    op.create_table(
        "list_transfer_sources",
        sa.Column("list_id", sa.String(63), nullable=False),
        sa.Column("source_list_id", sa.String(63), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_list_transfer_sources_list_id_lists"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_list_id"], ["lists.id"], name=op.f("fk_list_transfer_sources_source_list_id_lists")
        ),
        sa.PrimaryKeyConstraint("list_id", "source_list_id", name=op.f("pk_list_transfer_sources")),
    )
    op.create_index("ix_list_transfer_sources_source_list_id", "list_transfer_sources", ["source_list_id"])


def downgrade() -> None:
    op.drop_table("list_transfer_sources")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("visibility")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("transfer_count")
