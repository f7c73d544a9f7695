"""Ids from URLs and query strings: a number no id column can hold is no id at all.

PostgreSQL's ``integer`` stops at 2 147 483 647 and raises on a larger parameter, so an id past
that would turn "not found" into a server error. The ``int`` URL converter and ``id_arg``
refuse such numbers before any query runs.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: at most ``MAX_ID``, so a larger number matches no page."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def as_id(value: str | None) -> int | None:
    """Return ``value`` as an id, or None for anything that could not be one."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def id_arg(name: str) -> int | None:
    """Return the query-string argument ``name`` as an id, or None."""
    return as_id(request.args.get(name))


def init_app(app: Flask) -> None:
    # Before any blueprint is registered: each rule looks its converter up when it is added.
    app.url_map.converters["int"] = IdConverter
