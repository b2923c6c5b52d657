"""Bulk project updates from a CSV file: every row is checked first and each bad row
is reported by its line number; only a file without errors is stored, in one
transaction (no partial writes).

Columns (header row, `;` `,` or tab, UTF-8 with or without BOM or Windows-1252):
``project;status;voortgang;uitgegeven;toegekend;reden;datum``. English names work
too (``project;status;progress;spent;granted;reason;date``). ``project`` is the
proposal's or option's key (``P03``), ``status`` one of gepland / in uitvoering /
klaar / gestopt (or planned / in_progress / done / stopped), ``voortgang`` a whole
percentage 0-100, amounts in euros with at most two decimals (``1.250,50`` or
``1250.50``), ``toegekend`` optional (the last known amount stays), ``reden`` required
for gestopt, ``datum`` optional (YYYY-MM-DD or DD-MM-YYYY, today if empty).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from voting.follow_up.labels import STATUS_WORDS
from voting.follow_up.tracking import ProjectState, UpdateInput

COLUMNS = {
    "project": "project",
    "key": "project",
    "status": "status",
    "voortgang": "progress",
    "progress": "progress",
    "uitgegeven": "spent",
    "spent": "spent",
    "toegekend": "granted",
    "granted": "granted",
    "reden": "reason",
    "reason": "reason",
    "datum": "date",
    "date": "date",
}
REQUIRED = ("project", "status", "progress", "spent")
MAX_ROWS = 2000


@dataclass
class RowError:
    """A problem on one line of the file; ``code`` is worded by the page."""

    line: int
    code: str
    value: str = ""


@dataclass
class CsvReport:
    """The checked file: the updates to store, or the errors that stop it."""

    updates: list[UpdateInput] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the whole file can be stored."""
        return not self.errors and not self.missing_columns


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def euros_to_cents(text: str) -> int:
    """``"1.250,50"`` or ``"1250.50"`` or ``"€ 300"`` -> cents, exactly (Decimal).
    ValueError for anything else, for negatives and for fractions of a cent."""
    raw = text.replace("€", "").replace("\u00a0", "").replace(" ", "").strip()
    if not raw or not re.fullmatch(r"[0-9.,]+", raw):
        raise ValueError(text)
    if "," in raw:
        # Dutch: dots group thousands, the comma marks the cents.
        raw = raw.replace(".", "").replace(",", ".")
    elif raw.count(".") > 1 or re.fullmatch(r"\d{1,3}(\.\d{3})+", raw):
        raw = raw.replace(".", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(text) from None
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(text)
    return int(cents)


def parse_day(text: str, today: date) -> date:
    """``YYYY-MM-DD`` or ``DD-MM-YYYY`` (or with slashes); today when empty."""
    text = text.strip()
    if not text:
        return today
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def check_file(data: bytes, projects: list[ProjectState], *, today: date) -> CsvReport:
    """Read and check every row against the election's ``projects``; stores nothing."""
    text = decode(data)
    report = CsvReport()
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=";,\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, [])
    names = [COLUMNS.get(h.strip().lower(), "") for h in header]
    report.missing_columns = [c for c in REQUIRED if c not in names]
    if report.missing_columns:
        return report
    known = {p.key.upper(): p for p in projects}
    seen: set[str] = set()
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if line > MAX_ROWS + 1:
            report.errors.append(RowError(line, "too_many_rows"))
            break
        row = {name: cells[i].strip() for i, name in enumerate(names) if name and i < len(cells)}
        update = _check_row(line, row, known, seen, today, report)
        if update is not None:
            report.updates.append(update)
    if not report.updates and not report.errors:
        report.errors.append(RowError(1, "no_rows"))
    return report


def _check_row(
    line: int,
    row: dict[str, str],
    known: dict[str, ProjectState],
    seen: set[str],
    today: date,
    report: CsvReport,
) -> UpdateInput | None:
    errors_before = len(report.errors)

    def error(code: str, value: str = "") -> None:
        report.errors.append(RowError(line, code, value))

    key = row.get("project", "").upper()
    state = known.get(key)
    if state is None:
        error("unknown_project", row.get("project", ""))
    elif key in seen:
        error("duplicate_project", key)
    seen.add(key)
    status = STATUS_WORDS.get(row.get("status", "").lower())
    if status is None:
        error("bad_status", row.get("status", ""))
    progress_text = row.get("progress", "").rstrip("%").strip()
    progress = int(progress_text) if progress_text.isdigit() else -1
    if not 0 <= progress <= 100:
        error("bad_progress", row.get("progress", ""))
    amounts: dict[str, int] = {}
    for column in ("spent", "granted"):
        value = row.get(column, "")
        if column == "granted" and not value:
            continue
        try:
            amounts[column] = euros_to_cents(value)
        except ValueError:
            error(f"bad_{column}", value)
    reason = row.get("reason", "")
    if status == "stopped" and not reason:
        error("stop_needs_reason")
    try:
        day = parse_day(row.get("date", ""), today)
    except ValueError:
        error("bad_date", row.get("date", ""))
        day = today
    if day > today:
        error("future_date", row.get("date", ""))
    if len(report.errors) > errors_before or state is None or status is None:
        return None
    return UpdateInput(
        key=state.key,
        updated_on=day,
        status=status,
        progress_percent=progress,
        spent_cents=amounts["spent"],
        granted_cents=amounts.get("granted", state.granted_cents),
        reason=reason,
    )
