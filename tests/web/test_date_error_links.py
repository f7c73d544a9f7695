"""Every date field's error in an error summary links to its day input (the GOV.UK date input
pattern), not to the wrapper around the three inputs, where focus would not land."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from werkzeug.datastructures import MultiDict

import app as app_package
from app.forms import DateInputField, Form, error_summary


def _forms_with_dates() -> list[type[Form]]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, pending = [], list(Form.__subclasses__())
    while pending:
        form_class = pending.pop()
        pending += form_class.__subclasses__()
        if any(getattr(unbound, "field_class", None) is DateInputField
               for unbound in vars(form_class).values()):
            found.append(form_class)
    return found


FORMS = _forms_with_dates()


def test_every_date_field_of_the_product_is_checked():
    dates = sum(1 for form_class in FORMS for unbound in vars(form_class).values()
                if getattr(unbound, "field_class", None) is DateInputField)
    # The eleven date fields of issue 19: a new one is checked here without changes.
    assert dates >= 11, [form_class.__name__ for form_class in FORMS]


@pytest.mark.parametrize("form_class", FORMS, ids=lambda form_class: form_class.__name__)
def test_a_date_error_links_to_the_day_input(sqlite_app, form_class):
    with sqlite_app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict(), meta={"csrf": False})
        dates = [field for field in form if isinstance(field, DateInputField)]
        for field in dates:
            name = field.name
            field.process(MultiDict([(name, "31"), (name, "2"), (name, "2026")]))
            field.validate(form)
            assert field.errors, f"{name}: 31 2 2026 was not refused"

        summary = error_summary(form)
        for field in dates:
            html = str(field())
            links = [e["href"] for e in summary["errorList"] if e["text"] in field.errors]
            assert links == [f"#{field.name}-day"], (field.name, summary["errorList"])
            day = re.search(rf'<input[^>]*id="{field.name}-day"', html)
            assert day, f"{field.name}: no day input with id {field.name}-day in {html}"
