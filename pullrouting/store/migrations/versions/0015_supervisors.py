"""supervisors: scoped supervisor principals and their Lists

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supervisors",
        sa.Column("id", sa.String(63), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervisors")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_supervisors_token_hash")),
    )
    op.create_table(
        "supervisor_lists",
        sa.Column("supervisor_id", sa.String(63), nullable=False),
        sa.Column("list_id", sa.String(63), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["supervisors.id"],
            name=op.f("fk_supervisor_lists_supervisor_id_supervisors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_supervisor_lists_list_id_lists"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("supervisor_id", "list_id", name=op.f("pk_supervisor_lists")),
    )
    op.create_index(op.f("ix_supervisor_lists_list_id"), "supervisor_lists", ["list_id"])


def downgrade() -> None:
    op.drop_table("supervisor_lists")
    op.drop_table("supervisors")
