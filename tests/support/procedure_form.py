"""The procedure settings form as the host's administrator fills it in, for the tests that
save it: every timescale at its default."""

from __future__ import annotations

from app.cases.procedure_settings import DEFAULTS

TIMESCALES = ("inform_provider_working_days", "initial_meeting_working_days",
              "findings_meeting_working_days", "improvement_plan_hours", "closure_notice_hours",
              "contract_review_months", "project_meeting_cadence_days",
              "reminder_working_days_before", "right_of_reply_working_days",
              "placing_chase_working_days")

AMOUNTS = {**{key: DEFAULTS[key] for key in TIMESCALES}, "use_update_meetings": "y"}
