"""Changes to evidence files: the provider adds one, the host reviews it.

Adding a file spans the storage and the database: the file is kept with the operation's unit
of work (app.unit_of_work.keep_with_unit), so the rows are flushed first (a refusal by the
database stops before anything is kept), the file is committed in the storage, then the rows;
if that last commit fails the stored file is deleted, and if the operation fails the upload is
aborted: no file stays without its record and no record without its file.
"""

from __future__ import annotations

from app.auth.models import User
from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.db import utcnow
from app.extensions import db
from app.plans.evidence import EvidenceFile, EvidenceStatus
from app.plans.models import PlanItem
from app.plans.uploads import TYPES, ReceivingFile
from app.storage import Storage
from app.unit_of_work import keep_with_unit, operation


@operation
def add_evidence(storage: Storage, item: PlanItem, received: ReceivingFile,
                 by: User) -> EvidenceFile:
    """Keep the received file as evidence for ``item``."""
    keep_with_unit(received.pending, storage)
    evidence = EvidenceFile(
        tenant_id=item.tenant_id, case_id=item.case_id, provider_id=item.provider_id,
        plan_id=item.plan_id, item_id=item.id, original_name=stored_name(received.filename),
        storage_key=received.key, kind=received.kind, content_type=TYPES[received.kind],
        size=received.size, sha256=received.sha256, uploaded_by_id=by.id,
        uploaded_at=utcnow(), status=EvidenceStatus.WAITING, review_comment="")
    db.session.add(evidence)
    db.session.flush()
    return evidence


def stored_name(filename: str) -> str:
    # Only the last part of a path some browsers send, and at most the column's length.
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "evidence"
    return name[-255:]


@operation
def review_evidence(actor: Actor, case: Case, evidence: EvidenceFile, status: EvidenceStatus,
                    comment: str) -> None:
    """Accept or reject one file with the host's comment."""
    old = {"status": evidence.status.value, "comment": evidence.review_comment}
    evidence.status = status
    evidence.review_comment = comment
    evidence.reviewed_at = utcnow()
    evidence.reviewed_by_id = actor.user.id
    audit_case(actor, case, f"evidence.{status.value}", evidence, old,
               {"status": status.value, "comment": comment, "file": evidence.original_name,
                "sha256": evidence.sha256})
