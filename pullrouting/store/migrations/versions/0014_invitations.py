"""invitations: a participant's invitation to another agent to join a conversation

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(63), nullable=False),
        sa.Column("conversation_id", sa.String(63), nullable=False),
        sa.Column("inviter_id", sa.String(63), nullable=False),
        sa.Column("invitee_id", sa.String(63), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("expire_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_invitations_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    pending = sa.text("state = 'PENDING'")
    op.create_index(
        "uq_invitations_pending",
        "invitations",
        ["conversation_id", "invitee_id"],
        unique=True,
        sqlite_where=pending,
        postgresql_where=pending,
    )
    op.create_index("ix_invitations_state_expire", "invitations", ["state", "expire_time"])


def downgrade() -> None:
    op.drop_table("invitations")
