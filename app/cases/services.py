"""Reading cases. Which cases a caller sees is decided by the scoping rules, not here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import and_, false, func, not_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.actions.services import overdue_actions_count
from app.cases import key_dates
from app.cases.clocks import Clock, compute_clocks, local_date, next_deadline
from app.cases.models import Case, CaseDetail, Decision, DecisionOutcome, IntelligenceItem, Stage
from app.cases.procedure_settings import Decider
from app.cases.procedure_versions import procedure_of, procedures_of
from app.cases.stages import CaseFacts
from app.db import utcnow
from app.extensions import db
from app.meetings.models import FinalDecision, Meeting, MeetingKind
from app.pagination import PER_PAGE, Page, paginate
from app.tenants.models import Role


def list_cases(authority_id: int) -> list[Case]:
    """Return the cases the current scope may read: its own and those shared with it."""
    return list(
        db.session.scalars(
            select(Case)
            .options(joinedload(Case.provider), joinedload(Case.host_authority))
            .order_by(Case.opened_at.desc())
        )
    )


def get_case(case_id: int) -> Case | None:
    """The case with what every page of it shows (its header, overview and the stage rules),
    in two statements: the templates then read these without querying."""
    return db.session.scalar(
        select(Case).where(Case.id == case_id).options(
            joinedload(Case.provider), joinedload(Case.location), joinedload(Case.host_authority),
            joinedload(Case.lead_officer), joinedload(Case.chair), joinedload(Case.decision),
            joinedload(Case.detail).joinedload(CaseDetail.provider_informed_by),
            selectinload(Case.exclusions),
        ))


def cases_of_provider(provider_id: int) -> list[Case]:
    return list(
        db.session.scalars(
            select(Case).where(Case.provider_id == provider_id).order_by(Case.opened_at.desc())
        )
    )


# Meetings that can be held again, where the latest one is what counts: project management
# meetings recur, and a final meeting that decided "continue" is followed by another.
LATEST_COUNTS = (MeetingKind.PROJECT_MANAGEMENT, MeetingKind.FINAL)


def held_meetings(case_ids: list[int]) -> dict[int, dict[MeetingKind, Meeting]]:
    """Return, per case, the first held meeting of each kind, except the kinds where the
    latest counts (LATEST_COUNTS): the latest of those."""
    held: dict[int, dict[MeetingKind, Meeting]] = {case_id: {} for case_id in case_ids}
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.case_id.in_(case_ids), Meeting.held_at.is_not(None))
        .order_by(Meeting.held_at, Meeting.id)
    )
    for meeting in meetings:
        if meeting.kind in LATEST_COUNTS:
            held[meeting.case_id][meeting.kind] = meeting
        else:
            held[meeting.case_id].setdefault(meeting.kind, meeting)
    return held


# While the provider works on its plan (stages 3 to 5), project management meetings recur.
PROJECT_MEETING_STAGES = (Stage.FINDINGS, Stage.UPDATE_MEETINGS, Stage.QUALITY_ASSURANCE)


def _last_project_meeting(case: Case, held: dict[MeetingKind, Meeting]) -> datetime | None:
    if case.stage not in PROJECT_MEETING_STAGES:
        return None
    return _held_at(held, MeetingKind.PROJECT_MANAGEMENT) or _held_at(held, MeetingKind.FINDINGS)


def _closing_meeting(held: dict[MeetingKind, Meeting]) -> Meeting | None:
    return held.get(MeetingKind.FINAL)


def _exclusion_lifted(case: Case) -> datetime | None:
    """Return when police or coroner advice to keep the provider out was last lifted."""
    lifts = [e.lifted_at for e in case.exclusions if e.lifted_at is not None]
    return max(lifts, default=None)


def milestones(case: Case, held: dict[MeetingKind, Meeting]) -> dict[str, datetime | None]:
    """Return the events the statutory clocks are measured against (the latest of each
    where an event can happen again)."""
    decision = case.decision
    proceeded = decision is not None and decision.outcome is DecisionOutcome.PROCEED
    final = _closing_meeting(held)
    return {
        "decided": decision.decided_at if proceeded else None,
        "exclusion_lifted": _exclusion_lifted(case),
        "provider_kept_out": case.provider_kept_out,
        "provider_informed": case.provider_informed_at,
        "initial_meeting_held": _held_at(held, MeetingKind.INITIAL),
        "findings_meeting_held": _held_at(held, MeetingKind.FINDINGS),
        "plan_submitted": case.plan_first_submitted_at,
        "final_meeting_held": (
            final.held_at if final and final.final_decision is FinalDecision.CLOSE else None
        ),
        "closure_notified": case.closure_notified_at,
        "contract_review_done": case.contract_review_at,
        "last_project_meeting": _last_project_meeting(case, held),
    }


def _held_at(held: dict[MeetingKind, Meeting], kind: MeetingKind) -> datetime | None:
    meeting = held.get(kind)
    return meeting.held_at if meeting else None


def agreed_dates(case: Case) -> dict[str, date]:
    """Return the dates agreed at a meeting for the clocks set that way, by clock key."""
    return {key: date.fromisoformat(day) for key, day in (case.agreed_dates or {}).items() if day}


def clocks_of(case: Case, held: dict[MeetingKind, Meeting], now: datetime | None = None,
              procedure=None) -> list[Clock]:
    """Return the clocks of ``case`` under the procedure it runs under."""
    procedure = procedure or procedure_of(case)
    return compute_clocks(milestones(case, held), procedure, now or utcnow(), agreed_dates(case))


def clocks_in_force(case: Case, clocks: list[Clock]) -> list[Clock]:
    """Return the clocks that still bind: once a case is closed, only the obligations that
    outlive closing (the closure notice, the contract monitoring review)."""
    if case.stage is not Stage.CLOSED:
        return clocks
    return [clock for clock in clocks if clock.after_closing]


def has_open_obligation(case: Case, clocks: list[Clock]) -> bool:
    """True for a closed case with an after-closing obligation still to meet."""
    return case.stage is Stage.CLOSED and any(
        clock.status.open for clock in clocks_in_force(case, clocks))


# A closed case may still owe these; the query keeps the ones that might, the clocks decide.
MAY_OWE_AFTER_CLOSING = or_(Case.closure_notified_at.is_(None), Case.contract_review_at.is_(None))


def facts_of(case: Case) -> CaseFacts:
    """Gather what the stage guards need to decide about ``case``."""
    held = held_meetings([case.id])[case.id]
    final = _latest_final_meeting(case.id)
    decision = case.decision
    procedure = procedure_of(case)
    return CaseFacts(
        stage=case.stage,
        decision_outcome=decision.outcome if decision else None,
        decision_reason=decision.reason if decision else "",
        threshold_assessed=bool(decision and decision.threshold_assessment),
        lead_officer_appointed=case.lead_officer_id is not None,
        held_kinds=frozenset(held),
        final_decision=final.final_decision if final else None,
        sustainability_rationale=final.sustainability_rationale if final else "",
        use_update_meetings=procedure.use_update_meetings,
        named_decider=procedure.stage_one_decider == Decider.NAMED_MANAGER.value,
        named_decider_id=procedure.named_decider_id,
        **_closing_facts(case.id),
        **_quality_facts(case.id),
    )


def _count(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def _closing_facts(case_id: int) -> dict:
    """Return what must be settled before a case closes: emergency plans, restrictions,
    high risks and actions still open."""
    from app.actions.models import Action, ActionStatus, OwnerKind
    from app.emergency.models import EmergencyPlan, PlacementRestriction
    from app.risks.models import Risk

    today = local_date(utcnow())
    count = _count
    return {
        "emergency_plan_active": bool(count(select(EmergencyPlan.id).where(
            EmergencyPlan.case_id == case_id, EmergencyPlan.stood_down_at.is_(None)))),
        "restriction_in_force": bool(count(select(PlacementRestriction.id).where(
            PlacementRestriction.case_id == case_id,
            or_(PlacementRestriction.ended_on.is_(None), PlacementRestriction.ended_on > today)))),
        # Red on the 5x5 matrix (app/risks/models.py: 15 and over).
        "open_high_risks": count(select(Risk.id).where(
            Risk.case_id == case_id, Risk.closed_at.is_(None),
            Risk.likelihood * Risk.impact >= 15)),
        # An action owned by another authority or agency has been handed over to them.
        "open_actions": count(select(Action.id).where(
            Action.case_id == case_id,
            Action.status.in_((ActionStatus.OPEN, ActionStatus.IN_PROGRESS)),
            Action.owner_kind.in_((OwnerKind.USER, OwnerKind.PROVIDER)))),
    }


def _quality_facts(case_id: int) -> dict:
    """Return what quality assurance must show before a case moves to closing."""
    from app.quality.services import quality_counts

    return quality_counts(case_id)


def _latest_final_meeting(case_id: int) -> Meeting | None:
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.case_id == case_id, Meeting.kind == MeetingKind.FINAL,
               Meeting.held_at.is_not(None))
        .order_by(Meeting.held_at.desc())
        .limit(1)
    )


def intelligence_of(case_id: int) -> list[IntelligenceItem]:
    return list(
        db.session.scalars(
            select(IntelligenceItem)
            .where(IntelligenceItem.case_id == case_id)
            .order_by(IntelligenceItem.received_on.desc(), IntelligenceItem.id.desc())
        )
    )


@dataclass(frozen=True)
class DashboardRow:
    case: Case
    next_clock: Clock | None
    overdue_clocks: int
    overdue_actions: int = 0
    after_closing: bool = False  # closed, with an obligation after closing still open


@dataclass(frozen=True)
class DashboardFilter:
    stage: Stage | None = None
    provider_id: int | None = None
    lead_officer_id: int | None = None
    query: str = ""
    include_closed: bool = False


@dataclass(frozen=True)
class Dashboard:
    cases: Page  # of DashboardRow: the cases in view, overdue first, then soonest due
    after_closing: Page  # closed cases with an obligation after closing still open


def dashboard(authority_id: int, chosen: DashboardFilter, now: datetime | None = None,
              per_page: int = PER_PAGE) -> Dashboard:
    """Return the page of cases in view and the page of closed cases that still owe something,
    each ordered and cut in SQL by the next deadline stored with the key dates; only the
    cases on the pages have their clocks computed."""
    statement = select(Case).options(
        joinedload(Case.provider), joinedload(Case.host_authority),
        joinedload(Case.lead_officer), selectinload(Case.decision),
        # The clocks read when a police or coroner exclusion was lifted: one query for the page.
        selectinload(Case.exclusions),
    )
    if chosen.provider_id is not None:
        statement = statement.where(Case.provider_id == chosen.provider_id)
    if chosen.lead_officer_id is not None:
        statement = statement.where(Case.lead_officer_id == chosen.lead_officer_id)
    if chosen.query:
        statement = statement.where(_search(chosen.query))
    owing = and_(Case.stage == Stage.CLOSED, Case.owes_after_closing.is_(True))
    in_view = statement.where(not_(owing))
    if chosen.stage is not None:
        in_view = in_view.where(Case.stage == chosen.stage)
    elif not chosen.include_closed:
        in_view = in_view.where(Case.stage != Stage.CLOSED)
    if chosen.stage not in (None, Stage.CLOSED):
        owing = false()
    cases = paginate(_by_next_deadline(in_view), per_page=per_page)
    after_closing = paginate(_by_next_deadline(statement.where(owing)), arg="closing_page")
    rows = _rows(authority_id, cases.items + after_closing.items, now)
    return Dashboard(replace(cases, items=rows[:len(cases.items)]),
                     replace(after_closing, items=rows[len(cases.items):]))


def _by_next_deadline(statement):
    # Overdue first then soonest due is one order: an overdue clock fell due before any other.
    return statement.order_by(Case.next_due_at.is_(None), Case.next_due_at, Case.reference)


def _rows(authority_id: int, cases: list[Case], now: datetime | None) -> list[DashboardRow]:
    """The clocks of the cases on a page: computed for the host, stored ones for a placing
    authority (app/cases/key_dates.py)."""
    hosted = [case for case in cases if case.tenant_id == authority_id]
    held = held_meetings([case.id for case in hosted])
    procedures = procedures_of(hosted)
    overdue_actions = overdue_actions_count([case.id for case in cases])
    rows = []
    for case in cases:
        if case.tenant_id == authority_id:
            clocks = clocks_of(case, held[case.id], now, procedures[case.id])
        else:
            clocks = key_dates.clocks_from(case.key_dates, now)
        owes = has_open_obligation(case, clocks)
        clocks = clocks_in_force(case, clocks)
        rows.append(DashboardRow(case, next_deadline(clocks),
                                 sum(clock.status.value == "overdue" for clock in clocks),
                                 overdue_actions[case.id], owes))
    return rows


def clocks_for_reader(case: Case, authority_id: int, now: datetime | None = None) -> list[Clock]:
    """Return a case's clocks as the acting authority may know them: computed, for its host;
    the host's stored key dates, for a placing authority."""
    if case.tenant_id == authority_id:
        return clocks_of(case, held_meetings([case.id])[case.id], now)
    return key_dates.clocks_from(case.key_dates, now)


def _search(query: str):
    from app.providers.models import Provider

    pattern = f"%{query.lower()}%"
    return or_(
        func.lower(Case.reference).like(pattern),
        func.lower(Case.title).like(pattern),
        Case.provider_id.in_(select(Provider.id).where(func.lower(Provider.name).like(pattern))),
    )


def decision_of(case_id: int) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.case_id == case_id))


def host_locations(authority_id: int) -> list:
    """Return the locations in the authority's area, with their providers, by provider."""
    from app.providers.models import Location, Provider

    return list(
        db.session.scalars(
            select(Location)
            .join(Provider)
            .options(joinedload(Location.provider))
            .where(Location.host_authority_id == authority_id, Provider.active.is_(True))
            .order_by(Provider.name, Location.name)
        )
    )


def host_providers(authority_id: int) -> list:
    """Return the providers with at least one location in the authority's area."""
    providers = {}
    for location in host_locations(authority_id):
        providers.setdefault(location.provider.id, location.provider)
    return list(providers.values())


def staff_of(authority_id: int, *roles) -> list:
    """Return the active users of an authority, holding one of ``roles`` if any are given."""
    from app.auth.models import User
    from app.tenants.models import Membership

    statement = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == authority_id, Membership.active.is_(True))
        .order_by(User.name)
    )
    if roles:
        statement = statement.where(or_(*(Membership.holds(role) for role in roles)))
    return list(db.session.scalars(statement))


def open_intelligence(authority_id: int, provider_id: int) -> list[IntelligenceItem]:
    """Return the intelligence about a provider not yet attached to a case."""
    return list(
        db.session.scalars(
            select(IntelligenceItem)
            .where(IntelligenceItem.provider_id == provider_id, IntelligenceItem.case_id.is_(None))
            .order_by(IntelligenceItem.received_on.desc())
        )
    )


def moves_for(case: Case, roles, user_id: int | None = None):
    """Return the stage moves out of the case's stage, each with why it cannot happen yet."""
    from app.cases.stages import available_moves

    return available_moves(facts_of(case), frozenset(roles), user_id=user_id)


def decision_refusal(case: Case, user_id: int, roles) -> str | None:
    """Say why this person may not make the stage 1 decision on ``case`` (None: they may)."""
    procedure = procedure_of(case)
    if procedure.stage_one_decider != Decider.NAMED_MANAGER.value:
        if Role.DASS in roles:
            return None
        return "Only the DASS or their deputy can record the decision"
    if procedure.named_decider_id is None:
        return "Your procedure names no one to make the stage 1 decision: ask your administrator"
    if procedure.named_decider_id == user_id:
        return None
    from app.auth.models import User

    named = db.session.get(User, procedure.named_decider_id)
    return f"Only {named.name if named else 'the named manager'} can record the decision"


def stage_history(case_id: int):
    from app.cases.models import StageChange

    return list(
        db.session.scalars(
            select(StageChange)
            .options(joinedload(StageChange.moved_by))
            .where(StageChange.case_id == case_id)
            .order_by(StageChange.id)
        )
    )
