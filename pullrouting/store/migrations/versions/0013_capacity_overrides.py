"""agent_capacity_overrides: an agent's caps per media routing domain

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_capacity_overrides",
        sa.Column("agent_id", sa.String(63), nullable=False),
        sa.Column("media_routing_domain_id", sa.String(63), nullable=False),
        sa.Column("max_conversations", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_capacity_overrides_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["media_routing_domain_id"],
            ["media_routing_domains.id"],
            name=op.f("fk_agent_capacity_overrides_media_routing_domain_id_media_routing_domains"),
        ),
        sa.PrimaryKeyConstraint("agent_id", "media_routing_domain_id", name=op.f("pk_agent_capacity_overrides")),
    )
    op.create_index(
        "ix_agent_capacity_overrides_media_routing_domain_id", "agent_capacity_overrides", ["media_routing_domain_id"]
    )


def downgrade() -> None:
    op.drop_table("agent_capacity_overrides")
