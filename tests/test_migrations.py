"""Migrations bring existing data along: conversations stored before waiting times and previews get them
from their messages when the schema is upgraded."""

from alembic import command
from sqlalchemy import create_engine, text

from pullrouting.store import migrate

CONVERSATION = (
    "INSERT INTO conversations (id, list_id, channel_id, customer_id, customer_display_name, state, create_time,"
    " update_time, message_count) VALUES (:id, 'l1', 'c1', :id, 'C', :state, 10, 50, 3)"
)
MESSAGE = (
    "INSERT INTO messages (id, conversation_id, sender_type, agent_id, text, create_time)"
    " VALUES (:id, :conversation, :sender, :agent, :text, :time)"
)


def test_upgrading_gives_stored_conversations_their_wait_and_last_message(database_url):
    engine = create_engine(database_url)
    try:
        config = migrate.alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0004")
            for conversation, state in (("waiting", "ACTIVE"), ("answered", "ACTIVE"), ("closed", "CLOSED")):
                connection.execute(text(CONVERSATION), {"id": conversation, "state": state})
            long_text = "z" * 250
            for message in (
                ("w1", "waiting", "CUSTOMER", None, "Hi", 10),
                ("w2", "waiting", "AGENT", "ann", "Hello", 20),
                ("w3", "waiting", "CUSTOMER", None, "Still broken", 30),
                ("w4", "waiting", "CUSTOMER", None, long_text, 40),
                ("a1", "answered", "CUSTOMER", None, "Hi", 10),
                ("a2", "answered", "AGENT", "ann", "Done", 20),
                ("c1", "closed", "CUSTOMER", None, "Bye", 10),
            ):
                connection.execute(
                    text(MESSAGE),
                    dict(zip(("id", "conversation", "sender", "agent", "text", "time"), message, strict=True)),
                )
        migrate.upgrade(engine)
        with engine.connect() as connection:
            rows = {
                row.id: row[1:]
                for row in connection.execute(
                    text(
                        "SELECT id, priority, waiting_since, last_message_sender, last_message_agent_id,"
                        " last_message_preview FROM conversations"
                    )
                )
            }
    finally:
        engine.dispose()
    assert rows == {
        "waiting": (0, 30, "CUSTOMER", None, "z" * 200),
        "answered": (0, None, "AGENT", "ann", "Done"),
        "closed": (0, None, "CUSTOMER", None, "Bye"),
    }
