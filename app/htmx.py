"""Answers for a section of the case page that works in place with HTMX and, without
JavaScript, as pages of its own: one partial serves the full page and the HTMX response."""

from __future__ import annotations

from flask import (
    flash,
    g,
    get_template_attribute,
    make_response,
    redirect,
    render_template,
    url_for,
)

from app.extensions import htmx


def vary(response):
    """Mark a GET whose body depends on HX-Request, so that caches keep both answers apart."""
    response.vary.add("HX-Request")
    return response


def announce(body: str, message: str) -> str:
    """An HTMX answer ``body`` that also puts ``message`` in the page's live region, out of
    band: a status inside the swapped part is replaced before screen readers announce it."""
    live_region = get_template_attribute("layouts/_live_region.html", "live_region")
    return body + str(live_region(message, out_of_band=True))


class CaseSection:
    """The ``<area>/_case_section.html`` partial and ``<area>/form.html`` page of one area."""

    def __init__(self, area: str, form_name: str):
        self.area = area
        self.form_name = form_name

    def render(self, case, **context) -> str:
        """The section alone, for HTMX. Focus goes to the open form's heading, to the error
        summary, or (after a change or a cancel) to the section heading: never to <body>."""
        context.setdefault("focus_heading", self.form_name not in context)
        return render_template(f"{self.area}/_case_section.html", case=case, **context)

    def form_response(self, case, open_form):
        """Show a form, blank or with what was typed and its errors."""
        context = {self.form_name: open_form}
        if htmx:
            body = self.render(case, **context)
        else:
            body = render_template(f"{self.area}/form.html", case=case, form=open_form.form,
                                   **context)
        return vary(make_response(body))

    def done(self, case, message: str):
        """After a change: the updated section for HTMX, else back to the case page."""
        if htmx:
            return announce(self.render(case, status_message=message), message)
        flash(message)
        return redirect(url_for("cases.show_case", authority_id=g.membership.tenant_id,
                                case_id=case.id, _anchor=self.area))
