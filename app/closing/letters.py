"""The closure letters to the provider and to the CQC, generated from the case (stage 6)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from docx.enum.text import WD_ALIGN_PARAGRAPH

from app.cases.clocks import LONDON, local_date
from app.cases.models import Case
from app.cases.procedure_settings import settings_for
from app.documents import council_document, docx_bytes
from app.meetings.models import Meeting


class Addressee(StrEnum):
    PROVIDER = "provider"
    CQC = "cqc"

    @property
    def label(self) -> str:
        return "the provider" if self is Addressee.PROVIDER else "the Care Quality Commission"


def _long_date(moment) -> str:
    day = moment if not isinstance(moment, datetime) else local_date(moment)
    return day.strftime("%-d %B %Y")


def _opening(case: Case, addressee: Addressee) -> str:
    if addressee is Addressee.PROVIDER:
        return f"Dear {case.provider.name},"
    return "Dear Registration and Inspection Team,"


def _body(case: Case, final: Meeting, addressee: Addressee) -> list[str]:
    where = case.location.name if case.location else "all of the provider's locations"
    review_due = ""
    if case.plan_first_submitted_at:
        months = settings_for(case.tenant_id).contract_review_months
        review_due = _long_date(local_date(case.plan_first_submitted_at) + relativedelta(months=months))
    paragraphs = [
        f"Re: Provider concerns process {case.reference}: {case.provider.name}, {where}",
        (f"The Provider Concerns Strategy Group met on {_long_date(final.held_at)} and agreed that "
         "satisfactory improvements that are sustainable have been achieved. The provider concerns "
         "process for this service has therefore come to an end."),
        f"The group's reasons: {final.sustainability_rationale}",
    ]
    if addressee is Addressee.PROVIDER:
        paragraphs.append(
            "The commissioning body will carry out a contract monitoring review to ensure that the "
            "improvements have been sustained"
            + (f", by {review_due}." if review_due else ", within three months of your Improvement Plan.")
        )
        paragraphs.append("Thank you for your work with partners throughout the process.")
    else:
        paragraphs.append("We are informing you as the regulator, as the procedure requires. "
                          "Please contact the Lead Officer if you need any further information.")
    return paragraphs


def closure_letter(case: Case, final: Meeting, addressee: Addressee, *, today=None) -> bytes:
    """Return the closure letter to ``addressee`` as a Word document."""
    document = council_document(case.host_authority.name, case.reference)
    dated = document.add_paragraph(_long_date(today or datetime.now(LONDON).date()))
    dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph(_opening(case, addressee))
    subject, *rest = _body(case, final, addressee)
    document.add_paragraph().add_run(subject).bold = True
    for paragraph in rest:
        document.add_paragraph(paragraph)
    document.add_paragraph("Yours sincerely,")
    signatory = case.chair or case.lead_officer
    document.add_paragraph(signatory.name if signatory else "")
    document.add_paragraph(f"Chair, Provider Concerns Strategy Group, {case.host_authority.name}")
    return docx_bytes(document)


def filename(case: Case, addressee: Addressee) -> str:
    return f"{case.reference}-closure-letter-{addressee.value}.docx"
