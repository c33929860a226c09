"""The schema. Times are integer microseconds since the Unix epoch (UTC): exact, sortable, the same on
SQLite and PostgreSQL."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(63)
NAME = String(200)
TIME = BigInteger


def _times() -> list[Column]:
    return [Column("create_time", TIME, nullable=False), Column("update_time", TIME, nullable=False)]


media_routing_domains = Table(
    "media_routing_domains",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", NAME, nullable=False),
    Column("description", Text, nullable=False),
    Column("max_conversations_per_agent", Integer, nullable=False),
    *_times(),
)

channel_types = Table(
    "channel_types",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", NAME, nullable=False),
    Column("media_routing_domain_id", ID, ForeignKey("media_routing_domains.id"), nullable=False, index=True),
    *_times(),
)

lists = Table(
    "lists",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", NAME, nullable=False),
    Column("description", Text, nullable=False),
    Column("max_participants", Integer, nullable=False),
    Column("unread_reminder_after_seconds", Float, nullable=True),
    Column("follow_up_alerts", Boolean, nullable=False, server_default=false()),
    Column("reply_reminder_after_seconds", Float, nullable=True),
    Column("close_inactive_after_seconds", Float, nullable=True),
    *_times(),
    Column("release_after_seconds", Float, nullable=True),
    Column("release_away_agents", Boolean, nullable=False, server_default=false()),
    Column("require_wrap_up", Boolean, nullable=False, server_default=false()),
)

channels = Table(
    "channels",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", NAME, nullable=False),
    Column("channel_type_id", ID, ForeignKey("channel_types.id"), nullable=False, index=True),
    Column("service_identifier", String(500), nullable=False, unique=True),
    Column("routing_mode", String(16), nullable=False),
    Column("list_id", ID, ForeignKey("lists.id"), nullable=True, index=True),
    Column("enabled", Boolean, nullable=False),
    *_times(),
)

agents = Table(
    "agents",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", NAME, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    *_times(),
    # What the agent last set (AVAILABLE or AWAY) and when; see domain/presence.py.
    Column("presence", String(16), nullable=False, server_default="AVAILABLE"),
    Column("presence_time", TIME, nullable=True),
    # The last time an instance saw a stream of the agent open, and whether it has been announced OFFLINE
    # since: what every instance agrees on, whichever holds the agent's streams.
    Column("last_seen_time", TIME, nullable=True),
    Column("offline", Boolean, nullable=False, server_default=true()),
)

agent_lists = Table(
    "agent_lists",
    metadata,
    Column("agent_id", ID, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("list_id", ID, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
)

# A list's accepts_transfers_from, in the order given. A source list named here cannot be deleted (no cascade
# on it): dropping it silently would leave the list accepting transfers from any list.
list_transfer_sources = Table(
    "list_transfer_sources",
    metadata,
    Column("list_id", ID, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True),
    Column("source_list_id", ID, ForeignKey("lists.id"), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
)

wrap_up_codes = Table(
    "wrap_up_codes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", NAME, nullable=False),
    *_times(),
)

# A wrap-up code's lists, in the order given; a list named here cannot be deleted (no cascade on it), since
# dropping it silently could leave the code for every list.
wrap_up_code_lists = Table(
    "wrap_up_code_lists",
    metadata,
    Column("wrap_up_code_id", ID, ForeignKey("wrap_up_codes.id", ondelete="CASCADE"), primary_key=True),
    Column("list_id", ID, ForeignKey("lists.id"), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
)

# An agent's caps per media routing domain, in the order given; a domain named here cannot be deleted.
agent_capacity_overrides = Table(
    "agent_capacity_overrides",
    metadata,
    Column("agent_id", ID, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("media_routing_domain_id", ID, ForeignKey("media_routing_domains.id"), primary_key=True, index=True),
    Column("max_conversations", Integer, nullable=False),
    Column("position", Integer, nullable=False),
)

ingestors = Table(
    "ingestors",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", NAME, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    *_times(),
)

ingestor_channels = Table(
    "ingestor_channels",
    metadata,
    Column("ingestor_id", ID, ForeignKey("ingestors.id", ondelete="CASCADE"), primary_key=True),
    Column("channel_id", ID, ForeignKey("channels.id"), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
)

supervisors = Table(
    "supervisors",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", NAME, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    *_times(),
)

# A supervisor's scope, in the order given. A deleted list leaves every scope with it: it has nothing left to see.
supervisor_lists = Table(
    "supervisor_lists",
    metadata,
    Column("supervisor_id", ID, ForeignKey("supervisors.id", ondelete="CASCADE"), primary_key=True),
    Column("list_id", ID, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("agent_id", ID, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("list_id", ID, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("create_time", TIME, nullable=False),
)

# Conversations keep their list and channel ids as history, without foreign keys: a list or channel with
# only closed conversations on it may be deleted.
conversations = Table(
    "conversations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("list_id", ID, nullable=False),
    Column("channel_id", ID, nullable=False),
    Column("customer_id", String(500), nullable=False),
    Column("customer_display_name", NAME, nullable=False),
    Column("state", String(16), nullable=False),
    Column("create_time", TIME, nullable=False),
    Column("update_time", TIME, nullable=False),
    Column("close_time", TIME, nullable=True),
    Column("first_join_time", TIME, nullable=True),
    Column("message_count", BigInteger, nullable=False),
    Column("last_message_time", TIME, nullable=True),
    Column("close_reason", String(16), nullable=True),
    # When an UNREAD request was last re-announced to its list (see domain/reminders.py); not part of the API.
    Column("last_reminder_time", TIME, nullable=True),
    Column("priority", Integer, nullable=False, server_default=text("0")),
    Column("waiting_since", TIME, nullable=True),
    Column("last_message_sender", String(16), nullable=True),
    Column("last_message_agent_id", ID, nullable=True),
    Column("last_message_preview", Text, nullable=True),
    # When an ACTIVE request's waiting customer was last announced to its list as NO_REPLY; not in the API.
    Column("last_reply_reminder_time", TIME, nullable=True),
    Column("transfer_count", Integer, nullable=False, server_default=text("0")),
    # The closing agent's wrap-up: code ids (a JSON list) and note; NULL without one.
    Column("wrap_up_codes", JSON, nullable=True),
    Column("wrap_up_note", Text, nullable=True),
    Index("ix_conversations_list_state_create", "list_id", "state", "create_time", "id"),
    Index("ix_conversations_channel_id", "channel_id"),
    # At most one open conversation per customer and channel: two first messages racing open one request.
    Index(
        "uq_conversations_open_customer",
        "channel_id",
        "customer_id",
        unique=True,
        sqlite_where=text("state != 'CLOSED'"),
        postgresql_where=text("state != 'CLOSED'"),
    ),
    # Supervisors who barged in (SupervisorService.BargeIn), a JSON list of {supervisor_id, join_time}; NULL
    # when none (none_as_null: an SQL NULL, not a JSON null, so that the few rows with supervisors are found by
    # `IS NOT NULL`). Kept with the row, apart from the agents' participants table, so that no cap counts them.
    Column("supervisors", JSON(none_as_null=True), nullable=True),
)

participants = Table(
    "participants",
    metadata,
    Column("conversation_id", ID, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True),
    Column("agent_id", ID, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("join_time", TIME, nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", ID, primary_key=True),
    Column("conversation_id", ID, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("sender_type", String(16), nullable=False),
    Column("agent_id", ID, nullable=True),
    Column("text", Text, nullable=False),
    Column("create_time", TIME, nullable=False),
    # Retries are recognised by (scope, key): the channel for customer messages, the conversation and agent
    # for agent messages.
    Column("idempotency_scope", String(200), nullable=True),
    Column("idempotency_key", String(500), nullable=True),
    # PUBLIC or INTERNAL (an agents' note, never sent to the connector).
    Column("visibility", String(16), nullable=False, server_default="PUBLIC"),
    # The writing supervisor, for SUPERVISOR messages; kept as history, without a foreign key.
    Column("supervisor_id", ID, nullable=True),
    Index("ix_messages_conversation_create", "conversation_id", "create_time"),
    UniqueConstraint("idempotency_scope", "idempotency_key"),
)


def _of_kind(name: str, kind: str, *columns: str, event_type: str | None = None) -> Index:
    condition = f"kind = '{kind}'" + (f" AND type = '{event_type}'" if event_type else "")
    predicate = text(condition)
    return Index(name, *columns, postgresql_where=predicate, sqlite_where=predicate)


# Invitations to join a conversation (domain/invitations.py). Agent ids are kept as history, without foreign
# keys, as conversations keep theirs; at most one PENDING per conversation and invited agent.
invitations = Table(
    "invitations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("conversation_id", ID, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("inviter_id", ID, nullable=False),
    Column("invitee_id", ID, nullable=False),
    Column("note", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("create_time", TIME, nullable=False),
    Column("expire_time", TIME, nullable=False),
    Column("update_time", TIME, nullable=False),
    Index(
        "uq_invitations_pending",
        "conversation_id",
        "invitee_id",
        unique=True,
        sqlite_where=text("state = 'PENDING'"),
        postgresql_where=text("state = 'PENDING'"),
    ),
    # What the expiry sweep reads.
    Index("ix_invitations_state_expire", "state", "expire_time"),
)

# The outbox: every state change appends its events here in the same transaction. (xact, id) is the global
# order every stream follows and the position a resume token points at (store/positions.py): on PostgreSQL
# `xact` is the writing transaction's id (its default, set by migration 0010, is pg_current_xact_id()), on
# SQLite always 0, so that the order there is plain `id`.
events = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("xact", BigInteger, nullable=False, server_default=text("0")),
    Column("kind", String(16), nullable=False),
    Column("type", String(32), nullable=False),
    Column("list_id", ID, nullable=True),
    Column("conversation_id", ID, nullable=True),
    Column("channel_id", ID, nullable=True),
    Column("agent_id", ID, nullable=True),
    Column("payload", JSON, nullable=False),
    Column("create_time", TIME, nullable=False),
    Index("ix_events_xact_id", "xact", "id"),
    # What a catching-up stream reads: its lists', its agent's, its conversation's or the outbound events,
    # each walked in order. Partial, so that each event enters one of them; queries name the kind literally.
    _of_kind("ix_events_list", "list", "list_id", "xact", "id"),
    _of_kind("ix_events_subscription", "subscription", "agent_id", "xact", "id"),
    _of_kind("ix_events_conversation", "conversation", "conversation_id", "xact", "id"),
    _of_kind("ix_events_outbound", "outbound", "xact", "id"),
    _of_kind("ix_events_outbound_channel", "outbound", "channel_id", "xact", "id"),
    _of_kind("ix_events_principal", "principal", "xact", "id"),
    # A desk's (WatchDesk): its agent's presence and read positions, the conversations it joined and left,
    # and the closes, to tell which conversations the agent was in at a resume token's place.
    _of_kind("ix_events_agent", "agent", "agent_id", "xact", "id"),
    _of_kind("ix_events_conversation_agent", "conversation", "agent_id", "xact", "id"),
    _of_kind("ix_events_closes", "conversation", "xact", "id", event_type="CONVERSATION_CLOSED"),
    sqlite_autoincrement=True,
)

# Each agent's read position in the conversations it read (MarkRead): the last message it has read.
read_positions = Table(
    "read_positions",
    metadata,
    Column("agent_id", ID, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("conversation_id", ID, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True),
    Column("message_create_time", TIME, nullable=False),
    Column("message_id", ID, nullable=False),
)

# One row: how far retention has pruned the events table.
event_log = Table(
    "event_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pruned_through", BigInteger, nullable=False),
    Column("pruned_through_xact", BigInteger, nullable=False, server_default=text("0")),
)

# Ids of deleted resources, never given again in their collection: history names resources by id (closed
# conversations their List and channel, events their agent), and a new resource must not inherit it.
retired_ids = Table(
    "retired_ids",
    metadata,
    Column("collection", String(32), primary_key=True),
    Column("id", ID, primary_key=True),
    Column("delete_time", TIME, nullable=False),
)

# One row, made with the table: this database's secrets, the same for every instance that uses it.
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("id", Integer, primary_key=True),
    # Hex; signs resume tokens (HMAC-SHA256), so any instance verifies the tokens another issued.
    Column("resume_token_key", String(64), nullable=False),
)

# Who (the admin, or `supervisors/{id}`) did what (the RPC) to which resource, written in the transaction of the
# change (store/audit.py); kept for the audit retention, read newest first.
audit_records = Table(
    "audit_records",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("actor", String(80), nullable=False),
    Column("action", String(80), nullable=False),
    Column("resource", String(300), nullable=False),
    Column("create_time", TIME, nullable=False, index=True),
    Column("detail", Text, nullable=False, server_default=""),
    Index("ix_audit_records_actor_id", "actor", "id"),
    Index("ix_audit_records_resource_id", "resource", "id"),
)
