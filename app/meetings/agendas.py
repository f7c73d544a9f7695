"""The agenda headings each kind of meeting starts with, taken from the two procedures.

Part one is held without the provider, part two with it. Sources: ``004`` is the "Multi Agency
Service Provider Concerns" procedure (stages 1 to 6, sections 1.2 to 6.8), ``000`` the West
Sussex "Operational Framework for Managing Provider Concerns" (sections 6 to 12). A scheduled
meeting copies these headings into its own agenda, where staff can change them.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.meetings.models import MeetingKind


@dataclass(frozen=True)
class AgendaTemplate:
    part_one: tuple[str, ...]
    part_two: tuple[str, ...]


AGENDAS: dict[MeetingKind, AgendaTemplate] = {
    # 004 1.2-1.5, 000 6.1: the provider is not present.
    MeetingKind.DECISION: AgendaTemplate(
        part_one=(
            "Overview of the current level and impact of risk",
            "Intelligence collated: Section 42 enquiries, health Datix, partner concerns, "
            "quality of consideration logs",
            "Threshold assessment against the Safeguarding Adults Thresholds Guidance Tool",
            "Current welfare checks of residents",
            "Any active criminal investigations",
            "Need to contact placing authorities",
            "Arrangements for contacting the provider",
            "Recommendation to the DASS: decision to initiate the provider concerns process",
        ),
        part_two=(),
    ),
    # 004 2.1, 000 7.1.
    MeetingKind.INITIAL: AgendaTemplate(
        part_one=(
            "Themes and risks: the totality of the concerns and presenting risks from a "
            "multi-partner perspective",
            "Immediate risk mitigation: scale and impact of the risk management plans in place",
            "The service provider's initial response",
            "Latest CQC or quality monitoring reports",
        ),
        part_two=(
            "Evidence and rationale for the provider concerns process",
            "Views of the service provider",
            "Safeguarding planning: type of enquiries, leads and timescales",
            "Risk management strategy",
            "Communication strategy: how adults using the service, families and partners will "
            "be informed and updated",
            "Advocacy and support",
            "Protective actions for people receiving care, including reviews for self-funders",
            "Quality assurance strategy and outcomes: how outcomes will be measured",
            "Issues for the Improvement Plan and risk management plan",
            "Commissioning intentions",
            "Information sharing protocol",
            "Date of the findings meeting",
        ),
    ),
    # 004 3.1-3.3, 000 8.1-8.4.
    MeetingKind.FINDINGS: AgendaTemplate(
        part_one=(
            "Findings from the fact-finding enquiries",
            "Other relevant information: previous safeguarding or quality concerns",
            "Interface with any police investigation: information to preserve",
            "Commissioning intentions and the contract position",
        ),
        part_two=(
            "Agree the findings",
            "Issues for the service Improvement Plan (due within 48 hours of this meeting)",
            "Update the risk management plan and agree further safeguarding measures",
            "Monitoring the safety of people and triggers to escalate risk",
            "Feedback from people who use the service",
            "Project management meetings: frequency",
            "Date of the next meeting",
        ),
    ),
    # 004 4.1-4.3, 000 9.1.
    MeetingKind.UPDATE: AgendaTemplate(
        part_one=(
            "Risks not managed or corrected by the provider: probability and impact",
            "Further incidents since the last meeting",
            "Safeguarding and commissioning responsibilities",
            "Suspension of placements or removal of residents, and the risks of moving people",
        ),
        part_two=(
            "Progress against the Improvement Plan",
            "Barriers to improvement and support from partners",
            "Is it safe for people to continue to receive a service from the provider",
            "Agreed actions and date of the next meeting",
        ),
    ),
    # 004 3.4-3.9: the Lead Officer with the provider.
    MeetingKind.PROJECT_MANAGEMENT: AgendaTemplate(
        part_one=(),
        part_two=(
            "Review of the Service Improvement Plan",
            "Areas of high risk for focus",
            "Evidence of improvement for quality assurance",
            "Improvements the provider reports and requests for additional support",
            "Frequency of future project management meetings",
            "Feedback to the chair",
        ),
    ),
    # 004 6.1-6.3 and 6.8, 000 10 and 11.1.
    MeetingKind.FINAL: AgendaTemplate(
        part_one=(
            "Current level of risk",
            "Quality assurance evidence: validation of the Improvement Plan, third-party review",
            "Feedback from people who use services, their families and friends",
            "Sustainability of the changes",
        ),
        part_two=(
            "Decision: satisfactory and sustainable improvements achieved (close or continue)",
            "Written notification of the provider and the CQC by the chair within 24 hours",
            "Whether an organisational learning meeting is required",
            "Contract monitoring review within three months of the first Improvement Plan",
        ),
    ),
    # 004 6.4-6.7: the provider is invited.
    MeetingKind.LEARNING: AgendaTemplate(
        part_one=(),
        part_two=(
            "What went well",
            "What might have been done differently",
            "Learning from people who use services, their families and friends",
            "Sharing the learning: multi-agency training, commissioning, other providers",
        ),
    ),
    # 000 12.1: the closure response plan.
    MeetingKind.EMERGENCY: AgendaTemplate(
        part_one=(
            "Criteria for invoking the closure response plan: emergency, temporary or planned "
            "closure",
            "Immediate safety of residents",
            "Contract position: Contracts and Commissioning",
            "Moves of residents: alternative provision, placing authorities and families",
            "Communication with residents, families, placing authorities and the CQC",
        ),
        part_two=(
            "The provider's position and any notice given",
            "Arrangements for moving residents",
        ),
    ),
}


def agenda_for(kind: MeetingKind, private_part: bool = True) -> AgendaTemplate:
    """Return the headings a meeting of ``kind`` starts with. Where the host's procedure holds
    the initial meeting with the provider throughout (West Sussex 3.1), part one's headings
    join part two's and part one is left empty."""
    agenda = AGENDAS[kind]
    if kind is MeetingKind.INITIAL and not private_part:
        return AgendaTemplate(part_one=(), part_two=agenda.part_one + agenda.part_two)
    return agenda


def agenda_text(headings: tuple[str, ...]) -> str:
    """Return the headings as the agenda field stores them: one a line."""
    return "\n".join(headings)


def headings(text: str) -> list[str]:
    """Return the non-empty lines of an agenda field."""
    return [line.strip() for line in text.splitlines() if line.strip()]
