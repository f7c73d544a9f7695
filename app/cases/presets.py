"""The two source procedures as presets a host picks and then adjusts.

``multi_agency`` follows the "Multi Agency Service Provider Concerns" procedure (seed 004):
1/5/14 working days, 48 hours, the DASS or deputy decides, the initial meeting's first part
is held without the provider. ``west_sussex`` follows the West Sussex "Operational Framework
for Managing Provider Concerns" (seed 000): no day counts (the findings meeting's date is set
at the initial meeting, 7.1), the lead agency decides (3.1, 4.4), the provider is involved at
every stage (3.1), and QASIG escalates to the Strategic Provider Concerns Group (10.4).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.cases.procedure_settings import ClockMode, Decider, fresh_defaults


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    source: str
    values: dict


MULTI_AGENCY_TERMS = {
    "lead_officer": "Lead Officer",
    "coordinator": "Adult Safeguarding Coordinator",
    "decider": "DASS",
    "strategy_group": "Service Provider Concerns Strategy Group",
    "escalation_group": "Service Provider Concerns Strategy Group",
    "improvement_plan": "Service Improvement Plan",
    "process": "Service Provider Concerns process",
    "stage_decision": "Decision",
    "stage_initial_meeting": "Initial meeting",
    "stage_findings": "Findings meeting",
    "stage_update_meetings": "Update meetings",
    "stage_quality_assurance": "Quality assurance",
    "stage_closing": "Closing",
}

WEST_SUSSEX_TERMS = {
    "lead_officer": "Lead Enquiry Officer",
    "coordinator": "Safeguarding Coordinator",
    "decider": "lead agency manager",
    "strategy_group": "QASIG",
    "escalation_group": "Strategic Provider Concerns Group",
    "improvement_plan": "Improvement Plan and Risk Management Plan",
    "process": "provider concerns process",
    "stage_decision": "Decision to initiate provider concerns",
    "stage_initial_meeting": "Initial provider concerns meeting",
    "stage_findings": "Findings meeting",
    "stage_update_meetings": "Update meeting (optional)",
    "stage_quality_assurance": "Quality assurance",
    "stage_closing": "Closing the provider concerns process",
}

_MULTI_AGENCY = {**fresh_defaults(), "terms": MULTI_AGENCY_TERMS, "preset": "multi_agency"}

# West Sussex sets no day counts: the dates are agreed at the meetings, and the steps its
# framework does not have (contract review, project meetings, a closure notice within hours)
# are off. The counts stay as they were, for a host that later switches a clock back on.
_WEST_SUSSEX = {
    **fresh_defaults(),
    "clock_modes": {
        "inform_provider": ClockMode.OFF.value,
        "initial_meeting": ClockMode.AGREED.value,
        "findings_meeting": ClockMode.AGREED.value,
        "improvement_plan": ClockMode.AGREED.value,
        "closure_notice": ClockMode.OFF.value,
        "contract_review": ClockMode.OFF.value,
        "project_meeting": ClockMode.OFF.value,
    },
    "terms": WEST_SUSSEX_TERMS,
    "stage_one_decider": Decider.NAMED_MANAGER.value,
    "initial_meeting_private_part": False,
    "use_update_meetings": True,
    "preset": "west_sussex",
}

PRESETS = {
    "multi_agency": Preset("multi_agency", "Multi-agency Service Provider Concerns",
                           "Multi Agency Service Provider Concerns procedure", _MULTI_AGENCY),
    "west_sussex": Preset("west_sussex", "West Sussex provider concerns",
                          "West Sussex Operational Framework for Managing Provider Concerns",
                          _WEST_SUSSEX),
}


def preset_values(key: str) -> dict:
    """Return a copy of a preset's settings (the named decider is the host's to choose)."""
    values = PRESETS[key].values
    return {name: (dict(value) if isinstance(value, dict) else value)
            for name, value in values.items()}
