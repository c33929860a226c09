"""audit records: every admin change and supervisor action, with who, what, which resource and when

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("resource", sa.String(300), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_records")),
    )
    op.create_index(op.f("ix_audit_records_create_time"), "audit_records", ["create_time"])
    op.create_index("ix_audit_records_actor_id", "audit_records", ["actor", "id"])
    op.create_index("ix_audit_records_resource_id", "audit_records", ["resource", "id"])


def downgrade() -> None:
    op.drop_table("audit_records")
