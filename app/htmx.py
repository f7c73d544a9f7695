"""The one way a part of a page works in place with HTMX and, without JavaScript, as pages of
its own.

- One partial serves both: the full page includes it, an HTMX request gets it alone.
- Every in-place form is a plain form underneath (``method``/``action`` as well as
  ``hx-post``), so that without JavaScript it posts to the same view, which answers with the
  full page (errors and input kept) or redirects to the section's own address.
- What a change did goes out of band into the page's one live region
  (``layouts/_live_region.html``), always on the page and outside every swapped part, so that
  screen readers announce it; the partial shows it too, for sighted users.
- After a failed in-place change the partial shows the error summary, linked to its fields;
  after a change the partial moves focus to the section heading or the new item (its
  ``autofocus``), never leaving it on <body>.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    current_app,
    flash,
    g,
    get_template_attribute,
    make_response,
    redirect,
    render_template,
)

from app.extensions import htmx


def vary(response):
    """Mark a GET whose body depends on HX-Request, so that caches keep both answers apart."""
    response.vary.add("HX-Request")
    return response


def wants_fragment() -> bool:
    """Whether to answer with the partial alone: an HTMX request, except a history restore,
    which asks for the whole page even though it comes through htmx."""
    return bool(htmx) and not htmx.history_restore_request


def announce(body: str, message: str) -> str:
    """An HTMX answer ``body`` that also puts ``message`` in the page's live region, out of
    band: a status inside the swapped part is replaced before screen readers announce it."""
    live_region = get_template_attribute("layouts/_live_region.html", "live_region")
    return body + str(live_region(message, out_of_band=True))


class InPlace:
    """A part of a page (``partial``) that works in place, and the full page (``page``) that
    shows it, or the form open in it, without JavaScript."""

    def __init__(self, partial: str, page: str, form_name: str = "form"):
        self.partial = partial
        self.page = page
        self.form_name = form_name

    def render(self, **context) -> str:
        return render_template(self.partial, **context)

    def show(self, **context):
        """A GET: the partial alone for HTMX, else the full page."""
        template = self.partial if wants_fragment() else self.page
        return vary(make_response(render_template(template, **context)))

    def form_response(self, open_form, **context):
        """Show a form, blank or with what was typed and its errors: in place for HTMX, else
        on the full page (whose error summary and title say what went wrong)."""
        context[self.form_name] = open_form
        if htmx:
            return vary(make_response(self.render(**context)))
        form = getattr(open_form, "form", open_form)
        return vary(make_response(render_template(self.page, form=form, **context)))

    def done(self, message: str, back_to: str, **context):
        """After a change: the updated partial with the message announced for HTMX, else the
        message flashed and a redirect to ``back_to`` (the section's own address)."""
        if htmx:
            return announce(self.render(status_message=message, **context), message)
        flash(message)
        return redirect(back_to)


class CaseSection(InPlace):
    """A part of a case section that works in place: the partial gets the case and what the
    section's ``loader`` returns (no template loads its own rows); without JavaScript a
    change returns to the section's own address, at the part's ``anchor``."""

    def __init__(self, partial: str, page: str, form_name: str, *,
                 loader: Callable[..., dict], section: str, anchor: str):
        super().__init__(partial, page, form_name)
        self.loader = loader
        self.section = section
        self.anchor = anchor

    def context(self, case, **context) -> dict:
        """The case, its section's rows, and ``context`` on top. Focus goes to the open form's
        heading, to the error summary, or (after a change or a cancel) to the section
        heading: never to <body>."""
        context.setdefault("focus_heading", self.form_name not in context)
        return {"case": case, **self.loader(case), **context}

    def render(self, case=None, **context) -> str:
        return super().render(**self.context(case, **context))

    def show(self, case):
        """A GET of the part: alone for HTMX (a cancelled form), else the whole section."""
        if wants_fragment():
            return vary(make_response(self.render(case)))
        return vary(redirect(self.section_url(case)))

    def form_response(self, case, open_form, **context):
        context[self.form_name] = open_form
        return super().form_response(open_form, **self.context(case, **context))

    def section_url(self, case) -> str:
        """The section's own address (``app/case_workspace.py``), at this part."""
        return section_url(case, self.section, self.anchor)

    def done(self, case, message: str):
        if htmx:
            return announce(self.render(case, status_message=message), message)
        flash(message)
        return redirect(self.section_url(case))


def section_url(case, section: str, anchor: str | None = None) -> str:
    """The address of a section of ``case``, as the case workspace's registry gives it (read
    from the app, so that this module stays below the areas)."""
    return current_app.extensions["case_sections"].get(section).url(
        case, g.membership.tenant_id, anchor)
