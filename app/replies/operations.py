"""Changes to the right of reply: the provider raises a point, the host responds. Each is an operation (app/unit_of_work.py)."""

from __future__ import annotations

from app.auth.models import User
from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.db import utcnow
from app.extensions import db
from app.replies.models import ReplyPoint
from app.replies.services import Findings
from app.unit_of_work import operation


def cannot_raise(findings: Findings) -> str | None:
    if not findings.open:
        return (f"The time to raise points on these findings ended on "
                f"{findings.reply_by:%-d %B %Y}")
    return None


@operation
def raise_point(case: Case, findings: Findings, point: str, by: User) -> ReplyPoint:
    row = ReplyPoint(tenant_id=case.tenant_id, case_id=case.id, provider_id=case.provider_id,
                     meeting_id=findings.meeting.id, point=point, raised_by_id=by.id,
                     raised_at=utcnow(), response="")
    db.session.add(row)
    db.session.flush()
    return row


@operation
def respond(actor: Actor, case: Case, point: ReplyPoint, response: str) -> None:
    old = {"response": point.response}
    point.response = response
    point.responded_at = utcnow()
    point.responded_by_id = actor.user.id
    audit_case(actor, case, "reply.responded", point, old,
               {"response": response, "point": point.point})
