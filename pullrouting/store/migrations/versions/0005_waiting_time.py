"""conversations: priority, waiting_since and the last message's preview

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("priority", "waiting_since", "last_message_sender", "last_message_agent_id", "last_message_preview")
# Existing conversations get what their messages say: the last one previewed (200 characters, as the
# service cuts them), and, while open, the oldest customer message after the last agent message as the
# start of the customer's wait.
LAST_MESSAGE = """
    (SELECT {column} FROM messages m WHERE m.conversation_id = conversations.id
     ORDER BY m.create_time DESC, m.id DESC LIMIT 1)
"""
BACKFILL = f"""
UPDATE conversations SET
    last_message_sender = {LAST_MESSAGE.format(column="m.sender_type")},
    last_message_agent_id = {LAST_MESSAGE.format(column="m.agent_id")},
    last_message_preview = {LAST_MESSAGE.format(column="substr(m.text, 1, 200)")},
    waiting_since = CASE WHEN state = 'CLOSED' THEN NULL ELSE (
        SELECT MIN(c.create_time) FROM messages c
        WHERE c.conversation_id = conversations.id AND c.sender_type = 'CUSTOMER' AND c.create_time > COALESCE(
            (SELECT MAX(a.create_time) FROM messages a
             WHERE a.conversation_id = conversations.id AND a.sender_type = 'AGENT'), -1)
    ) END
"""


def upgrade() -> None:
    op.add_column("conversations", sa.Column("priority", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.add_column("conversations", sa.Column("waiting_since", sa.BigInteger(), nullable=True))
    op.add_column("conversations", sa.Column("last_message_sender", sa.String(16), nullable=True))
    op.add_column("conversations", sa.Column("last_message_agent_id", sa.String(63), nullable=True))
    op.add_column("conversations", sa.Column("last_message_preview", sa.Text(), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
