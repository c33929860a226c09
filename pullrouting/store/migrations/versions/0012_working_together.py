"""Working together: conversations.transfer_count, messages.visibility (internal notes), the lists a list
accepts transfers from; wrap-up codes, lists.require_wrap_up and the wrap-up a conversation was closed with

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
    op.add_column("lists", sa.Column("require_wrap_up", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("conversations", sa.Column("wrap_up_codes", sa.JSON(), nullable=True))
    op.add_column("conversations", sa.Column("wrap_up_note", sa.Text(), nullable=True))
    op.create_table(
        "wrap_up_codes",
        sa.Column("id", sa.String(63), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wrap_up_codes")),
    )
    op.create_table(
        "wrap_up_code_lists",
        sa.Column("wrap_up_code_id", sa.String(63), nullable=False),
        sa.Column("list_id", sa.String(63), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wrap_up_code_id"],
            ["wrap_up_codes.id"],
            name=op.f("fk_wrap_up_code_lists_wrap_up_code_id_wrap_up_codes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name=op.f("fk_wrap_up_code_lists_list_id_lists")),
        sa.PrimaryKeyConstraint("wrap_up_code_id", "list_id", name=op.f("pk_wrap_up_code_lists")),
    )
    op.create_index("ix_wrap_up_code_lists_list_id", "wrap_up_code_lists", ["list_id"])


def downgrade() -> None:
    op.drop_table("wrap_up_code_lists")
    op.drop_table("wrap_up_codes")
    with op.batch_alter_table("lists") as batch:
        batch.drop_column("require_wrap_up")
    op.drop_table("list_transfer_sources")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("visibility")
    with op.batch_alter_table("conversations") as batch:
        for column in ("wrap_up_note", "wrap_up_codes", "transfer_count"):
            batch.drop_column(column)
