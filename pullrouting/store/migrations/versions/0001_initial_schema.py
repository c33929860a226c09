"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 14:45:25.134413
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agents_token_hash")),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("list_id", sa.String(length=63), nullable=False),
        sa.Column("channel_id", sa.String(length=63), nullable=False),
        sa.Column("customer_id", sa.String(length=500), nullable=False),
        sa.Column("customer_display_name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.Column("close_time", sa.BigInteger(), nullable=True),
        sa.Column("first_join_time", sa.BigInteger(), nullable=True),
        sa.Column("message_count", sa.BigInteger(), nullable=False),
        sa.Column("last_message_time", sa.BigInteger(), nullable=True),
        sa.Column("close_reason", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index("ix_conversations_channel_id", ["channel_id"], unique=False)
        batch_op.create_index(
            "ix_conversations_list_state_create", ["list_id", "state", "create_time", "id"], unique=False
        )
        batch_op.create_index(
            "uq_conversations_open_customer",
            ["channel_id", "customer_id"],
            unique=True,
            sqlite_where=sa.text("state != 'CLOSED'"),
            postgresql_where=sa.text("state != 'CLOSED'"),
        )

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("list_id", sa.String(length=63), nullable=True),
        sa.Column("conversation_id", sa.String(length=63), nullable=True),
        sa.Column("channel_id", sa.String(length=63), nullable=True),
        sa.Column("agent_id", sa.String(length=63), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "ingestors",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingestors")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ingestors_token_hash")),
    )
    op.create_table(
        "lists",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=False),
        sa.Column("unread_reminder_after_seconds", sa.Float(), nullable=True),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lists")),
    )
    op.create_table(
        "media_routing_domains",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("max_conversations_per_agent", sa.Integer(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_routing_domains")),
    )
    op.create_table(
        "agent_lists",
        sa.Column("agent_id", sa.String(length=63), nullable=False),
        sa.Column("list_id", sa.String(length=63), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_lists_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_agent_lists_list_id_lists"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("agent_id", "list_id", name=op.f("pk_agent_lists")),
    )
    with op.batch_alter_table("agent_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_lists_list_id"), ["list_id"], unique=False)

    op.create_table(
        "channel_types",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("media_routing_domain_id", sa.String(length=63), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_routing_domain_id"],
            ["media_routing_domains.id"],
            name=op.f("fk_channel_types_media_routing_domain_id_media_routing_domains"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_types")),
    )
    with op.batch_alter_table("channel_types", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_types_media_routing_domain_id"), ["media_routing_domain_id"], unique=False
        )

    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("conversation_id", sa.String(length=63), nullable=False),
        sa.Column("sender_type", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.String(length=63), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_scope", sa.String(length=200), nullable=True),
        sa.Column("idempotency_key", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "idempotency_scope", "idempotency_key", name=op.f("uq_messages_idempotency_scope_idempotency_key")
        ),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_conversation_create", ["conversation_id", "create_time"], unique=False)

    op.create_table(
        "participants",
        sa.Column("conversation_id", sa.String(length=63), nullable=False),
        sa.Column("agent_id", sa.String(length=63), nullable=False),
        sa.Column("join_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_participants_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_participants_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "agent_id", name=op.f("pk_participants")),
    )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participants_agent_id"), ["agent_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("agent_id", sa.String(length=63), nullable=False),
        sa.Column("list_id", sa.String(length=63), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_subscriptions_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_subscriptions_list_id_lists"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("agent_id", "list_id", name=op.f("pk_subscriptions")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_list_id"), ["list_id"], unique=False)

    op.create_table(
        "channels",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("channel_type_id", sa.String(length=63), nullable=False),
        sa.Column("service_identifier", sa.String(length=500), nullable=False),
        sa.Column("routing_mode", sa.String(length=16), nullable=False),
        sa.Column("list_id", sa.String(length=63), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_type_id"], ["channel_types.id"], name=op.f("fk_channels_channel_type_id_channel_types")
        ),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name=op.f("fk_channels_list_id_lists")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("service_identifier", name=op.f("uq_channels_service_identifier")),
    )
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channels_channel_type_id"), ["channel_type_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_channels_list_id"), ["list_id"], unique=False)

    op.create_table(
        "ingestor_channels",
        sa.Column("ingestor_id", sa.String(length=63), nullable=False),
        sa.Column("channel_id", sa.String(length=63), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], name=op.f("fk_ingestor_channels_channel_id_channels")),
        sa.ForeignKeyConstraint(
            ["ingestor_id"],
            ["ingestors.id"],
            name=op.f("fk_ingestor_channels_ingestor_id_ingestors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ingestor_id", "channel_id", name=op.f("pk_ingestor_channels")),
    )
    with op.batch_alter_table("ingestor_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingestor_channels_channel_id"), ["channel_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ingestor_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingestor_channels_channel_id"))

    op.drop_table("ingestor_channels")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channels_list_id"))
        batch_op.drop_index(batch_op.f("ix_channels_channel_type_id"))

    op.drop_table("channels")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_list_id"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participants_agent_id"))

    op.drop_table("participants")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_conversation_create")

    op.drop_table("messages")
    with op.batch_alter_table("channel_types", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_types_media_routing_domain_id"))

    op.drop_table("channel_types")
    with op.batch_alter_table("agent_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_lists_list_id"))

    op.drop_table("agent_lists")
    op.drop_table("media_routing_domains")
    op.drop_table("lists")
    op.drop_table("ingestors")
    op.drop_table("events")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_conversations_open_customer",
            sqlite_where=sa.text("state != 'CLOSED'"),
            postgresql_where=sa.text("state != 'CLOSED'"),
        )
        batch_op.drop_index("ix_conversations_list_state_create")
        batch_op.drop_index("ix_conversations_channel_id")

    op.drop_table("conversations")
    op.drop_table("agents")
