"""Feedback from residents and families (issue 14 items 2 to 4): single-use invitations by
email or letter, the public form, its limits, and disclosures of harm."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.db import utcnow
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.quality.models import FeedbackInvitation, FeedbackResponse
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in
from tests.support.mail import mailed_link

FAMILY_EMAIL = "daughter@family.example"
SECRET_DETAIL = "Night staff shouted at Mrs Example in room 12"


def _case_path(world) -> str:
    return f"/authorities/{world.host_a}/cases/{world.case_a}/quality"


def _host(world):
    return scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True))


def invite(client, world, *, delivery="email", phase="baseline", email=FAMILY_EMAIL):
    path = _case_path(world)
    return client.post(f"{path}/invitations", data={
        "csrf_token": csrf_token(client, path), "invitation-respondent_kind": "family",
        "invitation-phase": phase, "invitation-delivery": delivery, "invitation-email": email})


def answers(something_happened="no", **extra) -> dict:
    data = {"consent": "y", "anonymous": "no", "name": "Dora Daughter", "email": FAMILY_EMAIL,
            "safe_rating": "poor", "safe_comment": "Doors left open at night",
            "caring_rating": "good", "needs_met_rating": "mixed", "well_led_rating": "poor",
            "changed_rating": "not_sure", "something_happened": something_happened,
            "helped_by": ["advocate"]}
    if something_happened == "yes":
        data["something_happened_detail"] = SECRET_DETAIL
    data.update(extra)
    return data


def submit(client, link: str, data: dict):
    questions = f"{link}/questions"
    return client.post(questions, data={**data, "csrf_token": csrf_token(client, questions)})


@pytest.fixture
def lead(app, world):
    return sign_in(app.test_client(), world.users["host_a_lead"])


@pytest.fixture
def emailed_link(app, world, lead):
    assert invite(lead, world).status_code == 302
    return mailed_link(app.config["MAIL_FOLDER"], FAMILY_EMAIL, "/feedback/")


def test_an_emailed_link_is_stored_only_as_a_hash_and_works_once(app, world, emailed_link):
    token = emailed_link.rsplit("/", 1)[1]
    assert re.fullmatch(rf"{world.host_a}\.[\w-]{{40,}}", token)
    with app.app_context(), _host(world):
        invitation = db.session.scalar(select(FeedbackInvitation))
        stored = [str(value) for value in invitation.__dict__.values()]
        assert token not in " ".join(stored) and token.split(".")[1] not in " ".join(stored)
        assert invitation.code_hash is None and invitation.used_at is None
    visitor = app.test_client()
    start = visitor.get(emailed_link)
    assert start.status_code == 200 and "Start now" in start.get_data(as_text=True)
    sent = submit(visitor, emailed_link, answers())
    assert sent.status_code == 302 and sent.location.endswith("/feedback/thank-you")
    with app.app_context(), _host(world):
        response = db.session.scalar(select(FeedbackResponse))
        assert response.rating("safe").value == "poor" and response.helped_by == ["advocate"]
        assert response.respondent_name == "Dora Daughter" and not response.something_happened
        assert db.session.get(FeedbackInvitation, response.invitation_id).used_at is not None
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "feedback.received")) is not None
    # The link is spent: the kind page, and a replayed submission is refused.
    again = visitor.get(emailed_link)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    replay = visitor.post(f"{emailed_link}/questions",
                          data={**answers(), "csrf_token": csrf_token(visitor, "/feedback")})
    assert replay.status_code == 410
    with app.app_context(), _host(world):
        assert db.session.scalar(select(func.count(FeedbackResponse.id))) == 1


def test_a_replay_racing_the_first_submission_is_refused_by_the_database(app, world, emailed_link):
    """Two submissions that both found the link open: the conditional update lets one in."""
    from app.quality import operations, services

    with app.test_request_context():
        found = services.find_invitation(emailed_link.rsplit("/", 1)[1])
        first = dict(answers=answers(), consent=True, anonymous=True, name="", email="",
                     something_happened=False, detail="", helped_by=[])
        operations.submit_response(found.invitation, found.case, **first)
        with pytest.raises(operations.AlreadyUsed):
            operations.submit_response(found.invitation, found.case, **first)
        db.session.rollback()


def test_a_letter_shows_its_code_once_and_the_code_opens_the_form(app, world, lead):
    page = invite(lead, world, delivery="letter", email="").get_data(as_text=True)
    code = re.search(r'id="letter-code">([^<]+)<', page).group(1).strip()
    assert re.fullmatch(rf"{world.host_a}-[A-Z2-9]{{4}}-[A-Z2-9]{{4}}", code)
    assert "http://portal.test/feedback" in page
    assert code not in lead.get(_case_path(world)).get_data(as_text=True)
    visitor = app.test_client()
    typed = code.lower().replace("-", " ")
    entered = visitor.post("/feedback", data={"code": typed,
                                              "csrf_token": csrf_token(visitor, "/feedback")})
    assert entered.status_code == 302
    link = entered.location
    assert submit(visitor, link, answers(anonymous="yes")).status_code == 302
    with app.app_context(), _host(world):
        response = db.session.scalar(select(FeedbackResponse))
        # Anonymous: the name typed is not kept.
        assert response.anonymous and response.respondent_name == ""


def test_a_wrong_code_is_an_error_on_the_field(app, world):
    visitor = app.test_client()
    page = visitor.post("/feedback", data={"code": f"{world.host_a}-AAAA-BBBB",
                                           "csrf_token": csrf_token(visitor, "/feedback")})
    text = page.get_data(as_text=True)
    assert "govuk-error-summary" in text and "We could not find that code" in text


def test_an_expired_link_gets_a_kind_page(app, world, emailed_link):
    with app.app_context(), _host(world):
        db.session.scalar(select(FeedbackInvitation)).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = app.test_client().get(emailed_link)
    assert page.status_code == 410
    assert "This link has expired" in page.get_data(as_text=True)
    assert app.test_client().get("/feedback/1.not-a-real-token-at-all-xx").status_code == 404


def test_every_question_has_a_gov_uk_error_and_answers_are_kept(app, world, emailed_link):
    visitor = app.test_client()
    page = submit(visitor, emailed_link, {"safe_comment": "Doors left open at night",
                                          "something_happened": "yes"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "govuk-error-summary" in text
    for message in ("Tick the box to agree", "Select yes if you want to stay anonymous",
                    "Select an answer to: Do you feel safe at the home?",
                    "Select an answer to: Is the home well run?", "Tell us what happened"):
        assert message in text, message
    assert 'href="#safe_rating"' in text or 'href="#safe_rating-0"' in text
    assert "Doors left open at night" in text
    with app.app_context(), _host(world):
        assert db.session.scalar(select(FeedbackInvitation)).used_at is None


def test_public_pages_show_only_the_provider_and_location(app, world, lead, emailed_link):
    """Nothing of the case beyond the provider's name and location, nothing of other answers."""
    earlier = app.test_client()
    submit(earlier, emailed_link, answers("yes", safe_comment="Another family's private words"))
    invite(lead, world, email="son@family.example")
    link = mailed_link(app.config["MAIL_FOLDER"], "son@family.example", "/feedback/")
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        case.summary = "Pattern of unexplained bruising reported by district nurses"
        db.session.commit()
        provider, location = case.provider.name, case.location.name
        private = [case.reference, case.title, case.summary, case.host_authority.name,
                   world.users["host_a_lead"], "Another family's private words", SECRET_DETAIL,
                   "Dora Daughter", FAMILY_EMAIL]
    visitor = app.test_client()
    pages = [visitor.get(link), visitor.get(f"{link}/questions"),
             submit(visitor, link, {"consent": "y"}), visitor.get("/feedback"),
             visitor.get(emailed_link), visitor.get("/feedback/thank-you")]
    texts = [page.get_data(as_text=True) for page in pages]
    assert provider in texts[0] and location in texts[0]
    for text in texts:
        for secret in private:
            assert secret not in text, secret


def test_submissions_from_one_address_are_limited_without_losing_the_first(app, world, emailed_link):
    app.config["FEEDBACK_ATTEMPTS_PER_MINUTE"] = 10
    visitor = app.test_client()
    token = csrf_token(visitor, f"{emailed_link}/questions")
    statuses = [visitor.post(f"{emailed_link}/questions", data={**answers(), "csrf_token": token},
                             environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code
                for _ in range(200)]
    assert statuses[0] == 302
    assert statuses[1:10] == [410] * 9
    assert statuses[10:] == [429] * 190
    with app.app_context(), _host(world):
        assert db.session.scalar(select(func.count(FeedbackResponse.id))) == 1
        assert db.session.scalar(select(FeedbackResponse)).rating("safe").value == "poor"
    # Another address is not held back by this one.
    other = app.test_client().get(emailed_link, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 410


def test_a_disclosure_reaches_the_lead_officer_and_stays_on_the_case_until_triaged(
        app, world, lead, emailed_link):
    from app.auth.models import User

    with app.app_context(), _host(world):
        lead_id = db.session.scalar(select(User.id).where(User.email == world.users["host_a_lead"]))
        db.session.get(Case, world.case_a).lead_officer_id = lead_id
        db.session.commit()
    visitor = app.test_client()
    sent = submit(visitor, emailed_link, answers("yes"))
    assert sent.status_code == 302
    with app.app_context(), _host(world):
        response = db.session.scalar(select(FeedbackResponse))
        alert = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.template == "feedback_disclosure"))
        # Queued by the request that saved the answers, in its transaction.
        assert alert.recipient == world.users["host_a_lead"] and alert.case_id == world.case_a
        assert response.disclosure_reported_at is not None
        assert SECRET_DETAIL not in str(alert.payload)
    assert "lead officer has been told" in visitor.get(sent.location).get_data(as_text=True)
    case_page = lead.get(f"/authorities/{world.host_a}/cases/{world.case_a}").get_data(as_text=True)
    assert "1 open disclosure to triage" in case_page
    quality = lead.get(_case_path(world)).get_data(as_text=True)
    assert SECRET_DETAIL in quality
    path = _case_path(world)
    refused = lead.post(f"{path}/responses/{response.id}/triage",
                        data={"csrf_token": csrf_token(lead, path), "triage-note": ""})
    assert "Enter the outcome of the triage" in refused.get_data(as_text=True)
    lead.post(f"{path}/responses/{response.id}/triage", data={
        "csrf_token": csrf_token(lead, path), "triage-note": "Raised as concern SG-123"})
    case_page = lead.get(f"/authorities/{world.host_a}/cases/{world.case_a}").get_data(as_text=True)
    assert "open disclosure" not in case_page
    with app.app_context(), _host(world):
        assert db.session.get(FeedbackResponse, response.id).disclosure_triage_note == "Raised as concern SG-123"


def test_a_reviewer_marks_an_answer_as_a_disclosure(app, world, lead, emailed_link):
    submit(app.test_client(), emailed_link, answers())
    with app.app_context(), _host(world):
        response_id = db.session.scalar(select(FeedbackResponse.id))
    path = _case_path(world)
    lead.post(f"{path}/responses/{response_id}/disclosure", data={"csrf_token": csrf_token(lead, path)})
    with app.app_context(), _host(world):
        alerts = list(db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.template == "feedback_disclosure")))
    # A case with no lead officer yet: the host's DASS is told.
    assert alerts == [world.users["host_a_dass"]]
    assert "1 open disclosure" in lead.get(f"/authorities/{world.host_a}/cases/{world.case_a}").get_data(as_text=True)


def test_respondents_details_are_for_the_host_reviewers_alone(app, world, emailed_link):
    submit(app.test_client(), emailed_link, answers("yes"))
    viewer = sign_in(app.test_client(), world.users["host_a_viewer"])
    page = viewer.get(_case_path(world)).get_data(as_text=True)
    assert "Doors left open at night" in page
    assert "Dora Daughter" not in page and FAMILY_EMAIL not in page and SECRET_DETAIL not in page
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    assert placing.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}/quality").status_code == 403
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared, reads_residents=True)):
        assert db.session.scalar(select(func.count(FeedbackResponse.id))) == 0
    provider = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    assert provider.get(_case_path(world)).status_code in (302, 403)


def test_the_limit_counts_on_the_embedded_default_too(sqlite_app):
    """SQLite (no Redis, one process): the same per-address count in the database."""
    from app.quality import throttle

    sqlite_app.config["FEEDBACK_ATTEMPTS_PER_MINUTE"] = 3
    with sqlite_app.test_request_context():
        assert [throttle.allow("192.0.2.1") for _ in range(5)] == [True, True, True, False, False]
        assert throttle.attempts_of("192.0.2.1") == 5
        assert throttle.allow("192.0.2.2") is True
