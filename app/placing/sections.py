"""What the placing sections of a case show: a placing authority's view of the overview
(through its live share), and the host's residents and placing authorities."""

from __future__ import annotations

from app.cases import services as case_services
from app.cases.models import Case
from app.cases.operations import Actor
from app.cases.roles import CASE_EDITORS
from app.placing import services
from app.placing.coverage import coverage_of
from app.placing.forms import AcknowledgeForm


def shared_overview(case: Case, actor: Actor) -> dict:
    """The case as a placing authority with a live share sees it, with the form that
    acknowledges the alert (blank, or as it was)."""
    share = services.live_share_for(case.id, actor.authority_id)
    acknowledgement = services.acknowledgement_of(share)
    return {
        "is_host": False, "acknowledgement": acknowledgement,
        "acknowledge_form": AcknowledgeForm(formdata=None, obj=acknowledgement),
        "can_acknowledge": share is not None and bool(actor.roles & CASE_EDITORS),
        # The host's key dates, as the host computed them (app/cases/key_dates.py).
        "clocks": case_services.clocks_for_reader(case, actor.authority_id),
        # What the host told it, whatever the level of sharing: the email may not carry it.
        "placing_alerts": services.alerts_of(case.id) if share is not None else [],
    }


def coverage_section(case: Case, actor: Actor) -> dict:
    """Every placing authority with residents at the case's location, and its share."""
    return {"coverage": coverage_of(case), "can_alert": bool(actor.roles & CASE_EDITORS)}
