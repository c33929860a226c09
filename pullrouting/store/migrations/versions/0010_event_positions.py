"""events.xact: the writing transaction's id, so that PostgreSQL orders events without a lock; indexes that
serve a catching-up stream

Revision ID: 0010
Revises: 0009

Events written before this revision keep xact 0: they stay first, in their id order, and a resume token
issued before (a plain id) still points at the same place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A catching-up stream reads only its own events (see store/tables.py).
CATCH_UP_INDEXES = (
    ("ix_events_list", ["list_id", "xact", "id"], "list"),
    ("ix_events_subscription", ["agent_id", "xact", "id"], "subscription"),
    ("ix_events_conversation", ["conversation_id", "xact", "id"], "conversation"),
    ("ix_events_outbound", ["xact", "id"], "outbound"),
    ("ix_events_outbound_channel", ["channel_id", "xact", "id"], "outbound"),
    ("ix_events_principal", ["xact", "id"], "principal"),
)


def upgrade() -> None:
    op.add_column("events", sa.Column("xact", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("event_log", sa.Column("pruned_through_xact", sa.BigInteger(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        # xid8 as bigint: 64 bits that never wrap; a cast keeps the column an ordinary integer for every client.
        op.execute("ALTER TABLE events ALTER COLUMN xact SET DEFAULT (pg_current_xact_id()::text::bigint)")
    op.create_index("ix_events_xact_id", "events", ["xact", "id"])
    for name, columns, kind in CATCH_UP_INDEXES:
        predicate = sa.text(f"kind = '{kind}'")
        op.create_index(name, "events", columns, postgresql_where=predicate, sqlite_where=predicate)


def downgrade() -> None:
    for name, _columns, _kind in CATCH_UP_INDEXES:
        op.drop_index(name, table_name="events")
    op.drop_index("ix_events_xact_id", table_name="events")
    with op.batch_alter_table("event_log") as batch:
        batch.drop_column("pruned_through_xact")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("xact")
