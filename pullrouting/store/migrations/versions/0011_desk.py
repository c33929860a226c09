"""read_positions (MarkRead); indexes that serve a desk stream (WatchDesk)

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# See store/tables.py.
DESK_INDEXES = (
    ("ix_events_agent", ["agent_id", "xact", "id"], "kind = 'agent'"),
    ("ix_events_conversation_agent", ["agent_id", "xact", "id"], "kind = 'conversation'"),
    ("ix_events_closes", ["xact", "id"], "kind = 'conversation' AND type = 'CONVERSATION_CLOSED'"),
)


def upgrade() -> None:
    op.create_table(
        "read_positions",
        sa.Column("agent_id", sa.String(63), nullable=False),
        sa.Column("conversation_id", sa.String(63), nullable=False),
        sa.Column("message_create_time", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(63), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_read_positions_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_read_positions_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "conversation_id", name=op.f("pk_read_positions")),
    )
    for name, columns, condition in DESK_INDEXES:
        predicate = sa.text(condition)
        op.create_index(name, "events", columns, postgresql_where=predicate, sqlite_where=predicate)


def downgrade() -> None:
    for name, _columns, _condition in DESK_INDEXES:
        op.drop_index(name, table_name="events")
    op.drop_table("read_positions")
