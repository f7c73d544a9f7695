"""Which of its concerns a provider user may open in the portal, for every portal area."""

from __future__ import annotations

from flask import abort, g, request

from app.cases.models import Case
from app.provider_portal.concerns import get_concern


def concern_or_404(case_id: int) -> Case:
    """The acting provider's concern ``case_id``. Another provider's case, or one the provider
    was not told of, is not found (404): its very existence is confidential. A closed case
    takes no more changes (409 on a POST)."""
    case = get_concern(g.provider_membership.provider_id, case_id) or abort(404)
    if case.closed and request.method == "POST":
        abort(409, description="case_closed")
    return case
