"""What the quality assurance section of a case shows (stage 5, for the host's staff):
strategies, invitations, responses and disclosures, scrutiny, escalations, "you said, we did"
and the comparison of baseline with follow-up; and, for the overview, how many disclosures
wait to be triaged."""

from __future__ import annotations

from app.cases.models import Case
from app.cases.operations import Actor
from app.cases.roles import CASE_EDITORS, RESIDENT_READERS
from app.quality import services
from app.quality.chart import build_chart
from app.quality.forms import (
    ActivityForm,
    CommunicationUpdateForm,
    EscalationForm,
    InvitationForm,
    StrategyForm,
    SummaryForm,
    TriageForm,
)
from app.quality.questions import QUESTIONS, Rating

# Respondents' names, contact details and what they disclosed: for the people who read
# residents' details and work the case, not for viewers or contracts officers.
QA_REVIEWERS = CASE_EDITORS & RESIDENT_READERS

# The forms of the section, by the name the partial knows them by, with their prefix.
FORMS = {
    "invitation_form": (InvitationForm, "invitation"),
    "activity_form": (ActivityForm, "activity"),
    "update_form": (CommunicationUpdateForm, "update"),
    "escalation_form": (EscalationForm, "escalation"),
    "summary_form": (SummaryForm, "summary"),
}


def _strategy_form(strategy) -> StrategyForm:
    form = StrategyForm(formdata=None, prefix="strategy", obj=strategy)
    if strategy is not None:
        form.communication_scope.data = strategy.communication_scope.value
    return form


def blank_triage_form() -> TriageForm:
    return TriageForm(formdata=None, prefix="triage")


def triage_form(response_id: int) -> TriageForm:
    """The triage form posted for one answer. Every open disclosure has its own form on the
    page, so its note carries the answer's id (as the partial gives it), where the error
    summary links."""
    form = TriageForm(prefix="triage")
    form.note.id = f"triage-note-{response_id}"
    return form


def quality_section(case: Case, actor: Actor) -> dict:
    """Everything the section shows, with blank forms; the view puts a form that failed (with
    its errors and input) on top."""
    strategy = services.strategy_of(case.id)
    comparison = services.comparison(case.id)
    return {
        "can_edit": bool(actor.roles & CASE_EDITORS) and not case.closed,
        "reviews": bool(actor.roles & QA_REVIEWERS),
        "strategy": strategy, "strategy_form": _strategy_form(strategy),
        "updates": services.updates_of(case.id), "invitations": services.invitations_of(case.id),
        "responses": services.responses_of(case.id),
        "disclosures": services.open_disclosures(case.id),
        "activities": services.activities_of(case.id),
        "escalations": services.escalations_of(case.id),
        "summaries": services.summaries_of(case.id),
        "comparison": comparison,
        "charts": {group: build_chart(rows) for group, rows in comparison.items()},
        "counts": services.quality_counts(case.id), "questions": QUESTIONS,
        "comparison_ratings": list(Rating),
        "triage_form": None, "triage_for": None, "blank_triage_form": blank_triage_form,
        **{name: cls(formdata=None, prefix=prefix) for name, (cls, prefix) in FORMS.items()},
    }


def quality_summary(case: Case, actor: Actor) -> dict:
    """For the host's overview: how many answers that may disclose harm wait to be triaged."""
    return {"quality": {"open_disclosures": services.open_disclosure_count(case.id)}}
