"""Recording the caller's action: a store function wrapped so that, once it succeeds, its audit record is written
in the same transaction. A refused action raises before the record, and its transaction rolls back."""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection

from pullrouting.api.auth import current_principal
from pullrouting.domain.audit import actor_of
from pullrouting.store import audit

T = TypeVar("T")


def audited(
    work: Callable[[Connection], T], action: str, resource: str, detail: str | Callable[[T], str] = ""
) -> Callable[[Connection], T]:
    """`work`, then the record of the calling admin or supervisor doing `action` to `resource`; `detail` may be
    made from what the work did (the message it wrote, say)."""
    actor = actor_of(current_principal())

    def run(connection: Connection) -> T:
        done = work(connection)
        audit.record(connection, actor, action, resource, detail(done) if callable(detail) else detail)
        return done

    return run
