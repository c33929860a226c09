"""Cross-instance wake-ups: LISTEN on the channel event writers NOTIFY at commit (store/events.py), and on the
channel of live notices, whose payload is the notice itself (it is stored nowhere)."""

import asyncio
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine

from pullrouting.store.events import LIVE_CHANNEL, NOTIFY_CHANNEL

log = logging.getLogger(__name__)
RECONNECT_DELAY = 1.0


def _conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def listen(engine: Engine, wake: Callable[[], None], live: Callable[[str], None]) -> None:
    """Calls `wake` on every notification of new events, and after every (re)connection, since notifications
    sent while disconnected are lost; `live` with the payload of every live notice (one lost while
    disconnected stays lost: it mattered only for a few seconds). Runs until cancelled."""
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(_conninfo(engine), autocommit=True) as connection:
                await connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                await connection.execute(f"LISTEN {LIVE_CHANNEL}")
                wake()
                async for notification in connection.notifies():
                    if notification.channel == LIVE_CHANNEL:
                        live(notification.payload)
                    else:
                        wake()
        except psycopg.Error:
            log.warning("event listener lost its PostgreSQL connection; reconnecting", exc_info=True)
            await asyncio.sleep(RECONNECT_DELAY)
