"""Is a ballot valid for its election? Read the ballot form, check the choices, explain.

The rules themselves live in one place: :meth:`ballots.model.Profile.check_ballot`, the
same check the count and the published record apply. This module only adds what a web
form needs on top: turning form fields into a list of option keys (rank selects,
checkboxes, the blank vote), the election's ``allow_blank`` setting, and a plain Dutch
explanation of a refusal that points at the field to fix.

Choices are stored as option keys: in order of preference for ranked ballots, sorted
for every other type (the record builder sorts them too), ``[]`` for a blank vote.
Split and points ballots store ``"KEY:AMOUNT"`` per option given something
(:mod:`voting.weighted`); their form has a number field ``amount-<key>`` per option.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ballots import model
from voting import weighted
from voting.formatting import format_money
from voting.models import Election, Option

# The radio button for a blank vote on a single-choice ballot. Option keys are short
# letters and digits (``A``, ``P07``), so a dash can never be one.
BLANK_SINGLE = "-"
RANK_PREFIX = "rank-"
AMOUNT_PREFIX = "amount-"
GROUP_ID = "keuzes"  # the fieldset holding every option
BLANK_ID = "blanco"  # the blank-vote box


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a ballot: a Dutch message and the id of the form field
    the error summary links to (None when no single field is at fault)."""

    message: str
    field: str | None = None


class BallotRefused(ValueError):
    """The ballot cannot be cast as it is. ``problems`` say why, in Dutch."""

    def __init__(self, problems: Sequence[Problem], status: int = 422) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)
        self.status = status


@dataclass(frozen=True)
class ParsedBallot:
    """What a ballot form says: the choices (option keys) and whether the ranks the
    resident gave had gaps that were closed up (1, 3, 4 becomes 1, 2, 3)."""

    choices: list[str]
    renumbered: bool = False
    ranks: dict[str, str] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        """True for a blank vote."""
        return not self.choices


def ballot_options(election: Election) -> list[Option]:
    """The options on the ballot, in the election's own order."""
    return sorted(election.accepted_options(), key=lambda o: (o.position, o.key))


def display_order(election: Election, seed: int | None) -> list[Option]:
    """The options in the order this resident sees them. Budget proposals are shuffled
    per resident (``seed`` is kept in their session so the order stays put while they
    vote), so no proposal profits from being first on the list; referendum options
    keep the order the council set."""
    options = ballot_options(election)
    if election.ballot_type == "budget" and seed is not None:
        random.Random(seed).shuffle(options)
    return options


def field_id(election: Election, key: str | None = None) -> str:
    """The HTML id an error summary links to: the field of option ``key``, or the
    group of all options (the ballot's fieldset) when no key is given."""
    if key is None:
        return GROUP_ID
    if election.ballot_type in weighted.WEIGHTED_TYPES:
        return f"bedrag-{key}"
    prefix = "rang" if election.ballot_type == "ranked" else "keuze"
    return f"{prefix}-{key}"


def parse_form(election: Election, form: MultiDict[str, str]) -> ParsedBallot:
    """Read a submitted ballot form and check it.

    Fields: ``choice`` (single: one option key or ``-`` for blank; approval and
    budget: one per ticked option), ``rank-<key>`` (ranked: a number or empty) and
    ``blank=1`` (the blank-vote box of approval, budget and ranked ballots).

    Raises :class:`BallotRefused` with every problem found, each in Dutch.
    """
    options = ballot_options(election)
    known = {o.key: o for o in options}
    problems: list[Problem] = []
    renumbered = False
    ranks: dict[str, str] = {}
    kind = election.ballot_type

    if kind in weighted.WEIGHTED_TYPES:
        blank = form.get("blank") == "1"
        given, amount_problems = _read_amounts(election, form, known)
        problems.extend(amount_problems)
        choices = weighted.encode(given)
        if blank and given:
            problems.append(
                Problem(
                    _(
                        "U heeft 'Ik stem blanco' aangevinkt én punten of bedragen "
                        "ingevuld. Doe één van de twee: haal het vinkje bij 'Ik stem blanco' "
                        "weg, of maak alle vakjes leeg."
                    ),
                    BLANK_ID,
                )
            )
        elif not blank and not given and not problems:
            problems.append(Problem(_nothing_chosen(election), field_id(election)))
    elif kind == "single":
        values = form.getlist("choice")
        blank = values == [BLANK_SINGLE]
        choices = [] if blank else values
        if not values:
            problems.append(Problem(_nothing_chosen(election), field_id(election)))
    else:
        blank = form.get("blank") == "1"
        if kind == "ranked":
            choices, renumbered, ranks, rank_problems = _read_ranks(election, form, known)
            problems.extend(rank_problems)
        else:
            # Sorted, as the count and the published record keep them.
            choices = sorted(form.getlist("choice"))
        if blank and choices:
            problems.append(
                Problem(
                    _(
                        "U heeft 'Ik stem blanco' aangevinkt én een keuze gemaakt. Doe één "
                        "van de twee: haal het vinkje bij 'Ik stem blanco' weg, of maak uw "
                        "keuze leeg."
                    ),
                    BLANK_ID,
                )
            )
        elif not blank and not choices and not problems:
            problems.append(Problem(_nothing_chosen(election), field_id(election)))

    if problems:
        raise BallotRefused(problems)
    check_choices(election, choices)
    return ParsedBallot(choices=list(choices), renumbered=renumbered, ranks=ranks)


def check_choices(election: Election, choices: Sequence[str]) -> None:
    """Check a list of option keys against the election's rules: known options, no
    option twice, the number of choices, the budget, and whether a blank vote is
    allowed. This is the check every cast goes through, online and on paper.

    Raises :class:`BallotRefused` with a Dutch explanation.
    """
    if not choices:
        if not election.allow_blank:
            raise BallotRefused([Problem(_("Blanco stemmen kan bij deze stemming niet."))])
        return
    if election.ballot_type == "single" and len(choices) != 1:
        raise BallotRefused([Problem(_("Kies één optie."), field_id(election))])
    profile = _profile(election)
    try:
        if weighted.is_weighted(election):
            try:
                given = weighted.amounts(choices)
            except ValueError:
                raise model.BallotError("unknown_option", option=str(choices)) from None
            profile.check_points(sorted(given), [given[k] for k in sorted(given)])
        else:
            profile.check_ballot(list(choices))
    except model.BallotError as error:
        raise BallotRefused([_explain(election, error)]) from None


def _profile(election: Election) -> model.Profile:
    options = tuple(
        model.Option(id=o.key, name=o.title, cost=o.cost) for o in ballot_options(election)
    )
    budget = None
    if election.ballot_type == "distribution":
        budget = election.budget
    if election.ballot_type == "budget":
        # A budget ballot without a budget set can only be a set-up mistake; then
        # nothing is over budget rather than everything.
        budget = election.budget if election.budget is not None else sum(o.cost for o in options)
    return model.Profile(
        kind=model.BallotKind(election.ballot_type),
        options=options,
        groups=(),
        budget=budget,
        max_choices=election.max_choices,
        min_choices=election.min_choices,
        max_points=election.max_points if election.ballot_type == "points" else None,
        min_spend=model.min_spend_of(budget, election.min_spend_percent)
        if election.ballot_type == "budget"
        else None,
    )


def _explain(election: Election, error: model.BallotError) -> Problem:
    """A Dutch explanation of the rule ``check_ballot`` found broken, by its code.
    Residents get the numbers that help them fix their ballot."""
    first = field_id(election)
    code = error.code
    if code == "unknown_option":
        return Problem(
            _(
                "Op het stembiljet staat een keuze die niet bij deze stemming hoort. "
                "Kies alleen uit de opties op deze pagina."
            )
        )
    if code in ("duplicate_rank", "duplicate_choice"):
        return Problem(_("U heeft dezelfde optie meer dan één keer gekozen."), first)
    if code == "several_on_single":
        return Problem(_("Kies één optie."), first)
    if code == "too_many_choices":
        return Problem(
            ngettext(
                "U heeft %(num)d optie gekozen. U mag er hoogstens %(max)d kiezen.",
                "U heeft %(num)d opties gekozen. U mag er hoogstens %(max)d kiezen.",
                error.params["given"],
                max=error.params["limit"],
            ),
            first,
        )
    if code == "too_few_choices":
        return Problem(
            ngettext(
                "U heeft %(num)d optie gekozen. Kies er minstens %(min)d.",
                "U heeft %(num)d opties gekozen. Kies er minstens %(min)d.",
                error.params["given"],
                min=error.params["limit"],
            ),
            first,
        )
    if code == "over_budget":
        spent, budget = error.params["spent"], error.params["budget"]
        return Problem(
            _(
                "Uw keuze kost %(spent)s. Dat is %(over)s meer dan het budget van "
                "%(budget)s. Haal een of meer voorstellen weg.",
                spent=format_money(spent),
                over=format_money(spent - budget),
                budget=format_money(budget),
            ),
            first,
        )
    if code == "under_min_spend":
        spent, minimum = error.params["spent"], error.params["minimum"]
        return Problem(
            _(
                "Uw keuze kost %(spent)s. Bij deze stemming moet u voor minstens %(minimum)s "
                "aan voorstellen kiezen (%(percent)s%% van het budget): kies er nog voor "
                "%(short)s bij, of stem blanco.",
                spent=format_money(spent),
                minimum=format_money(minimum),
                percent=election.min_spend_percent,
                short=format_money(minimum - spent),
            ),
            first,
        )
    if code == "split_sum":
        given, whole = error.params["given"], error.params["total"]
        shown = {
            "given": weighted.format_amount(election, given),
            "total": weighted.format_amount(election, whole),
            "difference": weighted.format_amount(election, abs(whole - given)),
        }
        if given < whole:
            text = _(
                "Uw verdeling telt op tot %(given)s. Dat moet precies %(total)s zijn: "
                "verdeel nog %(difference)s.",
                **shown,
            )
        else:
            text = _(
                "Uw verdeling telt op tot %(given)s. Dat is %(difference)s te veel: het moet "
                "precies %(total)s zijn.",
                **shown,
            )
        return Problem(text, first)
    if code == "too_many_points":
        given, limit = error.params["given"], error.params["limit"]
        return Problem(
            _(
                "U heeft %(given)s gegeven. U mag hoogstens %(limit)s verdelen: haal er "
                "%(over)s af.",
                given=weighted.format_amount(election, given),
                limit=weighted.format_amount(election, limit),
                over=weighted.format_amount(election, given - limit),
            ),
            first,
        )
    if code == "split_needs_total":
        return Problem(_("Bij deze stemming is nog geen totaal ingesteld om te verdelen."))
    return Problem(_("Uw keuze past niet bij de regels van deze stemming."), first)


def _nothing_chosen(election: Election) -> str:
    kind = election.ballot_type
    if kind == "single":
        text = _("U heeft nog geen keuze gemaakt. Kies één optie.")
    elif kind == "ranked":
        text = _("U heeft nog geen nummers gegeven. Geef minstens één optie nummer 1.")
    elif kind == "budget":
        text = _("U heeft nog geen voorstellen gekozen. Vink de voorstellen aan die u wilt.")
    elif kind == "distribution":
        text = _(
            "U heeft nog niets verdeeld. Vul bij de thema's in hoeveel ieder krijgt, samen "
            "precies %(total)s.",
            total=weighted.format_amount(election, weighted.total(election)),
        )
    elif kind == "points":
        text = _(
            "U heeft nog geen punten gegeven. Geef de voorstellen die u wilt punten, samen "
            "hoogstens %(total)s.",
            total=weighted.format_amount(election, weighted.total(election)),
        )
    else:
        text = _("U heeft nog niets aangevinkt. Vink de opties aan die u goed vindt.")
    if election.allow_blank:
        # Quotes the words on the blank-vote box (vote/_ballot_fields.html).
        text += " " + _("Wilt u blanco stemmen? Kies dan 'Ik stem blanco'.")
    return text


def _read_ranks(
    election: Election, form: MultiDict[str, str], known: dict[str, Option]
) -> tuple[list[str], bool, dict[str, str], list[Problem]]:
    """Rank selects -> options in order. Duplicate ranks are reported per field; gaps
    are closed up (a resident who numbers 1, 2, 4 clearly means that order)."""
    problems: list[Problem] = []
    ranked: list[tuple[int, str]] = []
    given: dict[str, str] = {}
    top = len(known)
    for name in form:
        if not name.startswith(RANK_PREFIX):
            continue
        key = name[len(RANK_PREFIX) :]
        values = form.getlist(name)
        if key not in known or len(values) != 1:
            raise BallotRefused(
                [
                    Problem(
                        _(
                            "Op het stembiljet staat een keuze die niet bij deze stemming "
                            "hoort. Kies alleen uit de opties op deze pagina."
                        )
                    )
                ]
            )
        value = values[0].strip()
        given[key] = value
        if not value:
            continue
        if not value.isdigit() or not 1 <= int(value) <= top:
            problems.append(
                Problem(
                    _(
                        "Kies bij '%(title)s' een nummer van 1 tot en met %(top)d, of "
                        "'geen voorkeur'.",
                        title=known[key].title,
                        top=top,
                    ),
                    field_id(election, key),
                )
            )
            continue
        ranked.append((int(value), key))
    by_rank: dict[int, list[str]] = {}
    for rank, key in ranked:
        by_rank.setdefault(rank, []).append(key)
    for rank, keys in sorted(by_rank.items()):
        if len(keys) > 1:
            ordered = sorted(keys, key=lambda k: known[k].position)
            titles = ", ".join(f"'{known[k].title}'" for k in ordered)
            problems.append(
                Problem(
                    _(
                        "U heeft nummer %(rank)d aan meer dan één optie gegeven: %(titles)s. "
                        "Geef elke optie een ander nummer.",
                        rank=rank,
                        titles=titles,
                    ),
                    field_id(election, ordered[0]),
                )
            )
    ranked.sort()
    choices = [key for _rank, key in ranked]
    renumbered = [rank for rank, _key in ranked] != list(range(1, len(ranked) + 1))
    return choices, renumbered and not problems, given, problems


def _read_amounts(
    election: Election, form: MultiDict[str, str], known: dict[str, Option]
) -> tuple[dict[str, int], list[Problem]]:
    """The ``amount-<key>`` fields -> amount per option (empty means 0). An amount
    that is not a whole number from 0 up is reported at its field; a field for an
    option not on the ballot refuses the whole ballot."""
    problems: list[Problem] = []
    given: dict[str, int] = {}
    for name in form:
        if not name.startswith(AMOUNT_PREFIX):
            continue
        key = name[len(AMOUNT_PREFIX) :]
        values = form.getlist(name)
        if key not in known or len(values) != 1:
            raise BallotRefused(
                [
                    Problem(
                        _(
                            "Op het stembiljet staat een keuze die niet bij deze stemming "
                            "hoort. Kies alleen uit de opties op deze pagina."
                        )
                    )
                ]
            )
        value = _whole(values[0])
        if value is None:
            continue
        if not value.isdigit() or len(value) > 12:
            # (12 digits: far above any budget, and a number the database can hold.)
            problems.append(
                Problem(
                    _(
                        "Vul bij '%(title)s' een heel getal in (0 of meer), zonder komma.",
                        title=known[key].title,
                    ),
                    field_id(election, key),
                )
            )
            continue
        if int(value):
            given[key] = int(value)
    return given, problems


def _whole(text: str) -> str | None:
    """A typed amount without its thousands grouping ("50.000" in Dutch, "50,000" in
    English, "50 000" in both), or None for an empty field. Only exact groups of three
    digits count as grouping, so "1,5" or "1.5" stay what they are: not whole."""
    value = text.strip().replace(" ", "").replace("\u00a0", "")
    if not value:
        return None
    group = "," if str(get_locale() or "nl").startswith("en") else "."
    if re.fullmatch(r"\d{1,3}(" + re.escape(group) + r"\d{3})+", value):
        value = value.replace(group, "")
    return value
