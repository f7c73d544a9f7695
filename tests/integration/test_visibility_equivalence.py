"""The two forms of every visibility rule behave the same: the ORM criteria and row-level
security return the same rows for every scoped model and every kind of reader.

Three readings per model and scope: the ORM as the app role (criteria and RLS together), a
Core select of the table as the app role (RLS alone), and the ORM as the table owner, whom
RLS does not bind (criteria alone). All three must agree.

The models are found from the scoping registry (``SCOPED_MODELS``), so a new scoped model is
covered without editing this file, and the test fails if the world below has no rows of it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.actions.models import Action, ActionStatus, OwnerKind
from app.actions.placing_updates import PlacingActionUpdate
from app.actions.provider_updates import ProviderActionUpdate
from app.audit.services import record
from app.auth.models import User
from app.cases.drafts import Draft
from app.cases.models import (
    Case,
    CaseReferenceCounter,
    Decision,
    IntelligenceItem,
    IntelligenceSource,
    ProviderExclusion,
    Stage,
    StageChange,
)
from app.cases.procedure_settings import ProcedureSettings
from app.cases.procedure_versions import ProcedureVersion
from app.emergency.models import (
    EmergencyPlan,
    PlacementRestriction,
    PlanKind,
    ResidentMove,
    RestrictionKind,
)
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.meetings.models import MeetingAttendee
from app.placing.alert_history import AlertKind, PlacingAlert, SharingLevel
from app.placing.contacts import AlertContact
from app.placing.models import CaseShare, ShareAcknowledgement
from app.placing.reviews import ResidentReview
from app.placing.tasks import DelegatedTask
from app.plans.models import ImprovementPlan, PlanArea, PlanItem, PlanStatus, PlanVersion
from app.providers.models import Location
from app.quality.models import (
    ActivityKind,
    CommunicationUpdate,
    Delivery,
    FeedbackInvitation,
    FeedbackResponse,
    FeedbackSource,
    Phase,
    QaActivity,
    QaEscalation,
    QaStrategy,
    RespondentKind,
    YouSaidWeDid,
)
from app.residents.models import Resident
from app.tenants.models import Invitation
from app.tenants.scoping import NOBODY, SCOPED_MODELS, Scope, scoped_as
from tests import factories
from tests.factories import build_world

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _case_rows(case: Case, placers: list[int], by: int, resident: Resident) -> None:
    """Every case-child record for one case, written as its host."""
    host = case.tenant_id
    meeting = factories.meeting(case)
    # A second meeting whose part one is shared with placing authorities and part two with
    # the provider: each part row then has readers of its own.
    factories.meeting(case, part_one_shared_with_placing=True, part_two_shared_with_provider=True,
                      minutes_part_one="Shared with placing", minutes_part_two="Shared with provider")
    risk = factories.risk(case)
    for placer in placers:
        factories.action(case, owner_authority=db.session.get(type(case.host_authority), placer))
    factories.action(case)
    with scoped_as(db.session, Scope(tenant_id=host, user_id=by, reads_residents=True)):
        db.session.add_all([
            MeetingAttendee(tenant_id=host, meeting_id=meeting.id, case_id=case.id, name="Someone"),
            StageChange(tenant_id=host, case_id=case.id, to_stage=Stage.DECISION),
            Decision(tenant_id=host, case_id=case.id, threshold_assessment="Met"),
            IntelligenceItem(tenant_id=host, case_id=case.id, provider_id=case.provider_id,
                             source=IntelligenceSource.DATIX, received_on=date(2026, 1, 5)),
            ProviderExclusion(tenant_id=host, case_id=case.id, stage=Stage.DECISION, reason="Police",
                              advised_by="DS Smith", agreed_by_id=by),
            PlacementRestriction(tenant_id=host, case_id=case.id, kind=RestrictionKind.EMBARGO,
                                 started_on=date(2026, 1, 6), reason="Risk"),
            PlacingAlert(tenant_id=host, case_id=case.id, kind=AlertKind.ALERTED,
                         sharing_level=SharingLevel.NEED_TO_KNOW, sharing_reason="Few residents"),
            # Tasks each way with every placing authority of the case (the ended share's too).
            *(DelegatedTask(tenant_id=asker, case_id=case.id, host_authority_id=host,
                            placing_authority_id=placer, assignee_authority_id=host + placer - asker,
                            description="Review", due_on=date(2026, 2, 1))
              for placer in placers for asker in (host, placer)),
        ])
        plan = EmergencyPlan(tenant_id=host, case_id=case.id, kind=PlanKind.PLANNED_CLOSURE,
                             reason="Closing")
        db.session.add(plan)
        db.session.flush()
        db.session.add(ResidentMove(tenant_id=host, plan_id=plan.id, case_id=case.id,
                                    resident_id=resident.id,
                                    placing_authority_id=resident.placing_authority_id))
        db.session.flush()
        _quality_rows(case)
    assert risk.scores and risk.detail


def _plan_rows(case: Case, host_lead: int, provider_user: int | None) -> None:
    """An Improvement Plan of the case with an item, a submitted version and the provider's
    update on an action it owns: written by the provider where it was told of the case, else
    by the host (items are the provider's alone)."""
    host, provider = case.tenant_id, case.provider_id
    with scoped_as(db.session, Scope(tenant_id=host, user_id=host_lead)):
        plan = ImprovementPlan(tenant_id=host, case_id=case.id, provider_id=provider)
        db.session.add(plan)
        db.session.flush()
    own_action = factories.action(case, owner_kind=OwnerKind.PROVIDER)
    common = {"tenant_id": host, "case_id": case.id, "provider_id": provider}
    if provider_user is None:
        with scoped_as(db.session, Scope(tenant_id=host, user_id=host_lead)):
            db.session.add(PlanVersion(**common, plan_id=plan.id, number=1, items=[],
                                       submitted_by_id=host_lead))
            db.session.flush()
        return
    with scoped_as(db.session, Scope(user_id=provider_user, provider_id=provider)):
        db.session.add_all([
            PlanItem(**common, plan=plan, area=PlanArea.SAFE, action="Train night staff",
                     lead="Manager", target_on=date(2026, 4, 1), evidence_required="Records"),
            PlanVersion(**common, plan_id=plan.id, number=1, items=[], submitted_by_id=provider_user,
                        outcome=PlanStatus.SUBMITTED),
            ProviderActionUpdate(**common, action_id=own_action.id, user_id=provider_user,
                                 status=ActionStatus.DONE, note="Done"),
        ])
        db.session.flush()


def _review(reviewer: int, by: int, resident: Resident) -> None:
    """A placing authority's review of a resident it placed."""
    with scoped_as(db.session, Scope(tenant_id=reviewer, user_id=by, reads_residents=True)):
        db.session.add(ResidentReview(
            tenant_id=reviewer, resident_id=resident.id, host_authority_id=resident.tenant_id,
            reviewed_on=date(2026, 2, 1), outcome="Needs met", needs_met="yes",
            dols_status="none", person_and_family_told="yes", recorded_by_id=by))
        db.session.flush()


def _quality_rows(case: Case) -> None:
    """The host's quality assurance records of one case (issue 14), in the open scope."""
    host = case.tenant_id
    invitation = FeedbackInvitation(
        tenant_id=host, case_id=case.id, respondent_kind=RespondentKind.FAMILY,
        phase=Phase.BASELINE, delivery=Delivery.LETTER, token_hash=f"{case.id:064d}",
        code_hash=f"{case.id:063d}c", expires_at=NOW + timedelta(days=28))
    db.session.add(invitation)
    db.session.flush()
    db.session.add_all([
        FeedbackResponse(tenant_id=host, case_id=case.id, invitation_id=invitation.id,
                         source=FeedbackSource.ONLINE, phase=Phase.BASELINE,
                         respondent_kind=RespondentKind.FAMILY, consent=True, anonymous=False,
                         respondent_name="A daughter", contact_email="d@example.org",
                         answers={"safe": {"rating": "poor", "comment": ""}}),
        QaActivity(tenant_id=host, case_id=case.id, kind=ActivityKind.HEALTHWATCH_VISIT,
                   held_on=date(2026, 2, 1), carried_out_by="Healthwatch", findings="Better"),
        QaStrategy(tenant_id=host, case_id=case.id, outcomes_wanted="Feel safe at night"),
        CommunicationUpdate(tenant_id=host, case_id=case.id, sent_on=date(2026, 1, 20),
                            audience="Families", how="Letter", summary="Meeting on Friday"),
        QaEscalation(tenant_id=host, case_id=case.id, escalated_on=date(2026, 2, 2),
                     group_name="QA group", reason="Persistent red risk"),
        YouSaidWeDid(tenant_id=host, case_id=case.id, summary="Night staffing doubled",
                     public_code=f"{host}-CASE{case.id:04d}", published_at=NOW),
    ])
    db.session.flush()


def _authority_rows(tenant: int, by: int) -> None:
    """Rows every authority owns: settings, counter, draft, invitation, outbox, audit, alert
    contact."""
    with scoped_as(db.session, Scope(tenant_id=tenant, user_id=by)):
        db.session.add_all([
            AlertContact(tenant_id=tenant, name="Safeguarding team", email=f"sg{tenant}@example.org"),
            ProcedureSettings(tenant_id=tenant),
            ProcedureVersion(tenant_id=tenant, number=1, values={"preset": "multi_agency"}),
            CaseReferenceCounter(tenant_id=tenant, year=2026),
            Draft(tenant_id=tenant, user_id=by, field_key=f"draft-{tenant}"),
            Invitation(tenant_id=tenant, email=f"new{tenant}@example.org", name="New person",
                       roles_text=" viewer ", token_hash=f"{tenant:064d}", invited_by_id=by,
                       expires_at=NOW + timedelta(days=7)),
            OutboxMessage(tenant_id=tenant, template="t", recipient="a@example.org",
                          idempotency_key=f"key-{tenant}"),
        ])
        record(db.session, action="test.authority", tenant_id=tenant, actor_user_id=by,
               actor_authority_id=tenant)
        db.session.flush()


def _provider_rows(case_id: int, host: int, provider: int, manager: int) -> None:
    """On a told case whose plan has an item (``_plan_rows``): an evidence file against the
    item, a point of reply on a meeting shared with the provider, a first response and a
    notice, each written by the provider as itself."""
    from app.first_response.models import FirstResponse
    from app.notices.models import NoticeKind, ProviderNotice
    from app.plans.evidence import EvidenceFile
    from app.replies.models import ReplyPoint

    with scoped_as(db.session, Scope(tenant_id=host)):
        told = db.session.get(Case, case_id)
        told.provider_informed_at = NOW
        meeting = factories.meeting(told, held_at=NOW, part_two_shared_with_provider=True)
        db.session.flush()
    with scoped_as(db.session, Scope(provider_id=provider, user_id=manager)):
        item = db.session.scalar(select(PlanItem).where(PlanItem.case_id == case_id))
        db.session.add(ReplyPoint(tenant_id=host, case_id=case_id, provider_id=provider,
                                  meeting_id=meeting.id, point="p", raised_by_id=manager))
        db.session.add(FirstResponse(tenant_id=host, case_id=case_id, provider_id=provider,
                                     message="m", sent_by_id=manager))
        db.session.add(ProviderNotice(tenant_id=host, case_id=case_id, provider_id=provider,
                                      kind=NoticeKind.SERVICE_FAILURE, details="d",
                                      given_by_id=manager))
        db.session.add(EvidenceFile(
            tenant_id=host, case_id=case_id, provider_id=provider, plan_id=item.plan_id,
            item_id=item.id, original_name="e.pdf", storage_key=f"evidence/{case_id:032x}",
            kind="pdf", content_type="application/pdf", size=1, sha256="0" * 64,
            uploaded_by_id=manager))
        db.session.flush()


def build_full_world():
    """``build_world`` plus an ended share, a provider told of its case, and rows of every
    scoped model at both hosts. Returns the world and the extra ids the scopes need."""
    world = build_world()
    users = {key: db.session.scalar(select(User.id).where(User.email == email))
             for key, email in world.users.items()}
    host_a_lead, host_b_lead = users["host_a_lead"], users["host_b_lead"]
    placing_ended = factories.authority("Placing Ended Council")
    ended_lead = factories.member(placing_ended, factories.Role.LEAD_OFFICER)
    with scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        case_a = db.session.get(Case, world.case_a)
        case_a.provider_informed_at = NOW
        location_a = db.session.get(Location, case_a.location_id)
        resident_a = db.session.get(Resident, world.resident_a_placed)
    with scoped_as(db.session, Scope(tenant_id=world.host_b, reads_residents=True)):
        case_b = db.session.get(Case, world.case_b)
        resident_b = db.session.get(Resident, world.resident_b)
    resident_ended = factories.resident(location_a, placing_ended)
    factories.share(case_a, placing_ended, ended_at=NOW, ended_by_id=host_a_lead)
    # A case of provider A at host B that the provider was told of but is kept out of.
    with scoped_as(db.session, Scope(tenant_id=world.host_b)):
        location_b = db.session.get(Location, case_b.location_id)
    kept_out = factories.case(location_b, reference="B-0002", provider_kept_out=True,
                              provider_informed_at=NOW)
    factories.share(kept_out, db.session.get(type(placing_ended), world.placing_shared))
    _case_rows(case_a, [world.placing_shared, placing_ended.id], host_a_lead, resident_a)
    _case_rows(case_b, [world.placing_shared], host_b_lead, resident_b)
    db.session.flush()
    _plan_rows(case_a, host_a_lead, users["provider_a_manager"])
    _plan_rows(case_b, host_b_lead, None)
    _review(world.placing_shared, users["placing_shared_lead"], resident_a)
    _review(world.placing_shared, users["placing_shared_lead"], resident_b)
    # Its duty to the resident it placed outlasts its share of the case.
    _review(placing_ended.id, ended_lead.id, resident_ended)
    for tenant, by in ((world.host_a, host_a_lead), (world.host_b, host_b_lead),
                       (world.placing_shared, users["placing_shared_lead"])):
        _authority_rows(tenant, by)
    _provider_rows(world.case_a, world.host_a, world.provider_a, users["provider_a_manager"])
    with scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        share_id = db.session.scalar(select(CaseShare.id).where(CaseShare.case_id == world.case_a))
        db.session.add(ShareAcknowledgement(tenant_id=world.placing_shared, share_id=share_id,
                                            host_authority_id=world.host_a))
        # Its word on the action the host gave it.
        action_id = db.session.scalar(select(Action.id).where(
            Action.case_id == world.case_a, Action.owner_authority_id == world.placing_shared))
        db.session.add(PlacingActionUpdate(tenant_id=world.placing_shared, case_id=world.case_a,
                                           action_id=action_id, host_authority_id=world.host_a,
                                           user_id=users["placing_shared_lead"], status=ActionStatus.IN_PROGRESS))
        db.session.flush()
    # An event in the host's trail about something the placing authority did.
    with scoped_as(db.session, Scope(tenant_id=world.host_a)):
        record(db.session, action="test.placing", tenant_id=world.host_a,
               actor_user_id=users["placing_shared_lead"], actor_authority_id=world.placing_shared)
    with scoped_as(db.session, Scope(user_id=users["platform_admin"], platform_admin=True)):
        db.session.add(OutboxMessage(tenant_id=None, template="t", recipient="p@example.org",
                                     idempotency_key="platform"))
        record(db.session, action="test.platform", tenant_id=None,
               actor_user_id=users["platform_admin"])
    db.session.commit()
    return world, users, placing_ended.id, ended_lead.id


def _scopes(world, users, placing_ended: int, ended_lead: int) -> dict[str, Scope]:
    tenants = {
        "host": (world.host_a, users["host_a_lead"]),
        "other host": (world.host_b, users["host_b_lead"]),
        "placing with share": (world.placing_shared, users["placing_shared_lead"]),
        "placing without share": (world.placing_unshared, users["placing_unshared_lead"]),
        "ended share": (placing_ended, ended_lead),
    }
    scopes = {}
    for name, (tenant, person) in tenants.items():
        for reads in (False, True):
            scopes[f"{name}, reads residents={reads}"] = Scope(
                tenant_id=tenant, user_id=person, reads_residents=reads)
    scopes["provider user"] = Scope(user_id=users["provider_a_manager"], provider_id=world.provider_a)
    scopes["other provider"] = Scope(user_id=users["provider_b_manager"], provider_id=world.provider_b)
    scopes["platform admin"] = Scope(user_id=users["platform_admin"], platform_admin=True)
    scopes["signed in, no authority"] = Scope(user_id=users["host_a_lead"])
    scopes["nobody"] = NOBODY
    return scopes


def _orm_ids(model, scope: Scope) -> set[int]:
    with scoped_as(db.session, scope):
        ids = {row.id for row in db.session.scalars(select(model))}
    db.session.rollback()
    return ids


def _orm_alone_ids(owner_engine, model, scope: Scope) -> set[int]:
    # As the table owner, which row-level security does not bind: the ORM criteria alone.
    with Session(owner_engine) as session, scoped_as(session, scope):
        return {row.id for row in session.scalars(select(model))}


def _rls_ids(model, scope: Scope) -> set[int]:
    # A Core select of the table: no mapper, so no ORM criteria; the scope's PostgreSQL
    # settings still apply, so only row-level security decides.
    with scoped_as(db.session, scope):
        ids = set(db.session.scalars(select(model.__table__.c.id)))
    db.session.rollback()
    return ids


def _all_ids(owner_engine, model) -> set[int]:
    with owner_engine.connect() as conn:
        return set(conn.scalars(select(model.__table__.c.id)))


@pytest.fixture
def full_world(app):
    with app.app_context():
        return build_full_world()


def test_the_world_has_rows_of_every_scoped_model(app, full_world, owner_engine):
    empty = {model.__name__ for model in SCOPED_MODELS if not _all_ids(owner_engine, model)}
    assert not empty, f"add rows of these scoped models to build_full_world: {sorted(empty)}"


def test_orm_criteria_and_row_level_security_return_the_same_rows(app, full_world, owner_engine):
    scopes = _scopes(*full_world)
    mismatches = []
    seen_by_someone = set()
    with app.app_context():
        assert db.session.execute(text("select current_user")).scalar() != owner_engine.url.username
        for model in SCOPED_MODELS:
            for name, scope in scopes.items():
                orm, rls = _orm_ids(model, scope), _rls_ids(model, scope)
                alone = _orm_alone_ids(owner_engine, model, scope)
                if orm != rls:
                    mismatches.append(f"{model.__name__} as {name}: ORM only {sorted(orm - rls)}, "
                                      f"RLS only {sorted(rls - orm)}")
                if alone != rls:
                    mismatches.append(f"{model.__name__} as {name}, ORM criteria without RLS: "
                                      f"ORM only {sorted(alone - rls)}, RLS only {sorted(rls - alone)}")
                if orm and name != "host, reads residents=True":
                    seen_by_someone.add(model.__name__)
    assert not mismatches, "\n".join(mismatches)
    # The comparison means something: outsiders see some rows, and the nobody scope none.
    assert {"Case", "CaseShare", "Resident", "Meeting", "MeetingPart", "Action", "Risk",
            "ImprovementPlan", "PlanItem", "PlanVersion", "ResidentReview",
            "ProviderActionUpdate"} <= seen_by_someone


def test_nobody_and_the_other_provider_see_nothing_of_host_a(app, full_world):
    world, users, *_ = full_world
    scopes = _scopes(*full_world)
    with app.app_context():
        for model in SCOPED_MODELS:
            assert not _rls_ids(model, scopes["nobody"]), model.__name__
        assert world.case_a not in _rls_ids(Case, scopes["other provider"])
        assert world.case_a in _rls_ids(Case, scopes["provider user"])
        assert world.case_a not in _rls_ids(Case, scopes["ended share, reads residents=True"])


def test_an_ended_share_leaves_only_the_placing_authoritys_own_rows(app, full_world, owner_engine):
    """Reads through an ended share stop at once: of the host's case nothing is left but the
    share row itself (the placing authority knows it was alerted, and when that ended); its
    own residents and its reviews of them stay its own."""
    world, users, placing_ended, ended_lead = full_world
    scope = Scope(tenant_id=placing_ended, user_id=ended_lead, reads_residents=True)
    with app.app_context():
        readable = {model.__name__ for model in SCOPED_MODELS if _rls_ids(model, scope)}
        share_ids = _rls_ids(CaseShare, scope)
    # AlertContact: every authority's alert address is readable by every authority, so that
    # a host can alert it (app/placing/contacts.py); it holds nothing of any case.
    assert readable == {"AlertContact", "CaseShare", "Membership", "Resident", "ResidentReview"}
    with owner_engine.connect() as conn:
        shares = conn.execute(select(CaseShare.__table__.c.case_id, CaseShare.__table__.c.ended_at)
                              .where(CaseShare.__table__.c.id.in_(share_ids))).all()
    assert [(case_id, ended is not None) for case_id, ended in shares] == [(world.case_a, True)]
