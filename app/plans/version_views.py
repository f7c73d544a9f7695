"""Pages shared by the staff and provider sides: the difference between two versions of a plan,
and the plan as a Word document."""

from __future__ import annotations

from flask import make_response, render_template, request

from app.documents import DOCX_TYPE
from app.plans import documents, versions


def _number(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def compare_page(case, plan, *, back_href: str, back_text: str):
    """Render the difference between the versions the query names (else the last two)."""
    kept = versions.versions_of(plan) if plan else []
    by_number = {version.number: version for version in kept}
    before, after = _number("from"), _number("to")
    if before not in by_number or after not in by_number:
        before, after = (kept[-2].number, kept[-1].number) if len(kept) >= 2 else (None, None)
    changes = (versions.compare(by_number[before], by_number[after])
               if before is not None else [])
    return render_template("plans/versions.html", case=case, plan=plan, versions=kept,
                           before=before, after=after, changes=changes,
                           back_href=back_href, back_text=back_text)


def docx_response(case, plan, items, version):
    data = documents.plan_document(case, plan, items, version=version)
    response = make_response(data)
    response.mimetype = DOCX_TYPE
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{documents.file_name(case, version)}"')
    response.headers["Cache-Control"] = "no-store"
    return response
