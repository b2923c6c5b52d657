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
from collections.abc import Callable
from dataclasses import dataclass

from ballots.formats.errors import FormatError
from ballots.model import BallotGroup, BallotKind, Option, Profile

_ALTERNATIVE_NAME = re.compile(r"#\s*ALTERNATIVE NAME (\d+):\s?(.*)$")


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
            raise FormatError(f"not UTF-8 text ({error.reason})", path=path) from None
        except OSError as error:
            raise FormatError(error.strerror or "cannot be read", path=path) from None
    lines = text.split("\n")
    total = len(lines)

    def fail(reason: str, index: int) -> FormatError:
        return FormatError(reason, path=path, line=index + 1)

    i = _next_data_line(lines, 0)
    if i >= total:
        raise FormatError("empty file: no 'CANDIDATES SEATS' header", path=path, line=1)
    header = _numbers(lines[i]).split()
    if len(header) != 2 or not all(t.isdigit() for t in header):
        raise fail(f"the header must be 'CANDIDATES SEATS', not {lines[i].strip()!r}", i)
    n, seats = int(header[0]), int(header[1])
    if n < 1:
        raise fail("the header declares no candidates", i)
    if not 1 <= seats <= n:
        raise fail(f"{seats} seats for {n} candidates", i)

    withdrawn_numbers: list[int] = []
    i = _next_data_line(lines, i + 1)
    if i < total and _numbers(lines[i]).lstrip().startswith("-"):
        for token in _numbers(lines[i]).split():
            if not (token.startswith("-") and token[1:].isdigit()):
                raise fail(f"withdrawn candidates must be negative numbers, not {token!r}", i)
            k = int(token[1:])
            if not 1 <= k <= n:
                raise fail(f"withdrawn candidate {k} is not one of the {n} candidates", i)
            if k in withdrawn_numbers:
                raise fail(f"candidate {k} is withdrawn twice", i)
            withdrawn_numbers.append(k)
        i += 1

    # Ballots: group identical lines first (keeping the first line of each for error
    # messages) so that checking and converting costs per distinct ballot, not per line.
    weights: dict[tuple[str, ...], int] = {}
    first_line: dict[tuple[str, ...], int] = {}
    end = -1
    while i < total:
        line = lines[i]
        if "#" in line:
            line = line[: line.index("#")]
        if "," in line:
            line = line.replace(",", " ")
        parts = line.split()
        if not parts:
            i += 1
            continue
        if len(parts) == 1 and parts[0] == "0":
            end = i
            break
        weight = parts[0]
        if not weight.isdigit():
            if "=" in line:
                raise fail("equal preferences ('=') are not allowed: ballots have no ties", i)
            raise fail(f"the weight must be a whole number, not {weight!r}", i)
        if parts[-1] != "0" or len(parts) < 2:
            raise fail("the ballot does not end with 0", i)
        key = tuple(parts[1:-1])
        if key in weights:
            weights[key] += int(weight)
        else:
            weights[key] = int(weight)
            first_line[key] = i
        i += 1
    if end < 0:
        last = max((j for j in range(total) if lines[j].strip()), default=0)
        raise fail("the ballots never end: no line with a single 0", last)

    withdrawn_set = {str(k) for k in withdrawn_numbers}
    valid_ids = {str(k) for k in range(1, n + 1)}
    grouped: dict[tuple[str, ...], int] = {}
    for key, weight in weights.items():
        if weight == 0:
            raise fail("the weight must be positive", first_line[key])
        ranking: list[str] = []
        seen: set[str] = set()
        for token in key:
            if token not in valid_ids:
                canonical = token.lstrip("0")
                if token.isdigit() and canonical in valid_ids:
                    token = canonical  # "01" is candidate 1
                elif "=" in token:
                    raise fail(
                        "equal preferences ('=') are not allowed: ballots have no ties",
                        first_line[key],
                    )
                else:
                    raise fail(
                        f"preference for unknown candidate {token!r} (there are {n})",
                        first_line[key],
                    )
            if token in seen:
                raise fail(f"candidate {token} is ranked twice", first_line[key])
            seen.add(token)
            if token not in withdrawn_set:
                ranking.append(token)
        ranked = tuple(ranking)
        grouped[ranked] = grouped.get(ranked, 0) + weight

    # Names and title: the non-comment lines after the end of the ballots.
    texts: list[tuple[int, str]] = []
    alternatives: dict[int, str] = {}
    for j in range(end + 1, total):
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
        title = _text(texts[0][1], texts[0][0], fail)
    else:
        if len(texts) < n + 1:
            # point at the last line read as a name or title (or the closing 0)
            where = texts[-1][0] if texts else end
            raise fail(
                f"{max(len(texts) - 1, 0)} candidate names and a title; expected {n} names "
                "and a title",
                where,
            )
        if len(texts) > n + 1:
            raise fail("unexpected text after the title", texts[n + 1][0])
        names = [_text(t, j, fail) for j, t in texts[:n]]
        title = _text(texts[n][1], texts[n][0], fail)

    options = tuple(
        Option(id=str(k), name=names[k - 1]) for k in range(1, n + 1) if k not in withdrawn_numbers
    )
    profile = Profile(
        kind=BallotKind.RANKED,
        options=options,
        groups=tuple(BallotGroup(choices, count) for choices, count in grouped.items()),
    )
    return BltElection(
        title=title,
        seats=seats,
        candidates=tuple(names),
        withdrawn=tuple(names[k - 1] for k in withdrawn_numbers),
        profile=profile,
    )


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


def _next_data_line(lines: list[str], i: int) -> int:
    """The index of the first line at or after ``i`` that is neither blank nor comment."""
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            return i
        i += 1
    return i


def _text(line: str, index: int, fail: Callable[[str, int], FormatError]) -> str:
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
                raise fail("a quoted name is not closed", index)
            chars.append(line[k:close])
            if close + 1 < size and line[close + 1] == '"':
                chars.append('"')
                k = close + 2
            else:
                k = close + 1
                break
        pieces.append("".join(chars))
    return " ".join(pieces)
