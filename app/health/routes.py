"""Liveness for load balancers: answers without touching tenant data."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.auth.access import public
from app.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("select 1"))
        database = "ok"
    except Exception:  # any failure means "not ready", whatever the driver raised
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status
