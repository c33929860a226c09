"""Fixtures: a grpc.aio server on port 0 over SQLite (always) or PostgreSQL (CI, or where one runs)."""

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from support import Server, serve

POSTGRES_URL = os.environ.get("PULLROUTING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
POSTGRES_HELP = (
    "PostgreSQL is not reachable at {url}. Start it (on Debian: "
    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) "
    "or point PULLROUTING_TEST_POSTGRES_URL at a database these tests may empty."
)


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/pullrouting.db"


@pytest.fixture
def postgres_url() -> str:
    """An emptied PostgreSQL database; skips where none runs, except in CI, where it must."""
    try:
        _reset_postgres(POSTGRES_URL)
    except OperationalError:
        message = POSTGRES_HELP.format(url=POSTGRES_URL)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """Runs the test on each backend."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
async def server(sqlite_url) -> AsyncIterator[Server]:
    """A server on SQLite."""
    async for handle in serve(sqlite_url):
        yield handle


@pytest.fixture
async def any_server(database_url) -> AsyncIterator[Server]:
    """A server on each backend in turn."""
    async for handle in serve(database_url):
        yield handle
