"""Cross-instance wake-ups: LISTEN on the channel event writers NOTIFY at commit (store/events.py)."""

import asyncio
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine

from pullrouting.store.events import NOTIFY_CHANNEL

log = logging.getLogger(__name__)
RECONNECT_DELAY = 1.0


def _conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def listen(engine: Engine, wake: Callable[[], None]) -> None:
    """Calls `wake` on every notification, and after every (re)connection, since notifications sent while
    disconnected are lost; runs until cancelled."""
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(_conninfo(engine), autocommit=True) as connection:
                await connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                wake()
                async for _notification in connection.notifies():
                    wake()
        except psycopg.Error:
            log.warning("event listener lost its PostgreSQL connection; reconnecting", exc_info=True)
            await asyncio.sleep(RECONNECT_DELAY)
