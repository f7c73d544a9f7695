"""Changes to a case's risk register. Each checks its rules, writes its audit event in the same
transaction and commits as one unit of work (app/unit_of_work.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.db import utcnow
from app.extensions import db
from app.risks.models import KeyQuestion, Risk, RiskScore, rag_for
from app.unit_of_work import Refused, operation


@dataclass(frozen=True)
class RiskDetails:
    """The words of a risk, as the host writes and edits them (the score changes apart)."""

    title: str
    description: str
    key_question: KeyQuestion
    mitigation: str
    owner_name: str
    review_on: date | None

    @classmethod
    def of(cls, risk: Risk) -> RiskDetails:
        return cls(risk.title, risk.description, risk.key_question, risk.mitigation,
                   risk.owner_name, risk.review_on)

    def audit_values(self) -> dict:
        values = asdict(self)
        values["key_question"] = self.key_question.value
        values["review_on"] = self.review_on.isoformat() if self.review_on else None
        return values


def _refuse_if_closed(risk: Risk) -> None:
    # A closed risk is history: its words and score stay as they were when it closed.
    if risk.closed_at is not None:
        raise Refused(f"The risk \u201c{risk.title}\u201d is closed and cannot be changed.")


def _score_values(likelihood: int, impact: int) -> dict:
    return {"likelihood": likelihood, "impact": impact, "score": likelihood * impact,
            "rag": rag_for(likelihood, impact).value}


@operation
def add_risk(actor: Actor, case: Case, details: RiskDetails, *, likelihood: int,
             impact: int) -> Risk:
    """Add a risk to the register with its first scoring."""
    risk = Risk(tenant_id=case.tenant_id, case_id=case.id, likelihood=likelihood, impact=impact,
                **asdict(details))
    risk.scores.append(RiskScore(tenant_id=case.tenant_id, likelihood=likelihood, impact=impact,
                                 note="Scored when the risk was added",
                                 scored_by_id=actor.user.id))
    db.session.add(risk)
    audit_case(actor, case, "risk.added", risk, None,
               details.audit_values() | _score_values(likelihood, impact))
    return risk


@operation
def edit_risk(actor: Actor, case: Case, risk: Risk, details: RiskDetails) -> Risk:
    """Change the words of a risk; its score and history stay as they are."""
    _refuse_if_closed(risk)
    old = RiskDetails.of(risk)
    for name, value in asdict(details).items():
        setattr(risk, name, value)
    audit_case(actor, case, "risk.changed", risk, old.audit_values(), details.audit_values())
    return risk


@operation
def rescore_risk(actor: Actor, case: Case, risk: Risk, *, likelihood: int, impact: int,
                 note: str) -> RiskScore:
    """Score a risk again, keeping the scoring in its history with the reason given."""
    _refuse_if_closed(risk)
    old = _score_values(risk.likelihood, risk.impact)
    score = RiskScore(tenant_id=case.tenant_id, likelihood=likelihood, impact=impact, note=note,
                      scored_by_id=actor.user.id)
    risk.scores.append(score)
    risk.likelihood, risk.impact = likelihood, impact
    audit_case(actor, case, "risk.rescored", risk, old,
               _score_values(likelihood, impact) | {"note": note})
    return score


@operation
def close_risk(actor: Actor, case: Case, risk: Risk, *, reason: str) -> Risk:
    """Close a risk that no longer needs managing; the reason goes into the audit trail."""
    _refuse_if_closed(risk)
    risk.closed_at = utcnow()
    audit_case(actor, case, "risk.closed", risk, {"closed_at": None},
               {"closed_at": risk.closed_at.isoformat()}, reason)
    return risk
