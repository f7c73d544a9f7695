"""The host's own words for roles, groups, documents and stages: one lookup for everything.

Pages, letters, emails and Word documents all ask ``term``: in a request it reads the acting
authority's settings once and keeps them for the rest of the request; a background job (or a
document built for another reader) passes the host's words in as ``terms``.
"""

from __future__ import annotations

from flask import g, has_app_context
from jinja2 import pass_context

from app.cases.models import Stage
from app.cases.presets import MULTI_AGENCY_TERMS

# What each word names, for the settings page.
TERMS = {
    "lead_officer": "The officer who leads a case",
    "coordinator": "The officer who coordinates safeguarding",
    "decider": "Who makes the stage 1 decision (as a title)",
    "strategy_group": "The group that oversees provider concerns",
    "escalation_group": "The group a case is escalated to",
    "improvement_plan": "The provider's plan",
    "process": "The name of the process",
    "stage_decision": "Stage 1",
    "stage_initial_meeting": "Stage 2",
    "stage_findings": "Stage 3",
    "stage_update_meetings": "Stage 4",
    "stage_quality_assurance": "Stage 5",
    "stage_closing": "Stage 6",
}
# Before a host picks a preset, the words the product has always used: the multi-agency ones,
# with the plan, the group and the process under their short names.
DEFAULT_TERMS = {**{key: MULTI_AGENCY_TERMS[key] for key in TERMS},
                 "improvement_plan": "Improvement Plan",
                 "strategy_group": "Provider Concerns Strategy Group",
                 "escalation_group": "Provider Concerns Strategy Group",
                 "process": "provider concerns process"}
STAGE_NUMBERS = {
    Stage.DECISION: 1, Stage.INITIAL_MEETING: 2, Stage.FINDINGS: 3, Stage.UPDATE_MEETINGS: 4,
    Stage.QUALITY_ASSURANCE: 5, Stage.CLOSING: 6,
}


def merged(words: dict | None) -> dict:
    """Return the default words with the host's own over them (blank ones fall back)."""
    return {**DEFAULT_TERMS, **{key: word for key, word in (words or {}).items()
                                if key in TERMS and word and word.strip()}}


def terms_for(authority_id: int | None) -> dict:
    """Return the words of an authority's procedure (the defaults for none)."""
    if authority_id is None:
        return dict(DEFAULT_TERMS)
    from app.cases.procedure_settings import settings_for

    return merged(settings_for(authority_id).terms)


def request_terms() -> dict:
    """Return the acting authority's words, read once per request (or app context)."""
    if not has_app_context():
        return dict(DEFAULT_TERMS)
    authority = g.get("authority")
    authority_id = authority.id if authority is not None else None
    cached = g.get("_procedure_terms")
    if cached is None or cached[0] != authority_id:
        cached = (authority_id, terms_for(authority_id))
        g._procedure_terms = cached
    return cached[1]


def word(terms: dict, key: str, capital: bool = False) -> str:
    text = terms[key]
    return text[:1].upper() + text[1:] if capital else text


def stage_name(stage: Stage, terms: dict) -> str:
    """Return a stage's name in the host's words, numbered as the procedures number it."""
    if stage is Stage.CLOSED:
        return Stage.CLOSED.label
    return f"{STAGE_NUMBERS[stage]}. {terms['stage_' + stage.value]}"


def _terms_in(context) -> dict:
    passed = context.get("terms")
    return passed if isinstance(passed, dict) else request_terms()


@pass_context
def term(context, key: str, capital: bool = False) -> str:
    """The host's word for ``key`` (``capital``: with a capital first letter)."""
    return word(_terms_in(context), key, capital)


@pass_context
def stage_filter(context, stage) -> str:
    """A stage's name in the host's words (``{{ case.stage | stage_name }}``)."""
    if not isinstance(stage, Stage):
        return stage
    return stage_name(stage, _terms_in(context))


def init_app(app) -> None:
    app.add_template_global(term, "term")
    app.jinja_env.filters["stage_name"] = stage_filter
