"""What a result page shows, worked out from an election record.

The public page renders a certified, signed record; the clerk's review renders the
unsigned record the certification would sign. Both go through :func:`result_view`,
so what the clerk approves is what residents see. Words are Dutch msgids through
Flask-Babel, so this runs inside a request.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from ballots.methods import RULES
from ballots.record import record_sha256
from ballots.record.exchange import exchange_file
from ballots.result import Result, Round, TieBreak
from ballots.turnout import Turnout
from voting import charts
from voting.bilingual import SOURCE_LANGUAGE, page_language
from voting.charts import Bar, RoundBars, Segment
from voting.formatting import format_money, format_number, format_percent
from voting.labels import rule_description, tally_unit_label


def rule_name(rule: str) -> str:
    """The counting rule in words (the registry's label key, translated)."""
    return str(rule_description(rule))


def purpose_name(purpose: str, valid: bool = True) -> str:
    """What a tie break decided, in words (for a count that is not valid: what it would
    point out, never who is chosen or funded)."""
    if not valid and purpose in ("elect", "fund"):
        return _("wat de telling aanwijst")
    names = {
        "elect": _("wie gekozen wordt"),
        "eliminate": _("wie afvalt"),
        "fund": _("welk voorstel geld krijgt"),
        "rank": _("de volgorde"),
        # equal shares: a trial run with a higher share per voter, not the run kept
        "raise": _("hoe ver het deel van elke kiezer omhoog gaat (in een proeftelling)"),
    }
    return names.get(purpose, purpose)


@dataclass
class Chart:
    """A picture with its heading and the text table that says the same."""

    heading: str
    svg: Markup
    table_caption: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class TieView:
    """One tie break, with names."""

    round: int
    purpose: str
    tied: list[tuple[str, str]]  # (label, draw key)
    chosen: str


@dataclass
class RoundView:
    """One round as words: tallies, who was elected or dropped, transfers."""

    number: int
    summary: str
    note: str
    tallies: list[tuple[str, str]]
    transfers: list[tuple[str, str, str]]  # (from, to, votes)
    unit: str = ""  # what the tallies are: the heading of their column


@dataclass
class ResultView:
    """Everything a result page, the CSV and the proces-verbaal show."""

    record: dict[str, Any]
    result: Result
    labels: dict[str, str]
    turnout: Turnout
    winners: list[tuple[str, str, int]]  # (id, name, cost)
    status: str
    decided: str
    rounds: list[RoundView]
    ties: list[TieView]
    charts: list[Chart]
    budget: int | None = None
    spent: Fraction = Fraction(0)
    signed: bool = False
    fingerprint: str = ""
    sha256: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    next_line: str = ""  # what happens next, worked out from the verdict
    announced: str = ""  # the clerk's own "what happens next", as announced before
    announced_before: bool = False  # True: the announcement was for a valid result
    dutch_names: frozenset[str] = frozenset()  # option names shown in Dutch on a page that is not

    def lang_attr(self, text: str) -> Markup:
        """`` lang="nl"`` for a table cell that shows an option's Dutch name (alone or
        followed by its amount) on a page in another language, so that a screen reader
        pronounces it as Dutch; ``""`` otherwise."""
        text = str(text)
        dutch = any(text == n or text.startswith(n + " (") for n in self.dutch_names)
        return Markup(' lang="nl"') if dutch else Markup("")  # nosec B704 - a fixed attribute

    # Split results (distribution ballots): (theme, amount, share) per theme, largest
    # first, and how the phantom median found them.
    split: list[tuple[str, str, str]] = field(default_factory=list)
    split_how: str = ""
    # Equal shares: what a blank ballot's share of the budget did (it counts, unspent).
    blank_note: str = ""
    # Per-theme budgets: (theme, budget, spent, left, funded names) per theme, and what
    # happened to the money the themes left.
    themes: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    leftover_note: str = ""

    @property
    def valid(self) -> bool:
        """True if the result counts: the threshold was met and the record does not
        declare it invalid (a clerk may declare less than the figures allow)."""
        return self.turnout.valid and bool(self.record.get("turnout", {}).get("valid", True))

    @property
    def counts(self) -> dict[str, int]:
        """Ballots by channel and kind as the record states them (``cast``, ``online``,
        ``paper``, ``votes``, ``blank``, ``invalid``); older records without the block
        get the figures that follow from their ballots and turnout."""
        given = self.record.get("counts")
        if given:
            return {name: int(value) for name, value in given.items()}
        ballots = self.record.get("ballots", [])
        blank = sum(1 for b in ballots if not b.get("choices"))
        return {
            "cast": self.turnout.ballots,
            "online": self.turnout.ballots,
            "paper": 0,
            "votes": len(ballots) - blank,
            "blank": blank,
            "invalid": 0,
        }

    @property
    def counts_rows(self) -> list[tuple[str, int, str]]:
        """The ballot counts as (what, how many, what it means) rows, for the page and
        the proces-verbaal."""
        counts = self.counts
        return [
            (_("Online uitgebracht"), counts["online"], ""),
            *(
                [
                    (
                        _("waarvan aan de balie van het gemeentehuis"),
                        counts["desk"],
                        _("online, op de computer van de balie"),
                    )
                ]
                if "desk" in counts
                else []
            ),
            (_("Op papier uitgebracht"), counts["paper"], _("ingevoerd door de griffie")),
            (_("Samen uitgebracht"), counts["cast"], _("telt voor de opkomst")),
            (_("Met een keuze"), counts["votes"], _("geteld voor de opties")),
            (_("Blanco"), counts["blank"], _("telt voor de opkomst, voor geen enkele optie")),
            (
                _("Ongeldig"),
                counts["invalid"],
                _("telt voor de opkomst, niet in de telling"),
            ),
        ]

    @property
    def counts_sentence(self) -> str:
        """The ballots in one sentence, plurals right (1 stembiljet, 2 stembiljetten)."""
        counts = self.counts
        return " ".join(
            [
                # The form follows the count; the figure is shown grouped (12.000).
                ngettext(
                    "Er is %(cast)s stembiljet uitgebracht",
                    "Er zijn %(cast)s stembiljetten uitgebracht",
                    counts["cast"],
                    cast=format_number(counts["cast"]),
                )
                + ": "
                + (
                    _(
                        "%(online)s online (waarvan %(desk)s aan de balie van het "
                        "gemeentehuis) en %(paper)s op papier.",
                        online=format_number(counts["online"]),
                        desk=format_number(counts["desk"]),
                        paper=format_number(counts["paper"]),
                    )
                    if counts.get("desk")
                    else _(
                        "%(online)s online en %(paper)s op papier.",
                        online=format_number(counts["online"]),
                        paper=format_number(counts["paper"]),
                    )
                ),
                ngettext(
                    "%(blank)s stembiljet was blanco",
                    "%(blank)s stembiljetten waren blanco",
                    counts["blank"],
                    blank=format_number(counts["blank"]),
                )
                + ", "
                + ngettext(
                    "%(invalid)s was ongeldig.",
                    "%(invalid)s waren ongeldig.",
                    counts["invalid"],
                    invalid=format_number(counts["invalid"]),
                ),
                _(
                    "Blanco en ongeldige stembiljetten tellen mee voor de opkomst, maar niet "
                    "voor een optie of voorstel."
                ),
            ]
        )

    @property
    def election(self) -> dict[str, Any]:
        """The record's election metadata."""
        return dict(self.record["election"])

    @property
    def is_split(self) -> bool:
        """True for a split of a total over themes (every theme gets an amount)."""
        known = RULES.get(self.result.method)
        return known is not None and known.splits

    @property
    def is_budget(self) -> bool:
        """True for a buurtbudget."""
        return self.record["election"]["kind"] == "budget"

    @property
    def rule(self) -> str:
        """The counting rule's name as in the record."""
        return self.result.method

    @property
    def rule_text(self) -> str:
        """The counting rule in words."""
        return rule_name(self.rule)

    @property
    def turnout_svg(self) -> Markup:
        """Turnout against the threshold as a picture."""
        # SVG made by voting.charts, which escapes every text (bandit B704).
        return Markup(  # nosec B704
            charts.turnout_chart(
                chart_id="grafiek-opkomst",
                title=_("Opkomst en drempel"),
                desc=_(
                    "Opkomst %(percent)s van de kiezers; de stippellijn is de drempel van "
                    "%(threshold)s.",
                    percent=self.percent,
                    threshold=self.threshold,
                ),
                percent=self.turnout.percent,
                threshold=self.turnout.threshold_percent,
                percent_label=_("opkomst %(percent)s", percent=self.percent),
                threshold_label=_("drempel %(threshold)s", threshold=self.threshold),
            )
        )

    @property
    def percent(self) -> str:
        """Turnout as a readable percentage."""
        return format_percent(self.turnout.percent)

    @property
    def threshold(self) -> str:
        """The threshold as a readable percentage."""
        return format_percent(self.turnout.threshold_percent)


def status_sentence(turnout: Turnout) -> str:
    """Valid and binding, valid and advisory, or invalid, in one plain sentence."""
    if not turnout.valid:
        return _(
            "De uitslag is ongeldig: de opkomst (%(percent)s) was lager dan de drempel "
            "(%(threshold)s).",
            percent=format_percent(turnout.percent),
            threshold=format_percent(turnout.threshold_percent),
        )
    if turnout.binding:
        return _("De uitslag is geldig en bindend.")
    return _("De uitslag is geldig en raadgevend: een advies aan de gemeenteraad.")


def result_view(
    record: dict[str, Any], *, signed: bool = True, english_names: dict[str, str] | None = None
) -> ResultView:
    """Work out the page for ``record`` (signed and certified, or the clerk's preview).

    ``english_names`` (option id -> the clerk's English name) is for English pages:
    those names replace the record's Dutch ones; every name still shown in Dutch on a
    page in another language is listed in ``dutch_names``, to be marked ``lang="nl"``.
    The record and the proces-verbaal keep the official Dutch names."""
    meta = record["election"]
    result = Result.from_dict(record["result"])
    dutch = {o["id"]: o.get("name") or o["id"] for o in meta["options"]}
    english = english_names or {}
    labels = {key: english.get(key) or name for key, name in dutch.items()}
    shown_in_dutch = (
        frozenset(name for key, name in dutch.items() if not english.get(key))
        if page_language() != SOURCE_LANGUAGE
        else frozenset()
    )
    costs = {o["id"]: int(o.get("cost", 0)) for o in meta["options"]}
    turnout = Turnout.from_record(record)
    winners = [(w, labels.get(w, w), costs.get(w, 0)) for w in result.winners]
    budget = meta.get("budget")
    spent = Fraction(sum(c for _w, _n, c in winners))
    names = ", ".join(name for _w, name, _c in winners) or _("niemand")
    valid = turnout.valid and bool(record.get("turnout", {}).get("valid", True))
    decided = _decided_sentence(meta["kind"] == "budget", valid, winners, spent, budget, names)
    if not result.decided:
        # no ballot named any option: nothing was chosen, not even by lot
        decided = _(
            "Er is geen uitslag: geen enkel stembiljet koos een optie (er is niet of alleen "
            "blanco gestemd). Niemand is gekozen en er is niet geloot."
        )
    elif any(t.purpose != "raise" for t in result.tie_breaks):
        # A draw in an equal-shares trial run ("raise") is not in the outcome kept.
        decided += " " + _lot_sentence(result, labels, valid and turnout.binding, valid)
    if not valid:
        decided += " " + _(
            "Omdat de opkomst te laag was, is dit geen geldige uitslag; de gemeenteraad "
            "beslist zelf."
        )
    signature = record.get("signature") or {}
    view = ResultView(
        record=record,
        result=result,
        labels=labels,
        turnout=turnout,
        winners=winners,
        status=status_sentence(turnout)
        if valid or not turnout.valid
        else _("De uitslag is ongeldig verklaard."),
        decided=decided,
        rounds=[
            _round_view(
                r, labels, meta["kind"] == "budget", _placed(result, r), result.method, valid
            )
            for r in result.rounds
        ],
        ties=[_tie_view(t, labels, valid) for t in result.tie_breaks],
        charts=[],
        budget=budget,
        spent=spent,
        signed=signed and bool(signature),
        fingerprint=str(signature.get("key_fingerprint", "")),
        # a published summary carries the hash of the whole record it came from
        sha256=record["published"]["sha256"] if "published" in record else record_sha256(record),
    )
    view.dutch_names = shown_in_dutch
    view.charts = _charts(record, result, labels, costs, valid)
    view.next_line = next_step_sentence(
        meta["kind"] == "budget", valid, bool(turnout.binding and valid), result.decided
    )
    view.announced = str(meta.get("next_steps") or "")
    view.announced_before = not (valid and result.decided)
    if "quota" in result.details:
        view.extra[_("Quotum")] = format_number(Fraction(result.details["quota"]), 5)
    if view.is_split and result.decided and not result.details.get("no_result"):
        _split_view(view, meta, valid)
    view.blank_note = blank_share_note(record, result)
    if isinstance(result.details.get("themes"), dict):
        _themes_view(view, meta)
    return view


def _themes_view(view: ResultView, meta: dict[str, Any]) -> None:
    """Per-theme budgets: each theme's money, what it spent, what it left and what it
    funded; and what the money left by the themes did (the leftover setting)."""
    details = view.result.details
    for theme, data in details["themes"].items():
        view.themes.append(
            (
                theme,
                format_money(Fraction(data["budget"])),
                format_money(Fraction(data["spent"])),
                format_money(Fraction(data["left"])),
                ", ".join(view.labels.get(w, w) for w in data["winners"]) or "–",
            )
        )
    left = sum(Fraction(d["left"]) for d in details["themes"].values())
    source = meta.get("theme_budgets_from")
    origin = (
        _("De budgetten per thema komen uit de vastgestelde verdeling %(slug)s.", slug=source)
        if source
        else _("De gemeente heeft de budgetten per thema vastgesteld.")
    )
    if details.get("leftover") == "pooled":
        funded = ", ".join(view.labels.get(w, w) for w in details.get("pool_winners", []))
        view.leftover_note = (
            origin
            + " "
            + _(
                "Wat de thema's over hielden (samen %(left)s) ging samen naar de voorstellen "
                "die nog geen geld hadden, met dezelfde telregel: %(funded)s.",
                left=format_money(left),
                funded=funded or _("geen enkel voorstel paste nog"),
            )
        )
    else:
        view.leftover_note = (
            origin
            + " "
            + _(
                "Wat een thema over hield, blijft over (samen %(left)s): zo is het vooraf "
                "ingesteld.",
                left=format_money(left),
            )
        )


def blank_share_note(record: dict[str, Any], result: Result) -> str:
    """For equal shares: how blank ballots were counted. Each ballot, a blank one too,
    gets budget / ballots (as pabutools counts, and as the record's ``blank_share``
    says); a blank ballot's share is spent on nothing, so blank votes leave money
    unspent by equal shares. Empty for other rules."""
    if not result.method.startswith("mes") or "voter_share" not in result.details:
        return ""
    blank = int(record.get("counts", {}).get("blank", 0))
    share = Fraction(result.details["voter_share"])
    if blank == 0:
        return _(
            "Bij gelijke delen krijgt elk stembiljet een gelijk deel van het budget: "
            "%(share)s. Er waren geen blanco stembiljetten.",
            share=format_money(share),
        )
    return ngettext(
        "Bij gelijke delen krijgt elk stembiljet een gelijk deel van het budget: "
        "%(share)s, ook een blanco stembiljet. Zo rekent ook pabutools, de gangbare "
        "software voor deze methode. Het deel van het ene blanco stembiljet "
        "(%(unspent)s) gaat naar geen enkel voorstel: blanco stemmen maakt het deel van "
        "de anderen niet groter.",
        "Bij gelijke delen krijgt elk stembiljet een gelijk deel van het budget: "
        "%(share)s, ook een blanco stembiljet. Zo rekent ook pabutools, de gangbare "
        "software voor deze methode. Het deel van de %(num)d blanco stembiljetten "
        "(samen %(unspent)s) gaat naar geen enkel voorstel: blanco stemmen maakt het "
        "deel van de anderen niet groter.",
        blank,
        share=format_money(share),
        unspent=format_money(share * blank),
    )


def split_amount(meta: dict[str, Any], amount: int | Fraction) -> str:
    """An amount of a split as readers read it: euros, or points."""
    if meta.get("split_unit") == "euro":
        return format_money(amount)
    return ngettext("%(shown)s punt", "%(shown)s punten", int(amount), shown=format_number(amount))


def _split_view(view: ResultView, meta: dict[str, Any], valid: bool) -> None:
    """The split's own words: each theme's amount and share, the sentence of what was
    decided, and for the phantom median the ``t`` and phantoms that give each theme
    its median (so a reader can check any theme by hand)."""
    details = view.result.details
    total = int(details["total"])
    view.split = [
        (
            view.labels.get(theme, theme),
            split_amount(meta, details["amounts"][theme]),
            format_percent(Fraction(details["shares"][theme]) * 100),
        )
        for theme in view.result.winners
    ]
    parts = ", ".join(f"{name} {share}" for name, _amount, share in view.split)
    view.decided = (
        _("De verdeling van %(total)s: %(parts)s.", total=split_amount(meta, total), parts=parts)
        if valid
        else _(
            "De telling kwam op deze verdeling van %(total)s (ongeldig): %(parts)s.",
            total=split_amount(meta, total),
            parts=parts,
        )
    )
    view.winners = []
    splits, blank = int(details.get("splits", 0)), int(details.get("blank", 0))
    if "t" in details:
        phantoms = ", ".join(format_percent(Fraction(p) * 100) for p in details["phantoms"])
        view.split_how = _(
            "Elk thema krijgt de mediaan van %(splits)d verdelingen en %(phantoms)d "
            "fantoomstemmen. De fantoomstemmen staan op %(places)s (t = %(t)s): zo ver "
            "geschoven dat de medianen samen precies 100%% zijn. Wie een thema meer geeft "
            "dan hij echt wil, schuift de uitkomst daardoor niet naar zich toe. "
            "%(blank)d blanco stembiljetten tellen niet mee in de verdeling.",
            splits=splits,
            phantoms=splits + 1,
            places=phantoms,
            t=details["t"],
            blank=blank,
        )
    else:
        view.split_how = _(
            "Elk thema krijgt het gemiddelde van wat %(splits)d verdelingen het gaven. "
            "%(blank)d blanco stembiljetten tellen niet mee in de verdeling.",
            splits=splits,
            blank=blank,
        )
    view.split_how += " " + _(
        "Hele bedragen: eerst naar beneden afgerond, de rest gaat naar de grootste "
        "restjes (bij gelijke restjes beslist de loting)."
    )


def _decided_sentence(
    budget: bool,
    valid: bool,
    winners: list[tuple[str, str, int]],
    spent: Fraction,
    total: int | None,
    names: str,
) -> str:
    """What the count decided. A result that is not valid never says that something
    gets money or is chosen: it says what the count pointed to."""
    if budget:
        figures = {"spent": format_money(spent), "budget": format_money(total or 0)}
        if valid:
            return ngettext(
                "Geld gaat naar %(num)d voorstel, samen %(spent)s van %(budget)s: %(names)s.",
                "Geld gaat naar %(num)d voorstellen, samen %(spent)s van %(budget)s: %(names)s.",
                len(winners),
                names=names,
                **figures,
            )
        return ngettext(
            "De telling wees %(num)d voorstel aan (samen %(spent)s van %(budget)s): %(names)s.",
            "De telling wees %(num)d voorstellen aan (samen %(spent)s van %(budget)s): %(names)s.",
            len(winners),
            names=names,
            **figures,
        )
    if len(winners) == 1:
        return _("De meeste steun kreeg: %(names)s.", names=names)
    if valid:
        return _("Gekozen, in deze volgorde: %(names)s.", names=names)
    return _("De telling wees aan, in deze volgorde: %(names)s.", names=names)


def _lot_sentence(result: Result, labels: dict[str, str], binding: bool, valid: bool) -> str:
    """A result that a draw helped decide says so, in its summary, with each draw."""
    draws = "; ".join(
        _(
            "ronde %(round)s, over %(purpose)s: tussen %(tied)s viel het lot op %(chosen)s",
            round=tie.round,
            purpose=purpose_name(tie.purpose, valid),
            tied=_and_list([labels.get(o, o) for o in tie.tied]),
            chosen=labels.get(tie.chosen, tie.chosen),
        )
        for tie in result.tie_breaks
        if tie.purpose != "raise"
    )
    count = sum(1 for tie in result.tie_breaks if tie.purpose != "raise")
    if binding:
        return ngettext(
            "Deze bindende uitslag is mede door loting bepaald: bij %(num)d gelijke stand "
            "besliste het lot (%(draws)s).",
            "Deze bindende uitslag is mede door loting bepaald: bij %(num)d gelijke standen "
            "besliste het lot (%(draws)s).",
            count,
            draws=draws,
        )
    return ngettext(
        "De uitkomst is mede door loting bepaald: bij %(num)d gelijke stand besliste het "
        "lot (%(draws)s).",
        "De uitkomst is mede door loting bepaald: bij %(num)d gelijke standen besliste het "
        "lot (%(draws)s).",
        count,
        draws=draws,
    )


def _and_list(names: list[str]) -> str:
    """``A, B en C`` (``A, B and C``)."""
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s en %(last)s", first=", ".join(names[:-1]), last=names[-1])


def next_step_sentence(budget: bool, valid: bool, binding: bool, decided: bool) -> str:
    """What happens next, following the verdict: it never promises that a result that
    is not valid, or that decided nothing, will be carried out."""
    if not decided:
        return _("Deze stemming heeft niets beslist. De gemeenteraad bepaalt hoe het verder gaat.")
    if not valid:
        return _(
            "Deze uitslag telt niet: de gemeenteraad is er niet aan gebonden en beslist "
            "zelf wat er gebeurt."
        )
    if budget and binding:
        return _(
            "De gemeente voert de voorstellen uit die geld krijgen. Hoe ver dat is, leest u "
            "bij besluit en uitvoering."
        )
    if budget:
        return _(
            "De gemeenteraad besluit welke voorstellen geld krijgen en weegt deze uitslag "
            "daarbij mee."
        )
    if binding:
        return _(
            "De uitslag is bindend: de gemeente voert hem uit. Hoe ver dat is, leest u bij "
            "besluit en uitvoering."
        )
    return _(
        "De uitslag is een advies: de gemeenteraad weegt hem mee en neemt daarna zelf een besluit."
    )


def _tie_view(tie: TieBreak, labels: dict[str, str], valid: bool = True) -> TieView:
    return TieView(
        round=tie.round,
        purpose=purpose_name(tie.purpose, valid),
        tied=[(labels.get(o, o), k) for o, k in zip(tie.tied, tie.keys, strict=False)],
        chosen=labels.get(tie.chosen, tie.chosen),
    )


def _round_view(
    data: Round,
    labels: dict[str, str],
    budget: bool,
    placed: str | None = None,
    method: str = "",
    valid: bool = True,
) -> RoundView:
    def name(option: str) -> str:
        return (
            labels.get(option, option)
            if option != "exhausted"
            else _("uitgeput (geen voorkeur meer)")
        )

    parts = []
    if data.elected:
        # A count that is not valid elects nobody: it only points out.
        word = (_("Krijgt geld") if budget else _("Gekozen")) if valid else _("Aangewezen")
        parts.append(f"{word}: {', '.join(name(o) for o in data.elected)}.")
    if data.eliminated:
        parts.append(_("Valt af") + f": {', '.join(name(o) for o in data.eliminated)}.")
    if placed is not None:
        parts.append(_("Op plaats %(number)s: %(name)s.", number=data.number, name=name(placed)))
    elif budget and not data.elected and not data.eliminated:
        skipped = ", ".join(name(o) for o in data.tallies)
        parts.append(_("Past niet meer in het budget") + f": {skipped}.")
    transfers = [
        (name(src), name(dst), format_number(votes, 5))
        for src, moved in data.transfers.items()
        for dst, votes in moved.items()
    ]
    return RoundView(
        number=data.number,
        summary=" ".join(parts),
        note=data.note,
        tallies=[(name(o), format_number(v, 5)) for o, v in data.tallies.items()],
        transfers=transfers,
        unit=_round_unit(data, method),
    )


def _round_unit(data: Round, method: str) -> str:
    """The heading of a round's tallies: the round's own unit when the count names one
    (an equal-shares step's tallies are each proposal's price per supporter; its greedy
    completion counts votes again), otherwise the rule's unit."""
    return str(tally_unit_label(method, data.unit))


def _placed(result: Result, data: Round) -> str | None:
    """For Schulze: the option a round puts in its place (rounds rank, not drop)."""
    ranking = result.details.get("ranking")
    if not ranking or data.elected or data.number > len(ranking):
        return None
    return str(ranking[data.number - 1])


def votes_per_option(record: dict[str, Any]) -> Counter[str]:
    """How many ballots name each option (any position): approvals for approval and
    budget ballots, votes for single-choice ballots."""
    if "ballots" not in record:  # a published summary (voting.published) has the figures
        return Counter(record["published"]["votes_per_option"])
    counter: Counter[str] = Counter({o["id"]: 0 for o in record["election"]["options"]})
    for ballot in record["ballots"]:
        counter.update(set(ballot["choices"]))
    return counter


def first_preferences(record: dict[str, Any]) -> Counter[str]:
    """First preferences per option (ranked and single ballots)."""
    if "ballots" not in record:
        return Counter(record["published"]["first_preferences"])
    counter: Counter[str] = Counter({o["id"]: 0 for o in record["election"]["options"]})
    for ballot in record["ballots"]:
        if ballot["choices"]:
            counter[ballot["choices"][0]] += 1
    return counter


def _charts(
    record: dict[str, Any],
    result: Result,
    labels: dict[str, str],
    costs: dict[str, int],
    valid: bool = True,
) -> list[Chart]:
    meta = record["election"]
    known = RULES.get(result.method)
    winners = set(result.winners)
    details = result.details
    out: list[Chart] = []
    # Marks and columns of a count that is not valid say "pointed out", never chosen.
    chosen_mark = "✓ " + _("gekozen") if valid else "○ " + _("aangewezen (ongeldig)")
    pointed = _("Aangewezen door de telling (ongeldig)")
    if meta["kind"] == "budget" or (known is not None and known.budget):
        out.append(_budget_chart(record, result, labels, costs, valid))
        votes = votes_per_option(record)
        order = sorted(labels, key=lambda o: (-votes[o], labels[o]))
        funded_mark = "✓ " + _("krijgt geld") if valid else chosen_mark
        bars = [
            Bar(
                label=f"{labels[o]} ({format_money(costs[o])})",
                value=Fraction(votes[o]),
                shown=format_number(votes[o]),
                mark=funded_mark if o in winners else "",
            )
            for o in order
        ]
        out.append(
            _bar_chart(
                "grafiek-stemmen-per-voorstel",
                _("Stemmen per voorstel"),
                _(
                    "Hoeveel stembiljetten elk voorstel kozen; voorstellen die geld krijgen "
                    "zijn gearceerd en gemarkeerd."
                )
                if valid
                else _(
                    "Hoeveel stembiljetten elk voorstel kozen; de voorstellen die de "
                    "ongeldige telling aanwees, zijn gemarkeerd."
                ),
                bars,
                [_("Voorstel"), _("Kosten"), _("Stemmen"), _("Krijgt geld") if valid else pointed],
                [
                    [
                        labels[o],
                        format_money(costs[o]),
                        str(votes[o]),
                        _("ja") if o in winners else _("nee"),
                    ]
                    for o in order
                ],
            )
        )
        if isinstance(details.get("points"), dict):
            out.append(_points_chart(details["points"], labels, costs, winners, funded_mark))
        return out
    if "pairwise" in details:
        out.append(_pairwise_chart(labels, details["pairwise"], details.get("ranking", [])))
        return out
    if known is not None and known.splits:
        if not result.decided or details.get("no_result"):
            return out
        shares = {o: Fraction(details["shares"][o]) for o in result.winners}
        amounts = {o: split_amount(meta, details["amounts"][o]) for o in result.winners}
        bars = [
            Bar(
                label=labels.get(o, o),
                value=shares[o],
                shown=f"{format_percent(shares[o] * 100)} ({amounts[o]})",
            )
            for o in result.winners
        ]
        out.append(
            _bar_chart(
                "grafiek-verdeling",
                _("Verdeling over de thema's"),
                _("Een balk per thema: het deel van het totaal dat het thema krijgt."),
                bars,
                [_("Thema"), _("Deel"), _("Bedrag")],
                [
                    [
                        labels.get(o, o),
                        format_percent(shares[o] * 100),
                        split_amount(meta, details["amounts"][o]),
                    ]
                    for o in result.winners
                ],
            )
        )
        return out
    rounds = result.rounds
    if (known is not None and known.in_rounds) or len(rounds) > 1:
        out.append(_rounds_chart(rounds, labels, details, valid))
        return out
    tallies = rounds[0].tallies if rounds else {}
    order = sorted(tallies, key=lambda o: (-tallies[o], labels.get(o, o)))
    unit = str(tally_unit_label(result.method))
    bars = [
        Bar(
            label=labels.get(o, o),
            value=tallies[o],
            shown=format_number(tallies[o]),
            mark=chosen_mark if o in winners else "",
        )
        for o in order
    ]
    out.append(
        _bar_chart(
            "grafiek-stemmen-per-optie",
            _("%(unit)s per optie", unit=unit),
            _("Een balk per optie; gekozen opties zijn gearceerd en gemarkeerd.")
            if valid
            else _(
                "Een balk per optie; de opties die de ongeldige telling aanwees, zijn gemarkeerd."
            ),
            bars,
            [_("Optie"), unit, _("Gekozen") if valid else pointed],
            [
                [
                    labels.get(o, o),
                    format_number(tallies[o]),
                    _("ja") if o in winners else _("nee"),
                ]
                for o in order
            ],
        )
    )
    return out


def _points_chart(
    points: dict[str, int],
    labels: dict[str, str],
    costs: dict[str, int],
    winners: set[str],
    funded_mark: str,
) -> Chart:
    """Points ballots: the points each proposal got, which greedy and equal shares
    count as how much residents want it (greedy funds by points per euro)."""
    order = sorted(labels, key=lambda o: (-int(points.get(o, 0)), labels[o]))
    bars = [
        Bar(
            label=f"{labels[o]} ({format_money(costs[o])})",
            value=Fraction(int(points.get(o, 0))),
            shown=format_number(int(points.get(o, 0))),
            mark=funded_mark if o in winners else "",
        )
        for o in order
    ]
    return _bar_chart(
        "grafiek-punten-per-voorstel",
        _("Punten per voorstel"),
        _("Hoeveel punten de inwoners elk voorstel samen gaven."),
        bars,
        [_("Voorstel"), _("Kosten"), _("Punten"), _("Punten per euro")],
        [
            [
                labels[o],
                format_money(costs[o]),
                str(int(points.get(o, 0))),
                format_number(Fraction(int(points.get(o, 0)), costs[o]), 5) if costs[o] else "–",
            ]
            for o in order
        ],
    )


def _bar_chart(
    chart_id: str,
    heading: str,
    desc: str,
    bars: list[Bar],
    columns: list[str],
    rows: list[list[str]],
) -> Chart:
    svg = charts.bar_chart(chart_id=chart_id, title=heading, desc=desc, bars=bars)
    # The SVG is made by voting.charts, which escapes every text it writes.
    return Chart(heading, Markup(svg), heading, columns, rows)  # nosec B704


def _rounds_chart(
    rounds: tuple[Round, ...], labels: dict[str, str], details: dict[str, Any], valid: bool = True
) -> Chart:
    groups = []
    rows = []
    for data in rounds:
        elected, eliminated = set(data.elected), set(data.eliminated)
        bars = []
        for option, value in data.tallies.items():
            mark = ""
            if option in elected:
                mark = "✓ " + _("gekozen") if valid else "○ " + _("aangewezen (ongeldig)")
            elif option in eliminated:
                mark = "✗ " + _("valt af")
            bars.append(
                Bar(
                    label=labels.get(option, option),
                    value=value,
                    shown=format_number(value, 2),
                    mark=mark,
                    dropped=option in eliminated,
                )
            )
            rows.append(
                [
                    str(data.number),
                    labels.get(option, option),
                    format_number(value, 5),
                    mark or "–",
                ]
            )
        summary = _round_view(data, labels, False, valid=valid).summary
        groups.append(
            RoundBars(
                heading=_("Ronde %(number)s", number=data.number),
                note=summary,
                bars=tuple(bars),
            )
        )
    quota = details.get("quota")
    svg = charts.rounds_chart(
        chart_id="grafiek-rondes",
        title=_("Stemmen per ronde"),
        desc=_(
            "Per ronde een balk per optie die nog meedoet. Wie afvalt of gekozen is, staat "
            "erbij; de stemmen van wie afvalt gaan naar de volgende voorkeur."
        )
        if valid
        else _(
            "Per ronde een balk per optie die nog meedoet. Wie afvalt of door de ongeldige "
            "telling is aangewezen, staat erbij; de stemmen van wie afvalt gaan naar de "
            "volgende voorkeur."
        ),
        rounds=groups,
        threshold=Fraction(quota) if quota else None,
        threshold_label=_("quotum %(quota)s", quota=format_number(Fraction(quota), 2))
        if quota
        else "",
    )
    return Chart(
        _("Stemmen per ronde"),
        # SVG made by voting.charts, which escapes every text (bandit B704).
        Markup(svg),  # nosec B704
        _("Stemmen per ronde, per optie"),
        [_("Ronde"), _("Optie"), _("Stemmen"), _("Wat er gebeurde")],
        rows,
    )


def _pairwise_chart(
    labels: dict[str, str], pairwise: dict[str, dict[str, str]], ranking: list[str]
) -> Chart:
    ids = list(ranking) or list(labels)
    ids += [o for o in labels if o not in ids]
    matrix = {a: {b: int(v) for b, v in row.items()} for a, row in pairwise.items()}
    svg = charts.pairwise_chart(
        chart_id="grafiek-paarsgewijs",
        title=_("Elk plan tegen elk ander plan"),
        desc=_(
            "In rij A, kolom B: hoeveel kiezers A boven B zetten. Een donker vak met een "
            "driehoek betekent: A wint van B."
        ),
        labels=[labels.get(o, o) for o in ids],
        ids=ids,
        pairwise=matrix,
    )
    columns = [_("Voorkeur voor … boven …")] + [labels.get(o, o) for o in ids]
    rows = []
    for a in ids:
        row = [labels.get(a, a)]
        for b in ids:
            if a == b:
                row.append("–")
                continue
            ours, theirs = matrix.get(a, {}).get(b, 0), matrix.get(b, {}).get(a, 0)
            row.append(f"{ours} ({_('wint')})" if ours > theirs else str(ours))
        rows.append(row)
    return Chart(
        _("Elk plan tegen elk ander plan"),
        # SVG made by voting.charts, which escapes every text (bandit B704).
        Markup(svg),  # nosec B704
        _("Aantal kiezers dat de optie in de rij boven de optie in de kolom zet"),
        columns,
        rows,
    )


def _budget_chart(
    record: dict[str, Any],
    result: Result,
    labels: dict[str, str],
    costs: dict[str, int],
    valid: bool = True,
) -> Chart:
    budget = Fraction(record["election"].get("budget") or 0)
    segments = [Segment(labels.get(w, w), Fraction(costs.get(w, 0))) for w in result.winners]
    spent = sum((s.cost for s in segments), Fraction(0))
    svg = charts.budget_chart(
        chart_id="grafiek-budget",
        title=_("Het budget"),
        desc=_(
            "De hele balk is het budget van %(budget)s. De genummerde delen zijn de "
            "voorstellen die geld krijgen; het lege deel is niet besteed.",
            budget=format_money(budget),
        )
        if valid
        else _(
            "De hele balk is het budget van %(budget)s. De genummerde delen zijn de "
            "voorstellen die de ongeldige telling aanwees; er gaat geen geld naar op grond "
            "van deze stemming.",
            budget=format_money(budget),
        ),
        budget=budget,
        segments=segments,
        remaining_label=_("Niet besteed: %(amount)s", amount=format_money(budget - spent)),
    )
    rows = [[f"{n}. {s.label}", format_money(s.cost)] for n, s in enumerate(segments, start=1)]
    rows.append([_("Niet besteed"), format_money(budget - spent)])
    rows.append([_("Totaal budget"), format_money(budget)])
    return Chart(
        _("Het budget"),
        # SVG made by voting.charts, which escapes every text (bandit B704).
        Markup(svg),  # nosec B704
        _("Voorstellen die geld krijgen, met bedragen")
        if valid
        else _("Voorstellen die de ongeldige telling aanwees, met bedragen"),
        [_("Voorstel"), _("Bedrag")],
        rows,
    )


# --- downloads ------------------------------------------------------------------------


def result_csv(record: dict[str, Any]) -> str:
    """The result as CSV: one row per option with its cost, whether and in which order
    it was chosen, its ballots, and its tally in every round (exact fraction strings).

    A result that is not valid (turnout below the threshold, or declared invalid)
    chose nothing: its columns are then ``indicated_not_valid`` and
    ``order_not_valid`` instead of ``chosen`` and ``order``, so no program reading the
    file takes the count's outcome for a decision."""
    meta, result = record["election"], Result.from_dict(record["result"])
    rounds = result.rounds
    votes = votes_per_option(record)
    order = {w: i for i, w in enumerate(result.winners, start=1)}
    turnout = Turnout.from_record(record)
    valid = turnout.valid and bool(record.get("turnout", {}).get("valid", True))
    chosen, ordered = ("chosen", "order") if valid else ("indicated_not_valid", "order_not_valid")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["option_id", "name", "cost", chosen, ordered, "ballots_naming_option"]
        + [f"round_{r.number}" for r in rounds]
    )
    for option in meta["options"]:
        oid = option["id"]
        writer.writerow(
            [
                oid,
                _csv_safe(option.get("name", "")),
                option.get("cost", 0),
                "yes" if oid in order else "no",
                order.get(oid, ""),
                votes[oid],
            ]
            + [str(r.tallies[oid]) if oid in r.tallies else "" for r in rounds]
        )
    return out.getvalue()


def _csv_safe(text: str) -> str:
    # A cell starting with =, +, - or @ runs as a formula in spreadsheets.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def ballots_file(record: dict[str, Any]) -> tuple[str, str]:
    """The ballots in an exchange format: ``("blt", text)`` for ranked and single
    ballots, ``("pb", text)`` for approval and budget ballots (the rule's pabulib name
    from the registry in META)."""
    return exchange_file(record)
