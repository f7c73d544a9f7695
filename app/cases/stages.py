"""The stage process as one table of transitions, each with the roles and guards it needs.

Views and services never decide on their own whether a case may move: they ask
``available_moves`` and call ``app.cases.operations.move_case``, which checks the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.cases.models import DecisionOutcome, Stage
from app.meetings.models import FinalDecision, MeetingKind
from app.tenants.models import Role


@dataclass(frozen=True)
class CaseFacts:
    """What the guards look at, gathered once per decision about a case."""

    stage: Stage
    decision_outcome: DecisionOutcome | None
    decision_reason: str
    threshold_assessed: bool
    lead_officer_appointed: bool
    held_kinds: frozenset[MeetingKind]
    final_decision: FinalDecision | None
    sustainability_rationale: str
    use_update_meetings: bool
    # What must be settled before closing, unless the closer records why not (closing guards).
    emergency_plan_active: bool = False
    restriction_in_force: bool = False
    open_high_risks: int = 0
    open_actions: int = 0
    # Quality assurance before closing (issue 14): follow-up feedback and independent scrutiny.
    follow_up_feedback: int = 0
    independent_scrutiny: int = 0
    # Who makes the stage 1 decision under the case's procedure: the DASS or deputy (any holder
    # of the DASS role), or the lead agency's named manager (that one user, whatever their role).
    named_decider: bool = False
    named_decider_id: int | None = None


Guard = Callable[[CaseFacts], str | None]


def _decided(outcome: DecisionOutcome) -> Guard:
    def guard(facts: CaseFacts) -> str | None:
        if facts.decision_outcome is not outcome:
            return f"The stage 1 decision to {outcome.label.lower()} has not been made"
        return None

    return guard


def _threshold_assessed(facts: CaseFacts) -> str | None:
    return None if facts.threshold_assessed else "Record the threshold assessment first"


def _lead_officer(facts: CaseFacts) -> str | None:
    return None if facts.lead_officer_appointed else "Appoint a Lead Officer first"


def _reason_given(facts: CaseFacts) -> str | None:
    return None if facts.decision_reason else "Give the reason for the decision"


def _held(kind: MeetingKind) -> Guard:
    def guard(facts: CaseFacts) -> str | None:
        return None if kind in facts.held_kinds else f"The {kind.label.lower()} has not been held"

    return guard


def _update_meetings_used(facts: CaseFacts) -> str | None:
    return None if facts.use_update_meetings else "Your procedure does not use update meetings"


def _final_decision(decision: FinalDecision) -> Guard:
    def guard(facts: CaseFacts) -> str | None:
        if facts.final_decision is not decision:
            return f"The final meeting has not recorded the decision to {decision.value}"
        if decision is FinalDecision.CLOSE and not facts.sustainability_rationale:
            return "Record why the improvements are sustainable at the final meeting"
        return None

    return guard


def _no_emergency_plan(facts: CaseFacts) -> str | None:
    return "An emergency plan is still active" if facts.emergency_plan_active else None


def _no_restriction(facts: CaseFacts) -> str | None:
    return "A placement restriction is still in force" if facts.restriction_in_force else None


def _no_high_risk(facts: CaseFacts) -> str | None:
    count = facts.open_high_risks
    if not count:
        return None
    return "1 high risk is still open" if count == 1 else f"{count} high risks are still open"


def _actions_settled(facts: CaseFacts) -> str | None:
    count = facts.open_actions
    if not count:
        return None
    if count == 1:
        return "1 action is still open: close it or hand it over"
    return f"{count} actions are still open: close them or hand them over"


def _follow_up_feedback(facts: CaseFacts) -> str | None:
    if facts.follow_up_feedback:
        return None
    return "No follow-up feedback has been recorded: record some, or give the reason none could be had"


def _independent_scrutiny(facts: CaseFacts) -> str | None:
    if facts.independent_scrutiny:
        return None
    return ("No independent scrutiny activity has been recorded: record one, or give the reason "
            "none could be had")


@dataclass(frozen=True)
class Transition:
    source: Stage
    target: Stage
    label: str
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()
    # Guards a person may override by recording why (the reason is audited with the move).
    waivable: tuple[Guard, ...] = ()
    # Made by whoever the case's procedure names for the stage 1 decision (``may_make``).
    decider: bool = False

    def may_make(self, facts: CaseFacts, roles: frozenset[Role], user_id: int | None) -> bool:
        """True when the person may make this move (before its guards are asked)."""
        if self.decider and facts.named_decider:
            return user_id is not None and user_id == facts.named_decider_id
        return bool(self.roles & roles)

    def refusals(self, facts: CaseFacts, waived: bool = False) -> list[str]:
        guards = self.guards if waived else self.guards + self.waivable
        return [message for guard in guards if (message := guard(facts))]

    def waivable_refusals(self, facts: CaseFacts) -> list[str]:
        return [message for guard in self.waivable if (message := guard(facts))]


CASE_RUNNERS = frozenset({Role.LEAD_OFFICER, Role.COORDINATOR, Role.CHAIR})
DASS_ONLY = frozenset({Role.DASS})

TRANSITIONS = (
    Transition(Stage.DECISION, Stage.INITIAL_MEETING, "Proceed to the initial meeting", DASS_ONLY,
               (_threshold_assessed, _decided(DecisionOutcome.PROCEED), _lead_officer),
               decider=True),
    Transition(Stage.DECISION, Stage.CLOSED, "Close: handled through other channels", DASS_ONLY,
               (_threshold_assessed, _decided(DecisionOutcome.OTHER_CHANNELS), _reason_given),
               decider=True),
    Transition(Stage.INITIAL_MEETING, Stage.FINDINGS, "Move to the findings meeting",
               CASE_RUNNERS, (_held(MeetingKind.INITIAL),)),
    Transition(Stage.FINDINGS, Stage.UPDATE_MEETINGS, "Move to update meetings", CASE_RUNNERS,
               (_held(MeetingKind.FINDINGS), _update_meetings_used)),
    Transition(Stage.FINDINGS, Stage.QUALITY_ASSURANCE, "Move to quality assurance",
               CASE_RUNNERS, (_held(MeetingKind.FINDINGS),)),
    Transition(Stage.UPDATE_MEETINGS, Stage.QUALITY_ASSURANCE, "Move to quality assurance",
               CASE_RUNNERS, (_held(MeetingKind.UPDATE),)),
    Transition(Stage.QUALITY_ASSURANCE, Stage.CLOSING, "Move to closing", CASE_RUNNERS,
               waivable=(_follow_up_feedback, _independent_scrutiny)),
    Transition(Stage.CLOSING, Stage.QUALITY_ASSURANCE, "Return to quality assurance",
               CASE_RUNNERS, (_final_decision(FinalDecision.CONTINUE),)),
    Transition(Stage.CLOSING, Stage.CLOSED, "Close the case",
               frozenset({Role.LEAD_OFFICER, Role.CHAIR}),
               (_held(MeetingKind.FINAL), _final_decision(FinalDecision.CLOSE)),
               (_no_emergency_plan, _no_restriction, _no_high_risk, _actions_settled)),
)


def transition(source: Stage, target: Stage) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source is source and t.target is target), None)


def moves_from(stage: Stage) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source is stage]


@dataclass(frozen=True)
class Move:
    transition: Transition
    refusals: tuple[str, ...]
    allowed_role: bool
    waivable: tuple[str, ...] = ()  # the refusals a recorded reason may override

    @property
    def possible(self) -> bool:
        return self.allowed_role and not self.refusals

    @property
    def possible_with_reason(self) -> bool:
        """True when only overridable guards stand in the way."""
        return self.allowed_role and set(self.refusals) <= set(self.waivable)


def available_moves(facts: CaseFacts, roles: frozenset[Role], waived: bool = False,
                    user_id: int | None = None) -> list[Move]:
    """Return every move out of the case's stage, each with why it cannot happen yet
    (``waived``: the person has recorded why the overridable guards do not hold them;
    ``user_id``: who asks, for the moves only a named person may make)."""
    return [
        Move(t, tuple(t.refusals(facts, waived)), t.may_make(facts, roles, user_id),
             tuple(t.waivable_refusals(facts)))
        for t in moves_from(facts.stage)
    ]
