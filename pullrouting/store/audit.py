"""Audit records, written in the caller's transaction (so a record exists exactly when its change committed),
read newest first a page at a time, and deleted once older than the retention."""

from sqlalchemy import Connection, delete, insert, select

from pullrouting.domain.audit import AuditFilter, AuditRecord
from pullrouting.store.events import now_micros
from pullrouting.store.tables import audit_records

INSERT_RECORD = insert(audit_records)
# Comparisons of the filter's create_time terms.
TIME_COMPARISONS = {
    "=": audit_records.c.create_time.__eq__,
    "<": audit_records.c.create_time.__lt__,
    "<=": audit_records.c.create_time.__le__,
    ">": audit_records.c.create_time.__gt__,
    ">=": audit_records.c.create_time.__ge__,
}


def record(connection: Connection, actor: str, action: str, resource: str, detail: str = "") -> None:
    connection.execute(
        INSERT_RECORD,
        {"actor": actor, "action": action, "resource": resource, "create_time": now_micros(), "detail": detail},
    )


def page(connection: Connection, wanted: AuditFilter, before_id: int | None, limit: int) -> list[AuditRecord]:
    """Up to `limit` records the filter keeps, newest first, older than the record `before_id`."""
    query = select(audit_records).order_by(audit_records.c.id.desc()).limit(limit)
    for name, value in wanted.equal.items():
        query = query.where(audit_records.c[name] == value)
    for operator, micros in wanted.times:
        query = query.where(TIME_COMPARISONS[operator](micros))
    if before_id is not None:
        query = query.where(audit_records.c.id < before_id)
    return [
        AuditRecord(row.id, row.actor, row.action, row.resource, row.create_time, row.detail)
        for row in connection.execute(query)
    ]


def prune(connection: Connection, older_than: int) -> int:
    """Deletes the records made before `older_than` (microseconds); returns how many."""
    return connection.execute(delete(audit_records).where(audit_records.c.create_time < older_than)).rowcount
