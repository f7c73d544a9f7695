"""The host authority's procedure: a preset to start from, then its timescales, clocks, words
and deciders; and, on a case, the dates agreed at a meeting and the move to the current
procedure."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from app.auth.access import member
from app.cases import operations, services
from app.cases.access import current_actor, host_case_or_404
from app.cases.clocks import RULES
from app.cases.notifications import NOTIFICATIONS, notification_on
from app.cases.presets import PRESETS
from app.cases.procedure_forms import (
    AdoptProcedureForm,
    AgreedDateForm,
    PresetForm,
    ProcedureForm,
    mode_field,
    notify_field,
    term_field,
)
from app.cases.procedure_settings import ClockMode, settings_for
from app.cases.procedure_versions import latest_version, procedure_of
from app.cases.roles import CASE_EDITORS, SETTINGS_EDITORS
from app.cases.routes import bp
from app.cases.terms import TERMS, merged, request_terms


def _procedure_form(authority_id: int, settings) -> ProcedureForm:
    form = ProcedureForm(obj=settings)
    form.named_decider_id.choices = [SelectChoice(0, "Select a person")] + [
        SelectChoice(user.id, user.name) for user in services.staff_of(authority_id)]
    if request.method == "GET":
        form.named_decider_id.data = settings.named_decider_id or 0
        for rule in RULES:
            form[mode_field(rule.key)].data = settings.clock_mode(rule.key).value
        for key in NOTIFICATIONS:
            form[notify_field(key)].data = "on" if notification_on(settings, key) else "off"
        words = merged(settings.terms)
        for key in TERMS:
            form[term_field(key)].data = words[key]
    return form


def _settings_page(authority_id: int, form: ProcedureForm, preset_form: PresetForm, settings):
    version = latest_version(authority_id)
    return render_template(
        "cases/procedure_settings.html", form=form, preset_form=preset_form, rules=RULES,
        terms=TERMS, mode_field=mode_field, term_field=term_field, presets=PRESETS,
        notifications=NOTIFICATIONS, notify_field=notify_field,
        settings=settings, version=version,
    )


@bp.route("/authorities/<int:authority_id>/procedure-settings", methods=["GET", "POST"])
@member(*SETTINGS_EDITORS)
def procedure_settings(authority_id: int):
    settings = settings_for(authority_id)
    form = _procedure_form(authority_id, settings)
    if form.validate_on_submit():
        operations.save_procedure_settings(current_actor(), form.procedure_values(settings))
        flash("Procedure settings saved. New cases run under them; open cases keep theirs "
              "until they are moved to the current procedure.")
        return redirect(url_for("cases.procedure_settings", authority_id=authority_id))
    return _settings_page(authority_id, form, PresetForm(preset=settings.preset), settings)


@bp.route("/authorities/<int:authority_id>/procedure-settings/preset", methods=["POST"])
@member(*SETTINGS_EDITORS)
def apply_procedure_preset(authority_id: int):
    settings = settings_for(authority_id)
    preset_form = PresetForm()
    if preset_form.validate_on_submit() and preset_form.preset.data in PRESETS:
        operations.apply_preset(current_actor(), preset_form.preset.data)
        flash(f"Your procedure now follows the {PRESETS[preset_form.preset.data].name} "
              "procedure. Adjust it below.")
        return redirect(url_for("cases.procedure_settings", authority_id=authority_id))
    return _settings_page(authority_id, _procedure_form(authority_id, settings), preset_form,
                          settings), 400


def _case_page(case, anchor: str = "clocks"):
    return redirect(url_for("cases.show_case", authority_id=case.tenant_id, case_id=case.id,
                            _anchor=anchor))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/agreed-dates/<clock_key>",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def set_agreed_date(authority_id: int, case_id: int, clock_key: str):
    case = host_case_or_404(case_id)
    rule = next((rule for rule in RULES if rule.key == clock_key), None)
    if rule is None or procedure_of(case).clock_mode(clock_key) is not ClockMode.AGREED:
        abort(404)
    form = AgreedDateForm()
    if request.method == "GET" and (case.agreed_dates or {}).get(clock_key):
        form.day.data = services.agreed_dates(case).get(clock_key)
    if form.validate_on_submit():
        operations.set_agreed_date(current_actor(), case, clock_key, form.day.data)
        flash(f"Agreed date saved: {rule.worded(request_terms()).lower()}.")
        return _case_page(case)
    return render_template("cases/agreed_date_form.html", form=form, case=case,
                           label=rule.worded(request_terms()))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/procedure",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def adopt_current_procedure(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = AdoptProcedureForm()
    if form.validate_on_submit():
        try:
            operations.adopt_current_procedure(current_actor(), case, form.reason.data.strip())
        except operations.Refused as refused:
            form.reason.errors = [str(refused)]
        else:
            flash("The case now runs under the current procedure.")
            return _case_page(case)
    return render_template("cases/adopt_procedure_form.html", form=form, case=case,
                           running=procedure_of(case), current=latest_version(case.tenant_id))
