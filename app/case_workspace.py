"""The sections of a case, in the order of its sub-navigation: the one list to change to add
a section (see ``app.cases.sections`` for what an entry holds).

Each area keeps what its section shows (a loader in ``app/<area>/sections.py``, a partial in
``templates/<area>/``); this module, above every area, wires them into the case workspace,
as ``create_app`` wires the documents the outbox attaches.

To add a section: write its loader ``(case, actor) -> dict`` and its partial, then add one
``Section`` here, for instance::

    Section("quality-assurance", "Quality assurance", "quality/_case_section.html",
            quality_section, host_case_readers),

It gets its address (``/authorities/<id>/cases/<id>/quality-assurance``), its place in the
sub-navigation and the access decision from that entry; ``tests/web/test_case_sections.py``
tries every entry's address as each kind of user.
"""

from __future__ import annotations

from app.actions.sections import actions_of_case
from app.cases.overview import decision_section, history_section, host_overview
from app.cases.sections import (
    Registry,
    Section,
    case_readers,
    host_case_readers,
    host_resident_readers,
    install,
    is_host,
)
from app.emergency.sections import emergency_section, emergency_summary
from app.meetings.sections import documents_section, meetings_section
from app.placing.chasing import unacknowledged_of
from app.placing.sections import coverage_section, shared_overview
from app.plans.sections import plan_section
from app.quality.sections import quality_section, quality_summary
from app.risks.sections import register_of


def _overview(case, actor) -> dict:
    # The host works the case; a placing authority reads it through its share.
    if not is_host(case, actor):
        return shared_overview(case, actor) | emergency_summary(case, actor)
    # The host sees which placing authorities have not acknowledged their alert, and the
    # feedback that may disclose harm, still to triage.
    return (host_overview(case, actor) | emergency_summary(case, actor)
            | quality_summary(case, actor) | {"unacknowledged": unacknowledged_of(case.id)})


def _risks_and_actions(case, actor) -> dict:
    return register_of(case, actor) | actions_of_case(case, actor)


def sections() -> Registry:
    return Registry([
        Section("overview", "Overview", "cases/_overview.html", _overview, case_readers,
                endpoint="cases.show_case", endpoints=frozenset({
                    "cases.add_intelligence", "cases.move_case", "cases.change_themes",
                    "cases.record_provider_told", "cases.keep_provider_out",
                    "cases.lift_provider_exclusion", "cases.record_plan_received",
                    "placing.acknowledge", "closing.show_closure"})),
        Section("assessment-and-decision", "Decision", "cases/_decision_section.html",
                decision_section, host_case_readers,
                endpoints=frozenset({"cases.record_assessment", "cases.record_decision"}),
                heading="Threshold assessment and decision"),
        Section("meetings", "Meetings", "meetings/_case_section.html", meetings_section,
                case_readers, endpoints=frozenset({
                    "meetings.schedule_meeting", "meetings.show_meeting", "meetings.edit_meeting",
                    "meetings.edit_minutes", "meetings.record_held"})),
        Section("risks-and-actions", "Risks and actions", "cases/_risks_and_actions.html",
                _risks_and_actions, case_readers, endpoints=frozenset({
                    "risks.list_risks", "risks.add_risk", "risks.edit_risk", "risks.rescore_risk",
                    "risks.close_risk", "actions.list_actions", "actions.add_action",
                    "actions.edit_action", "actions.change_action_status"})),
        Section("placements-and-emergency", "Placements and emergency",
                "emergency/show.html", emergency_section, case_readers,
                endpoint="emergency.show_emergency", heading="Placements and emergency planning"),
        Section("residents-and-placing-authorities", "Residents and placing authorities",
                "placing/coverage.html", coverage_section, host_resident_readers,
                endpoint="placing.list_placing_authorities", heading="Placing authorities"),
        Section("improvement-plan", "Improvement Plan", "plans/show.html", plan_section,
                case_readers, endpoint="plans.show_plan", term="improvement_plan"),
        Section("quality-assurance", "Quality assurance", "quality/show.html", quality_section,
                host_case_readers, endpoint="quality.show_quality", endpoints=frozenset({
                    "quality.create_invitation", "quality.mark_disclosure",
                    "quality.triage_disclosure", "quality.record_telephone",
                    "quality.add_activity", "quality.save_strategy",
                    "quality.add_communication_update", "quality.add_escalation",
                    "quality.publish_summary"})),
        Section("documents", "Documents", "cases/_documents_section.html", documents_section,
                case_readers, heading="Meeting papers"),
        Section("history", "History", "cases/history.html", history_section,
                host_case_readers, endpoint="cases.case_history",
                endpoints=frozenset({"cases.correct_history"}), heading="History of the case"),
    ])


def init_app(app) -> None:
    install(app, sections())
