"""What SetActivity and PostCustomerActivity answer: when the activity ends unless set again."""

from datetime import UTC, datetime
from typing import Any


def expire_time(response: Any) -> datetime | None:
    """The response's expire_time as an aware datetime (UTC); None for NONE, which has none."""
    if not response.HasField("expire_time"):
        return None
    return response.expire_time.ToDatetime(tzinfo=UTC)
