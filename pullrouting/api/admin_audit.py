"""AdminService.ListAuditRecords: the audit records, newest first, narrowed by a filter (domain/audit.py)."""

import hashlib

import grpc

from pullrouting.api.pagination import decode_page_token, page, page_size
from pullrouting.api.timestamps import to_timestamp
from pullrouting.domain.audit import AuditRecord, parse_filter
from pullrouting.domain.errors import InvalidInput
from pullrouting.store import audit
from pullrouting.store.database import Database
from pullrouting.v1 import admin_service_pb2 as pb

AUDIT_RECORDS = "auditRecords"


def _record_to_proto(record: AuditRecord) -> pb.AuditRecord:
    return pb.AuditRecord(
        name=f"{AUDIT_RECORDS}/{record.id}",
        actor=record.actor,
        action=record.action,
        resource=record.resource,
        create_time=to_timestamp(record.create_time),
        detail=record.detail,
    )


def _filter_digest(text: str) -> str:
    """Binds a page token to its filter, so that a token is refused with another filter instead of skipping or
    repeating records."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class AdminAuditMethods:
    """Mixed into the AdminServicer, which sets `_database`."""

    _database: Database

    async def ListAuditRecords(
        self, request: pb.ListAuditRecordsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAuditRecordsResponse:
        wanted, size, digest = (
            parse_filter(request.filter),
            page_size(request.page_size),
            _filter_digest(request.filter),
        )
        key = decode_page_token(request.page_token, (str, int))
        if key is not None and key[0] != digest:
            raise InvalidInput.of("page_token", "is not a page token this method issued for this filter")
        before_id = None if key is None else key[1]
        found = await self._database.read(lambda c: audit.page(c, wanted, before_id, size + 1))
        shown, token = page(found, size, lambda record: (digest, record.id))
        return pb.ListAuditRecordsResponse(audit_records=[_record_to_proto(r) for r in shown], next_page_token=token)
