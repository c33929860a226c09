"""A resume token from long ago (a forged `pr1:0` once reached the start of the event order; tokens are signed
now, but a client may keep an old one of its own) costs a stream its own events, read through the indexes that
hold them, not a scan of everybody's; and one caller's catch-ups run a few at a time."""

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from scenario import Scenario, add_second_list, create_scenario
from streams import read_until
from support import serve, within

from pullrouting.store import events as event_store
from pullrouting.v1 import agent_service_pb2, events_pb2

L = events_pb2
DEADLINE = 30.0
FOREIGN_REQUESTS = 60
OWN_REQUESTS = 3


class ReadCounter:
    """Wraps the catch-up read: counts the rows it returned, and how many ran at once."""

    def __init__(self, hold: float = 0.0) -> None:
        self._read = event_store.read_between
        self._hold = hold
        self._lock = threading.Lock()
        self.rows = 0
        self.running = 0
        self.most_at_once = 0

    def __call__(self, *args: Any, **kwargs: Any) -> event_store.Batch:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(self._hold)
            batch = self._read(*args, **kwargs)
        finally:
            with self._lock:
                self.running -= 1
        with self._lock:
            self.rows += len(batch.events)
        return batch


@pytest.fixture
def counted_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReadCounter]:
    counter = ReadCounter()
    monkeypatch.setattr(event_store, "read_between", counter)
    yield counter


async def _requests_on_two_lists(scenario: Scenario) -> None:
    """Requests on another list, then the agent's own; returns once a live stream has had the last of them, so
    that the hub has read past them all and a catch-up finds them in the table, not in the hub's queue."""
    _list, other_service = await add_second_list(scenario)
    live = scenario.agents[0].stub.WatchLists(agent_service_pb2.WatchListsRequest())
    await read_until(live, lambda event: event.type == L.LIST_EVENT_TYPE_SYNCED, timeout=DEADLINE)
    for number in range(FOREIGN_REQUESTS):
        await scenario.post(customer_id=f"foreign-{number}", service_identifier=other_service)
    for number in range(OWN_REQUESTS):
        await scenario.post(customer_id=f"own-{number}")
    await read_until(live, lambda event: event.conversation.customer.id == f"own-{OWN_REQUESTS - 1}", timeout=DEADLINE)
    live.cancel()


async def _first_token(agent: Any) -> str:
    """The token of a stream's SYNCED, before the requests below exist."""
    stream = agent.stub.WatchLists(agent_service_pb2.WatchListsRequest())
    synced = await read_until(stream, lambda event: event.type == L.LIST_EVENT_TYPE_SYNCED, timeout=DEADLINE)
    stream.cancel()
    return synced[-1].resume_token


async def _replay_from(agent: Any, token: str) -> list[Any]:
    stream = agent.stub.WatchLists(agent_service_pb2.WatchListsRequest(resume_token=token))
    added: list[Any] = []

    def last_own(event: Any) -> bool:
        if event.type == L.LIST_EVENT_TYPE_ADDED:
            added.append(event.conversation.customer.id)
        return added[-1:] == [f"own-{OWN_REQUESTS - 1}"]

    await read_until(stream, last_own, timeout=DEADLINE)
    stream.cancel()
    return added


async def test_an_old_token_reads_only_the_streams_own_events(database_url: str, counted_reads: ReadCounter):
    async for server in serve(database_url):
        scenario = await create_scenario(server, agents=1)
        old_token = await _first_token(scenario.agents[0])
        await _requests_on_two_lists(scenario)
        counted_reads.rows = 0

        added = await within(DEADLINE, _replay_from(scenario.agents[0], old_token))

        assert added == [f"own-{number}" for number in range(OWN_REQUESTS)]
        # Its subscription and its list's events; the other list's requests are never read.
        assert 0 < counted_reads.rows < FOREIGN_REQUESTS


async def test_catch_ups_of_one_agent_run_a_few_at_a_time(sqlite_url: str, monkeypatch: pytest.MonkeyPatch):
    counter = ReadCounter(hold=0.05)
    monkeypatch.setattr(event_store, "read_between", counter)
    async for server in serve(sqlite_url, max_catch_ups_per_principal=1):
        scenario = await create_scenario(server, agents=1)
        old_token = await _first_token(scenario.agents[0])
        await _requests_on_two_lists(scenario)
        counter.most_at_once = 0

        replaying = asyncio.gather(*(_replay_from(scenario.agents[0], old_token) for _ in range(4)))
        replays = await within(DEADLINE, replaying)

        assert all(added == [f"own-{number}" for number in range(OWN_REQUESTS)] for added in replays)
        assert counter.most_at_once == 1

