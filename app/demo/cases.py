"""Demo cases at every stage, dated back from today so the dashboard is alive: some deadlines
met, some due, some overdue. Everything here is fictional."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from app.actions.models import Action, ActionStatus, OwnerKind
from app.audit.services import record
from app.cases import key_dates
from app.cases.clocks import LONDON, add_working_days
from app.cases.models import (
    Case,
    Decision,
    DecisionOutcome,
    IntelligenceItem,
    IntelligenceSource,
    Stage,
    StageChange,
)
from app.cases.references import next_reference
from app.db import utcnow
from app.extensions import db
from app.meetings.agendas import agenda_for, agenda_text
from app.meetings.models import FinalDecision, Meeting, MeetingKind
from app.placing.models import CaseShare
from app.risks.models import KeyQuestion, Risk, RiskScore


def working_days_ago(count: int, hour: int = 10) -> datetime:
    """Return ``hour`` o'clock London time, ``count`` working days before today."""
    day = add_working_days(utcnow().astimezone(LONDON).date(), -count)
    return datetime.combine(day, time(hour), LONDON)


@dataclass
class DemoCase:
    provider: int
    location: int
    stage: Stage
    title: str
    shares: list[int]
    opened: int  # working days ago
    decided: int | None = None
    outcome: DecisionOutcome = DecisionOutcome.PROCEED
    provider_informed: int | None = None
    held: dict[MeetingKind, int] = field(default_factory=dict)
    upcoming: dict[MeetingKind, int] = field(default_factory=dict)  # working days ahead
    plan_submitted_hours_after_findings: int | None = None
    final: FinalDecision | None = None
    closed: int | None = None
    contract_review: int | None = None


DEMO_CASES = [
    DemoCase(1, 2, Stage.DECISION, "Medication errors and missed visits", [1], 2),
    DemoCase(0, 0, Stage.INITIAL_MEETING, "Falls and unexplained injuries", [0, 2], 12,
             decided=9, provider_informed=8),
    DemoCase(1, 3, Stage.INITIAL_MEETING, "Restrictive practice in supported living",
             [2], 3, decided=1, upcoming={MeetingKind.INITIAL: 3}),
    DemoCase(0, 1, Stage.FINDINGS, "Pressure care and staffing levels", [0], 25,
             decided=22, provider_informed=21, held={MeetingKind.INITIAL: 17}),
    DemoCase(1, 2, Stage.UPDATE_MEETINGS, "Nutrition, hydration and record keeping",
             [1, 2], 60, decided=57, provider_informed=56,
             held={MeetingKind.INITIAL: 53, MeetingKind.FINDINGS: 40, MeetingKind.UPDATE: 10},
             plan_submitted_hours_after_findings=60),
    DemoCase(0, 0, Stage.QUALITY_ASSURANCE, "Safeguarding referrals not made", [0],
             90, decided=88, provider_informed=88,
             held={MeetingKind.INITIAL: 84, MeetingKind.FINDINGS: 72},
             plan_submitted_hours_after_findings=40),
    DemoCase(1, 3, Stage.CLOSING, "Leadership and governance failures", [2], 120,
             decided=118, provider_informed=117,
             held={MeetingKind.INITIAL: 114, MeetingKind.FINDINGS: 100, MeetingKind.FINAL: 2},
             plan_submitted_hours_after_findings=30, final=FinalDecision.CLOSE, contract_review=40),
    DemoCase(0, 1, Stage.CLOSED, "Infection control", [0], 150, decided=148,
             provider_informed=148, held={MeetingKind.INITIAL: 144, MeetingKind.FINDINGS: 130,
                                          MeetingKind.FINAL: 25},
             plan_submitted_hours_after_findings=44, final=FinalDecision.CLOSE, closed=24,
             contract_review=60),
    DemoCase(1, 2, Stage.CLOSED, "Single complaint about laundry", [], 30,
             decided=28, outcome=DecisionOutcome.OTHER_CHANNELS, closed=28),
]

# Intelligence gathered before any case: the host's intelligence board shows it building up.
UNATTACHED = [
    # provider index, location index, source, working days ago, count, summary, CQC rating
    (0, 1, IntelligenceSource.S42_ENQUIRY, 15, 3, "Section 42 enquiries: unexplained bruising", None),
    (0, 1, IntelligenceSource.DATIX, 9, 2, "Datix reports after hospital admissions", None),
    (0, 1, IntelligenceSource.CQC_REPORT, 40, 1, "CQC inspection report", "Requires improvement"),
    (1, 3, IntelligenceSource.COMPLAINT, 6, 1, "Family complaint about missed visits", None),
    (1, 3, IntelligenceSource.PARTNER_CONCERN, 4, 1, "District nurses concerned about pressure care", None),
]

STAGE_PATH = [Stage.DECISION, Stage.INITIAL_MEETING, Stage.FINDINGS, Stage.UPDATE_MEETINGS,
              Stage.QUALITY_ASSURANCE, Stage.CLOSING, Stage.CLOSED]


def seed_cases(host, placing, providers, locations, staff) -> None:
    """Create the demo cases of ``host`` (the caller has set the host's scope)."""
    from app.tenants.models import Role

    lead, chair = staff[Role.LEAD_OFFICER], staff[Role.CHAIR]
    for provider, location, source, days, count, summary, rating in UNATTACHED:
        db.session.add(IntelligenceItem(provider_id=providers[provider].id,
                                        location_id=locations[location].id, source=source,
                                        received_on=working_days_ago(days).date(), count=count,
                                        summary=summary, cqc_rating=rating, recorded_by_id=lead.id))
    cases = []
    for demo in DEMO_CASES:
        location = locations[demo.location]
        # The same counter as cases opened through the form, so the next one follows on.
        case = Case(tenant_id=host.id, reference=next_reference(host.id), provider_id=providers[demo.provider].id,
                    location_id=location.id, title=demo.title, stage=demo.stage,
                    summary=f"Pattern of concerns at {location.name}: {demo.title.lower()}.",
                    opened_at=working_days_ago(demo.opened, 9), lead_officer_id=lead.id,
                    chair_id=chair.id)
        db.session.add(case)
        db.session.flush()
        record(db.session, action="case.opened", obj=case, tenant_id=host.id, actor_user_id=lead.id,
               actor_authority_id=host.id, case_id=case.id, new={"reference": case.reference})
        _intelligence(case, demo, lead)
        _decision(case, demo, staff)
        _meetings(case, demo, chair)
        _stage_history(case, demo, lead)
        _milestones(case, demo)
        _risks_and_actions(case, demo, lead)
        for index in demo.shares:
            db.session.add(CaseShare(tenant_id=host.id, case_id=case.id,
                                     placing_authority_id=placing[index].id, alerted_by_id=lead.id,
                                     alerted_at=case.opened_at))
        cases.append(case)
    db.session.flush()
    for case in cases:  # what the placing authorities read of the host's clocks
        key_dates.refresh(case)
    db.session.flush()


def _intelligence(case, demo, lead) -> None:
    received = working_days_ago(demo.opened + 5).date()
    for source, count, summary in (
        (IntelligenceSource.S42_ENQUIRY, 4, "Section 42 enquiries opened after injuries to residents"),
        (IntelligenceSource.DATIX, 3, "Datix reports from the hospital discharge team"),
        (IntelligenceSource.COMPLAINT, 2, "Family complaints about communication"),
    ):
        db.session.add(IntelligenceItem(case_id=case.id, provider_id=case.provider_id,
                                        location_id=case.location_id, source=source,
                                        received_on=received, count=count, summary=summary,
                                        recorded_by_id=lead.id))


def _decision(case, demo, staff) -> None:
    from app.tenants.models import Role

    decision = Decision(case_id=case.id, threshold_assessment=(
        "The number and seriousness of concerns over three months show a pattern that meets the "
        "threshold for the provider concerns process."),
        recommendation="Proceed, with a Lead Officer from the quality team.",
        recommended_by_id=staff[Role.COORDINATOR].id,
        recommended_at=working_days_ago(demo.opened - 1))
    if demo.decided is not None:
        decision.outcome = demo.outcome
        decision.reason = ("Threshold met: several partners report the same themes."
                           if demo.outcome is DecisionOutcome.PROCEED
                           else "An isolated complaint: the contracts team will follow it up.")
        decision.decided_by_id = staff[Role.DASS].id
        decision.decided_at = working_days_ago(demo.decided, 11)
    db.session.add(decision)


def _meetings(case, demo, chair) -> None:
    for kind, days in demo.held.items():
        held = working_days_ago(days, 14)
        agenda = agenda_for(kind)
        db.session.add(Meeting(
            case_id=case.id, kind=kind, scheduled_for=held, held_at=held, venue="County Hall, Wexbridge",
            agenda_part_one=agenda_text(agenda.part_one), agenda_part_two=agenda_text(agenda.part_two),
            minutes_part_one="Partners shared intelligence; themes agreed.",
            minutes_part_two="The provider accepted the concerns and agreed to act.",
            part_two_shared_with_placing=True, part_two_shared_with_provider=True,
            decisions="Continue under the process.",
            final_decision=demo.final if kind is MeetingKind.FINAL else None,
            sustainability_rationale=("Three months of stable audits and positive family feedback."
                                      if kind is MeetingKind.FINAL else ""),
        ))
    for kind, days_ahead in demo.upcoming.items():
        when = working_days_ago(-days_ahead, 10)
        agenda = agenda_for(kind)
        db.session.add(Meeting(case_id=case.id, kind=kind, scheduled_for=when, venue="Online",
                               agenda_part_one=agenda_text(agenda.part_one),
                               agenda_part_two=agenda_text(agenda.part_two)))


def _stage_history(case, demo, lead) -> None:
    db.session.add(StageChange(case_id=case.id, to_stage=Stage.DECISION, moved_by_id=lead.id,
                               moved_at=case.opened_at, reason="Case opened"))
    if demo.outcome is DecisionOutcome.OTHER_CHANNELS:
        db.session.add(StageChange(case_id=case.id, from_stage=Stage.DECISION, to_stage=Stage.CLOSED,
                                   moved_by_id=lead.id, moved_at=working_days_ago(demo.decided, 11),
                                   reason="Handled through other channels"))
        return
    path = STAGE_PATH[: STAGE_PATH.index(demo.stage) + 1]
    for before, after in zip(path, path[1:], strict=False):
        if after is Stage.UPDATE_MEETINGS and demo.stage is not Stage.UPDATE_MEETINGS:
            continue
        db.session.add(StageChange(case_id=case.id, from_stage=before, to_stage=after,
                                   moved_by_id=lead.id, moved_at=case.opened_at,
                                   reason="Agreed by the meeting"))


def _milestones(case, demo) -> None:
    if demo.provider_informed is not None:
        case.provider_informed_at = working_days_ago(demo.provider_informed, 15)
    findings = demo.held.get(MeetingKind.FINDINGS)
    if findings is not None and demo.plan_submitted_hours_after_findings is not None:
        case.plan_first_submitted_at = working_days_ago(findings, 14) + timedelta(
            hours=demo.plan_submitted_hours_after_findings)
    if demo.contract_review is not None:
        case.contract_review_at = working_days_ago(demo.contract_review)
        case.contract_review_outcome = "Improvements sustained; evidence seen at project meetings."
    if demo.closed is not None:
        case.closed_at = working_days_ago(demo.closed, 16)
        if demo.outcome is DecisionOutcome.PROCEED:
            case.closure_notified_at = case.closed_at


def _risks_and_actions(case, demo, lead) -> None:
    if demo.decided is None or demo.outcome is not DecisionOutcome.PROCEED:
        return
    risk = Risk(case_id=case.id, title="Residents at risk of falls without supervision",
                key_question=KeyQuestion.SAFE, likelihood=4, impact=4,
                description="Night staffing below the assessed need.",
                mitigation="Daily staffing returns to the Lead Officer.", owner_name=lead.name)
    risk.scores.append(RiskScore(likelihood=5, impact=4, note="At the decision", scored_by_id=lead.id,
                                 scored_at=working_days_ago(demo.decided)))
    risk.scores.append(RiskScore(likelihood=4, impact=4, note="Agency staff booked",
                                 scored_by_id=lead.id))
    db.session.add(risk)
    db.session.add(Action(case_id=case.id, description="Send daily staffing returns",
                          owner_kind=OwnerKind.PROVIDER, due_on=working_days_ago(3).date(),
                          status=ActionStatus.OPEN))
    db.session.add(Action(case_id=case.id, description="Review the falls care plans of every resident",
                          owner_kind=OwnerKind.USER, owner_user_id=lead.id,
                          due_on=working_days_ago(-5).date(), status=ActionStatus.IN_PROGRESS))
