"""Prometheus metrics, served on a port of their own (`--metrics-address`). Each server has its own registry,
so several servers can run in one process.

Where each figure comes from, so that it is right with several instances on one database:
- open requests by list and state, the oldest UNREAD request's age, customers waiting by age: read from the
  database at scrape time, so every instance reports the same whole picture (take any one, not the sum);
- time to first join, requests closed unjoined, reminders, alerts, releases, auto-closes, forced closes,
  barge-ins, supervisors' notes and messages, events written: from the events this instance's own transactions
  committed, so the sum over instances counts each once;
- RPCs, open streams, events delivered: by the RPC interceptor (api/rpcs.py), per instance;
- failed logins: by the admission of calls (api/auth.py), per instance."""

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from pullrouting.domain.events import (
    ConversationEventType,
    Event,
    LeaveCause,
    ListAlert,
    ListEventType,
    alert_of,
    leave_cause_of,
)
from pullrouting.domain.model import CloseReason, ConversationState, MessageVisibility, SenderType
from pullrouting.store.database import Database
from pullrouting.store.statistics import RequestStatistics, request_statistics

log = logging.getLogger(__name__)

MICROS_PER_SECOND = 1_000_000
# RPC latencies run from milliseconds (unary calls) to hours (streams, timed from open to end).
RPC_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600, 3600)
# A request waits seconds to hours for its first agent.
FIRST_JOIN_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)
# A scrape request is one line and a few headers.
MAX_REQUEST_BYTES = 8192
REQUEST_SECONDS = 10.0


class RequestCollector(Collector):
    """Open requests by list and state, the age of each list's oldest UNREAD request and the customers waiting
    by list and age, read (two GROUP BYs) by `refresh` before a scrape and reused for `cache_seconds`, so that
    scraping often, or many scrapers at once, costs the database one read per period."""

    def __init__(self, database: Database, clock: Callable[[], int], cache_seconds: float) -> None:
        self._database = database
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._statistics: RequestStatistics | None = None
        self._read_at = -math.inf
        self._reading = asyncio.Lock()

    async def refresh(self) -> None:
        async with self._reading:
            if time.monotonic() - self._read_at < self._cache_seconds:
                return
            try:
                now = self._clock()
                self._statistics = await self._database.read(lambda connection: request_statistics(connection, now))
            except Exception:
                # The other metrics still answer; the gap in these shows the database trouble.
                log.exception("reading request statistics for the metrics failed")
                self._statistics = None
            self._read_at = time.monotonic()

    def describe(self) -> list[GaugeMetricFamily]:
        # Registering calls describe(), not collect(): no query before the first scrape.
        return list(self._families())

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily("pullrouting_requests", "Open requests, by list and state", labels=["list", "state"]),
            GaugeMetricFamily(
                "pullrouting_oldest_unread_request_age_seconds",
                "How long the oldest UNREAD request of each list has waited for an agent",
                labels=["list"],
            ),
            GaugeMetricFamily(
                "pullrouting_customers_waiting",
                "Open requests whose customer waits for an agent's answer, by list and how long (age) they have waited",
                labels=["list", "age"],
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        statistics = self._statistics
        if statistics is None:
            return
        requests, oldest, waiting = self._families()
        for (list_id, state), count in sorted(statistics.open_requests.items()):
            requests.add_metric([list_id, state.value], count)
        now = self._clock()
        for list_id, create_time in sorted(statistics.oldest_unread.items()):
            oldest.add_metric([list_id], max(now - create_time, 0) / MICROS_PER_SECOND)
        for (list_id, age), count in sorted(statistics.customers_waiting.items()):
            waiting.add_metric([list_id, age], count)
        yield requests
        yield oldest
        yield waiting


class Metrics:
    def __init__(self, database: Database, clock: Callable[[], int], cache_seconds: float = 5.0) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.rpcs = Counter(
            "pullrouting_rpcs", "RPCs handled, by method and final status code", ["method", "code"], registry=registry
        )
        self.rpc_seconds = Histogram(
            "pullrouting_rpc_duration_seconds",
            "RPC duration by method and final status code (for streams, from open to end)",
            ["method", "code"],
            buckets=RPC_BUCKETS,
            registry=registry,
        )
        self.open_streams = Gauge(
            "pullrouting_open_streams", "Watch streams open on this instance, by kind", ["kind"], registry=registry
        )
        self.events_delivered = Counter(
            "pullrouting_events_delivered",
            "Stream messages sent to clients, by stream kind",
            ["kind"],
            registry=registry,
        )
        self.events_written = Counter(
            "pullrouting_events_written",
            "Events committed by this instance, by event kind",
            ["kind"],
            registry=registry,
        )
        self.first_join_seconds = Histogram(
            "pullrouting_time_to_first_join_seconds",
            "Time from a request landing on its list to the first agent joining it",
            ["list"],
            buckets=FIRST_JOIN_BUCKETS,
            registry=registry,
        )
        self.closed_unjoined = Counter(
            "pullrouting_requests_closed_unjoined",
            "Requests closed without any agent ever joining, by list and close reason",
            ["list", "reason"],
            registry=registry,
        )
        self.reminders = Counter(
            "pullrouting_reminders", "Stale UNREAD requests re-announced to their list", ["list"], registry=registry
        )
        self.alerts = Counter(
            "pullrouting_alerts",
            "List events that made desks ring, by list and alert (ListEvent.alert)",
            ["list", "alert"],
            registry=registry,
        )
        self.auto_closes = Counter(
            "pullrouting_auto_closes", "Requests closed with reason INACTIVITY, by list", ["list"], registry=registry
        )
        self.releases = Counter(
            "pullrouting_releases",
            "Agents let go of a conversation by the system or a supervisor, by list and cause (RELEASED: away too "
            "long; DISABLED: disabled or deleted; TRANSFERRED: the conversation moved; REMOVED: a supervisor took "
            "the agent out)",
            ["list", "cause"],
            registry=registry,
        )
        self.forced_closes = Counter(
            "pullrouting_forced_closes",
            "Requests force-closed (reason FORCED) by the admin or a supervisor, by list",
            ["list"],
            registry=registry,
        )
        self.barge_ins = Counter(
            "pullrouting_barge_ins",
            "Supervisors who joined a request as participants (BargeIn), by list",
            ["list"],
            registry=registry,
        )
        self.supervisor_messages = Counter(
            "pullrouting_supervisor_messages",
            "Messages supervisors who barged in wrote to customers (SendMessage), by list",
            ["list"],
            registry=registry,
        )
        self.supervisor_notes = Counter(
            "pullrouting_supervisor_notes",
            "Internal notes written by supervisors (Whisper, a transfer's note), by list",
            ["list"],
            registry=registry,
        )
        self.wrap_ups = Counter(
            "pullrouting_wrap_ups",
            "Conversations closed with a wrap-up code, by list and code (a close with several codes counts once "
            "under each)",
            ["list", "code"],
            registry=registry,
        )
        self.failed_logins = Counter(
            "pullrouting_failed_logins",
            "Calls refused for a missing (TOKEN_MISSING) or unknown (TOKEN_INVALID) token, and calls refused because"
            " their address failed too often lately (RATE_LIMITED)",
            ["reason"],
            registry=registry,
        )
        self._requests = RequestCollector(database, clock, cache_seconds)
        registry.register(self._requests)

    def count_failed_login(self, reason: str) -> None:
        self.failed_logins.labels(reason).inc()

    async def exposition(self) -> bytes:
        """The text Prometheus scrapes; rendered off the event loop."""
        await self._requests.refresh()
        return await asyncio.to_thread(generate_latest, self.registry)

    def observe_events(self, written: list[Event]) -> None:
        """Counts what the events of one committed transaction report (called on the database thread)."""
        for event in written:
            self.events_written.labels(event.kind.value).inc()
            if isinstance(event.type, ListEventType):
                alert = alert_of(event.payload, event.type)
                if alert is not None:
                    self.alerts.labels(event.list_id, alert.value).inc()
            conversation = event.payload.get("conversation")
            if conversation is None:
                continue
            if (
                event.type is ConversationEventType.STATE_CHANGED
                and event.payload.get("previous_state") == ConversationState.UNREAD
                and conversation["first_join_time"] == conversation["update_time"]
            ):
                # The first join: a request transferred after it is UNREAD again, and its next join is not.
                waited = conversation["first_join_time"] - conversation["create_time"]
                self.first_join_seconds.labels(event.list_id).observe(waited / MICROS_PER_SECOND)
            elif event.type is ConversationEventType.CONVERSATION_CLOSED:
                if conversation["first_join_time"] is None:
                    self.closed_unjoined.labels(event.list_id, event.payload["close_reason"]).inc()
                if event.payload["close_reason"] == CloseReason.INACTIVITY:
                    self.auto_closes.labels(event.list_id).inc()
                elif event.payload["close_reason"] == CloseReason.FORCED:
                    self.forced_closes.labels(event.list_id).inc()
                for code in conversation.get("wrap_up_codes") or ():
                    self.wrap_ups.labels(event.list_id, code).inc()
            elif event.type is ConversationEventType.AGENT_LEFT:
                cause = leave_cause_of(event.payload)
                if cause is not LeaveCause.LEFT:
                    self.releases.labels(event.list_id, cause.value).inc()
            elif event.type is ConversationEventType.SUPERVISOR_JOINED:
                self.barge_ins.labels(event.list_id).inc()
            elif (
                event.type is ConversationEventType.AGENT_MESSAGE
                and event.payload["message"]["sender_type"] == SenderType.SUPERVISOR
            ):
                if event.payload["message"].get("visibility") == MessageVisibility.INTERNAL:
                    self.supervisor_notes.labels(event.list_id).inc()
                else:
                    self.supervisor_messages.labels(event.list_id).inc()
            elif event.payload.get("alert") == ListAlert.UNREAD_REMINDER:
                self.reminders.labels(event.list_id).inc()


class MetricsServer:
    """The HTTP endpoint Prometheus scrapes: `GET /metrics` and nothing else, served on the event loop (no
    thread per connection), at most `max_connections` at once; each connection is closed after one answer, or
    after REQUEST_SECONDS without a whole request."""

    def __init__(self, metrics: Metrics, max_connections: int) -> None:
        self._metrics = metrics
        self._max_connections = max_connections
        self._connections: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0
        self.url = ""

    async def start(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self._server = await asyncio.start_server(self._serve, host.strip("[]"), int(port), limit=MAX_REQUEST_BYTES)
        self.port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://{host}:{self.port}/metrics"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if len(self._connections) >= self._max_connections or task is None:
            writer.close()
            return
        self._connections.add(task)
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_SECONDS)
            writer.write(await self._answer(head))
            await asyncio.wait_for(writer.drain(), REQUEST_SECONDS)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            pass  # the client went away, sent too much, or too slowly: nothing to answer
        finally:
            self._connections.discard(task)
            writer.close()

    async def _answer(self, head: bytes) -> bytes:
        method, _, rest = head.decode("latin-1").partition(" ")
        path = rest.partition(" ")[0].partition("?")[0]
        if path != "/metrics":
            return _response("404 Not Found", b"not found; metrics are at /metrics\n")
        if method not in ("GET", "HEAD"):
            return _response("405 Method Not Allowed", b"GET /metrics\n")
        body = await self._metrics.exposition()
        return _response("200 OK", body if method == "GET" else b"", CONTENT_TYPE_LATEST, len(body))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            connection.cancel()
        if self._server is not None:
            await self._server.wait_closed()


def _response(status: str, body: bytes, content_type: str = "text/plain", length: int | None = None) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body
