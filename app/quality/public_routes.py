"""The public feedback pages: no account, opened from a single-use link or a letter's code.

They show nothing of the case beyond the provider's name and where it is, and nothing of
anyone else's answers. Every submission, and every link or code that opens nothing, counts
against the client address's limit (app/quality/throttle.py); a spent link is refused.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from app.auth.access import public
from app.quality import operations, services, throttle
from app.quality.forms import CodeForm, PublicFeedbackForm
from app.quality.questions import QUESTIONS
from app.quality.services import LinkState
from app.quality.tokens import normalise_code

bp = Blueprint("quality_public", __name__)

STATUS = {LinkState.UNKNOWN: 404, LinkState.USED: 410, LinkState.EXPIRED: 410}


def _too_many():
    return render_template("quality/public/too_many.html"), 429


def _address() -> str:
    return request.remote_addr or "-"


def _link_problem(found, counted: bool = False):
    """The kind page for a link that opens nothing, counted against the address's limit
    (unless the request was counted already)."""
    if not counted and not throttle.allow(_address()):
        return _too_many()
    return render_template("quality/public/link_problem.html", state=found.state.value), STATUS[found.state]


@bp.route("/feedback", methods=["GET", "POST"])
@public
def enter_code():
    form = CodeForm()
    if request.method == "POST":
        if not throttle.allow(_address()):
            return _too_many()
        if form.validate_on_submit():
            found = services.find_invitation(form.code.data)
            if found.state is not LinkState.UNKNOWN:
                return redirect(url_for("quality_public.start_feedback",
                                        credential=normalise_code(form.code.data)))
            form.code.errors = ["We could not find that code. Check it against your letter"]
    return render_template("quality/public/enter_code.html", form=form)


@bp.route("/feedback/<credential>")
@public
def start_feedback(credential: str):
    found = services.find_invitation(credential)
    if found.state is not LinkState.OPEN:
        return _link_problem(found)
    return render_template("quality/public/start.html", credential=credential,
                           place=services.public_place(found.case))


@bp.route("/feedback/<credential>/questions", methods=["GET", "POST"])
@public
def answer_feedback(credential: str):
    posted = request.method == "POST"
    if posted and not throttle.allow(_address()):
        return _too_many()
    found = services.find_invitation(credential)
    if found.state is not LinkState.OPEN:
        return _link_problem(found, counted=posted)
    form = PublicFeedbackForm()
    if form.validate_on_submit():
        anonymous = form.anonymous.data == "yes"
        try:
            operations.submit_response(
                found.invitation, found.case, answers=form.answers(), consent=True,
                anonymous=anonymous, name=form.name.data or "",
                email=form.email.data or "", something_happened=form.something_happened.data == "yes",
                detail=form.something_happened_detail.data or "", helped_by=form.helped_by.data or [])
        except operations.AlreadyUsed:
            # The operation rolled back: nothing of this submission is kept.
            return render_template("quality/public/link_problem.html", state="used"), 410
        return redirect(url_for("quality_public.feedback_sent",
                                told="yes" if form.something_happened.data == "yes" else None))
    return render_template("quality/public/questions.html", form=form, credential=credential,
                           questions=QUESTIONS, place=services.public_place(found.case))


@bp.route("/feedback/thank-you")
@public
def feedback_sent():
    return render_template("quality/public/sent.html", told=request.args.get("told") == "yes")


@bp.route("/you-said-we-did/<public_code>")
@public
def read_summary(public_code: str):
    published = services.find_summary(public_code)
    if published is None:
        if not throttle.allow(_address()):
            return _too_many()
        return render_template("quality/public/summary_missing.html"), 404
    return render_template("quality/public/summary.html", published=published,
                           place=services.public_place(published.case))
