"""The one error type every reader raises for malformed input."""

from __future__ import annotations

import string
from typing import Any, ClassVar

from ballots.errors import CodedError


class _Words(string.Formatter):
    """``str.format`` with two extra format specs, so that a raiser passes numbers and
    raw text and the template picks the words: ``{seats:many seat}`` gives ``1 seat`` or
    ``2 seats``, ``{token:shown}`` gives the text quoted and cut short if long."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("many "):
            noun = format_spec.removeprefix("many ")
            return f"{value} {noun}" if value == 1 else f"{value} {noun}s"
        if format_spec == "shown":
            text = str(value)
            return repr(text if len(text) <= 40 else text[:37] + "...")
        return super().format_field(value, format_spec)


_WORDS = _Words()


class FormatError(CodedError):
    """Malformed input: names the file, the 1-based line number and what is wrong.

    What is wrong is a ``code`` with its ``params`` (see :class:`CodedError`);
    :attr:`reason` is its English sentence and ``str(error)`` the one line
    ``recount.py`` prints: ``FILE:LINE: REASON``.
    """

    ENGLISH: ClassVar[dict[str, str]] = {
        # any reader
        "not_utf8": "not UTF-8 text ({error})",
        # BLT (ballots/formats/blt.py)
        "blt_cannot_read": "{error}",
        "blt_unreadable": "cannot be read",
        "blt_empty": "empty file: no 'CANDIDATES SEATS' header",
        "blt_bad_header": "the header must be 'CANDIDATES SEATS', not {text:shown}",
        "blt_no_candidates": "the header declares no candidates",
        "blt_more_candidates_than_lines": "the header declares {candidates} candidates, "
        "more than the file has lines",
        "blt_seats_out_of_range": "{seats:many seat} for {candidates:many candidate}",
        "blt_withdrawn_not_negative": "withdrawn candidates must be negative numbers, "
        "not {token:shown}",
        "blt_withdrawn_unknown": "withdrawn candidate {candidate} is not one of the "
        "{candidates:many candidate}",
        "blt_withdrawn_twice": "candidate {candidate} is withdrawn twice",
        "blt_weight_not_positive": "the weight must be positive",
        "blt_ballots_never_end": "the ballots never end: no line with a single 0",
        "blt_equal_preferences": "equal preferences ('=') are not allowed: ballots have no ties",
        "blt_weight_too_long": "the weight has {digits:,} digits: too large to be a number "
        "of ballots",
        "blt_weight_not_whole": "the weight must be a whole number, not {weight:shown}",
        "blt_ballot_not_ended": "the ballot does not end with 0",
        "blt_unknown_candidate": "preference for unknown candidate {token:shown} "
        "(there are {candidates})",
        "blt_ranked_twice": "candidate {candidate} is ranked twice",
        "blt_names_missing": "{names:many candidate name} and a title; expected "
        "{candidates:many name} and a title",
        "blt_text_after_title": "unexpected text after the title",
        "blt_quote_not_closed": "a quoted name is not closed",
        # pabulib (ballots/formats/pabulib.py)
        "pb_cannot_read": "cannot read file: {error}",
        "pb_voter_twice": "voter_id {voter!r} appears twice (first on line {first})",
        "pb_section_order": "expected section {expected}, found {found}",
        "pb_meta_not_first": "the file must start with a META section",
        "pb_projects_column_missing": "PROJECTS header has no {column} column",
        "pb_vote_column_missing": "VOTES header has no vote column",
        "pb_points_column_missing": "VOTES header has no points column ({vote_type})",
        "pb_meta_line": "META line has 1 field, expected key;value",
        "pb_projects_width": "PROJECTS line has {given} fields, expected {expected}",
        "pb_project_id_empty": "empty project_id",
        "pb_project_twice": "project {project!r} listed twice",
        "pb_bad_cost": "cost of project {project!r} is not a whole non-negative number: {cost!r}",
        "pb_votes_width": "VOTES line has {given} fields, expected {expected}",
        "pb_section_missing": "missing {section} section",
        "pb_votes_no_header": "VOTES has no header",
        "pb_bad_budget": "META budget is missing or not a whole number: {budget!r}",
        "pb_vote_type_missing": "META has no vote_type",
        "pb_vote_type_unknown": "unsupported vote_type {vote_type!r} (known: {known})",
        "pb_bad_meta_number": "META {key} is not a whole non-negative number: {value!r}",
        "pb_unknown_project": "vote names unknown project {project!r}",
        "pb_project_twice_in_vote": "vote names a project twice",
        "pb_vote_too_long": "vote names {given} projects, more than META max_length {limit}",
        "pb_points_count": "vote names {choices} projects but has {points} points",
        "pb_points_not_whole": "points {points!r} are not a whole number",
        # election records (ballots/record/read.py)
        "record_not_found": "file not found",
        "record_cannot_read": "cannot read: {error}",
        "record_bad_json": "bad JSON: {error}",
        "record_json_not_allowed": "{error}",
        "record_not_object": "a record must be a JSON object",
        "record_format_missing": "not a Buurtstem election record: field 'format' is missing",
        "record_format_unknown": "unsupported record format {given!r}, expected {expected!r}",
        "record_theme_budget": "theme budget {number} is not [theme, whole amount]",
        "record_kind_unknown": "election kind {kind!r} is not one of {kinds}",
        "record_ballot_type_unknown": "ballot type {ballot_type!r} is not one of {kinds}",
        "record_budget_missing": "a budget election needs a budget",
        "record_split_total_missing": "a split election needs the total to split (budget)",
        "record_threshold_not_number": "turnout threshold is not a number",
        "record_option_not_object": "option {number} is not an object",
        "record_option_id_twice": "option id {option!r} appears twice",
        "record_ballot_not_object": "ballot {ballot} is not an object",
        "record_ballot_receipt": "a ballot must not carry a receipt (receipts are listed apart)",
        "record_choice_not_id": "ballot {ballot}: choice {choice!r} is not an option id",
        "record_amounts_per_choice": "ballot {ballot}: one amount per choice is needed",
        "record_amount_not_whole": "ballot {ballot}: amount {amount!r} is not a whole number",
        "record_amounts_not_allowed": "ballot {ballot}: only split and points ballots give amounts",
        "record_receipt_not_text": "receipt {number} is not a non-empty string",
        "record_bad_ballot": "{error}",
        "record_round_not_object": "round {number} is not an object",
        "record_field_missing": "field {field!r} is missing",
        "record_field_not_string": "field {field!r} must be a string, not {value}",
        "record_field_not_whole": "field {field!r} must be a whole number, not {value}",
        "record_field_not_bool": "field {field!r} must be true or false, not {value}",
        "record_field_not_list": "field {field!r} must be a list, not {value}",
        "record_field_not_object": "field {field!r} must be an object, not {value}",
    }

    def __init__(
        self, code: str, /, *, path: str = "<input>", line: int | None = None, **params: Any
    ) -> None:
        self.path = path
        self.line = line
        super().__init__(code, **params)

    @property
    def reason(self) -> str:
        """What is wrong, as an English sentence (without the file and line)."""
        template = self.ENGLISH.get(self.code)
        if template is None:
            return super().__str__()
        return _WORDS.format(template, **self.params)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"

    def __repr__(self) -> str:
        params = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return (
            f"{type(self).__name__}({self.code!r}, path={self.path!r}, line={self.line!r}{params})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # path and line are keywords too: without this a pickled error (pytest-xdist,
        # multiprocessing) would come back without them, or not at all.
        return (_rebuild, (type(self), self.code, self.path, self.line, self.params))


def _rebuild(
    cls: type[FormatError], code: str, path: str, line: int | None, params: dict[str, Any]
) -> FormatError:
    return cls(code, path=path, line=line, **params)
