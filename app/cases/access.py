"""Loading a case for a staff view: 404 for an unknown or unreadable case, and a check that
the acting authority hosts it where the page is for the host alone."""

from __future__ import annotations

from flask import abort, g, request
from flask_login import current_user

from app.cases import services
from app.cases.models import Case
from app.cases.operations import Actor


def current_actor() -> Actor:
    """Return who acts in this request: the signed-in user, for the authority in the URL."""
    membership = g.membership
    return Actor(user=current_user, authority_id=membership.tenant_id, roles=membership.roles)


def readable_case_or_404(case_id: int) -> Case:
    """Return a case the acting authority may read (its own or shared with it), else 404.
    A closed case is read-only: a request that would change it is refused (409), except
    CHANGES_AFTER_CLOSING."""
    case = services.get_case(case_id)
    if case is None:
        # Another authority's case is "not found", not "forbidden": its existence is private.
        abort(404)
    if (case.closed and request.method not in ("GET", "HEAD")
            and request.endpoint not in CHANGES_AFTER_CLOSING):
        abort(409, description="case_closed")
    return case


# What may still change once a case is closed: the obligations after closing, corrections to
# the audit trail, and the reading of pages (GET).
CHANGES_AFTER_CLOSING = frozenset({
    "closing.send_letters", "closing.record_contract_review", "cases.correct_history",
})


def host_case_or_404(case_id: int) -> Case:
    """Return a case the acting authority hosts. A placing authority reading it through a
    share is refused: the page is for the host alone."""
    case = readable_case_or_404(case_id)
    if case.tenant_id != g.membership.tenant_id:
        abort(403, description="not_the_host")
    return case


def is_host(case: Case) -> bool:
    return case.tenant_id == g.membership.tenant_id
