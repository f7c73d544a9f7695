"""The closure letters to the provider and to the CQC, generated from the case (stage 6).

A letter is built on the day it is sent (the outbox builds it at delivery), and says only what
is true on that day: a review already recorded is reported, never promised.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from app.cases.clocks import local_date
from app.cases.models import Case
from app.cases.procedure_settings import ClockMode
from app.cases.procedure_versions import procedure_of
from app.cases.terms import terms_for
from app.documents import council_document, docx_bytes, paragraph
from app.formatting import long_date, xml_safe
from app.london_time import LONDON
from app.meetings.models import Meeting
from app.tenants.logos import letterhead_for

# The CQC's address for correspondence (cqc.org.uk, "Contact us").
CQC_ADDRESS = ("Care Quality Commission", "Citygate", "Gallowgate", "Newcastle upon Tyne",
               "NE1 4PA")
SIGNATURE_SPACE = 3
NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 9: "nine", 12: "twelve"}


class Addressee(StrEnum):
    PROVIDER = "provider"
    CQC = "cqc"

    @property
    def label(self) -> str:
        return "the provider" if self is Addressee.PROVIDER else "the Care Quality Commission"


def _where(case: Case) -> str:
    if case.location is None:
        return "all of the provider's locations"
    return f"{case.location.name}, {case.location.address}"


def _address(case: Case, addressee: Addressee) -> list[str]:
    if addressee is Addressee.CQC:
        return ["Registration and Inspection Team", *CQC_ADDRESS]
    location = case.location
    if location is None:
        return [case.provider.name]
    lines = [location.registered_manager, "Registered Manager"] if location.registered_manager else []
    lines += [location.name, case.provider.name, location.address_line_1, location.address_line_2,
              location.town, location.postcode]
    return [line for line in lines if line]


def _greeting(case: Case, addressee: Addressee) -> str:
    if addressee is Addressee.CQC:
        return "Dear Registration and Inspection Team,"
    manager = case.location.registered_manager if case.location else None
    return f"Dear {manager}," if manager else "Dear Registered Manager,"


def _references(case: Case) -> list[str]:
    lines = [f"Our ref: {case.reference}"]
    if case.location is not None:
        lines.append(f"CQC location ID: {case.location.cqc_location_id}")
    lines.append(f"CQC provider ID: {case.provider.cqc_provider_id}")
    return lines


def _review(case: Case, today: date, terms: dict) -> str | None:
    """Say what is true today of the contract monitoring review (nothing, where the case's
    procedure has no such review)."""
    if case.contract_review_at is not None:
        return ("The commissioning body carried out the contract monitoring review on "
                f"{long_date(case.contract_review_at)} to check that the improvements have been "
                "sustained.")
    procedure = procedure_of(case)
    if procedure.clock_mode("contract_review") is ClockMode.OFF:
        return None
    months = procedure.contract_review_months
    promise = ("The commissioning body will carry out a contract monitoring review to check that "
               "the improvements have been sustained")
    if case.plan_first_submitted_at is None:
        return (f"{promise}, within {NUMBERS.get(months, months)} months of the "
                f"{terms['improvement_plan']}.")
    due = local_date(case.plan_first_submitted_at) + relativedelta(months=months)
    if due >= today:
        return f"{promise}, by {long_date(due)}."
    return f"{promise}, and will contact you to arrange it."


def _lead_officer_contact(case: Case, terms: dict) -> str:
    officer = case.lead_officer
    if officer is None:
        return ("If you need any further information, please reply to this letter quoting our "
                "reference.")
    return (f"If you need any further information, please contact the {terms['lead_officer']}, {officer.name}, "
            f"at {officer.email}, quoting our reference.")


def _body(case: Case, final: Meeting, addressee: Addressee, today: date, terms: dict) -> list[str]:
    paragraphs = [
        (f"The {terms['strategy_group']} met on {long_date(final.held_at)} and agreed that "
         "satisfactory improvements that are sustainable have been achieved at "
         f"{_where(case)}. The {terms['process']} for this service has therefore come to "
         "an end."),
        "The group recorded why it is satisfied that the improvements will last.",
        final.sustainability_rationale,
    ]
    if addressee is Addressee.PROVIDER:
        paragraphs.append(_review(case, today, terms))
        paragraphs.append("Thank you for your work with partners throughout the process.")
        paragraphs.append(_lead_officer_contact(case, terms))
    else:
        paragraphs.append("We are informing you as the regulator, as the procedure requires.")
        paragraphs.append(_lead_officer_contact(case, terms))
    return [text for text in paragraphs if text]


def _heading_block(document: Document, case: Case, addressee: Addressee, today: date) -> None:
    for line in _references(case):
        paragraph(document, line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph(document, long_date(today)).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    address = paragraph(document)
    for number, line in enumerate(_address(case, addressee)):
        if number:
            address.add_run().add_break()
        address.add_run(xml_safe(line))


def _signature(document: Document, case: Case, terms: dict) -> None:
    paragraph(document, "Yours sincerely,")
    for _ in range(SIGNATURE_SPACE):
        paragraph(document)
    signatory, role = ((case.chair, "Chair") if case.chair
                       else (case.lead_officer, terms["lead_officer"]))
    if signatory is not None:
        paragraph(document, signatory.name).runs[0].bold = True
        paragraph(document, f"{role}, {terms['strategy_group']}")
    else:
        paragraph(document, terms["strategy_group"])
    paragraph(document, case.host_authority.name)


def closure_letter(case: Case, final: Meeting, addressee: Addressee, *,
                   today: date | None = None) -> bytes:
    """Return the closure letter to ``addressee`` as a Word document, dated ``today``."""
    today = today or datetime.now(LONDON).date()
    # The host's words, whoever builds the letter (a page of the host, or the outbox worker).
    terms = terms_for(case.tenant_id)
    title = f"Closure of the provider concerns process {case.reference}: letter to {addressee.label}"
    document = council_document(letterhead_for(case.host_authority), case.reference, title=title)
    _heading_block(document, case, addressee, today)
    paragraph(document, _greeting(case, addressee))
    subject = f"Provider concerns process {case.reference}: {case.provider.name}, {_where(case)}"
    paragraph(document).add_run(xml_safe(subject)).bold = True
    for text in _body(case, final, addressee, today, terms):
        paragraph(document, text)
    _signature(document, case, terms)
    return docx_bytes(document)


def filename(case: Case, addressee: Addressee) -> str:
    return f"{case.reference}-closure-letter-{addressee.value}.docx"
