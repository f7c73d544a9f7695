"""The board report of a host authority: its provider concerns over a chosen period."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from flask import Blueprint, Response, render_template, request

from app.auth.access import member
from app.cases.terms import request_terms, stage_name
from app.db import utcnow
from app.london_time import london_date
from app.reports import charts
from app.reports.figures import BoardFigures, Period, board_figures, placing_figures
from app.reports.forms import PeriodForm

bp = Blueprint("reports", __name__, url_prefix="/authorities/<int:authority_id>")


def _period(form: PeriodForm) -> Period:
    """The chosen period; by default the twelve months to today."""
    today = london_date(utcnow())
    if request.args and form.validate():
        return Period(form.start.data, form.end.data)
    return Period(today - relativedelta(years=1) + timedelta(days=1), today)


def _form() -> PeriodForm:
    return PeriodForm(formdata=request.args if request.args else None)


def _stage_rows(figures: BoardFigures) -> list[tuple[str, float | None]]:
    terms = request_terms()
    return [(stage_name(row.stage, terms), row.median_days) for row in figures.stage_times]


def _tables(figures: BoardFigures) -> dict:
    """The rows of the tables that sit beside the charts."""
    terms = request_terms()
    return {
        "stages": [(stage_name(row.stage, terms), row.stays, row.median_days, row.longest_days,
                    row.still_in) for row in figures.stage_times],
        "compliance": [(row.label, row.met, row.late, row.open) for row in figures.compliance],
    }


def _charts(figures: BoardFigures) -> dict:
    return {
        "stages": charts.bar_chart("chart-stages", "Median days in each stage", _stage_rows(figures)),
        "compliance": charts.stacked_chart(
            "chart-compliance", "Deadlines met, late and open, by deadline",
            [(row.label, {"met": row.met, "late": row.late, "open": row.open})
             for row in figures.compliance]),
        "key_questions": charts.bar_chart("chart-key-questions", "Risks by CQC key question",
                                          figures.key_questions),
        "outcomes": charts.bar_chart("chart-outcomes", "Outcomes", figures.outcomes),
    }


def _figures(authority_id: int, period: Period) -> BoardFigures:
    """The host's report, or (``?view=placing``) the one over the cases where the authority's
    residents live."""
    if request.args.get("view") == "placing":
        return placing_figures(authority_id, period)
    return board_figures(authority_id, period)


@bp.route("/board-report")
@member()
def show_board_report(authority_id: int):
    # A period that does not validate keeps what was typed, says why, and shows the default.
    form = _form()
    figures = _figures(authority_id, _period(form))
    return render_template("reports/board.html", form=form, figures=figures,
                           charts=_charts(figures), tables=_tables(figures),
                           query=request.query_string.decode())


def csv_rows(figures: BoardFigures, terms: dict) -> list[list]:
    """Return the report as rows of section, item, measure and value."""
    rows = [["section", "item", "measure", "value"],
            ["cases", "opened", "count", figures.opened],
            ["cases", "closed", "count", figures.closed]]
    for row in figures.stage_times:
        name = stage_name(row.stage, terms)
        rows += [["time in stage", name, "stays ended", row.stays],
                 ["time in stage", name, "median days", "" if row.median_days is None else row.median_days],
                 ["time in stage", name, "longest days", "" if row.longest_days is None else row.longest_days],
                 ["time in stage", name, "still in stage at the end", row.still_in]]
    for row in figures.compliance:
        rows += [["deadlines", row.label, measure, getattr(row, measure)]
                 for measure in ("met", "late", "open")]
    rows += [["cqc key questions", label, "risks", count] for label, count in figures.key_questions]
    rows += [["themes", label, "cases", count] for label, count in figures.themes]
    rows += [["placing authorities", label, "cases", count]
             for label, count in figures.placing_authorities]
    rows += [["outcomes", label, "cases", count] for label, count in figures.outcomes]
    return rows


def _safe(value):
    # A cell starting with =, +, - or @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@bp.route("/board-report.csv")
@member()
def download_board_report(authority_id: int):
    form = _form()
    period = _period(form)
    figures = _figures(authority_id, period)
    out = io.StringIO()
    writer = csv.writer(out)
    for row in csv_rows(figures, request_terms()):
        writer.writerow([_safe(value) for value in row])
    name = f"board-report-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
