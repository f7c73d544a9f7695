"""Pages of a long list: the page asked for in the query string, counted and cut in SQL.

Every list a council can grow (cases, residents, messages, users, the audit trail, the
intelligence board) shows one page at a time, so a page's size and cost do not grow with the
authority's history. ``paginate`` counts and cuts a SELECT in the database; ``paginate_list``
cuts a list already ordered in Python (the dashboard's "overdue first" order). The page links
keep every other query-string argument, so filters and sort survive paging.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from flask import has_request_context, request, url_for
from sqlalchemy import func, select

from app.extensions import db

PER_PAGE = 25
MAX_PAGE = 100_000  # far past any real list; keeps OFFSET arithmetic small


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    per_page: int
    total: int
    arg: str = "page"  # the query-string argument naming this list's page

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        """The 1-based position of the first item shown (0 when there are none)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0

    def href(self, number: int) -> str:
        """Return this page's address showing page ``number``, every other argument kept."""
        args = request.args.to_dict(flat=False)
        args[self.arg] = [str(number)]
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def links(self) -> dict:
        """Return the parameters of the GOV.UK pagination component (empty for one page)."""
        if self.pages <= 1:
            return {}
        params: dict = {"items": [_item(self, n) for n in _numbers(self.number, self.pages)]}
        if self.number > 1:
            params["previous"] = {"href": self.href(self.number - 1)}
        if self.number < self.pages:
            params["next"] = {"href": self.href(self.number + 1)}
        return params


def _numbers(current: int, last: int) -> list[int | None]:
    """The page numbers to offer: first, last, and the current one with its neighbours; None
    marks a gap (the component's ellipsis)."""
    wanted = sorted({1, last, current - 1, current, current + 1} & set(range(1, last + 1)))
    numbers: list[int | None] = []
    for n in wanted:
        if numbers and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def _item(page: Page, number: int | None) -> dict:
    if number is None:
        return {"ellipsis": True}
    return {"number": number, "href": page.href(number), "current": number == page.number}


def page_arg(arg: str = "page") -> int:
    """Return the page number asked for in the query string: 1 for anything that is not one."""
    # Outside a request (a job, a test of a service) the first page.
    value = request.args.get(arg, "") if has_request_context() else ""
    if not value.isascii() or not value.isdigit():
        return 1
    # Past the last page means the last page (the callers clamp MAX_PAGE to it).
    return MAX_PAGE if len(value) > 6 else min(max(int(value), 1), MAX_PAGE)


def paginate(statement, *, per_page: int = PER_PAGE, arg: str = "page", unique: bool = False) -> Page:
    """Return one page of ``statement`` (which must be ordered), with the total from a count."""
    total = db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).options().subquery()))
    number = min(page_arg(arg), max(1, ceil(total / per_page)))
    if total == 0:  # an empty list costs its count alone
        return Page([], number, per_page, total, arg)
    result = db.session.scalars(statement.limit(per_page).offset((number - 1) * per_page))
    items = list(result.unique() if unique else result)
    return Page(items, number, per_page, total, arg)


def paginate_list(items: list, *, per_page: int = PER_PAGE, arg: str = "page") -> Page:
    """Return one page of a list already in its order."""
    total = len(items)
    number = min(page_arg(arg), max(1, ceil(total / per_page)))
    start = (number - 1) * per_page
    return Page(items[start:start + per_page], number, per_page, total, arg)
