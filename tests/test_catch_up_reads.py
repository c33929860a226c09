"""The catch-up read (store/events.py `read_between`): its statement is built once per shape of what a stream
wants, so streams of one shape must each read their own events; and an event's payload, kept as read until
it is used, must be the one written."""

from typing import Any

from sqlalchemy import Connection, text

from pullrouting.domain.events import AgentEventType, ConversationEventType, Event, ListEventType
from pullrouting.store import events as event_store
from pullrouting.store.database import Database
from pullrouting.store.events import Wanted
from pullrouting.store.positions import START, Position

# Past every event written here.
EVERYTHING = Position(2**62, 0)


def _batch(database: Database, wanted: Wanted, limit: int = 100) -> event_store.Batch:
    """The wanted events from the start on (every event written here committed)."""

    def read(connection: Connection) -> event_store.Batch:
        return event_store.read_between(connection, START, EVERYTHING, limit, wanted)

    return database.run_sync(read, read_only=True)


def _read(database: Database, wanted: Wanted) -> list[event_store.StoredEvent]:
    return _batch(database, wanted).events


def _write(database: Database, events: list[Event]) -> None:
    database.run_sync(lambda connection: event_store.append(connection, events))


def test_streams_of_one_shape_each_read_their_own_events(database: Database) -> None:
    _write(
        database,
        [
            Event(ListEventType.ADDED, list_id="l1", payload={"conversation": {"id": "r1", "list": "l1"}}),
            Event(ListEventType.ADDED, list_id="l2", payload={"conversation": {"id": "r2", "list": "l2"}}),
            Event(ConversationEventType.AGENT_JOINED, conversation_id="r1", agent_id="a1", payload={"n": 1}),
            Event(ConversationEventType.AGENT_JOINED, conversation_id="r2", agent_id="a2", payload={"n": 2}),
            Event(AgentEventType.READ, conversation_id="r2", agent_id="a2", payload={"message_id": "m2"}),
        ],
    )
    first = _read(database, Wanted(list_ids=frozenset({"l1"})))
    second = _read(database, Wanted(list_ids=frozenset({"l2"})))
    assert [event.payload for event in first] == [{"conversation": {"id": "r1", "list": "l1"}}]
    assert [event.payload for event in second] == [{"conversation": {"id": "r2", "list": "l2"}}]

    desk = Wanted(list_ids=frozenset({"l2"}), conversation_ids=frozenset({"r1"}), participant="a2")
    other_desk = Wanted(list_ids=frozenset({"l1"}), conversation_ids=frozenset({"r2"}), participant="a1")
    assert [(event.type, event.payload) for event in _read(database, desk)] == [
        (ListEventType.ADDED, {"conversation": {"id": "r2", "list": "l2"}}),
        (ConversationEventType.AGENT_JOINED, {"n": 1}),
        (ConversationEventType.AGENT_JOINED, {"n": 2}),
        (AgentEventType.READ, {"message_id": "m2"}),
    ]
    assert [(event.type, event.payload) for event in _read(database, other_desk)] == [
        (ListEventType.ADDED, {"conversation": {"id": "r1", "list": "l1"}}),
        (ConversationEventType.AGENT_JOINED, {"n": 1}),
        (ConversationEventType.AGENT_JOINED, {"n": 2}),
    ]
    assert _read(database, Wanted()) == []


def test_a_full_batch_ends_at_its_last_event(database: Database) -> None:
    _write(database, [Event(ListEventType.ADDED, list_id="l1", payload={"n": n}) for n in range(3)])
    batch = _batch(database, Wanted(list_ids=frozenset({"l1"})), limit=2)
    assert [event.payload for event in batch.events] == [{"n": 0}, {"n": 1}]
    assert batch.read_through == batch.events[-1].position


def _scanned_tables(plan: dict[str, Any]) -> set[str]:
    """The tables a plan reads whole (Seq Scan), at any depth."""
    found = {plan["Relation Name"]} if plan["Node Type"] == "Seq Scan" else set()
    for child in plan.get("Plans", []):
        found |= _scanned_tables(child)
    return found


def test_the_horizon_is_read_from_the_index_not_by_scanning_the_events(postgres_database: Database) -> None:
    # The hub reads the horizon after every commit. Without statistics of the events (a new database, or a
    # burst the last ANALYZE did not see) the planner guessed a third of the table at or above the horizon and
    # scanned all of it: 31 ms at 66,000 events.
    with postgres_database.transaction() as connection:
        event_store.append(connection, [Event(ListEventType.ADDED, list_id=f"l{n % 20}") for n in range(5_000)])
    with postgres_database.engine.connect() as connection:
        [[plan]] = connection.execute(text(f"EXPLAIN (FORMAT JSON) {event_store.HORIZON.text}")).one()

    assert "events" not in _scanned_tables(plan["Plan"])


def test_a_desks_catch_up_on_sqlite_walks_its_own_indexes_not_the_whole_range(sqlite_database: Database) -> None:
    # One walk of the (xact, id) range, dropping everybody else's events as it went, made each of 2,000 desks
    # reconnecting at once read through the others' events.
    desk = Wanted(
        list_ids=frozenset({"l1"}),
        subscriber="a1",
        conversation_ids=frozenset({"c1"}),
        participant="a1",
        principal_events=True,
    )
    statements: list[str] = []
    with sqlite_database.transaction(read_only=True) as connection:
        # As run, with its values: sqlite3 hands each statement it runs to the trace callback.
        connection.connection.driver_connection.set_trace_callback(statements.append)
        event_store.read_between(connection, START, Position(0, 1_000), 150, desk)
        connection.connection.driver_connection.set_trace_callback(None)
        [read] = [statement for statement in statements if "FROM events" in statement]
        plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {read}")]

    walks = [step for step in plan if step.startswith(("SEARCH events", "SCAN events"))]
    assert len(walks) == 6 and all("ix_events_xact_id" not in walk for walk in walks), plan
