"""Importing the provider's list of people at a location: upload, preview, then import all.

The file is kept (under a name of the service's own) between the preview and the import, and
checked again when imported: what is imported is exactly what the preview showed as right.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for

from app import files
from app.auth.access import member
from app.cases.access import current_actor
from app.cases.roles import CASE_EDITORS, RESIDENT_READERS
from app.extensions import db
from app.providers.models import Location
from app.residents import operations, services
from app.residents.forms import ConfirmImportForm, ImportForm
from app.residents.importing import COLUMNS, FileRefused, check_file, read_limited
from app.residents.models import FUNDING_LABELS

bp = Blueprint("resident_imports", __name__)
PENDING = "pcp_resident_import"
PREVIEW_ROWS = 50
IMPORTERS = RESIDENT_READERS & CASE_EDITORS


def _import_form(authority_id: int) -> ImportForm:
    form = ImportForm()
    form.set_choices(services.host_locations(authority_id))
    if not form.location_id.choices[1:]:
        abort(403, description="no_locations_hosted")
    return form


def _check(data: bytes, authority_id: int):
    return check_file(data, services.authority_names(authority_id))


def _forget_pending() -> None:
    pending = session.pop(PENDING, None)
    if pending:
        files.remove(pending["file"])


@bp.route("/authorities/<int:authority_id>/residents/import", methods=["GET", "POST"])
@member(*IMPORTERS)
def upload_residents(authority_id: int):
    form = _import_form(authority_id)
    check = None
    if form.validate_on_submit():
        try:
            data = read_limited(form.upload.data.stream)
            check = _check(data, authority_id)
        except FileRefused as refused:
            form.upload.errors = [*form.upload.errors, str(refused)]
        else:
            if check.ok:
                _forget_pending()
                session[PENDING] = {
                    "authority_id": authority_id, "location_id": form.location_id.data,
                    "file": files.store(data, "import"), "sha256": hashlib.sha256(data).hexdigest()}
                return redirect(url_for("resident_imports.preview_import", authority_id=authority_id))
    return render_template("residents/import.html", form=form, check=check, columns=list(COLUMNS),
                           funding_labels=list(FUNDING_LABELS.values()))


def _pending(authority_id: int):
    pending = session.get(PENDING)
    if not pending or pending["authority_id"] != authority_id:
        return None, None, None
    data = files.read(pending["file"])
    location = db.session.get(Location, pending["location_id"])
    if data is None or location is None or location.host_authority_id != authority_id:
        return None, None, None
    return pending, data, location


@bp.route("/authorities/<int:authority_id>/residents/import/preview")
@member(*IMPORTERS)
def preview_import(authority_id: int):
    pending, data, location = _pending(authority_id)
    if pending is None:
        flash("Upload the list again: the file checked earlier is no longer here.")
        return redirect(url_for("resident_imports.upload_residents", authority_id=authority_id))
    check = _check(data, authority_id)
    return render_template("residents/import_preview.html", check=check, location=location,
                           shown=check.rows[:PREVIEW_ROWS], confirm=ConfirmImportForm(),
                           names=services.authority_names_by_id(authority_id))


@bp.route("/authorities/<int:authority_id>/residents/import/confirm", methods=["POST"])
@member(*IMPORTERS)
def confirm_import(authority_id: int):
    if not ConfirmImportForm().validate_on_submit():
        abort(400)
    pending, data, location = _pending(authority_id)
    if pending is None:
        flash("Upload the list again: the file checked earlier is no longer here.")
        return redirect(url_for("resident_imports.upload_residents", authority_id=authority_id))
    try:
        check = _check(data, authority_id)
    except FileRefused:
        check = None
    if check is None or not check.ok:
        # The register or the authorities changed since the preview: check the file afresh.
        _forget_pending()
        flash("The list no longer checks out: upload it again to see why.")
        return redirect(url_for("resident_imports.upload_residents", authority_id=authority_id))
    count = operations.import_residents(current_actor(), location, check.rows, checksum=pending["sha256"])
    _forget_pending()
    flash(f"{count:,} people added to the register at {location.name}.")
    return redirect(url_for("residents.list_residents", authority_id=authority_id))
