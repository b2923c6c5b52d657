"""Words for errors: the one place where an error with a code becomes a sentence.

The counting library (``ballots``) and the app's own modules (elections, roll, roll
import, tally) raise :class:`ballots.errors.CodedError` subclasses: a code and its
numbers, never words. Pages and the ``voting`` command line call :func:`explain`,
which picks the Dutch message id of the code here and translates it through
Flask-Babel into the reader's language (Dutch by default, English available; the
command line speaks English). The standalone tools use the library's English
``str(error)`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import LazyString, force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ballots.errors import CodedError
from voting.formatting import format_day, format_money
from voting.labels import BALLOT_TYPE_LABELS, PHASE_LABELS, label, rule_label

# Message ids (Dutch) per code, with %(name)s for the error's params.
TEXTS: dict[str, LazyString] = {
    # ballots.errors.BallotError: a ballot or count that breaks the rules.
    "duplicate_option_id": _l("Twee opties hebben dezelfde code."),
    "budget_missing": _l("Een buurtbudget heeft een budget nodig."),
    "unknown_option": _l("Onbekende optie '%(option)s'."),
    "duplicate_rank": _l("Dezelfde optie staat twee keer op het stembiljet."),
    "duplicate_choice": _l("Dezelfde optie is twee keer gekozen."),
    "several_on_single": _l("Meer dan één keuze op een stembiljet voor één keuze."),
    "too_many_choices": _l("%(given)s keuzes, hoogstens %(limit)s."),
    "too_few_choices": _l("%(given)s keuzes, minstens %(limit)s."),
    "over_budget": _l("Kost %(spent)s, meer dan het budget van %(budget)s."),
    "blank_not_allowed": _l("Blanco, maar blanco stemmen kan bij deze stemming niet."),
    "negative_count": _l("Een negatief aantal stemmen (%(count)s)."),
    "wrong_ballot_kind": _l("De telregel %(rule)s telt geen stembiljetten '%(kind)s'."),
    "bad_seats": _l("%(rule)s: het aantal winnaars moet een positief heel getal zijn."),
    "too_many_seats": _l("%(rule)s: meer winnaars (%(seats)s) dan opties (%(options)s)."),
    "one_winner_only": _l("%(rule)s kiest één winnaar; kies STV voor meer winnaars."),
    "budget_rule_needs_budget": _l("Een budgetregel heeft een budget nodig."),
    "split_length": _l("Een verdeling noemt %(given)s bedragen voor %(themes)s thema's."),
    "split_needs_total": _l("Een verdeling heeft een positief totaal nodig."),
    "split_amount_missing": _l("Elk thema heeft een bedrag nodig."),
    "split_theme_twice": _l("Een thema staat er twee keer in."),
    "split_unknown_theme": _l("Onbekend thema '%(theme)s'."),
    "split_negative": _l("Een negatief bedrag."),
    "leftover_unknown": _l("Onbekende keuze voor geld dat over is: %(leftover)s."),
    "theme_budget_negative": _l("Een budget per thema kan niet negatief zijn."),
    "theme_budgets_sum": _l(
        "De budgetten per thema tellen op tot %(given)s, niet tot het budget van %(budget)s."
    ),
    "theme_budgets_need_budget_rule": _l(
        "Alleen een budgetregel verdeelt per thema, niet %(rule)s."
    ),
    "under_min_spend": _l("Kost %(spent)s, minder dan de %(minimum)s die een stem moet besteden."),
    "split_sum": _l("De bedragen tellen op tot %(given)s, niet tot %(total)s."),
    "amount_not_positive": _l("Het bedrag %(amount)s is geen heel getal boven 0."),
    "too_many_points": _l("%(given)s punten, hoogstens %(limit)s."),
    # voting.elections: phases and set-up.
    "phase_skip": _l(
        "Fase '%(phase)s' kan niet naar '%(to)s'; de volgende fase is '%(expected)s'."
    ),
    "too_few_options": _l("Er staan te weinig opties op het stembiljet om te stemmen."),
    "no_ballot_box": _l(
        "Maak eerst de sleutel van de stembus: zonder stembus kan niemand stemmen."
    ),
    "no_voters_yet": _l(
        "Er staat nog niemand op de kiezerslijst. Importeer eerst het register: zodra het "
        "stemmen begint, ligt de kiezerslijst vast."
    ),
    "theme_split_not_certified": _l(
        "Deze stemming neemt het budget per thema uit een verdeling die nog geen "
        "vastgestelde uitslag heeft. Stel eerst de uitslag van de verdeling vast."
    ),
    "box_not_opened": _l("Open eerst de stembus: de sleutelhouders vullen hun sleuteldelen in."),
    "sealed_ballots_left": _l("Er zitten nog verzegelde stemmen in de stembus."),
    # voting.ballot_box: the sealed ballot box.
    "box_exists": _l("Deze verkiezing heeft al een stembus met een sleutel."),
    "box_too_late": _l("Het stemmen is voorbij; een nieuwe stembus kan niet meer."),
    "box_has_ballots": _l("Er zitten al stemmen in een stembus; een nieuwe sleutel kan niet."),
    "box_holders_needed": _l("Vul de namen van de sleutelhouders in, ieder één keer."),
    "box_threshold": _l(
        "Het aantal sleutelhouders dat nodig is moet tussen 1 en %(count)s liggen."
    ),
    "no_box": _l("Deze verkiezing heeft geen stembus."),
    "box_open_already": _l("De stembus is al geopend."),
    "box_not_closed": _l("De stembus gaat pas open als het stemmen gesloten is."),
    "box_shares_wrong": _l(
        "Met deze sleuteldelen gaat de stembus niet open: ze horen niet bij elkaar, of er "
        "zit een fout in die de controle niet ziet. Neem de sleuteldelen opnieuw over van "
        "de papieren bladen."
    ),
    "box_share_missing": _l(
        "In vak %(number)s staat geen sleuteldeel. Een sleuteldeel is een regel die begint "
        "met BBX1-."
    ),
    "box_share_typo": _l(
        "Sleuteldeel %(number)s heeft een typefout: de tekens aan het eind kloppen niet met "
        "de rest. Vergelijk het met het papieren blad."
    ),
    "box_share_other_box": _l(
        "Sleuteldeel %(number)s hoort bij een andere stembus (sleutel %(box)s). Neem het "
        "sleuteldeel van deze verkiezing."
    ),
    "box_shares_too_few": _l("Er zijn %(needed)s sleuteldelen nodig; ingevuld: %(given)s."),
    "box_share_twice": _l(
        "Hetzelfde sleuteldeel is twee keer ingevuld. Elke sleutelhouder vult zijn eigen "
        "sleuteldeel in."
    ),
    "box_ballot_damaged": _l("Een verzegelde stem is beschadigd; de stembus is niet geopend."),
    "rule_does_not_fit_ballot": _l(
        "De telregel '%(rule)s' past niet bij een stembiljet '%(ballot_type)s'."
    ),
    "budget_needs_budget_rule": _l("Een buurtbudget heeft een telregel voor budgetten nodig."),
    "referendum_without_budget_rule": _l(
        "Een referendum kan niet met een budgetregel worden geteld."
    ),
    "budget_amount_missing": _l("Vul het budget in (in hele euro's)."),
    "points_per_voter_missing": _l(
        "Vul bij 'Punten per inwoner' in hoeveel punten elke inwoner mag verdelen "
        "(Aarau gaf er 10)."
    ),
    "split_total_missing": _l(
        "Vul bij 'Budget' in wat de inwoners verdelen: bijvoorbeeld 100 punten, of het "
        "budget in hele euro's."
    ),
    "single_winner_rule": _l("Deze telregel kiest één winnaar; kies STV of een andere regel."),
    "settings_locked": _l("De stemming is al begonnen: opties, telregel en kiezers liggen vast."),
    "negative_cost": _l("De kosten kunnen niet negatief zijn."),
    "cost_missing": _l(
        "Vul de kosten van het voorstel in, in hele euro's. Een voorstel dat niets kost, "
        "krijgt altijd geld."
    ),
    "cost_over_budget": _l("Dit voorstel kost meer dan het hele budget."),
    "review_phase_only": _l("Voorstellen worden beoordeeld in de fase 'review'."),
    "rejection_needs_reason": _l("Geef de reden van de afwijzing; de indiener krijgt die te zien."),
    # voting.roll: the roll and its codes.
    "roll_locked": _l(
        "De kiezerslijst ligt vast: het stemmen is begonnen. U kunt alleen nog een nieuwe "
        "brief maken voor een bewoner die zijn brief kwijt is."
    ),
    "not_on_roll": _l("Deze persoon staat niet op de kiezerslijst van deze verkiezing."),
    "already_voted": _l(
        "Deze bewoner heeft al gestemd. Een gebruikte code blijft gebruikt; er komt geen "
        "nieuwe brief."
    ),
    # voting.roll_import: the register file, its rows, who may vote.
    "postcode_filter_unreadable": _l(
        "Postcodefilter '%(part)s' is niet leesbaar. Gebruik bijvoorbeeld '6921-6923, 5611AB'."
    ),
    "postcode_filter_reversed": _l("Postcodefilter '%(part)s': het begin ligt na het einde."),
    "file_empty": _l("het bestand is leeg"),
    "header_unreadable": _l("kopregel onleesbaar: %(detail)s"),
    "columns_missing": _l("kolom ontbreekt in de kopregel: %(columns)s"),
    "row_unreadable": _l("regel onleesbaar: %(detail)s"),
    "field_count": _l("%(given)s velden in plaats van %(expected)s"),
    "field_empty": _l("%(column)s is leeg"),
    "field_too_long": _l("%(column)s is te lang"),
    "not_a_postcode": _l("'%(value)s' is geen postcode"),
    "not_a_date": _l("'%(value)s' is geen datum (dd-mm-jjjj)"),
    "same_person": _l("dezelfde persoon als regel %(line)s"),
    "too_young": _l("jonger dan %(min_age)s op %(day)s (leeftijd %(age)s)"),
    "outside_area": _l("postcode %(postcode)s valt buiten het gebied"),
    "neighbourhood_excluded": _l("wijk %(neighbourhood)s doet niet mee"),
    # voting.tally: counting and certifying.
    "stored_ballot_invalid": _l("Een opgeslagen stem past niet bij deze verkiezing: %(error)s"),
    "already_counted": _l("Deze verkiezing is al geteld; een tweede telling kan niet."),
    "not_closed": _l("Tellen kan pas als het stemmen gesloten is."),
    "empty_roll": _l("Er staan geen kiezers op de kiezerslijst; de opkomst is niet te bepalen."),
    "count_failed": _l("De telling kon niet worden uitgevoerd: %(error)s"),
    "not_counted": _l("Deze verkiezing is nog niet geteld."),
    "record_failed": _l("Het proces-verbaal kan niet worden opgemaakt: %(error)s"),
    "already_certified": _l("Deze uitslag is al vastgesteld; daarna verandert er niets meer."),
    "certify_after_count": _l("Vaststellen kan pas na de telling."),
    "no_signing_key": _l(
        "Er is geen ondertekeningssleutel (%(path)s). Maak er een met 'voting keys generate'."
    ),
    "signing_key_unreadable": _l("De ondertekeningssleutel is niet te lezen: %(error)s"),
    "recount_differs": _l("De hertelling wijkt af van de telling: %(problems)s"),
    "signature_unverifiable": _l(
        "De handtekening is niet te controleren; er is niets vastgesteld."
    ),
    # voting.processes: processes (trajecten), their stages and letters.
    "process_title_missing": _l("Een traject heeft een titel nodig."),
    "process_slug_bad": _l("Het webadres mag alleen kleine letters, cijfers en - bevatten."),
    "process_slug_taken": _l("Een ander traject heeft dit webadres al."),
    "stage_in_a_process": _l("Deze verkiezing is al een stap van een traject."),
    "stages_fixed": _l(
        "De brieven zijn al gemaakt: de stappen die erin staan, kunnen niet meer veranderen."
    ),
    "ideas_need_budget": _l("Alleen een buurtbudget neemt ideeën van bewoners aan."),
    "ideas_dates_order": _l("Het indienen van ideeën sluit voordat het opent."),
    "ideas_limit_bad": _l("Het aantal ideeën per code moet tussen 0 en 20 liggen."),
    "carry_not_certified": _l("De eerdere stap heeft nog geen vastgestelde uitslag."),
    "carry_target_started": _l(
        "De opties van een stap kunnen alleen veranderen zolang die stap een concept is."
    ),
    "carry_order": _l("Winnaars gaan van een eerdere stap naar een latere."),
    "theme_split_needs_budget": _l("Alleen een buurtbudget heeft een budget per thema."),
    "theme_split_started": _l("Het stemmen is begonnen: het budget per thema ligt vast."),
    "theme_split_source": _l("Het budget per thema komt uit een eerdere stap met een verdeling."),
    "theme_split_typed": _l(
        "In de instellingen van deze stemming staan zelf getypte bedragen per thema. Haal "
        "die eerst weg: het is een verdeling óf getypte bedragen, niet allebei."
    ),
    "leftover_bad": _l("Geld dat een thema overhoudt, blijft over of gaat samen verder."),
    "theme_split_linked": _l(
        "Stap %(split)s geeft stap %(vote)s het budget per thema. Kies bij stap %(vote)s "
        "eerst 'Geen budget per thema'; daarna kunt u de stappen verplaatsen of weghalen."
    ),
    # voting.ideas: ideas from residents and organisers.
    "cost_lines_missing": _l("Vul minstens één kostenregel in: wat het is en wat het kost."),
    "cost_line_item": _l("Kostenregel %(line)s: schrijf op waar het geld voor is."),
    "cost_line_amount": _l(
        "Kostenregel %(line)s: het bedrag moet in hele euro's zijn, 0 of meer, zoals 1250."
    ),
    "cost_lines_sum": _l(
        "De kostenregels tellen op tot %(lines_amount)s, niet tot het totaal van %(total_amount)s."
    ),
    "idea_total_zero": _l("Het idee moet meer dan € 0 kosten."),
    "ideas_closed": _l("Voor dit buurtbudget kunt u nu geen ideeën indienen."),
    "idea_limit": _l("Met deze code zijn al %(limit)s ideeën ingediend; meer kan niet."),
    "image_type": _l("De foto moet een JPEG- of PNG-bestand zijn."),
    "image_too_large": _l("De foto is te groot (hoogstens %(megabytes)s MB)."),
    "image_broken": _l("De foto is niet te lezen."),
    "theme_unknown": _l("Kies een van de thema's."),
    "merge_same": _l("Een voorstel kan niet met zichzelf worden samengevoegd."),
    "merge_other_election": _l("De voorstellen horen bij verschillende buurtbudgetten."),
    "merge_phase": _l("Samenvoegen kan alleen voordat het stemmen begint."),
    "merge_target_gone": _l("Het voorstel om mee samen te voegen staat niet op het stembiljet."),
}

# Where a ballot error happened, before its sentence.
_BALLOT_PLACES: dict[str, LazyString] = {
    "receipt": _l("Stem %(receipt)s: %(text)s"),
    "ballot": _l("Stem %(ballot)s: %(text)s"),
    "group": _l("Stemgroep %(group)s: %(text)s"),
}


def _phase(code: Any) -> str:
    return label(PHASE_LABELS, code) if code else _("geen")


# Params whose value is itself a code or an amount, and how to put it in words.
_PARAM_WORDS: dict[str, Callable[[Any], str]] = {
    "phase": _phase,
    "to": _phase,
    "expected": _phase,
    "rule": lambda code: str(rule_label(code)),
    "ballot_type": lambda code: label(BALLOT_TYPE_LABELS, code),
    "spent": format_money,
    "budget": format_money,
    "lines_amount": format_money,
    "total_amount": format_money,
    "problems": lambda lines: "; ".join(str(line) for line in lines),
    "day": format_day,
}


def _word(name: str, value: Any) -> Any:
    if isinstance(value, CodedError):
        return explain(value)
    if isinstance(value, BaseException):
        return str(value)
    words = _PARAM_WORDS.get(name)
    return words(value) if words is not None else value


def explain(error: CodedError, *, locale: str | None = None) -> str:
    """``error`` in words, in the reader's language (or ``locale``, e.g. ``"en"`` on
    the command line). A code without words here falls back to the library's English
    sentence, so nothing is lost."""
    if locale is not None:
        with force_locale(locale):
            return explain(error)
    template = TEXTS.get(error.code)
    if template is None:
        return str(error)
    params = {name: _word(name, value) for name, value in error.params.items()}
    text = str(template) % params if params else str(template)
    for place, framed in _BALLOT_PLACES.items():
        if place in error.params:
            return str(framed) % {place: error.params[place], "text": text}
    return text
