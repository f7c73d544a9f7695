"""An Improvement Plan as a Word document: its items grouped by CQC key question, laid out as a
council circulates it to partners."""

from __future__ import annotations

from app.cases.models import Case
from app.documents import council_document, docx_bytes, heading, paragraph, table
from app.formatting import date_and_time, long_date
from app.plans.models import ImprovementPlan, PlanArea, PlanVersion
from app.tenants.logos import letterhead_for

ITEM_COLUMNS = (0.34, 0.16, 0.14, 0.26, 0.10)


def plan_document(case: Case, plan: ImprovementPlan, items: list, *,
                  version: PlanVersion | None) -> bytes:
    """Return the plan's ``items`` (rows or as a version kept them) as a Word document."""
    title = f"Improvement Plan: {case.reference} {case.provider.name}"
    document = council_document(letterhead_for(case.host_authority), case.reference, title=title)
    heading(document, "Improvement Plan", level=0)
    paragraph(document, case.provider.name, style="Subtitle")
    rows = [("Case reference", case.reference), ("Provider", case.provider.name),
            ("Location", case.location.name if case.location else "All locations"),
            ("Status", plan.status.label)]
    if version is not None:
        rows += [("Version", str(version.number)),
                 ("Submitted", date_and_time(version.submitted_at))]
        if version.review_comment:
            rows.append(("Host authority's comments", version.review_comment))
    else:
        rows.append(("Version", "Draft, not yet submitted"))
    table(document, None, rows, widths=(0.3, 0.7))
    for area in PlanArea:
        in_area = [item for item in items if item.area is area]
        if not in_area:
            continue
        heading(document, area.label, level=1)
        table(document, ("Action", "Lead", "Target date", "Evidence that will prove it", "RAG"),
              [(item.action, item.lead, long_date(item.target_on), item.evidence_required,
                item.rag.label) for item in in_area], widths=ITEM_COLUMNS)
    if not items:
        paragraph(document, "The plan has no items.")
    return docx_bytes(document)


def file_name(case: Case, version: PlanVersion | None) -> str:
    which = f"version-{version.number}" if version is not None else "draft"
    return f"{case.reference}-improvement-plan-{which}.docx"
