"""Read the municipality's register export (BRP) and decide who is on the roll.

Pure: bytes in, residents and a list of bad rows out. Nothing here touches the
database, so a clerk can check a file as often as needed without storing anything.

The CSV needs a header row. Columns are recognised by name, in Dutch or English,
case, spaces and underscores ignored:

=====================  ===============================================================
field                  accepted column names
=====================  ===============================================================
person reference       persoonsreferentie, referentie, persoonsnummer, anummer,
                       bsn, person_reference, reference
name                   naam, volledige naam, name
street address         adres, straat en huisnummer, straat, address, street_address
postcode               postcode, postal_code, zip
town                   woonplaats, plaats, town, city
date of birth          geboortedatum, date_of_birth, birth_date, dob
neighbourhood          wijk, buurt, neighbourhood (optional)
=====================  ===============================================================

Encoding: UTF-8 (with or without BOM), else Windows-1252 (what Excel on Windows
writes). Delimiter: ``;`` (Dutch Excel), ``,``, tab or ``|``, detected from the header.

Eligibility (per election):

- minimum age on the reference day: the first voting day (``opens_at``, in Dutch
  time), or today when the election has no opening date yet. Dutch law counts age
  on the day of the vote; for a vote of several days we take the first one, so no
  one gets a letter for a vote that starts before they may take part;
- postcode filter (``Election.postcode_filter``): comma-separated prefixes or ranges,
  e.g. ``6921-6923, 5611AB``: ``6921-6923`` takes 6921AA up to 6923ZZ, ``5611AB`` that
  one postcode, ``56`` every postcode starting with 56. Empty: everyone;
- neighbourhood filter (``Election.neighbourhood_filter``): comma-separated names,
  case-insensitive. Empty: everyone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import ClassVar, Protocol

from ballots.errors import CodedError
from voting.formatting import local_time, town_hall_today

REQUIRED = ("person_reference", "name", "address", "postcode", "town", "birth_date")
_ALIASES = {
    "person_reference": (
        "persoonsreferentie",
        "referentie",
        "persoonsnummer",
        "anummer",
        "bsn",
        "personreference",
        "reference",
    ),
    "name": ("naam", "volledigenaam", "name", "fullname"),
    "address": ("adres", "straatenhuisnummer", "straat", "address", "streetaddress", "street"),
    "postcode": ("postcode", "postalcode", "zip", "zipcode"),
    "town": ("woonplaats", "plaats", "town", "city"),
    "birth_date": ("geboortedatum", "dateofbirth", "birthdate", "dob"),
    "neighbourhood": ("wijk", "buurt", "neighbourhood", "neighborhood"),
}
_COLUMN_FIELD = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
# PostNL never uses the letter pairs SA, SD and SS in a postcode.
_POSTCODE = re.compile(r"^([1-9][0-9]{3}) ?([A-Z]{2})$")
_UNUSED_LETTERS = ("SA", "SD", "SS")
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y%m%d")
_OLDEST = date(1890, 1, 1)  # older than anyone alive: a typo in the year
MAX_FIELD = 200  # longer than any real name or address: a broken export


class Reason(Enum):
    """Why a row of the register cannot go on the roll."""

    BAD_FILE = "bad_file"
    BAD_ROW = "bad_row"
    MISSING_FIELD = "missing_field"
    BAD_POSTCODE = "bad_postcode"
    BAD_DATE = "bad_date"
    DUPLICATE = "duplicate"
    NOT_ELIGIBLE = "not_eligible"


class RegisterError(CodedError):
    """What is wrong with a register file, one of its rows, or an eligibility filter,
    by code (see :attr:`ENGLISH`); :func:`voting.error_words.explain` says it in words.
    Filters raise it (it is a ``ValueError``); rows carry it in :class:`RowError`."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "postcode_filter_unreadable": "postcode filter {part!r} cannot be read; write e.g. "
        "'6921-6923, 5611AB'",
        "postcode_filter_reversed": "postcode filter {part!r}: the start lies after the end",
        "file_empty": "the file is empty",
        "header_unreadable": "header line unreadable: {detail}",
        "columns_missing": "column missing from the header line: {columns}",
        "row_unreadable": "line unreadable: {detail}",
        "field_count": "{given} fields instead of {expected}",
        "field_empty": "{column} is empty",
        "field_too_long": "{column} is too long",
        "not_a_postcode": "{value!r} is not a postcode",
        "not_a_date": "{value!r} is not a date (dd-mm-yyyy)",
        "same_person": "the same person as line {line}",
        "too_young": "younger than {min_age} on {day} (age {age})",
        "outside_area": "postcode {postcode} lies outside the area",
        "neighbourhood_excluded": "neighbourhood {neighbourhood} does not take part",
    }


@dataclass(frozen=True, slots=True)
class Resident:
    """One eligible resident, exactly as the letter needs them. Lives in memory only."""

    line: int
    person_reference: str
    name: str
    address: str
    postcode: str  # normalised: 1234AB
    town: str
    birth_date: date
    neighbourhood: str = ""

    @property
    def postcode_printed(self) -> str:
        """The postcode as PostNL wants it on an envelope: ``1234 AB``."""
        return f"{self.postcode[:4]} {self.postcode[4:]}"


@dataclass(frozen=True, slots=True)
class RowError:
    """A bad row: its line number in the file (the header is line 1) and why."""

    line: int
    reason: Reason
    problem: RegisterError


@dataclass
class RegisterCheck:
    """The outcome of reading a register: good residents, bad rows, and how it was read."""

    residents: list[Resident] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Residents the election's rules leave out (too young, outside the area): not a
    # fault in the file, so they never block an import; reported apart.
    not_eligible: list[RowError] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0  # data rows read, good and bad

    @property
    def clean(self) -> bool:
        """True when no row is bad."""
        return not self.errors

    @property
    def fatal(self) -> bool:
        """True when the file as a whole cannot be read (no skipping helps)."""
        return any(e.reason is Reason.BAD_FILE for e in self.errors)

    def counts(self) -> dict[str, int]:
        """Bad rows per reason (by reason value), for reports and the audit log."""
        result: dict[str, int] = {}
        for error in self.errors:
            result[error.reason.value] = result.get(error.reason.value, 0) + 1
        return result


class EligibilitySource(Protocol):
    """What eligibility needs from an election (an ``Election`` has all of it)."""

    min_age: int
    postcode_filter: str
    neighbourhood_filter: str
    opens_at: datetime | None


@dataclass(frozen=True)
class Eligibility:
    """Who may vote: minimum age on ``reference_day``, postcode and neighbourhood."""

    min_age: int = 0
    reference_day: date = field(default_factory=date.today)
    postcode_ranges: tuple[tuple[str, str], ...] = ()
    neighbourhoods: frozenset[str] = frozenset()

    @classmethod
    def for_election(cls, election: EligibilitySource, today: date | None = None) -> Eligibility:
        """The rules of ``election``. Raises :class:`RegisterError` (a ``ValueError``)
        for a postcode filter that cannot be read."""
        return cls(
            min_age=election.min_age or 0,
            reference_day=reference_day(election.opens_at, today),
            postcode_ranges=parse_postcode_filter(election.postcode_filter or ""),
            neighbourhoods=parse_neighbourhood_filter(election.neighbourhood_filter or ""),
        )

    def refusal(self, resident: Resident) -> RegisterError | None:
        """Why ``resident`` may not vote (``too_young``, ``outside_area``,
        ``neighbourhood_excluded``), or None if they may."""
        age = age_on(resident.birth_date, self.reference_day)
        if age < self.min_age:
            return RegisterError("too_young", min_age=self.min_age, day=self.reference_day, age=age)
        if self.postcode_ranges and not postcode_in(resident.postcode, self.postcode_ranges):
            return RegisterError("outside_area", postcode=resident.postcode_printed)
        if self.neighbourhoods and resident.neighbourhood.casefold() not in self.neighbourhoods:
            shown = resident.neighbourhood or "(-)"
            return RegisterError("neighbourhood_excluded", neighbourhood=shown)
        return None


def reference_day(opens_at: datetime | None, today: date | None = None) -> date:
    """The day on which age counts: the first voting day in Dutch time, else today."""
    if opens_at is None:
        return today or town_hall_today()
    return local_time(opens_at).date()


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day`` (someone born on 29 February turns a year older
    on 1 March in other years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def normalise_postcode(value: str) -> str | None:
    """``1234 ab`` -> ``1234AB``; None if it is not a Dutch postcode."""
    match = _POSTCODE.match(value.strip().upper())
    if not match or match.group(2) in _UNUSED_LETTERS:
        return None
    return match.group(1) + match.group(2)


def parse_postcode_filter(text: str) -> tuple[tuple[str, str], ...]:
    """Read a postcode filter into (low, high) pairs of equal length.

    ``"6921-6923, 5611AB, 56"`` -> ``(("6921", "6923"), ("5611AB", "5611AB"),
    ("56", "56"))``. Raises :class:`RegisterError` for anything else.
    """
    ranges = []
    for part in text.split(","):
        part = part.strip().upper().replace(" ", "")
        if not part:
            continue
        low, _, high = part.partition("-")
        high = high or low
        if not (_filter_bound(low) and _filter_bound(high)) or len(low) != len(high):
            raise RegisterError("postcode_filter_unreadable", part=part)
        if low > high:
            raise RegisterError("postcode_filter_reversed", part=part)
        ranges.append((low, high))
    return tuple(ranges)


def _filter_bound(value: str) -> bool:
    return bool(re.fullmatch(r"[1-9][0-9]{0,3}|[1-9][0-9]{3}[A-Z]{1,2}", value))


def postcode_in(postcode: str, ranges: Iterable[tuple[str, str]]) -> bool:
    """True if ``postcode`` (normalised) lies in one of ``ranges``; a bound of n
    characters compares the first n characters of the postcode."""
    return any(low <= postcode[: len(low)] <= high for low, high in ranges)


def parse_neighbourhood_filter(text: str) -> frozenset[str]:
    """Comma-separated neighbourhood names, compared case-insensitively."""
    return frozenset(p.strip().casefold() for p in text.split(",") if p.strip())


def decode(data: bytes) -> tuple[str, str]:
    """The text of an uploaded file and the code of the encoding it was in
    (``voting.labels.ENCODING_LABELS`` has its words): ``utf-8-bom``, ``utf-8``, else
    ``cp1252`` (which decodes almost any byte; the five it leaves undefined fall back
    to Latin-1 so a stray byte is a visible oddity, not a crash)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-bom"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "cp1252"


def detect_delimiter(header: str) -> str:
    """The delimiter of a CSV file, judged by its header line: the candidate that
    occurs most often (a header has no quoted commas worth worrying about)."""
    candidates = (";", ",", "\t", "|")
    best = max(candidates, key=header.count)
    return best if header.count(best) else ","


def parse_date(value: str) -> date | None:
    """A birth date in one of the formats registers use, or None."""
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def read_register(data: bytes, eligibility: Eligibility) -> RegisterCheck:
    """Read a register export and sort its rows into residents who go on the roll and
    bad rows (by line number and reason). Never raises for bad input."""
    text, encoding = decode(data)
    first_line = text.split("\n", 1)[0]
    check = RegisterCheck(encoding=encoding, delimiter=detect_delimiter(first_line))
    if not text.strip():
        check.errors.append(RowError(1, Reason.BAD_FILE, RegisterError("file_empty")))
        return check
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=check.delimiter)
    try:
        header = next(reader)
    except csv.Error as error:
        check.errors.append(
            RowError(1, Reason.BAD_FILE, RegisterError("header_unreadable", detail=str(error)))
        )
        return check
    columns = _map_columns(header)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        check.errors.append(
            RowError(
                1,
                Reason.BAD_FILE,
                RegisterError(
                    "columns_missing", columns=", ".join(_ALIASES[name][0] for name in missing)
                ),
            )
        )
        return check
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            check.rows += 1
            check.errors.append(
                RowError(line, Reason.BAD_ROW, RegisterError("row_unreadable", detail=str(error)))
            )
            continue
        if not any(cell.strip() for cell in row):
            continue  # blank lines (a trailing newline in Excel exports)
        check.rows += 1
        outcome = _read_row(row, line, columns, len(header), seen)
        if isinstance(outcome, RowError):
            check.errors.append(outcome)
            continue
        refusal = eligibility.refusal(outcome)
        if refusal:
            check.not_eligible.append(RowError(line, Reason.NOT_ELIGIBLE, refusal))
            continue
        check.residents.append(outcome)
    return check


def _map_columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = re.sub(r"[\s_\-.]", "", title.strip().lower())
        name = _COLUMN_FIELD.get(key)
        if name and name not in columns:
            columns[name] = index
    return columns


def _read_row(
    row: list[str], line: int, columns: dict[str, int], width: int, seen: dict[str, int]
) -> Resident | RowError:
    if len(row) != width:
        return RowError(
            line, Reason.BAD_ROW, RegisterError("field_count", given=len(row), expected=width)
        )
    values = {name: row[index].strip() for name, index in columns.items()}
    for name in REQUIRED:
        if not values[name]:
            return RowError(
                line, Reason.MISSING_FIELD, RegisterError("field_empty", column=_ALIASES[name][0])
            )
    too_long = [name for name, value in values.items() if len(value) > MAX_FIELD]
    if too_long:
        return RowError(
            line, Reason.BAD_ROW, RegisterError("field_too_long", column=_ALIASES[too_long[0]][0])
        )
    postcode = normalise_postcode(values["postcode"])
    if postcode is None:
        return RowError(
            line, Reason.BAD_POSTCODE, RegisterError("not_a_postcode", value=values["postcode"])
        )
    birth = parse_date(values["birth_date"])
    if birth is None or not _OLDEST <= birth <= town_hall_today():
        return RowError(
            line, Reason.BAD_DATE, RegisterError("not_a_date", value=values["birth_date"])
        )
    reference = values["person_reference"]
    if reference in seen:
        return RowError(line, Reason.DUPLICATE, RegisterError("same_person", line=seen[reference]))
    seen[reference] = line
    return Resident(
        line=line,
        person_reference=reference,
        name=values["name"],
        address=values["address"],
        postcode=postcode,
        town=values["town"],
        birth_date=birth,
        neighbourhood=values.get("neighbourhood", ""),
    )
