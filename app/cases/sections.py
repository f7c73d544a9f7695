"""The case workspace: a registry of the sections of a case, each its own page.

A section is a key (its address under the case), a label for the sub-navigation, a loader
that returns everything its partial shows, the partial itself, and who may open it. The case
views (``app.cases.routes``) render a section through ``render_section``, the only place that
calls a loader: no template loads rows for itself.

The entries are listed by the composition root (``app.case_workspace``), above every area,
so that this module (and the cases area) imports none of the areas whose sections it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import abort, current_app, render_template, request, url_for

from app.cases.access import current_actor
from app.cases.models import Case
from app.cases.operations import Actor
from app.cases.roles import CASE_READERS, RESIDENT_READERS

EXTENSION = "case_sections"
OVERVIEW = "overview"

Loader = Callable[[Case, Actor], dict]
Rule = Callable[[Case, Actor], bool]


def is_host(case: Case, actor: Actor) -> bool:
    return case.tenant_id == actor.authority_id


# Who may open a section. Each is decided from the case and the actor alone (no query): a case
# that the actor's authority may not read at all never gets this far (404 first).


def host_case_readers(case: Case, actor: Actor) -> bool:
    """The host's staff who read case content (not its administrator alone)."""
    return is_host(case, actor) and bool(actor.roles & CASE_READERS)


def host_resident_readers(case: Case, actor: Actor) -> bool:
    """The host's staff who may read resident-identifiable data."""
    return is_host(case, actor) and bool(actor.roles & RESIDENT_READERS)


def case_readers(case: Case, actor: Actor) -> bool:
    """The host's case readers, and a placing authority's through its live share (the case is
    readable to it only while the share is live)."""
    return bool(actor.roles & CASE_READERS)


@dataclass(frozen=True)
class Section:
    """One section of the case workspace."""

    key: str
    label: str
    template: str
    loader: Loader
    may_open: Rule
    # Endpoints of pages that belong to the section (its forms, a meeting's page): the
    # sub-navigation marks the section as the one the user is in.
    endpoints: frozenset[str] = frozenset()
    # The page's main heading; the overview's is the case title.
    heading: str | None = None
    # The host's own word for the section, where its procedure names it (app/cases/terms.py):
    # shown instead of the label and heading.
    term: str | None = None
    # The view that serves the section when it is not ``cases.show_section`` (a page that
    # had its address before the workspace, or whose forms post back to it): that view
    # renders it through ``render_section`` all the same.
    endpoint: str | None = None

    def url(self, case: Case, authority_id: int, anchor: str | None = None) -> str:
        if self.endpoint:
            return url_for(self.endpoint, authority_id=authority_id, case_id=case.id,
                           _anchor=anchor)
        return url_for("cases.show_section", authority_id=authority_id, case_id=case.id,
                       section=self.key, _anchor=anchor)


class Registry:
    """The sections of a case in the order of the sub-navigation."""

    def __init__(self, sections: Iterable[Section] = ()):
        self._sections: dict[str, Section] = {}
        for section in sections:
            self.add(section)

    def add(self, section: Section) -> None:
        if section.key in self._sections:
            raise ValueError(f"two case sections are called {section.key!r}")
        self._sections[section.key] = section

    def get(self, key: str) -> Section | None:
        return self._sections.get(key)

    def keys(self) -> list[str]:
        return list(self._sections)

    def __iter__(self):
        return iter(self._sections.values())


def install(app, registry: Registry) -> None:
    """Give ``app`` its case sections (before the case routes are registered: their address
    converter only matches the keys registered here)."""
    from werkzeug.routing import BaseConverter

    keys = [section.key for section in registry if section.endpoint is None]

    class SectionConverter(BaseConverter):
        regex = "(?:" + "|".join(sorted(keys, key=len, reverse=True)) + ")"

    app.url_map.converters["case_section"] = SectionConverter
    app.extensions[EXTENSION] = registry
    app.add_template_global(case_navigation)


def registry() -> Registry:
    return current_app.extensions[EXTENSION]


def section_url(case: Case, key: str, authority_id: int, anchor: str | None = None) -> str:
    """The address of a section of ``case`` (where a change without JavaScript returns)."""
    return registry().get(key).url(case, authority_id, anchor)


@dataclass(frozen=True)
class NavigationItem:
    label: str
    href: str
    current: bool  # this very page is the section's own page
    within: bool  # this page belongs to the section (a form of it, say)
    term: str | None = None  # the host's word for it, if its procedure has one


def navigation(case: Case, actor: Actor, current: str | None = None) -> list[NavigationItem]:
    """The sections ``actor`` may open, for the sub-navigation (no query: decided from the
    case and the actor's roles)."""
    endpoint = request.endpoint
    items = []
    for section in registry():
        if not section.may_open(case, actor):
            continue
        own = section.key == current
        within = own or endpoint in section.endpoints or endpoint == section.endpoint
        items.append(NavigationItem(section.label, section.url(case, actor.authority_id), own,
                                    within, section.term))
    return items


def case_navigation(case: Case) -> list[NavigationItem]:
    """The sub-navigation for a page of a case that is not a section's own (a form, a
    meeting): the section it belongs to is marked."""
    return navigation(case, current_actor())


def render_section(case: Case, actor: Actor, key: str, status: int = 200, **extra):
    """Render one section of ``case`` as a page: the loader's context, with ``extra`` (a
    form with its errors) on top. Refused (403) to an actor the section is not for."""
    section = registry().get(key)
    if section is None:
        abort(404)
    if not section.may_open(case, actor):
        abort(403, description="section_not_for_you")
    context = section.loader(case, actor) | extra
    return render_template(
        "cases/section.html", case=case, case_section=section,
        sub_navigation=navigation(case, actor, key), **context,
    ), status
