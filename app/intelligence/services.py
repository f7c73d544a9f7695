"""Reading the intelligence board: running counts per provider and location in the host's area.

The board costs a fixed number of queries whatever the number of providers: the locations, one
aggregate of the intelligence, the latest CQC ratings, and the open cases.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select

from app.cases.models import Case, IntelligenceItem, IntelligenceSource, Stage
from app.cases.services import host_locations
from app.extensions import db
from app.providers.models import Location, Provider

PERIODS = (3, 6, 12)
DEFAULT_PERIOD = 6
# The columns of the board, in the order the QASIG reads them.
COLUMNS = (
    (IntelligenceSource.S42_ENQUIRY, "S42 enquiries"),
    (IntelligenceSource.DATIX, "Datix reports"),
    (IntelligenceSource.COMPLAINT, "Complaints"),
    (IntelligenceSource.PARTNER_CONCERN, "Partner concerns"),
    (IntelligenceSource.QASIG_REQUEST, "QASIG requests"),
)
COUNTED_SOURCES = tuple(source for source, _ in COLUMNS)


def chosen_period(value: str | None) -> int:
    """Return the period in months asked for, or the default for anything else."""
    return int(value) if value in {str(months) for months in PERIODS} else DEFAULT_PERIOD


def months_before(day: date, months: int) -> date:
    """Return the same day ``months`` earlier, kept inside shorter months (31 Aug -> 28 Feb)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Rating:
    rating: str
    received_on: date


@dataclass
class Tally:
    """The intelligence about one provider or location: counts in the period, and more."""

    counts: dict[IntelligenceSource, int] = field(default_factory=lambda: defaultdict(int))
    unattached: int = 0
    rating: Rating | None = None

    @property
    def total(self) -> int:
        return sum(self.counts[source] for source in COUNTED_SOURCES)

    def add(self, source: IntelligenceSource, in_period: int, unattached: int) -> None:
        self.counts[source] += in_period
        self.unattached += unattached

    def offer(self, rating: Rating) -> None:
        if self.rating is None or rating.received_on > self.rating.received_on:
            self.rating = rating


@dataclass(frozen=True)
class OpenCase:
    id: int
    reference: str


@dataclass
class LocationRow:
    location: Location
    tally: Tally = field(default_factory=Tally)


@dataclass
class ProviderRow:
    provider: Provider
    tally: Tally = field(default_factory=Tally)
    locations: dict[int, LocationRow] = field(default_factory=dict)
    open_cases: list[OpenCase] = field(default_factory=list)

    def location_rows(self) -> list[LocationRow]:
        return sorted(self.locations.values(), key=lambda r: (-r.tally.total, r.location.name))


@dataclass(frozen=True)
class Board:
    months: int
    since: date
    rows: list[ProviderRow]


def board(authority_id: int, months: int, today: date | None = None) -> Board:
    """Return every provider in the host's area with its intelligence, the busiest first."""
    since = months_before(today or date.today(), months)
    rows: dict[int, ProviderRow] = {}
    for location in host_locations(authority_id):
        row = rows.setdefault(location.provider_id, ProviderRow(location.provider))
        row.locations[location.id] = LocationRow(location)
    if rows:
        _add_counts(rows, authority_id, since)
        _add_ratings(rows, authority_id)
        _add_open_cases(rows, authority_id)
    ordered = sorted(rows.values(), key=lambda r: (-r.tally.total, -r.tally.unattached,
                                                   r.provider.name))
    return Board(months=months, since=since, rows=ordered)


def _tallies(row: ProviderRow, location_id: int | None) -> list[Tally]:
    """Return the tallies one item counts in: its provider's, and its location's if listed."""
    location = row.locations.get(location_id) if location_id is not None else None
    return [row.tally] + ([location.tally] if location else [])


def _items_of(authority_id: int, rows: dict[int, ProviderRow]):
    # The tenant criteria already keep other hosts' intelligence out; saying so here as well
    # keeps the counts right even where an item is readable for another reason.
    return (IntelligenceItem.tenant_id == authority_id,
            IntelligenceItem.provider_id.in_(list(rows)))


def _add_counts(rows: dict[int, ProviderRow], authority_id: int, since: date) -> None:
    item = IntelligenceItem
    in_period = func.coalesce(func.sum(case((item.received_on >= since, item.count), else_=0)), 0)
    unattached = func.count(case((item.case_id.is_(None), item.id)))
    statement = (
        select(item.provider_id, item.location_id, item.source, in_period, unattached)
        .where(*_items_of(authority_id, rows))
        .group_by(item.provider_id, item.location_id, item.source)
    )
    for provider_id, location_id, source, counted, loose in db.session.execute(statement):
        for tally in _tallies(rows[provider_id], location_id):
            tally.add(IntelligenceSource(source), int(counted), int(loose))


def _add_ratings(rows: dict[int, ProviderRow], authority_id: int) -> None:
    """Add the latest CQC rating of each location and provider, whenever it was given: a
    rating stays in force until the next inspection, so the period does not hide it."""
    item = IntelligenceItem
    latest = func.row_number().over(
        partition_by=(item.provider_id, item.location_id),
        order_by=(item.received_on.desc(), item.id.desc()),
    ).label("latest")
    ranked = (
        select(item.provider_id, item.location_id, item.cqc_rating, item.received_on, latest)
        .where(*_items_of(authority_id, rows), item.source == IntelligenceSource.CQC_REPORT,
               item.cqc_rating.is_not(None))
        .subquery()
    )
    statement = select(ranked.c.provider_id, ranked.c.location_id, ranked.c.cqc_rating,
                       ranked.c.received_on).where(ranked.c.latest == 1)
    for provider_id, location_id, rating, received_on in db.session.execute(statement):
        for tally in _tallies(rows[provider_id], location_id):
            tally.offer(Rating(rating, received_on))


def _add_open_cases(rows: dict[int, ProviderRow], authority_id: int) -> None:
    # Only the host's own cases: a case shared with this authority as a placing authority is
    # about a provider somewhere else.
    statement = (
        select(Case.id, Case.reference, Case.provider_id)
        .where(Case.tenant_id == authority_id, Case.stage != Stage.CLOSED,
               Case.provider_id.in_(list(rows)))
        .order_by(Case.opened_at, Case.id)
    )
    for case_id, reference, provider_id in db.session.execute(statement):
        rows[provider_id].open_cases.append(OpenCase(case_id, reference))


def host_places(authority_id: int) -> tuple[list[Provider], list[Location]]:
    """Return the providers with a location in the host's area, and those locations."""
    locations = host_locations(authority_id)
    providers = {location.provider_id: location.provider for location in locations}
    return sorted(providers.values(), key=lambda p: p.name), locations
