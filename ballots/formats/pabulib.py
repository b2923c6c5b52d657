"""Read and write pabulib ``.pb`` files (participatory budgeting elections).

The format (https://pabulib.org/format) has three sections, each a ``;``-separated
table with a header line: ``META`` (key;value), ``PROJECTS`` (project_id;cost;...)
and ``VOTES`` (voter_id;...;vote[;points]). Approval (and ``choose-1``), ordinal,
cumulative and scoring votes are supported.

The reader is a plain loop over lines. Identical votes are grouped as they are read, so
the work per voter is one ``split`` and one dictionary look-up; a vote is checked
against the projects only the first time its exact text is seen. Per-voter columns
(voter_id, age, sex, ...) are not kept: a :class:`~ballots.model.Profile` holds grouped
ballots only, and :func:`write_pb` numbers the voters 1, 2, 3, ...
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ballots._gc import without_gc_pauses
from ballots.formats.errors import FormatError
from ballots.model import BallotGroup, BallotKind, Option, Profile

# vote_type -> ballot kind of the profile, and whether the VOTES table has points
VOTE_TYPES: dict[str, tuple[BallotKind, bool]] = {
    "approval": (BallotKind.APPROVAL, False),
    "choose-1": (BallotKind.APPROVAL, False),
    "ordinal": (BallotKind.RANKED, False),
    "cumulative": (BallotKind.POINTS, True),
    "scoring": (BallotKind.APPROVAL, True),
}

_SECTIONS = ("meta", "projects", "votes")


@dataclass(frozen=True)
class PbElection:
    """One pabulib election.

    ``meta`` holds the META section as written (strings, in file order); ``projects``
    maps each project id to its other columns (name, votes, selected, ...; everything
    but ``project_id`` and ``cost``), in file order. ``profile`` has one option per
    project (id = project_id, cost, name) and the grouped ballots; its ``budget`` is
    ``budget``. ``vote_type`` is the META ``vote_type`` (approval, ordinal, cumulative,
    scoring or choose-1).
    """

    meta: dict[str, str]
    projects: dict[str, dict[str, str]]
    profile: Profile
    vote_type: str
    budget: int


def _whole_number(text: str) -> int | None:
    """``text`` as an int if it is a whole number ("7000", "7000.0", "7 000"), else None."""
    t = text.strip().replace(" ", "").replace(",", ".")
    try:
        return int(t)
    except ValueError:
        pass
    try:
        value = Fraction(t)
    except (ValueError, ZeroDivisionError):
        return None
    return int(value) if value.denominator == 1 else None


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, fields)`` for every non-blank line, 1-based.

    Lines without a double quote are split on ``;`` directly (the fast path); lines
    with one go through :mod:`csv`, joined with the following lines while a quoted
    field is still open.
    """
    lines = text.splitlines()
    i = 0
    total = len(lines)
    while i < total:
        line = lines[i]
        number = i + 1
        i += 1
        if '"' in line:
            while line.count('"') % 2 and i < total:
                line += "\n" + lines[i]
                i += 1
            fields = next(csv.reader([line], delimiter=";"), [])
        else:
            if not line or line.isspace():
                continue
            fields = line.split(";")
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        yield number, fields


@without_gc_pauses
def read_pb(source: str | os.PathLike[str], *, text: str | None = None) -> PbElection:
    """Read a pabulib file.

    ``source`` is the path to read, or only the name used in error messages when
    ``text`` (the file's content) is given. Raises :class:`FormatError` with the file
    and the 1-based line for malformed input: a missing section or column, a cost or
    budget that is not a whole number, a vote naming an unknown project or naming one
    twice, a vote naming more projects than META ``max_length`` allows (which becomes
    the profile's ``max_choices``), a ``voter_id`` that appears twice, a line with the
    wrong number of fields, points that do not match the vote.
    """
    path = os.fspath(source)
    if text is None:
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                text = handle.read()
        except UnicodeDecodeError as exc:
            raise FormatError("not_utf8", path=path, error=exc.reason) from None
        except OSError as exc:
            raise FormatError("pb_cannot_read", path=path, error=exc.strerror) from None
    elif text.startswith("\ufeff"):
        text = text[1:]
    return _parse(text, path)


def _fail(code: str, path: str, line: int | None, **params: Any) -> FormatError:
    return FormatError(code, path=path, line=line, **params)


def _parse(text: str, path: str) -> PbElection:
    meta: dict[str, str] = {}
    projects: dict[str, dict[str, str]] = {}
    options: list[Option] = []
    seen: set[str] = set()
    section = ""
    header: list[str] | None = None
    # VOTES state
    vote_col = points_col = -1
    width = 0
    kind = BallotKind.APPROVAL
    with_points = False
    ordered = False
    # raw vote text (plus raw points) -> canonical key; canonical key -> voter count
    canon: dict[object, tuple] = {}
    counts: dict[tuple, int] = {}
    last_line = 0
    meta_lines: dict[str, int] = {}  # META key -> its line, for errors about its value
    id_col = -1
    voter_lines: dict[str, int] = {}  # voter_id -> the line it is on
    max_length: int | None = None

    rows = _rows(text)
    for number, fields in rows:
        last_line = number
        if width and len(fields) == width:
            # The hot loop (VOTES, after its header): one look-up per voter. A section
            # line cannot get here: VOTES is the last section, and a lone keyword has
            # the wrong number of fields unless it is a vote.
            if id_col >= 0:
                # one voter, one vote: a repeated voter_id would count someone twice
                voter = fields[id_col].strip()
                first_seen = voter_lines.setdefault(voter, number)
                if first_seen != number:
                    raise _fail("pb_voter_twice", path, number, voter=voter, first=first_seen)
            raw = fields[vote_col] if points_col < 0 else (fields[vote_col], fields[points_col])
            key = canon.get(raw)
            if key is None:
                key = canon[raw] = _canonical(
                    raw, seen, ordered, with_points, path, number, max_length
                )
            counts[key] = counts.get(key, 0) + 1
            continue
        first = fields[0].strip().lower()
        if first in _SECTIONS and not any(f.strip() for f in fields[1:]):
            expected = _SECTIONS[_SECTIONS.index(section) + 1] if section else "meta"
            if first != expected:
                raise _fail(
                    "pb_section_order", path, number, expected=expected.upper(), found=first.upper()
                )
            section = first
            header = None
            continue
        if not section:
            raise _fail("pb_meta_not_first", path, number)
        if header is None:
            header = [h.strip() for h in fields]
            if section == "projects":
                for column in ("project_id", "cost"):
                    if column not in header:
                        raise _fail("pb_projects_column_missing", path, number, column=column)
            elif section == "votes":
                if "vote" not in header:
                    raise _fail("pb_vote_column_missing", path, number)
                vote_type, kind, with_points = _vote_type(meta, path, number)
                ordered = kind is BallotKind.RANKED
                vote_col = header.index("vote")
                id_col = header.index("voter_id") if "voter_id" in header else -1
                max_length = _meta_number(meta, meta_lines, "max_length", path)
                if with_points:
                    if "points" not in header:
                        raise _fail("pb_points_column_missing", path, number, vote_type=vote_type)
                    points_col = header.index("points")
                width = len(header)
            continue
        if section == "meta":
            if len(fields) < 2:
                raise _fail("pb_meta_line", path, number)
            # an unquoted ";" inside a value (seen in hand-edited files) stays in it
            meta[fields[0].strip()] = ";".join(fields[1:]).strip()
            meta_lines[fields[0].strip()] = number
        elif section == "projects":
            if len(fields) != len(header):
                raise _fail(
                    "pb_projects_width", path, number, given=len(fields), expected=len(header)
                )
            row = {h: f.strip() for h, f in zip(header, fields, strict=True)}
            pid = row.pop("project_id")
            if not pid:
                raise _fail("pb_project_id_empty", path, number)
            if pid in seen:
                raise _fail("pb_project_twice", path, number, project=pid)
            cost_text = row.pop("cost")
            cost = _whole_number(cost_text)
            if cost is None or cost < 0:
                raise _fail("pb_bad_cost", path, number, project=pid, cost=cost_text)
            seen.add(pid)
            projects[pid] = row
            options.append(Option(pid, row.get("name", ""), cost))
        else:
            # a VOTES line that missed the hot loop above
            raise _fail("pb_votes_width", path, number, given=len(fields), expected=width)

    if section != "votes" or header is None:
        following = _SECTIONS[(_SECTIONS.index(section) + 1 if section else 0) :]
        if following:
            raise _fail("pb_section_missing", path, max(last_line, 1), section=following[0].upper())
        raise _fail("pb_votes_no_header", path, max(last_line, 1))
    budget_text = meta.get("budget")
    budget = None if budget_text is None else _whole_number(budget_text)
    if budget is None or budget < 0:
        raise _fail("pb_bad_budget", path, None, budget=budget_text)

    if with_points:
        groups = tuple(BallotGroup(k[0], n, k[1]) for k, n in counts.items())
    else:
        groups = tuple(BallotGroup(k, n) for k, n in counts.items())
    # Cumulative ballots: META max_sum_points is how many points one voter hands out.
    max_points = (
        _meta_number(meta, meta_lines, "max_sum_points", path)
        if kind is BallotKind.POINTS
        else None
    )
    profile = Profile(
        kind=kind,
        options=tuple(options),
        groups=groups,
        budget=budget,
        max_choices=max_length,
        max_points=max_points,
    )
    return PbElection(
        meta=meta,
        projects=projects,
        profile=profile,
        vote_type=meta["vote_type"].strip().lower(),
        budget=budget,
    )


def _vote_type(meta: dict[str, str], path: str, line: int) -> tuple[str, BallotKind, bool]:
    vote_type = meta.get("vote_type", "").strip().lower()
    if not vote_type:
        raise _fail("pb_vote_type_missing", path, line)
    try:
        kind, with_points = VOTE_TYPES[vote_type]
    except KeyError:
        known = ", ".join(VOTE_TYPES)
        raise _fail("pb_vote_type_unknown", path, line, vote_type=vote_type, known=known) from None
    return vote_type, kind, with_points


def _meta_number(meta: dict[str, str], lines: dict[str, int], key: str, path: str) -> int | None:
    """The META value ``key`` as a whole non-negative number, None if it is not given;
    a :class:`FormatError` at its line if it is something else."""
    text = meta.get(key)
    if text is None or not text.strip():
        return None
    value = _whole_number(text)
    if value is None or value < 0:
        raise _fail("pb_bad_meta_number", path, lines[key], key=key, value=text)
    return value


def _canonical(
    raw: str | tuple[str, str],
    known: set[str],
    ordered: bool,
    with_points: bool,
    path: str,
    line: int,
    max_length: int | None = None,
) -> tuple:
    """Check one vote text (the first time it is seen) and return its grouping key.

    Approval ballots are sorted, so that "1,2" and "2,1" fall in one group; ordinal
    ballots keep their order; point ballots sort the (project, points) pairs.
    """
    vote_text = raw[0] if with_points else raw
    vote_text = vote_text.strip()
    if vote_text.lower() in ("", "none"):
        choices = []
    elif with_points:
        choices = [c.strip() for c in vote_text.split(",")]
    else:
        # like pabutools, an empty item ("1,,2" or a trailing comma) names nothing
        choices = [c for c in (c.strip() for c in vote_text.split(",")) if c]
    for choice in choices:
        if choice not in known:
            raise _fail("pb_unknown_project", path, line, project=choice)
    if len(set(choices)) != len(choices):
        raise _fail("pb_project_twice_in_vote", path, line)
    if max_length is not None and len(choices) > max_length:
        raise _fail("pb_vote_too_long", path, line, given=len(choices), limit=max_length)
    if not with_points:
        return tuple(choices) if ordered else tuple(sorted(choices))
    points_text = raw[1].strip()
    points_items = [] if points_text.lower() in ("", "none") else points_text.split(",")
    if len(points_items) != len(choices):
        raise _fail("pb_points_count", path, line, choices=len(choices), points=len(points_items))
    points = []
    for item in points_items:
        value = _whole_number(item)
        if value is None:
            raise _fail("pb_points_not_whole", path, line, points=item.strip())
        points.append(value)
    pairs = sorted(zip(choices, points, strict=True))
    return (tuple(c for c, _ in pairs), tuple(p for _, p in pairs))


def _cell(value: object) -> str:
    """One CSV cell, quoted only when it must be (``;``, quote or line break inside)."""
    text = str(value)
    if any(ch in text for ch in ';"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_pb(election: PbElection) -> str:
    """The election as pabulib text.

    META is written as held, with ``budget`` and ``vote_type`` taken from the election
    when they disagree with it; PROJECTS has ``project_id;cost`` and then the other
    columns in the order first seen; VOTES numbers the voters 1, 2, 3, ... and writes
    every group's ballot ``count`` times. :func:`read_pb` of the result equals
    ``election``.
    """
    out = io.StringIO()
    meta = dict(election.meta)
    if _whole_number(meta.get("budget", "")) != election.budget:
        meta["budget"] = str(election.budget)
    if meta.get("vote_type", "").strip().lower() != election.vote_type:
        meta["vote_type"] = election.vote_type
    out.write("META\nkey;value\n")
    for key, value in meta.items():
        out.write(f"{_cell(key)};{_cell(value)}\n")
    columns: list[str] = []
    for extra in election.projects.values():
        for column in extra:
            if column not in columns:
                columns.append(column)
    out.write("PROJECTS\n" + ";".join(["project_id", "cost", *columns]) + "\n")
    for option in election.profile.options:
        extra = election.projects.get(option.id, {})
        cells = [option.id, str(option.cost)] + [extra.get(c, "") for c in columns]
        out.write(";".join(_cell(c) for c in cells) + "\n")
    _, with_points = VOTE_TYPES[election.vote_type]
    out.write("VOTES\nvoter_id;vote" + (";points" if with_points else "") + "\n")
    voter = 0
    for group in election.profile.groups:
        line = ",".join(group.choices)
        if with_points:
            line += ";" + ",".join(str(p) for p in group.points or ())
        for _ in range(group.count):
            voter += 1
            out.write(f"{voter};{line}\n")
    return out.getvalue()
