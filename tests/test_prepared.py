"""Statements run on the driver's cursor (store/prepared.py) read and write what SQLAlchemy would, and fail as
SQLAlchemy does: a unique index catching a concurrent insert must be an IntegrityError for the retry."""

import pytest
from sqlalchemy import Integer, bindparam, insert, literal_column, select
from sqlalchemy.exc import DataError, IntegrityError

from pullrouting.domain.events import Event, ListEventType
from pullrouting.store import events as event_store
from pullrouting.store.database import Database
from pullrouting.store.prepared import Prepared
from pullrouting.store.tables import events, lists

LIST = {
    "id": "l1",
    "display_name": "List",
    "description": "",
    "max_participants": 1,
    "create_time": 1,
    "update_time": 1,
    "follow_up_alerts": True,
}


def test_rows_hold_the_values_sqlalchemy_reads(database: Database) -> None:
    with database.transaction() as connection:
        Prepared(insert(lists)).execute(connection, LIST)
        event_store.append(connection, [Event(ListEventType.ADDED, list_id="l1", payload={"codes": ["a", "b"]})])
        query = select(events.c.id, events.c.payload, lists.c.follow_up_alerts, lists.c.require_wrap_up).where(
            events.c.list_id == lists.c.id, lists.c.id == bindparam("list_id")
        )
        prepared = Prepared(query).rows(connection, {"list_id": "l1"})
        expected = connection.execute(query, {"list_id": "l1"}).all()
    assert [tuple(row) for row in prepared] == [tuple(row) for row in expected]
    [row] = prepared
    # The types' processing applied: a JSON column decoded, booleans as bool (SQLite stores 0 and 1).
    assert row.payload == {"codes": ["a", "b"]} and row.follow_up_alerts is True and row.require_wrap_up is False


def test_a_unique_index_conflict_is_sqlalchemys_integrity_error(database: Database) -> None:
    with pytest.raises(IntegrityError), database.transaction() as connection:
        Prepared(insert(lists)).execute(connection, LIST)
        Prepared(insert(lists)).execute(connection, LIST)


def test_an_error_postgresql_tells_of_with_the_rows_in_a_pipeline_is_sqlalchemys(postgres_database: Database) -> None:
    # In a group's pipeline (store/group_commit.py) a statement is sent without waiting: its error, like its
    # rows, comes when they are read.
    dividing = Prepared(select((literal_column("1") / bindparam("zero", type_=Integer)).label("quotient")))
    with (
        pytest.raises(DataError),
        postgres_database.transaction() as connection,
        connection.connection.driver_connection.pipeline(),
    ):
        dividing.send(connection, {"zero": 0}).rows()
