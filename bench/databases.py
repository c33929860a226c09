"""An emptied PostgreSQL database, for the benchmark and the tests, which both start each run from nothing."""

from sqlalchemy import create_engine, text


def reset_postgres(url: str) -> None:
    """Drops every table, type and sequence of the database at `url` (its public schema) and starts it afresh."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
