"""Stage 4 restrictions and emergency planning: restrictions, the plan, residents' moves."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.emergency.models import EmergencyPlan, PlacementRestriction, ResidentMove
from app.extensions import db
from app.meetings.models import Meeting, MeetingKind
from app.residents.models import Resident
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in


def _base(world, authority=None):
    return f"/authorities/{authority or world.host_a}/cases/{world.case_a}"


def _post(client, world, path, data):
    token = csrf_token(client, f"{_base(world)}/emergency")
    return client.post(f"{_base(world)}{path}", data={**data, "csrf_token": token})


def _host(app, world):
    return scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True))


PLAN = {"plan-kind": "emergency_closure", "plan-reason": "Registered manager left; unsafe staffing tonight",
        "plan-meeting_on": ["26", "11", "2026"], "plan-meeting_time": "16:30", "plan-venue": "County Hall"}


def test_an_embargo_is_recorded_and_ended(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    response = _post(lead, world, "/restrictions", {"restriction-kind": "embargo",
                                                    "restriction-started_on": ["20", "11", "2026"],
                                                    "restriction-reason": "Falls not reported"})
    assert response.status_code == 302
    page = lead.get(f"{_base(world)}/emergency").get_data(as_text=True)
    assert "Suspension of new placements (embargo)" in page and "In force" in page
    with app.app_context(), _host(app, world):
        restriction = db.session.scalar(select(PlacementRestriction))
    _post(lead, world, f"/restrictions/{restriction.id}/end", {})
    with app.app_context(), _host(app, world):
        assert db.session.get(PlacementRestriction, restriction.id).ended_on is not None
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"restriction.added", "restriction.ended"} <= actions


def test_a_restriction_without_a_date_keeps_what_was_typed(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    response = _post(lead, world, "/restrictions", {"restriction-kind": "embargo",
                                                    "restriction-reason": "Falls not reported"})
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page and "Enter the start date" in page
    assert "Falls not reported" in page


def test_invoking_a_plan_schedules_the_urgent_meeting_and_lists_every_resident(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    assert _post(lead, world, "/emergency-plans", PLAN).status_code == 302
    with app.app_context(), _host(app, world):
        plan = db.session.scalar(select(EmergencyPlan))
        meeting = db.session.get(Meeting, plan.meeting_id)
        agenda = meeting.agenda_part_one  # the part's own row, read while the session is open
        moves = list(db.session.scalars(select(ResidentMove)))
    assert meeting.kind is MeetingKind.EMERGENCY and agenda
    assert {m.resident_id for m in moves} == {world.resident_a_self_funder, world.resident_a_placed,
                                               world.resident_a_other_placer}


def test_a_completed_move_needs_where_and_when_and_records_the_move_out(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _post(lead, world, "/emergency-plans", PLAN)
    with app.app_context(), _host(app, world):
        move = db.session.scalar(select(ResidentMove).where(ResidentMove.resident_id == world.resident_a_placed))
    prefix = f"move-{move.id}-"
    refused = _post(lead, world, f"/moves/{move.id}", {f"{prefix}status": "moved",
                                                       f"{prefix}notes": "Family informed"})
    page = refused.get_data(as_text=True)
    assert "Enter the date the resident moved" in page and "Enter where the resident is moving to" in page
    assert "Family informed" in page
    done = _post(lead, world, f"/moves/{move.id}", {
        f"{prefix}status": "moved", f"{prefix}destination": "Elm House, Saltmouth",
        f"{prefix}moved_on": ["27", "11", "2026"], f"{prefix}notes": "Family informed"})
    assert done.status_code == 302
    with app.app_context(), _host(app, world):
        assert db.session.get(Resident, world.resident_a_placed).moved_out_at is not None


def test_a_placing_authority_sees_only_the_moves_of_its_own_residents(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _post(lead, world, "/emergency-plans", PLAN)
    with app.app_context(), _host(app, world):
        names = {r.id: r.full_name for r in db.session.scalars(select(Resident))}
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    page = placing.get(f"{_base(world, world.placing_shared)}/emergency").get_data(as_text=True)
    assert "Emergency closure" in page
    assert names[world.resident_a_placed] in page
    assert names[world.resident_a_self_funder] not in page
    assert names[world.resident_a_other_placer] not in page
    assert "Save move" not in page  # reading only


def test_a_viewer_cannot_invoke_a_plan(app, world):
    viewer = sign_in(app.test_client(), world.users["host_a_viewer"])
    token = csrf_token(viewer, f"{_base(world)}/emergency")
    response = viewer.post(f"{_base(world)}/emergency-plans", data={**PLAN, "csrf_token": token})
    assert response.status_code == 403
