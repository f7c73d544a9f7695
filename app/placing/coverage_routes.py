"""The host's coverage table as a CSV download, for the chair and the meeting's papers."""

from __future__ import annotations

import csv
import io
import re

from flask import Blueprint, make_response

from app.auth.access import member
from app.cases.access import host_case_or_404
from app.cases.roles import RESIDENT_READERS
from app.formatting import long_date
from app.placing.coverage import CSV_HEADINGS, coverage_of, coverage_table, csv_cell

bp = Blueprint("placing_coverage", __name__)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/placing-authorities.csv")
@member(*RESIDENT_READERS)
def download_coverage(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADINGS)
    for row in coverage_table(coverage_of(case), long_date):
        writer.writerow([csv_cell(value) for value in row])
    # A byte order mark, so that Excel reads the names as UTF-8.
    response = make_response("\ufeff" + buffer.getvalue())
    response.mimetype = "text/csv"
    name = re.sub(r"[^A-Za-z0-9-]+", "-", case.reference).strip("-")
    response.headers["Content-Disposition"] = f'attachment; filename="coverage-{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
