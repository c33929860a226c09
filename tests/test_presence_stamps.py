"""Presence stamps (ops/presence.py): the agents whose streams open while a stamp is being written are
written together next, each opening returns only once its own agent's stamp is written, and one opening
given up meanwhile takes no other with it."""

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select

from pullrouting.ops.presence import PresenceTracker
from pullrouting.store import presence as presence_store
from pullrouting.store.database import Database
from pullrouting.store.tables import agents, events

DEADLINE = 10.0


class _Database:
    """Records each write's agents; a write ends when the test lets it."""

    def __init__(self) -> None:
        self.writes: list[tuple[Callable[..., None], list[str]]] = []
        self.let_through: asyncio.Queue[None] = asyncio.Queue()

    async def run(self, work: Any) -> None:
        self.writes.append((work.func, list(work.keywords["agent_ids"])))
        await self.let_through.get()


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_openings_while_a_stamp_is_written_are_written_together_next() -> None:
    database = _Database()
    tracker = PresenceTracker(database, 30.0, lambda: 1, lambda: [])  # type: ignore[arg-type]
    first = asyncio.create_task(tracker.opened("a1"))
    await _settle()
    assert database.writes == [(presence_store.seen, ["a1"])]

    waiting = [asyncio.create_task(tracker.opened(agent)) for agent in ("a2", "a3", "a4")]
    await _settle()
    assert len(database.writes) == 1 and not first.done()
    waiting[0].cancel()  # a stream given up while it waits

    database.let_through.put_nowait(None)
    await asyncio.wait_for(first, DEADLINE)
    await _settle()
    assert database.writes[1] == (presence_store.seen, ["a2", "a3", "a4"])
    assert not any(task.done() for task in waiting[1:])

    database.let_through.put_nowait(None)
    await asyncio.wait_for(asyncio.gather(*waiting[1:]), DEADLINE)
    assert waiting[0].cancelled()


async def test_ends_of_streams_are_stamped_together() -> None:
    database = _Database()
    tracker = PresenceTracker(database, 30.0, lambda: 1, lambda: [])  # type: ignore[arg-type]
    tracker.closed("a1")
    tracker.closed("a2")
    await _settle()
    tracker.closed("a3")
    tracker.closed("a3")
    await _settle()
    database.let_through.put_nowait(None)
    database.let_through.put_nowait(None)
    await _settle()
    assert database.writes == [(presence_store.last_seen, ["a1", "a2"]), (presence_store.last_seen, ["a3"])]
    await tracker.stop()


def test_a_beat_over_more_agents_than_one_read_announces_each_offline_one_back(database: Database) -> None:
    # The OFFLINE agents among those stamped are read a batch at a time: every batch's count.
    count = 2 * presence_store.OFFLINE_READ_BATCH + 1
    offline = {f"agent-{number}" for number in range(0, count, 400)} | {f"agent-{count - 1}"}
    rows = [
        {
            "id": f"agent-{number}",
            "display_name": "Agent",
            "enabled": True,
            "token_hash": f"{number:064d}",
            "create_time": 1,
            "update_time": 1,
            "offline": f"agent-{number}" in offline,
        }
        for number in range(count)
    ]
    with database.transaction() as connection:
        connection.execute(insert(agents), rows)

    database.run_sync(lambda connection: presence_store.seen(connection, [row["id"] for row in rows], 2))

    with database.engine.connect() as connection:
        still_offline = connection.scalars(select(agents.c.id).where(agents.c.offline)).all()
        announced = connection.scalars(select(events.c.agent_id).where(events.c.kind == "agent")).all()
    assert still_offline == []
    assert sorted(announced) == sorted(offline)
