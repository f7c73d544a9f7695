"""The provider's right of reply: factual-accuracy points on the findings shared with it, within
the host's window (a procedure setting, in working days after the meeting); the host records a
response; both stay on the case."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app.db import utcnow
from tests import provider_records
from tests.support.clients import csrf_token, sign_in


def _setup(app, world, owner_engine, held_days_ago=1):
    made = provider_records.build(app, world)
    with owner_engine.begin() as conn:
        conn.execute(text("update meeting set held_at = :held where id = :id"),
                     {"held": utcnow() - timedelta(days=held_days_ago),
                      "id": made["shared_meeting"]})
    provider = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    return made, provider


def _raise(provider, world, meeting_id, point):
    page = f"/provider/cases/{world.case_a}/replies"
    return provider.post(f"{page}/{meeting_id}", data={
        f"m{meeting_id}-point": point, f"m{meeting_id}-csrf_token": csrf_token(provider, page)})


def _points(owner_engine):
    with owner_engine.connect() as conn:
        return conn.execute(text("select id, point, response from reply_point order by id")).all()


def test_the_provider_raises_a_point_and_the_host_responds(app, world, owner_engine):
    made, provider = _setup(app, world, owner_engine)
    meeting = made["shared_meeting"]
    page = provider.get(f"/provider/cases/{world.case_a}/replies").get_data(as_text=True)
    assert "Initial meeting" in page and "Raise points by" in page
    empty = _raise(provider, world, meeting, "")
    assert empty.status_code == 400 and "Enter the point" in empty.get_data(as_text=True)
    assert f'href="#m{meeting}-point"' in empty.get_data(as_text=True)
    assert _raise(provider, world, meeting, "STAFF-NUMBERS-WRONG").status_code == 302
    [(point_id, point, response)] = _points(owner_engine)
    assert (point, response) == ("STAFF-NUMBERS-WRONG", "")
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}/replies"
    assert "STAFF-NUMBERS-WRONG" in host.get(base).get_data(as_text=True)
    token = csrf_token(host, base)
    refused = host.post(f"{base}/{point_id}", data={f"p{point_id}-csrf_token": token})
    assert refused.status_code == 400 and "Enter the response" in refused.get_data(as_text=True)
    assert host.post(f"{base}/{point_id}", data={
        f"p{point_id}-response": "CORRECTED-IN-MINUTES",
        f"p{point_id}-csrf_token": token}).status_code == 302
    page = provider.get(f"/provider/cases/{world.case_a}/replies").get_data(as_text=True)
    assert "STAFF-NUMBERS-WRONG" in page and "CORRECTED-IN-MINUTES" in page
    with owner_engine.connect() as conn:
        assert conn.execute(text("select count(*) from audit_event "
                                 "where action = 'reply.responded'")).scalar() == 1


def test_after_the_window_no_point_is_taken_until_the_host_widens_it(app, world, owner_engine):
    made, provider = _setup(app, world, owner_engine, held_days_ago=30)
    meeting = made["shared_meeting"]
    _raise(provider, world, meeting, "TOO-LATE")
    page = provider.get(f"/provider/cases/{world.case_a}/replies").get_data(as_text=True)
    assert "The time to raise points on these findings ended on" in page
    assert _points(owner_engine) == []
    host = sign_in(app.test_client(), world.users["host_a_dass"])
    settings = f"/authorities/{world.host_a}/procedure-settings"
    form = {"inform_provider_working_days": 1, "initial_meeting_working_days": 5,
            "findings_meeting_working_days": 14, "improvement_plan_hours": 48,
            "closure_notice_hours": 24, "contract_review_months": 3,
            "project_meeting_cadence_days": 7, "reminder_working_days_before": 2,
            "right_of_reply_working_days": 30, "placing_chase_working_days": 2,
            "use_update_meetings": "y"}
    saved = host.post(settings, data={**form, "csrf_token": csrf_token(host, settings)})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    assert _raise(provider, world, meeting, "IN-TIME-NOW").status_code == 302
    assert [row[1] for row in _points(owner_engine)] == ["IN-TIME-NOW"]


def test_findings_not_shared_with_the_provider_cannot_be_answered(app, world, owner_engine):
    made, provider = _setup(app, world, owner_engine)
    page = provider.get(f"/provider/cases/{world.case_a}/replies").get_data(as_text=True)
    assert "PART-TWO-NOT-SHARED" not in page
    response = _raise(provider, world, made["unshared_meeting"], "NOPE")
    assert response.status_code == 404 and _points(owner_engine) == []


def test_a_placing_authority_does_not_see_the_points(app, world, owner_engine):
    made, provider = _setup(app, world, owner_engine)
    _raise(provider, world, made["shared_meeting"], "PROVIDER-POINT")
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    response = placing.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}/replies")
    assert response.status_code in (403, 404)
    assert "PROVIDER-POINT" not in response.get_data(as_text=True)
