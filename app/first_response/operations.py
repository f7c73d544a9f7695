"""The provider sends its first response; a file with it spans the storage and the database,
as evidence does (app.plans.evidence_operations): the file is kept with the operation's unit
of work, so the row is flushed, the file committed, then the row; a failed commit deletes the
file and a failed operation aborts the upload."""

from __future__ import annotations

from app.auth.models import User
from app.cases.models import Case
from app.db import utcnow
from app.extensions import db
from app.first_response.models import FirstResponse
from app.plans.evidence_operations import stored_name
from app.plans.uploads import TYPES, ReceivingFile
from app.storage import Storage
from app.unit_of_work import keep_with_unit, operation


@operation
def send_response(storage: Storage, case: Case, message: str, received: ReceivingFile | None,
                  by: User) -> FirstResponse:
    if received is not None:
        keep_with_unit(received.pending, storage)
    row = FirstResponse(tenant_id=case.tenant_id, case_id=case.id, provider_id=case.provider_id,
                        message=message, sent_by_id=by.id, sent_at=utcnow())
    if received is not None:
        row.original_name = stored_name(received.filename)
        row.storage_key, row.kind = received.key, received.kind
        row.content_type, row.size, row.sha256 = TYPES[received.kind], received.size, received.sha256
    db.session.add(row)
    db.session.flush()
    return row
