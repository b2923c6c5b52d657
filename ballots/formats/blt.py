"""The BLT format for ranked ballots (OpenSTV, eSTV, the Scottish council data).

::

    4 2                 candidates and seats
    -3                  optional: withdrawn candidates, as negative numbers
    12 1 2 0            weight, then candidate numbers best first, then 0
    7 4 0
    0                   end of the ballots
    "Anna"              one name per candidate, in candidate-number order
    "Bert"
    "Cor ""de"" Vries"  quoted names double their quotes (as in CSV)
    "Dirk"
    "Wijkraad Noord"    the title

Accepted variations, all seen in published files: ``#`` comment lines anywhere and
``#`` comments after the numbers of a line; unquoted names and title (surrounding
blanks dropped); a name line of several quoted pieces (joined with a space); a
trailing comma on any line (spreadsheet exports); and files with no name lines whose
names are given as ``# ALTERNATIVE NAME k: name`` comments (Glasgow 2007).
Equal preferences (``=``) are not accepted: our ballots have no ties.

In the profile, option ids are the candidate numbers as strings (``"1"``, ``"2"``,
...) because names need not be unique; ``Option.name`` holds the name. Withdrawn
candidates are not options: they are dropped from every ballot, and ballots left
identical are grouped.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ballots._gc import without_gc_pauses
from ballots.formats.errors import FormatError
from ballots.methods._ranked import trust_rankings
from ballots.model import BallotKind, Option, Profile, ballot_groups

_ALTERNATIVE_NAME = re.compile(r"#\s*ALTERNATIVE NAME (\d+):\s?(.*)$")
# Python refuses to read longer numbers (sys.int_info.str_digits_check_threshold);
# no count of ballots or candidates is that long.
_MAX_DIGITS = 4300


@dataclass(frozen=True)
class BltElection:
    """One BLT file: its title, seats, candidate names (in candidate-number order,
    withdrawn ones included), the names of the withdrawn candidates, and the ballots
    as a ranked :class:`Profile` whose option ids are candidate numbers."""

    title: str
    seats: int
    candidates: tuple[str, ...]
    withdrawn: tuple[str, ...]
    profile: Profile


@without_gc_pauses
def read_blt(source: str | os.PathLike[str], *, text: str | None = None) -> BltElection:
    """Read a BLT file, or ``text`` if given (``source`` then only names it in errors).

    Raises :class:`FormatError` with the path and 1-based line number for malformed
    input: a bad header, a non-integer or non-positive weight, a ballot without its
    closing 0, an unknown or repeated candidate, equal preferences, a missing end of
    ballots, too few candidate names, or text after the title. A file that cannot be
    read, or is not UTF-8, is a :class:`FormatError` without a line.
    """
    path = os.fspath(source)
    if text is None:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                text = handle.read()
        except UnicodeDecodeError as error:
            raise FormatError("not_utf8", path=path, error=error.reason) from None
        except OSError as error:
            if error.strerror:
                raise FormatError("blt_cannot_read", path=path, error=error.strerror) from None
            raise FormatError("blt_unreadable", path=path) from None
    lines = _Lines(path, text.split("\n"))
    header = _read_header(lines)
    grouped, end = _read_ballots(lines, header)
    names, title = _read_names(lines, end, header.candidates)
    options = tuple(
        Option(id=str(k), name=names[k - 1])
        for k in range(1, header.candidates + 1)
        if k not in header.withdrawn
    )
    profile = Profile(
        kind=BallotKind.RANKED,
        options=options,
        groups=ballot_groups(grouped.keys(), grouped.values()),
    )
    trust_rankings(profile)  # every line was checked above
    return BltElection(
        title=title,
        seats=header.seats,
        candidates=tuple(names),
        withdrawn=tuple(names[k - 1] for k in header.withdrawn),
        profile=profile,
    )


@dataclass(frozen=True)
class _Lines:
    """The lines of one file and its path, to name both in errors."""

    path: str
    lines: list[str]

    def fail(self, code: str, index: int, **params: Any) -> FormatError:
        """The error ``code`` (with its ``params``) for the line at 0-based ``index``."""
        return FormatError(code, path=self.path, line=index + 1, **params)


@dataclass(frozen=True)
class _Header:
    """What the lines before the ballots say: the number of candidates, seats, the
    withdrawn candidates' numbers (in file order), and the index of the first line
    after them."""

    candidates: int
    seats: int
    withdrawn: tuple[int, ...]
    start: int


def _read_header(source: _Lines) -> _Header:
    """The ``CANDIDATES SEATS`` line and the optional line of withdrawn candidates."""
    lines, fail = source.lines, source.fail
    i = _next_data_line(lines, 0)
    if i >= len(lines):
        raise FormatError("blt_empty", path=source.path, line=1)
    header = _numbers(lines[i]).split()
    if len(header) != 2 or not all(_is_number(t) for t in header):
        raise fail("blt_bad_header", i, text=lines[i].strip())
    n, seats = int(header[0]), int(header[1])
    if n < 1:
        raise fail("blt_no_candidates", i)
    if n > len(lines):
        # Every candidate needs a name line; refusing here keeps a header such as
        # "999999999999 1" from sizing anything below.
        raise fail("blt_more_candidates_than_lines", i, candidates=n)
    if not 1 <= seats <= n:
        raise fail("blt_seats_out_of_range", i, seats=seats, candidates=n)

    withdrawn: list[int] = []
    i = _next_data_line(lines, i + 1)
    if i < len(lines) and _numbers(lines[i]).lstrip().startswith("-"):
        for token in _numbers(lines[i]).split():
            if not (token.startswith("-") and _is_number(token[1:])):
                raise fail("blt_withdrawn_not_negative", i, token=token)
            k = int(token[1:])
            if not 1 <= k <= n:
                raise fail("blt_withdrawn_unknown", i, candidate=k, candidates=n)
            if k in withdrawn:
                raise fail("blt_withdrawn_twice", i, candidate=k)
            withdrawn.append(k)
        i += 1
    return _Header(n, seats, tuple(withdrawn), i)


# The line that ends the ballots: a single 0, perhaps with blanks, commas or a comment.
_END = re.compile(r"[ \t]*0[ \t,]*(?:#.*)?\r?")
# The weights real files use, already converted: int() on each distinct line was a
# measurable part of reading one.
_SMALL_WEIGHTS = {str(k): k for k in range(1000)}
# What a ballot line is checked against: the candidate numbers, the withdrawn ones
# (both as text) and how many candidates there are.
_Candidates = tuple[set[str], set[str], int]


def _read_ballots(source: _Lines, header: _Header) -> tuple[dict[tuple[str, ...], int], int]:
    """The ballots, grouped: each ranking (withdrawn candidates dropped) with its total
    weight, in order of first appearance; and the index of the line that ends them.

    Real files repeat rankings (one line per voter, or weights that were never summed),
    so identical lines are counted first, at C speed, and each distinct line is parsed
    and checked once, in order of first appearance. That order also finds the end: the
    first distinct line that is a single 0 is the first such line of the file, and
    every distinct line before it is a ballot line (those after it are only names and
    the title). Errors still name the first line that is wrong: only a failing line is
    looked up again.
    """
    lines, start = source.lines, header.start
    counts = Counter(lines[start:])
    n = header.candidates
    withdrawn = {str(k) for k in header.withdrawn}
    valid = {str(k) for k in range(1, n + 1)}
    is_valid = valid.issuperset
    small = _SMALL_WEIGHTS.get
    grouped: dict[tuple[str, ...], int] = {}
    get = grouped.get
    zero: dict[tuple[str, ...], str] = {}  # rankings with a weight-0 line: their first line
    end_line = None
    for raw, times in counts.items():
        parts = raw.split()
        if not parts:
            continue
        key = tuple(parts[1:-1])
        value = small(parts[0])
        # The common line: a small plain weight, distinct plain candidate numbers, the 0.
        if (
            value is not None
            and parts[-1] == "0"
            and len(parts) > 1
            and is_valid(key)
            and len(set(key)) == len(key)
        ):
            if withdrawn:
                key = tuple(t for t in key if t not in withdrawn)
        elif _END.fullmatch(raw):
            end_line = raw
            break
        else:
            parsed = _careful_or_unended(source, raw, start, counts, (valid, withdrawn, n))
            if parsed is None:
                continue  # a comment
            value, key = parsed
        if not value:
            zero.setdefault(key, raw)
        grouped[key] = get(key, 0) + value * times
    if end_line is None:
        raise _unended(source)
    end = _index_of_end(lines, start, end_line, counts[end_line])
    _drop_lines_after_end(source, start, end, counts, grouped, (valid, withdrawn, n))
    blank_totals = [raw for key, raw in zero.items() if grouped[key] == 0]
    if blank_totals:
        index = min(lines.index(raw, start) for raw in blank_totals)
        raise source.fail("blt_weight_not_positive", index)
    return grouped, end


def _unended(source: _Lines) -> FormatError:
    """The error for a file whose ballots never end, at its last line with text."""
    lines = source.lines
    last = max((j for j in range(len(lines)) if lines[j].strip()), default=0)
    return source.fail("blt_ballots_never_end", last)


def _careful_or_unended(
    source: _Lines, raw: str, start: int, counts: Counter[str], candidates: _Candidates
) -> tuple[int, tuple[str, ...]] | None:
    """:func:`_careful_ballot` for a line met before the end of the ballots; if the line
    is wrong and the ballots never end at all, that is the error to report (the line
    is then more likely a name than a bad ballot)."""
    try:
        return _careful_ballot(source, raw, start, *candidates)
    except FormatError:
        if not any(map(_END.fullmatch, counts)):
            raise _unended(source) from None
        raise


def _index_of_end(lines: list[str], start: int, end_line: str, occurrences: int) -> int:
    """The index of the first line at or after ``start`` that is ``end_line``.

    Looking it up from the start compares it with every ballot line; when it occurs
    only once it is found from the back, past just the names and the title."""
    if occurrences == 1:
        j = len(lines) - 1
        while lines[j] != end_line:
            j -= 1
        return j
    return lines.index(end_line, start)


def _drop_lines_after_end(
    source: _Lines,
    start: int,
    end: int,
    counts: Counter[str],
    grouped: dict[tuple[str, ...], int],
    candidates: _Candidates,
) -> None:
    """Take off ``grouped`` what the lines after the end added: a line that appears both
    among the ballots and after the end was counted with all its occurrences."""
    for raw, times in Counter(source.lines[end + 1 :]).items():
        if counts[raw] > times and raw != source.lines[end]:
            parsed = _careful_ballot(source, raw, start, *candidates)
            if parsed is not None:
                value, key = parsed
                grouped[key] -= value * times


def _careful_ballot(
    source: _Lines, raw: str, start: int, valid: set[str], withdrawn: set[str], n: int
) -> tuple[int, tuple[str, ...]] | None:
    """The weight and ranking of any ballot line, also one not in the plain form (a
    comment, commas, ``"01"`` for candidate 1); ``None`` for a comment line, or a
    :class:`FormatError` naming the line's first appearance."""

    def fail(code: str, **params: Any) -> FormatError:
        return source.fail(code, source.lines.index(raw, start), **params)

    parts = _numbers(raw).split()
    if not parts:
        return None
    weight = parts[0]
    if not _is_number(weight):
        if "=" in raw:
            raise fail("blt_equal_preferences")
        if weight.isdigit() and len(weight) > _MAX_DIGITS:
            raise fail("blt_weight_too_long", digits=len(weight))
        raise fail("blt_weight_not_whole", weight=weight)
    if parts[-1] != "0" or len(parts) < 2:
        raise fail("blt_ballot_not_ended")
    ranking: list[str] = []
    seen: set[str] = set()
    for token in parts[1:-1]:
        if token not in valid:
            canonical = token.lstrip("0")
            if _is_number(token) and canonical in valid:
                token = canonical  # "01" is candidate 1
            elif "=" in token:
                raise fail("blt_equal_preferences")
            else:
                raise fail("blt_unknown_candidate", token=token, candidates=n)
        if token in seen:
            raise fail("blt_ranked_twice", candidate=token)
        seen.add(token)
        if token not in withdrawn:
            ranking.append(token)
    value = _SMALL_WEIGHTS.get(weight)
    return int(weight) if value is None else value, tuple(ranking)


def _read_names(source: _Lines, end: int, n: int) -> tuple[list[str], str]:
    """The candidate names and the title: the non-comment lines after the end of the
    ballots, or ``# ALTERNATIVE NAME k:`` comments and a title line."""
    lines, fail = source.lines, source.fail
    texts: list[tuple[int, str]] = []
    alternatives: dict[int, str] = {}
    for j in range(end + 1, len(lines)):
        stripped = lines[j].strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            found = _ALTERNATIVE_NAME.match(stripped)
            if found:
                alternatives[int(found.group(1))] = found.group(2).strip()
            continue
        texts.append((j, stripped))
    if len(texts) == 1 and n > 1 and set(alternatives) >= set(range(1, n + 1)):
        names = [alternatives[k] for k in range(1, n + 1)]
        return names, _text(texts[0][1], texts[0][0], fail)
    if len(texts) < n + 1:
        # point at the last line read as a name or title (or the closing 0)
        where = texts[-1][0] if texts else end
        raise fail("blt_names_missing", where, names=max(len(texts) - 1, 0), candidates=n)
    if len(texts) > n + 1:
        raise fail("blt_text_after_title", texts[n + 1][0])
    names = [_text(t, j, fail) for j, t in texts[:n]]
    return names, _text(texts[n][1], texts[n][0], fail)


def write_blt(election: BltElection) -> str:
    """The BLT text of ``election``; :func:`read_blt` reads it back to an equal value.

    Names and title are always quoted (quotes doubled), so any text survives. Raises
    ``ValueError`` if the profile's option ids are not the candidate numbers of the
    non-withdrawn candidates, or a name holds a line break.
    """
    n = len(election.candidates)
    ids = [o.id for o in election.profile.options]
    withdrawn = sorted(set(range(1, n + 1)) - {int(i) for i in ids if i.isdigit()})
    expected = [str(k) for k in range(1, n + 1) if k not in withdrawn]
    if ids != expected:
        raise ValueError("option ids must be the numbers of the non-withdrawn candidates")
    if sorted(election.candidates[k - 1] for k in withdrawn) != sorted(election.withdrawn):
        raise ValueError("the withdrawn names do not match the candidates left out")
    out = [f"{n} {election.seats}"]
    if withdrawn:
        out.append(" ".join(f"-{k}" for k in _withdrawn_order(election, withdrawn)))
    for group in election.profile.groups:
        out.append(" ".join([str(group.count), *group.choices, "0"]))
    out.append("0")
    out.extend(_quote(name) for name in election.candidates)
    out.append(_quote(election.title))
    return "\n".join(out) + "\n"


def _withdrawn_order(election: BltElection, withdrawn: list[int]) -> list[int]:
    """Withdrawn numbers in the order the election lists their names."""
    remaining = list(withdrawn)
    order: list[int] = []
    for name in election.withdrawn:
        k = next(k for k in remaining if election.candidates[k - 1] == name)
        remaining.remove(k)
        order.append(k)
    return order


def _quote(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise ValueError(f"a BLT name or title cannot hold a line break: {text!r}")
    return '"' + text.replace('"', '""') + '"'


def _numbers(line: str) -> str:
    """A line of numbers without its comment and with commas as blanks."""
    if "#" in line:
        line = line[: line.index("#")]
    return line.replace(",", " ")


def _is_number(token: str) -> bool:
    """Whether ``token`` is a whole number in ASCII digits that Python will read."""
    return token.isascii() and token.isdigit() and len(token) <= _MAX_DIGITS


def _next_data_line(lines: list[str], i: int) -> int:
    """The index of the first line at or after ``i`` that is neither blank nor comment."""
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            return i
        i += 1
    return i


def _text(line: str, index: int, fail: Callable[..., FormatError]) -> str:
    """A name or title: unquoted (blanks and trailing commas dropped) or one or more
    CSV-style quoted pieces, joined by a space, kept exactly as quoted."""
    if not line.startswith('"'):
        return line.rstrip(",").strip()
    pieces: list[str] = []
    k = 0
    size = len(line)
    while k < size:
        if line[k] in " \t,":
            k += 1
            continue
        if line[k] != '"':
            rest = line[k:].rstrip(",").strip()
            pieces.append(rest)
            break
        k += 1
        chars: list[str] = []
        while True:
            close = line.find('"', k)
            if close < 0:
                raise fail("blt_quote_not_closed", index)
            chars.append(line[k:close])
            if close + 1 < size and line[close + 1] == '"':
                chars.append('"')
                k = close + 2
            else:
                k = close + 1
                break
        pieces.append("".join(chars))
    return " ".join(pieces)
