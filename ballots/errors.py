"""Errors as data: a code and the numbers and names that go with it, never a sentence.

The counting library raises :class:`CodedError` subclasses such as
``BallotError("too_many_choices", given=4, limit=3)``. Whoever shows the error to a
person turns the code into words in that person's language: the web app and its
command line through gettext (``voting/error_words.py``), the standalone tools
(``tools/recount.py``, ``tools/verify.py``) through ``str(error)``, which gives the
English sentence of :attr:`CodedError.ENGLISH`.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CodedError(ValueError):
    """An error with a ``code`` (what went wrong) and ``params`` (its numbers and names).

    ``str(error)`` is the English sentence for programmers and the standalone tools;
    a subclass lists its codes and their English templates in :attr:`ENGLISH`
    (``str.format`` fields named after the params). A code without a template reads as
    the code and its params, so nothing is ever lost.
    """

    ENGLISH: ClassVar[dict[str, str]] = {}

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)

    def __str__(self) -> str:
        template = self.ENGLISH.get(self.code)
        if template is None:
            shown = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
            return f"{self.code} ({shown})" if shown else self.code
        return template.format(**self.params)

    def __repr__(self) -> str:
        params = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({self.code!r}{params})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword params survive pickling (multiprocessing, pytest-xdist).
        return (_rebuild, (type(self), self.code, self.params))


def _rebuild(cls: type[CodedError], code: str, params: dict[str, Any]) -> CodedError:
    return cls(code, **params)


class BallotError(CodedError):
    """A ballot or profile that breaks the election's rules (unknown option, duplicate
    rank, over budget, ...) or a count that cannot run on it (seats out of range, a
    ranked rule on approval ballots).

    A ballot is named by ``ballot`` (its 1-based place in a record, which carries no
    receipts), ``receipt`` or ``group`` (its 1-based group in a profile) when known; the
    English sentence then starts with it.
    """

    ENGLISH: ClassVar[dict[str, str]] = {
        "duplicate_option_id": "two options share an id",
        "budget_missing": "a budget election needs a budget",
        "unknown_option": "unknown option {option!r}",
        "duplicate_rank": "duplicate rank",
        "duplicate_choice": "duplicate choice",
        "several_on_single": "more than one option on a single-choice ballot",
        "too_many_choices": "{given} choices, at most {limit}",
        "too_few_choices": "{given} choices, at least {limit}",
        "over_budget": "costs {spent}, more than the budget {budget}",
        "under_min_spend": "costs {spent}, less than the {minimum} a ballot must spend",
        "blank_not_allowed": "blank, but this election does not allow blank votes",
        "negative_count": "negative count {count}",
        "wrong_ballot_kind": "{rule} counts {wanted} ballots, not {kind} ballots",
        "bad_seats": "{rule}: seats must be a positive whole number, not {seats!r}",
        "too_many_seats": "{rule}: more seats ({seats}) than options ({options})",
        "one_winner_only": "{rule} elects one option; use stv for more seats",
        "budget_rule_needs_budget": "a budget rule needs a profile with a budget",
        "split_length": "a split names {given} amounts for {themes} themes",
        "split_needs_total": "a split ballot needs a positive total to divide",
        "split_amount_missing": "every theme needs an amount",
        "split_theme_twice": "a theme appears twice",
        "split_unknown_theme": "unknown theme {theme!r}",
        "split_negative": "a negative amount",
        "split_sum": "the amounts add up to {given}, not {total}",
        "leftover_unknown": "leftover must be 'unspent' or 'pooled', not {leftover!r}",
        "theme_budget_negative": "a theme budget cannot be negative",
        "theme_budgets_sum": "the theme budgets add up to {given}, not the budget {budget}",
        "theme_budgets_need_budget_rule": "only a budget rule funds per theme, not {rule}",
        "amount_not_positive": "amount {amount!r} is not a whole number above 0",
        "too_many_points": "{given} points, at most {limit}",
    }

    def __str__(self) -> str:
        text = super().__str__()
        if "receipt" in self.params:
            return f"ballot {self.params['receipt']}: {text}"
        if "ballot" in self.params:
            return f"ballot {self.params['ballot']}: {text}"
        if "group" in self.params:
            return f"ballot group {self.params['group']}: {text}"
        return text


class RecordError(CodedError):
    """An election record that cannot be built as given (a field missing or of the wrong
    type, turnout figures that disagree, a result of another rule or seed): a mistake in
    the calling code, so its words are English only."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "receipt_not_text": "receipt {receipt!r} is not a non-empty string",
        "receipt_twice": "receipt {receipt!r} appears twice",
        "receipts_unsorted": "receipt {receipt!r} comes after {before!r}: receipts must "
        "come sorted",
        "count_fields_unknown": "count fields not known: {fields}",
        "count_disagrees": "count {field} is {given!r}, but the ballots give {computed!r}",
        "channels_disagree": "{online} online + {paper} paper ballots, but {cast} were cast",
        "receipts_disagree": "{receipts} receipts for {cast} ballots cast: every ballot has one",
        "result_rule": "result was counted with {counted!r}, election rule is {rule!r}",
        "result_seed": "result was counted with another tie-break seed than the election's",
        "field_and_alias": "give either {field} or {alias}, not both",
        "fields_not_allowed": "election fields not allowed in a record: {fields} "
        "(allowed: {allowed})",
        "field_missing": "election field {field!r} is missing",
        "kind_unknown": "election kind must be one of {kinds}, not {kind!r}",
        "option_not_text": "option {option!r}: id and name must be strings",
        "option_id_twice": "two options share an id",
        "field_not_text": "election field {field!r} must be a string",
        "budget_missing": "a budget or split ballot needs a budget (the total to split)",
        "blank_share_unknown": "blank_share can only be 'counted' (every ballot, a blank "
        "one too, gets an equal share of the budget), not {value!r}",
        "split_unit_unknown": "split_unit must be 'euro' or 'points', not {unit!r}",
        "ballot_needs_amounts": "ballot {ballot}: a split or points ballot gives each "
        "option an amount (a mapping option id -> amount)",
        "field_not_bool": "election field {field!r} must be true or false",
        "turnout_fields_unknown": "turnout fields not known: {fields}",
        "roll_size_missing": "the roll size is missing (election or turnout 'roll_size')",
        "roll_size_disagrees": "turnout and election disagree on the roll size",
        "more_ballots_than_roll": "{ballots} ballots but only {roll_size} voters on the roll",
        "threshold_disagrees": "turnout and election disagree on the threshold",
        "turnout_disagrees": "turnout {field} is {given!r}, but the ballots give {computed!r}",
        "turnout_not_bool": "turnout {field!r} must be true or false",
        "valid_below_threshold": "a result below the turnout threshold cannot be valid",
        "binding_not_allowed": "only a valid result of a binding election can be binding",
        "not_exact": "{value!r} is not an exact number; use an int, Decimal or string",
        "not_a_number": "{value!r} is not a number",
        "not_a_date": "{value!r} is not a date",
        "not_whole": "{field} must be a whole number of at least {minimum}, not {value!r}",
    }
