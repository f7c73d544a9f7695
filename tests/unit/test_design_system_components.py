"""Components come from the GOV.UK Design System macros (govuk-frontend-jinja), not from
markup written by hand: the macros bring the roles, attributes and behaviour (a link styled as
a button gets role="button" and data-module; a success banner its role and focus), and keep
up with the Design System. Every table goes through ``scroll_table`` (layouts/_table.html), so
that it sits in the labelled region that scrolls it at 320 px.

The few exceptions are listed in ``ALLOWED`` with their reason; an entry that no longer
matches anything fails too, so that the list stays true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def _class_token(name: str) -> re.Pattern:
    """An element whose class attribute holds exactly ``name`` (not ``name__part`` or
    ``name--modifier`` or ``name-group``)."""
    return re.compile(rf'<(\w+)\b[^>]*\bclass="[^"]*(?<![\w-]){re.escape(name)}(?![\w-])')


# What hand-written markup looks like, and the macro to use instead.
HAND_WRITTEN = {
    "table": (re.compile(r"<table\b"), "scroll_table (layouts/_table.html), which calls govukTable"),
    "govukTable outside scroll_table": (re.compile(r"\bgovukTable\("),
                                        "scroll_table, so that the table is in its scroll region"),
    "tag": (_class_token("govuk-tag"), "govukTag"),
    "button": (re.compile(r'<(?:a|button|input)\b[^>]*\bclass="[^"]*(?<![\w-])govuk-button(?![\w-])'),
               'govukButton (with "href" for a link)'),
    "details": (re.compile(r"<details\b"), "govukDetails"),
    "notification banner": (_class_token("govuk-notification-banner"), "govukNotificationBanner"),
    "summary list": (_class_token("govuk-summary-list"), "govukSummaryList"),
    "back link": (_class_token("govuk-back-link"), "govukBackLink"),
    "inset text": (_class_token("govuk-inset-text"), "govukInsetText"),
    "warning text": (_class_token("govuk-warning-text"), "govukWarningText"),
    "panel": (_class_token("govuk-panel"), "govukPanel"),
}

# (template, component): why the hand-written markup stays.
ALLOWED = {
    ("layouts/_table.html", "govukTable outside scroll_table"):
        "scroll_table itself: the one place that calls govukTable",
    ("cases/_clocks.html", "table"):
        "each row carries id=\"clock-<deadline>\", by which the tests and the stage journey find a "
        "deadline's row; govukTable cannot put attributes on a row",
    ("intelligence/_board.html", "table"):
        "provider rows and their location rows carry data-provider / data-location and their own "
        "classes, by which the tests read the board; govukTable cannot put attributes on a row",
}


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def _found() -> dict[tuple[str, str], list[int]]:
    """Where each kind of hand-written component is: (template, component) -> line numbers."""
    found: dict[tuple[str, str], list[int]] = {}
    for path in _templates():
        text = path.read_text()
        name = path.relative_to(TEMPLATES).as_posix()
        for component, (pattern, _) in HAND_WRITTEN.items():
            for match in pattern.finditer(text):
                found.setdefault((name, component), []).append(text.count("\n", 0, match.start()) + 1)
    return found


def test_templates_use_the_design_system_macros():
    found = _found()
    problems = [
        f"{name}:{lines[0]}: hand-written {component}; use {HAND_WRITTEN[component][1]}"
        for (name, component), lines in sorted(found.items())
        if (name, component) not in ALLOWED
    ]
    assert not problems, "\n".join(problems)


def test_every_exception_is_still_needed():
    found = _found()
    stale = [f"{name}: {component}" for name, component in ALLOWED if (name, component) not in found]
    assert not stale, "no longer hand-written, take out of ALLOWED: " + ", ".join(stale)


@pytest.mark.parametrize("markup, component", [
    ('<table class="govuk-table">', "table"),
    ('<strong class="govuk-tag govuk-tag--red">Overdue</strong>', "tag"),
    ('<a class="govuk-link" href="/x"><strong class="app-x govuk-tag">', "tag"),
    ('<a href="/new" class="govuk-button govuk-button--secondary">Add</a>', "button"),
    ('<button type="submit" class="govuk-button">Save</button>', "button"),
    ('<details class="govuk-details">', "details"),
    ('<div class="govuk-notification-banner" role="region">', "notification banner"),
    ('<dl class="govuk-summary-list">', "summary list"),
])
def test_the_check_finds_hand_written_markup(markup, component):
    pattern, _ = HAND_WRITTEN[component]
    assert pattern.search(markup)


@pytest.mark.parametrize("markup", [
    '<div class="govuk-button-group">',
    '<p class="govuk-notification-banner__heading">Saved</p>',
    '<span class="govuk-tag-like">',
    '<dt class="govuk-summary-list__key">',
    '<h2 class="govuk-panel__title">',
])
def test_the_check_leaves_alone_what_the_macros_expect_inside_them(markup):
    assert not any(pattern.search(markup) for pattern, _ in HAND_WRITTEN.values())


def test_scroll_table_puts_the_table_in_a_labelled_focusable_region():
    environment = Environment(autoescape=True, loader=ChoiceLoader([
        FileSystemLoader(TEMPLATES),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]))
    scroll_table = environment.get_template("layouts/_table.html").module.scroll_table
    html = str(scroll_table({
        "caption": "Residents <of> Elm House", "captionClasses": "govuk-visually-hidden",
        "head": [{"text": "Name"}], "rows": [[{"text": "Ann <b>"}], [{"html": Markup("<a href='/1'>Bo</a>")}]],
    }))
    named = str(scroll_table({"caption": "Cases", "head": [{"text": "Reference"}], "rows": []},
                             label="2 cases"))
    region = re.match(r'<div class="app-table-scroll" role="region" aria-label="([^"]*)" tabindex="0">', html)
    assert region and region.group(1) == "Residents &lt;of&gt; Elm House"
    assert '<caption class="govuk-table__caption govuk-visually-hidden">Residents &lt;of&gt; Elm House</caption>' in html
    assert ">Ann &lt;b&gt;</td>" in html and "<a href='/1'>Bo</a>" in html
    assert 'aria-label="2 cases"' in named and ">Cases</caption>" in named
