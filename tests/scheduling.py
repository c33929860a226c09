"""Timers on the test's clock: the server's own schedulers tick on real time, which never reaches the test
clock's due times, so a test ticks a scheduler of its own on the server's database."""

from google.protobuf.timestamp_pb2 import Timestamp
from support import Server

from pullrouting.ops.reminders import ReminderScheduler

SECOND = 1_000_000


class Clock:
    """Microseconds since the epoch, moved by the test."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def micros(timestamp: Timestamp) -> int:
    return timestamp.seconds * SECOND + timestamp.nanos // 1000


def reminder_scheduler(server: Server, clock: Clock) -> ReminderScheduler:
    """A reminder scheduler on the server's own database, ticked by the test."""
    return ReminderScheduler(server.running.database, check_seconds=3600, clock=clock)
