"""Answers for a section of the case page that works in place with HTMX and, without
JavaScript, as pages of its own: one partial serves the full page and the HTMX response."""

from __future__ import annotations

from flask import flash, g, make_response, redirect, render_template, url_for

from app.extensions import htmx


def vary(response):
    """Mark a GET whose body depends on HX-Request, so that caches keep both answers apart."""
    response.vary.add("HX-Request")
    return response


class CaseSection:
    """The ``<area>/_case_section.html`` partial and ``<area>/form.html`` page of one area."""

    def __init__(self, area: str, form_name: str):
        self.area = area
        self.form_name = form_name

    def render(self, case, **context) -> str:
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
            return self.render(case, status_message=message)
        flash(message)
        return redirect(url_for("cases.show_case", authority_id=g.membership.tenant_id,
                                case_id=case.id, _anchor=self.area))
