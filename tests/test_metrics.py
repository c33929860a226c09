"""Prometheus metrics: scraped over HTTP after a known scenario, every figure checked against it."""

import asyncio
import socket
import threading
from collections import Counter

import grpc
import pytest
from metrics_scrape import scrape, scrape_port, value
from scenario import create_scenario, join, leave, stored_events
from streams import read_event, read_events, read_to_end
from support import ADMIN_TOKEN, Server, expect_error, serve, within

from pullrouting import server as server_module
from pullrouting.domain.events import ListEventType, alert_of
from pullrouting.ops.metrics import Metrics, MetricsServer
from pullrouting.ops.reminders import ReminderScheduler
from pullrouting.settings import Settings
from pullrouting.v1 import admin_service_pb2, agent_service_pb2, conversation_pb2, events_pb2, resources_pb2

SECOND = 1_000_000
MINUTE = 60 * SECOND


async def test_metrics_after_a_known_scenario(measured_server: Server):
    scenario = await create_scenario(measured_server, agents=2)
    agent_1, agent_2 = scenario.agents
    joined = await scenario.new_conversation("customer-1")
    unjoined = await scenario.new_conversation("customer-2")
    await scenario.new_conversation("customer-3")  # stays UNREAD

    await join(agent_1, joined.name)
    await agent_2.stub.CloseConversation(
        agent_service_pb2.CloseConversationRequest(name=unjoined.name, reason=conversation_pb2.CLOSE_REASON_AGENT)
    )
    await expect_error(
        join(agent_1, "conversations/nope"),
        grpc.StatusCode.NOT_FOUND,
    )
    await expect_error(
        measured_server.admin(token=None).GetList(admin_service_pb2.GetListRequest(name=scenario.list)),
        grpc.StatusCode.UNAUTHENTICATED,
    )

    # A conversation stream that ends (the agent leaves), then a list stream left open.
    conversation_stream = agent_1.stub.WatchConversation(agent_service_pb2.WatchConversationRequest(name=joined.name))
    history = [await read_event(conversation_stream)]
    while history[-1].type != events_pb2.CONVERSATION_EVENT_TYPE_SYNCED:
        history.append(await read_event(conversation_stream))
    await leave(agent_1, joined.name)
    conversation_events = history + await read_to_end(conversation_stream)
    list_stream = agent_2.stub.WatchLists(agent_service_pb2.WatchListsRequest())
    list_events = await read_events(list_stream, 3)  # the two open requests, then SYNCED
    assert list_events[-1].type == events_pb2.LIST_EVENT_TYPE_SYNCED

    samples = await scrape(measured_server)
    # Requests by state, from the database: `joined` is INACTIVE now, `waiting` UNREAD, `unjoined` closed.
    assert value(samples, "pullrouting_requests", list="l1", state="UNREAD") == 1
    assert value(samples, "pullrouting_requests", list="l1", state="ACTIVE") == 0
    assert value(samples, "pullrouting_requests", list="l1", state="INACTIVE") == 1
    assert value(samples, "pullrouting_oldest_unread_request_age_seconds", list="l1") >= 0
    # One first join; one request closed by an agent before anyone joined it.
    assert value(samples, "pullrouting_time_to_first_join_seconds_count", list="l1") == 1
    assert value(samples, "pullrouting_requests_closed_unjoined_total", list="l1", reason="AGENT") == 1
    # RPCs by method and final status, refusals by the domain and by authentication included.
    assert value(samples, "pullrouting_rpcs_total", method="AgentService/JoinConversation", code="OK") == 1
    assert value(samples, "pullrouting_rpcs_total", method="AgentService/JoinConversation", code="NOT_FOUND") == 1
    assert value(samples, "pullrouting_rpcs_total", method="AdminService/GetList", code="UNAUTHENTICATED") == 1
    assert value(samples, "pullrouting_rpcs_total", method="IngestService/PostCustomerMessage", code="OK") == 3
    assert value(samples, "pullrouting_rpcs_total", method="AgentService/WatchConversation", code="OK") == 1
    assert (
        value(samples, "pullrouting_rpc_duration_seconds_count", method="AgentService/JoinConversation", code="OK") == 1
    )
    # Streams: the list stream is open, the conversation stream ended; every message sent is counted.
    assert value(samples, "pullrouting_open_streams", kind="lists") == 1
    assert value(samples, "pullrouting_open_streams", kind="conversation") == 0
    assert value(samples, "pullrouting_events_delivered_total", kind="conversation") == len(conversation_events)
    assert value(samples, "pullrouting_events_delivered_total", kind="lists") == len(list_events)
    # Events written: exactly what the events table holds, by kind (this instance wrote them all).
    written = Counter(row.kind for row in stored_events(measured_server.database_url))
    assert written["list"] > 0
    for kind, count in written.items():
        assert value(samples, "pullrouting_events_written_total", kind=kind) == count
    list_stream.cancel()


async def test_releases_are_counted_by_cause_and_leaves_are_not(measured_server: Server):
    scenario = await create_scenario(measured_server, agents=2)
    leaving, disabled = scenario.agents
    left = await scenario.new_conversation("customer-1")
    await join(leaving, left.name)
    await join(disabled, (await scenario.new_conversation("customer-2")).name)
    await leave(leaving, left.name)
    await scenario.admin.UpdateAgent(
        admin_service_pb2.UpdateAgentRequest(
            agent=resources_pb2.Agent(name=disabled.name, enabled=False), update_mask={"paths": ["enabled"]}
        )
    )

    samples = await scrape(measured_server)
    assert value(samples, "pullrouting_releases_total", list="l1", cause="DISABLED") == 1
    assert ("pullrouting_releases_total", frozenset({("list", "l1"), ("cause", "LEFT")})) not in samples
    # Two requests landed; the disabled agent's request went INACTIVE with nobody left in it.
    assert value(samples, "pullrouting_alerts_total", list="l1", alert="NEW_REQUEST") == 2
    assert value(samples, "pullrouting_alerts_total", list="l1", alert="RELEASED") == 1
    assert _alerts_of(samples) == _stored_alerts(measured_server)


def _alerts_of(samples) -> Counter[str]:
    alerts = {
        dict(labels)["alert"]: count for (name, labels), count in samples.items() if name == "pullrouting_alerts_total"
    }
    return Counter(alerts)


def _stored_alerts(server: Server) -> Counter[str]:
    """The alerts of the list events in the events table."""
    alerts = (
        alert_of(row.payload, ListEventType(row.type))
        for row in stored_events(server.database_url)
        if row.kind == "list"
    )
    return Counter(alert.value for alert in alerts if alert is not None)


class Clock:
    """Microseconds since the epoch, moved by the test."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def micros(timestamp) -> int:
    return timestamp.seconds * SECOND + timestamp.nanos // 1000


async def test_reminders_and_auto_closes_are_counted_once(measured_server: Server):
    scenario = await create_scenario(measured_server, agents=1)
    await scenario.admin.UpdateList(
        admin_service_pb2.UpdateListRequest(
            list=resources_pb2.List(
                name=scenario.list,
                unread_reminder_after={"seconds": 60},
                reply_reminder_after={"seconds": 60},
                close_inactive_after={"seconds": 60},
            ),
            update_mask={"paths": ["unread_reminder_after", "reply_reminder_after", "close_inactive_after"]},
        )
    )
    unread = await scenario.new_conversation("customer-1")
    await join(scenario.agents[0], (await scenario.new_conversation("customer-2")).name)
    abandoned = (await scenario.new_conversation("customer-3")).name
    await join(scenario.agents[0], abandoned)
    left = (await leave(scenario.agents[0], abandoned)).conversation
    clock = Clock(max(micros(unread.create_time), micros(left.update_time)) + 10 * MINUTE)
    ticks = ReminderScheduler(measured_server.running.database, check_seconds=3600, clock=clock)
    await ticks.tick()
    await ticks.tick()  # nothing is due again: each reminder and close is counted once

    samples = await scrape(measured_server)
    assert value(samples, "pullrouting_auto_closes_total", list="l1") == 1
    assert value(samples, "pullrouting_alerts_total", list="l1", alert="UNREAD_REMINDER") == 1
    assert value(samples, "pullrouting_reminders_total", list="l1") == 1
    assert value(samples, "pullrouting_alerts_total", list="l1", alert="NO_REPLY") == 1
    assert value(samples, "pullrouting_alerts_total", list="l1", alert="NEW_REQUEST") == 3
    assert _alerts_of(samples) == _stored_alerts(measured_server)


async def test_customers_waiting_by_age_at_scrape_time(measured_server: Server):
    scenario = await create_scenario(measured_server, agents=1)
    agent = scenario.agents[0]
    waiting = await scenario.new_conversation("customer-1")
    answered = (await scenario.new_conversation("customer-2")).name
    await join(agent, answered)
    await agent.stub.SendMessage(agent_service_pb2.SendMessageRequest(conversation=answered, text="Hello"))
    closed = (await scenario.new_conversation("customer-3")).name
    await agent.stub.CloseConversation(agent_service_pb2.CloseConversationRequest(name=closed))
    since = micros(waiting.waiting_since)
    assert since > 0
    # A second endpoint on the same database with the test's clock and no cache: the figures are the
    # database's, read at each scrape.
    clock = Clock(since)
    metrics = Metrics(measured_server.running.database, clock, cache_seconds=0)
    endpoint = MetricsServer(metrics, max_connections=4)
    await endpoint.start("127.0.0.1:0")
    try:
        for waited, age in [
            (0, "<1m"),
            (MINUTE - 1, "<1m"),
            (MINUTE, "1-5m"),
            (5 * MINUTE, "5-15m"),
            (15 * MINUTE - 1, "5-15m"),
            (30 * MINUTE, "15-60m"),
            (60 * MINUTE, ">1h"),
            (30 * 24 * 60 * MINUTE, ">1h"),
        ]:
            clock.now = since + waited
            samples = await scrape_port(endpoint.port)
            figures = {
                dict(labels)["age"]: count
                for (name, labels), count in samples.items()
                if name == "pullrouting_customers_waiting" and dict(labels)["list"] == "l1"
            }
            # One customer waits (the answered and the closed ones do not); every age is reported.
            assert figures == {bucket: int(bucket == age) for bucket in ["<1m", "1-5m", "5-15m", "15-60m", ">1h"]}, (
                waited
            )
    finally:
        await endpoint.stop()


async def test_each_server_has_its_own_registry(sqlite_url, tmp_path):
    async for first in serve(sqlite_url, metrics_address="127.0.0.1:0"):
        async for second in serve(f"sqlite:///{tmp_path}/second.db", metrics_address="127.0.0.1:0"):
            await create_scenario(first, agents=1)
            first_samples, second_samples = await scrape(first), await scrape(second)
            method = "AdminService/CreateList"
            assert value(first_samples, "pullrouting_rpcs_total", method=method, code="OK") == 1
            assert ("pullrouting_rpcs_total", frozenset({"method": method, "code": "OK"}.items())) not in second_samples


async def test_no_metrics_endpoint_unless_configured(server: Server):
    assert server.running.metrics_server is None


async def test_a_taken_metrics_address_refuses_to_start(sqlite_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        settings = Settings(
            listen="127.0.0.1:0", database_url=sqlite_url, admin_token=ADMIN_TOKEN, metrics_address=address
        )
        with pytest.raises(server_module.StartupError, match="cannot serve metrics"):
            await server_module.start(settings)


def _http(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


async def test_the_endpoint_serves_metrics_only(measured_server: Server):
    port = measured_server.running.metrics_server.port
    for request, status in [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"404"),
        (b"GET /metricsx HTTP/1.1\r\nHost: x\r\n\r\n", b"404"),
        (b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", b"405"),
        (b"GET /metrics?name[]=x HTTP/1.1\r\nHost: x\r\n\r\n", b"200"),
    ]:
        answer = await asyncio.to_thread(_http, port, request)
        assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == status, (request, answer[:200])


async def test_database_figures_are_read_once_per_cache_period(sqlite_url):
    async for server in serve(sqlite_url, metrics_address="127.0.0.1:0", metrics_cache_seconds=3600):
        scenario = await create_scenario(server, agents=0)
        await scenario.new_conversation("customer-1")
        first = await scrape(server)
        await scenario.new_conversation("customer-2")
        second = await scrape(server)
        # The second scrape reused the first one's figures; the RPC counters are live all the same.
        assert value(first, "pullrouting_requests", list="l1", state="UNREAD") == 1
        assert value(second, "pullrouting_requests", list="l1", state="UNREAD") == 1
        posts = {"method": "IngestService/PostCustomerMessage", "code": "OK"}
        assert value(second, "pullrouting_rpcs_total", **posts) == value(first, "pullrouting_rpcs_total", **posts) + 1


async def test_idle_connections_cost_no_thread_and_are_bounded(sqlite_url):
    async for server in serve(sqlite_url, metrics_address="127.0.0.1:0", metrics_max_connections=4):
        port = server.running.metrics_server.port
        threads = threading.active_count()
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(40)]
        try:
            # Past the bound, connections are closed unanswered: each of those reads an end of stream.
            closed = await asyncio.to_thread(_ended, idle[4:])
            assert closed == 36
            assert threading.active_count() - threads <= 2, "the metrics endpoint spawned a thread per connection"
        finally:
            for connection in idle:
                connection.close()
        await within(10, _scrape_when_free(server))


def _ended(connections: list[socket.socket]) -> int:
    """How many of `connections` the server closed (each read ends at once, or times out)."""
    return sum(connection.recv(1) == b"" for connection in connections)


async def _scrape_when_free(server: Server) -> None:
    """The server sees the idle connections go on its own schedule: scrape until one is answered."""
    while True:
        try:
            await scrape(server)
            return
        except (ConnectionError, OSError):
            await asyncio.sleep(0.05)
