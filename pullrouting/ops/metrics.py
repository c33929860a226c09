"""Prometheus metrics, served on a port of their own (`--metrics-address`). Each server has its own registry,
so several servers can run in one process.

Where each figure comes from, so that it is right with several instances on one database:
- open requests by list and state, and the oldest UNREAD request's age: read from the database at scrape
  time, so every instance reports the same whole picture (take any one, not the sum);
- time to first join, requests closed unjoined, reminders, releases, events written: from the events this instance's
  own transactions committed, so the sum over instances counts each once;
- RPCs, open streams, events delivered: by the RPC interceptor (ops/rpcs.py), per instance."""

import logging
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from pullrouting.domain.events import ConversationEventType, Event, LeaveCause, ListAlert, leave_cause_of
from pullrouting.domain.model import ConversationState
from pullrouting.store.database import Database
from pullrouting.store.statistics import request_statistics

log = logging.getLogger(__name__)

MICROS_PER_SECOND = 1_000_000
# RPC latencies run from milliseconds (unary calls) to hours (streams, timed from open to end).
RPC_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600, 3600)
# A request waits seconds to hours for its first agent.
FIRST_JOIN_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)


class RequestCollector(Collector):
    """Open requests by list and state, and the age of each list's oldest UNREAD request, queried (one
    GROUP BY) at scrape time."""

    def __init__(self, database: Database, clock: Callable[[], int]) -> None:
        self._database = database
        self._clock = clock

    def describe(self) -> list[GaugeMetricFamily]:
        # Registering calls describe(), not collect(): no query before the first scrape.
        return list(self._families())

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily("pullrouting_requests", "Open requests, by list and state", labels=["list", "state"]),
            GaugeMetricFamily(
                "pullrouting_oldest_unread_request_age_seconds",
                "How long the oldest UNREAD request of each list has waited for an agent",
                labels=["list"],
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            statistics = self._database.run_sync(request_statistics, read_only=True)
        except Exception:
            # The other metrics still answer; the gap in these shows the database trouble.
            log.exception("reading request statistics for the metrics failed")
            return
        requests, oldest = self._families()
        for (list_id, state), count in sorted(statistics.open_requests.items()):
            requests.add_metric([list_id, state.value], count)
        now = self._clock()
        for list_id, create_time in sorted(statistics.oldest_unread.items()):
            oldest.add_metric([list_id], max(now - create_time, 0) / MICROS_PER_SECOND)
        yield requests
        yield oldest


class Metrics:
    def __init__(self, database: Database, clock: Callable[[], int]) -> None:
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
        self.releases = Counter(
            "pullrouting_releases",
            "Agents let go of a conversation by the system, by list and cause (RELEASED: away too long; DISABLED: "
            "disabled or deleted)",
            ["list", "cause"],
            registry=registry,
        )
        registry.register(RequestCollector(database, clock))

    def observe_events(self, written: list[Event]) -> None:
        """Counts what the events of one committed transaction report (called on the database thread)."""
        for event in written:
            self.events_written.labels(event.kind.value).inc()
            conversation = event.payload.get("conversation")
            if conversation is None:
                continue
            if (
                event.type is ConversationEventType.STATE_CHANGED
                and event.payload.get("previous_state") == ConversationState.UNREAD
            ):
                # Only the first join takes a request out of UNREAD.
                waited = conversation["first_join_time"] - conversation["create_time"]
                self.first_join_seconds.labels(event.list_id).observe(waited / MICROS_PER_SECOND)
            elif event.type is ConversationEventType.CONVERSATION_CLOSED:
                if conversation["first_join_time"] is None:
                    self.closed_unjoined.labels(event.list_id, event.payload["close_reason"]).inc()
            elif event.type is ConversationEventType.AGENT_LEFT:
                cause = leave_cause_of(event.payload)
                if cause is not LeaveCause.LEFT:
                    self.releases.labels(event.list_id, cause.value).inc()
            elif event.payload.get("alert") == ListAlert.UNREAD_REMINDER:
                self.reminders.labels(event.list_id).inc()


class MetricsServer:
    """The HTTP endpoint Prometheus scrapes (`/metrics`), on a thread of its own."""

    def __init__(self, metrics: Metrics, address: str) -> None:
        host, _, port = address.rpartition(":")
        self._server, self._thread = start_http_server(int(port), host.strip("[]"), registry=metrics.registry)
        self.port: int = self._server.server_port
        self.url = f"http://{host}:{self.port}/metrics"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
