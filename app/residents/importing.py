"""Reading the provider's list of residents (CSV or Excel) into rows for the register.

The file is recognised from its own bytes, never its name; every row is checked as the
register's form checks one person, and each problem is reported with its row number (as the
provider's spreadsheet numbers it, the header being row 1), the column and a message. Nothing
here writes: ``operations.import_residents`` takes the checked rows.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from app.forms import DateInputField
from app.residents.forms import BirthDateField
from app.residents.models import FUNDING_LABELS, Funding

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
CHUNK = 64 * 1024

# Column heading (as the template names it) -> register field; matched without case or spaces.
COLUMNS = {
    "First name": "given_name",
    "Last name": "family_name",
    "Date of birth": "date_of_birth",
    "Room or address": "room",
    "Funding": "funding",
    "Placing authority": "placing_authority",
    "Second funder": "joint_funder",
    "Placing authority reference": "placing_reference",
    "Date moved in": "moved_in_on",
}
LENGTHS = {"given_name": 100, "family_name": 100, "room": 200, "placing_reference": 50}
REQUIRED = {"given_name": "Enter the person's first name", "family_name": "Enter the person's last name",
            "funding": "Enter how the person's care is funded"}
HEADING_OF = {name: heading for heading, name in COLUMNS.items()}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d %m %Y")


class FileRefused(ValueError):
    """The file as a whole cannot be read; the message says why, for the form."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportCheck:
    rows: list[dict] = field(default_factory=list)  # each with its row number under "row"
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors

    def error_list(self, limit: int) -> list[dict]:
        """The first problems for the GOV.UK error summary, each linking to its line in the
        table of problems."""
        items = [{"text": f"Row {error.row}, {error.column}: {error.message}",
                  "href": f"#import-error-{index}"}
                 for index, error in enumerate(self.errors[:limit], start=1)]
        if len(self.errors) > limit:
            items.append({"text": f"and {len(self.errors) - limit:,} more problems, listed below",
                          "href": f"#import-error-{limit + 1}"})
        return items


def read_limited(stream, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """Read an upload in chunks, refusing it as soon as it passes the limit."""
    parts, size = [], 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise FileRefused(f"The selected file must be smaller than {limit // (1024 * 1024)}MB")
        parts.append(chunk)
    data = b"".join(parts)
    if not data:
        raise FileRefused("The selected file is empty")
    return data


def _is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def table_of(data: bytes) -> list[list]:
    """Return the file's rows (the header first), from an Excel workbook or a UTF-8 CSV."""
    if _is_xlsx(data):
        return _xlsx_rows(data)
    if data.startswith((b"PK", b"\xd0\xcf\x11\xe0")) or b"\x00" in data[:4096]:
        raise FileRefused("The selected file must be a CSV or an Excel (.xlsx) file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused("The selected file must be saved as CSV UTF-8") from error
    try:
        return [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise FileRefused("The selected file is not a CSV file that can be read") from error


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise FileRefused("The selected Excel file cannot be opened") from error
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > MAX_ROWS + 1:
                break
            if any(cell not in (None, "") for cell in row):
                rows.append(list(row))
        return rows
    finally:
        workbook.close()


def _key(heading) -> str:
    return "".join(str(heading or "").lower().split())


COLUMN_KEYS = {_key(heading): name for heading, name in COLUMNS.items()}
COLUMN_KEYS.update({_key(name): name for name in COLUMNS.values()})


def check_file(data: bytes, authorities: dict[str, int]) -> ImportCheck:
    """Check every row of the file; ``authorities`` maps lower-case names to authority ids."""
    table = table_of(data)
    if not table:
        raise FileRefused("The selected file is empty")
    header = [COLUMN_KEYS.get(_key(cell)) for cell in table[0]]
    missing = [heading for heading, name in COLUMNS.items()
               if name in REQUIRED and name not in header]
    if missing:
        raise FileRefused(f"The first row must name the columns: missing {', '.join(missing)}")
    if len(table) - 1 > MAX_ROWS:
        raise FileRefused(f"The file must have {MAX_ROWS:,} people or fewer")
    check = ImportCheck()
    for number, cells in enumerate(table[1:], start=2):
        raw = {name: cells[index] if index < len(cells) else None
               for index, name in enumerate(header) if name}
        values, errors = check_row(number, raw, authorities)
        check.errors += errors
        if not errors:
            check.rows.append(values)
    if not check.rows and not check.errors:
        raise FileRefused("The selected file has no people in it")
    return check


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _date(value, earliest: date, latest: date) -> date | None:
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = _text(value)
        for pattern in DATE_FORMATS:
            try:
                day = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
        else:
            raise ValueError("must be a real date, like 27/03/1941")
    if not earliest <= day <= latest:
        raise ValueError(f"must be between {earliest.year} and {latest.year}")
    return day


def _funding(value) -> Funding | None:
    text = _key(value).replace("_", "")
    for funding, label in FUNDING_LABELS.items():
        if text in (_key(label), funding.value.replace("_", "")):
            return funding
    return None


def check_row(number: int, raw: dict, authorities: dict[str, int]) -> tuple[dict, list[RowError]]:
    """Return one row's register values and its problems (none when it can be imported)."""
    errors: list[RowError] = []

    def problem(name: str, message: str) -> None:
        errors.append(RowError(number, HEADING_OF[name], message))

    values: dict = {"row": number}
    for name in ("given_name", "family_name", "room", "placing_reference"):
        text = _text(raw.get(name))
        if not text and name in REQUIRED:
            problem(name, REQUIRED[name])
        elif len(text) > LENGTHS[name]:
            problem(name, f"{HEADING_OF[name]} must be {LENGTHS[name]} characters or fewer")
        values[name] = text
    for name, kind in (("date_of_birth", BirthDateField), ("moved_in_on", DateInputField)):
        values[name] = None
        if _text(raw.get(name)):
            try:
                values[name] = _date(raw.get(name), kind.EARLIEST, min(kind.LATEST, date.today()))
            except ValueError as error:
                problem(name, f"{HEADING_OF[name]} {error}")
    values["funding"] = _check_funding(raw.get("funding"), problem)
    for name in ("placing_authority", "joint_funder"):
        text = _text(raw.get(name))
        values[f"{name}_id"] = authorities.get(text.lower()) if text else None
        if text and values[f"{name}_id"] is None:
            problem(name, f"{HEADING_OF[name]} '{text}' is not an authority in the service")
    if not any(error.column in (HEADING_OF["placing_authority"], HEADING_OF["joint_funder"])
               for error in errors):
        errors += _funder_errors(number, values)
    return values, errors


def _check_funding(value, problem) -> Funding | None:
    if not _text(value):
        problem("funding", REQUIRED["funding"])
        return None
    funding = _funding(value)
    if funding is None:
        problem("funding", "Funding must be one of: " + ", ".join(FUNDING_LABELS.values()))
    return funding


def _funder_errors(number: int, values: dict) -> list[RowError]:
    """The register form's rules on who places and funds a person."""
    funding, placing, joint = values["funding"], values["placing_authority_id"], values["joint_funder_id"]
    found = []
    if funding == Funding.SELF_FUNDED and placing:
        found.append(("placing_authority", "A self-funder has no placing authority: leave it empty"))
    if funding and funding != Funding.SELF_FUNDED and not placing:
        found.append(("placing_authority", "Enter the placing authority"))
    if funding == Funding.JOINT and not joint:
        found.append(("joint_funder", "Enter the second funder of a jointly funded person"))
    if funding == Funding.JOINT and joint and joint == placing:
        found.append(("joint_funder", "The second funder must differ from the placing authority"))
    if funding != Funding.JOINT and joint:
        found.append(("joint_funder", "Only a jointly funded person has a second funder: leave it empty"))
    return [RowError(number, HEADING_OF[name], message) for name, message in found]
