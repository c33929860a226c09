"""The statements every ingested message and every lifecycle change runs, executed on the driver's cursor.
SQLAlchemy's execution layer (execution context, events, result objects) cost about eight times the
driver's own work for one of these prebuilt statements on SQLite (about 50 us against 6 us a SELECT of one
row on this project's machine): at six statements a new request, the largest share of its CPU. So these are
compiled by SQLAlchemy once per dialect, with its type processing for parameters and columns, and then run
directly on the DBAPI cursor of the connection's transaction. Driver errors are raised as SQLAlchemy's
(IntegrityError and the rest), as callers expect."""

import contextlib
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Delete, Insert, Select, Update

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # The parameters' names in placeholder order for positional drivers (SQLite); None for named ones.
    order: tuple[str, ...] | None
    # Values of the statement's own literals (bound as parameters), under every call's parameters.
    literals: dict[str, Any]
    binds: dict[str, Callable[[Any], Any]]
    # Result rows: named tuples of the selected columns, and each column's processor.
    row: Any
    results: tuple[Processor, ...]


def _compile(statement: Select | Insert | Update | Delete, dialect: Dialect, keys: Sequence[str]) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    if "POSTCOMPILE" in compiled.string or compiled.escaped_bind_names:
        raise ValueError("a prepared statement takes neither expanding parameters nor names that need escaping")
    binds = {}
    literals = {}
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binds[name] = processor
        if name not in keys:
            literals[name] = bind.value
    order = tuple(compiled.positiontup or ()) if dialect.positional else None
    row, results = None, ()
    if isinstance(statement, Select):
        columns = statement.selected_columns
        row = namedtuple("Row", columns.keys())  # type: ignore[misc]
        results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    return _Compiled(compiled.string, order, literals, binds, row, results)


class Prepared:
    """A Core statement without expanding parameters, compiled once per dialect and per set of parameter
    names (an INSERT or UPDATE sets the columns its parameters name)."""

    def __init__(self, statement: Select | Insert | Update | Delete) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def _for(self, dialect: Dialect, parameters: dict[str, Any]) -> _Compiled:
        keys = tuple(parameters)
        found = self._compiled.get((dialect.name, keys))
        if found is None:
            found = self._compiled[dialect.name, keys] = _compile(self.statement, dialect, keys)
        return found

    @staticmethod
    def _bound(compiled: _Compiled, parameters: dict[str, Any]) -> Any:
        values = {**compiled.literals, **parameters} if compiled.literals else dict(parameters)
        for name, processor in compiled.binds.items():
            values[name] = processor(values[name])
        return values if compiled.order is None else [values[name] for name in compiled.order]

    def _run(self, connection: Connection, parameters: list[dict[str, Any]]) -> tuple[_Compiled, Any]:
        """Runs the statement once for each of `parameters` (all with the same names)."""
        dialect = connection.dialect
        compiled = self._for(dialect, parameters[0])
        driver = connection.connection.dbapi_connection
        assert driver is not None, "a prepared statement runs inside a transaction"
        cursor = driver.cursor()
        try:
            if len(parameters) == 1:
                cursor.execute(compiled.sql, self._bound(compiled, parameters[0]))
            else:
                cursor.executemany(compiled.sql, [self._bound(compiled, each) for each in parameters])
        except dialect.loaded_dbapi.Error as error:
            cursor.close()
            if dialect.is_disconnect(error, driver, cursor):
                connection.invalidate(error)
            raise _as_sqlalchemys(compiled.sql, error, dialect) from error
        return compiled, cursor

    def execute(self, connection: Connection, parameters: dict[str, Any] | list[dict[str, Any]]) -> None:
        """Runs an INSERT, UPDATE or DELETE once, or once for each of a list of parameters."""
        self._run(connection, parameters if isinstance(parameters, list) else [parameters])[1].close()

    def rows(self, connection: Connection, parameters: dict[str, Any]) -> list[Any]:
        """The selected rows, as named tuples of the selected columns."""
        return self.send(connection, parameters).rows()

    def send(self, connection: Connection, parameters: dict[str, Any]) -> "Sent":
        """Runs a SELECT whose rows are read later (`Sent.rows`): inside `pipelined`, statements sent one after
        another before any of their rows are read share one round trip."""
        return Sent(*self._run(connection, [parameters]), connection.dialect)

    def first(self, connection: Connection, parameters: dict[str, Any]) -> Any | None:
        return self.send(connection, parameters).first()

    def scalar(self, connection: Connection, parameters: dict[str, Any]) -> Any:
        row = self.first(connection, parameters)
        return None if row is None else row[0]


def _as_sqlalchemys(sql: str, error: Exception, dialect: Dialect) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it (IntegrityError and the rest), its parameters hidden."""
    return DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect)


@contextlib.contextmanager
def pipelined(connection: Connection) -> Iterator[None]:
    """PostgreSQL: the block's statements are sent without waiting for each one's answer (psycopg's pipeline
    mode); reading a statement's rows, or the end of the block, waits for the answers of all sent before. So
    statements that do not need each other's answers cost one round trip together instead of one each. Only
    statements of this module inside: SQLAlchemy's execution reads a SELECT's columns before psycopg has them
    in this mode. An error comes at the latest when the block ends, as SQLAlchemy's. Elsewhere, nothing."""
    if connection.dialect.name != "postgresql":
        yield
        return
    try:
        with connection.connection.driver_connection.pipeline():
            yield
    except connection.dialect.loaded_dbapi.Error as error:
        raise _as_sqlalchemys("(the statements of a pipeline)", error, connection.dialect) from error


class Sent:
    """A SELECT run on the driver's cursor, its rows not read yet."""

    def __init__(self, compiled: _Compiled, cursor: Any, dialect: Dialect) -> None:
        self._compiled = compiled
        self._cursor = cursor
        self._dialect = dialect

    def rows(self) -> list[Any]:
        """The selected rows, as named tuples of the selected columns; once. Inside `pipelined`, an error of
        this statement or of one sent before it comes here (as SQLAlchemy's, as from `Prepared`)."""
        try:
            fetched = self._cursor.fetchall()
        except self._dialect.loaded_dbapi.Error as error:
            raise _as_sqlalchemys(self._compiled.sql, error, self._dialect) from error
        finally:
            self._cursor.close()
        make = self._compiled.row._make
        if not any(self._compiled.results):
            return [make(values) for values in fetched]
        processors = self._compiled.results
        return [
            make(
                [
                    value if process is None else process(value)
                    for process, value in zip(processors, values, strict=True)
                ]
            )
            for values in fetched
        ]

    def first(self) -> Any | None:
        found = self.rows()
        return found[0] if found else None
