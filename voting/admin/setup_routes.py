"""Clerks set up elections: settings, options and proposals, and proposal review."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug import Response

from voting import audit, db, elections, theme_budgets
from voting.admin.option_edit_routes import removal_confirmed
from voting.admin.setup_forms import ElectionForm, OptionForm, ReviewForm, option_values
from voting.auth import actor_name, role_required
from voting.error_words import explain
from voting.formatting import TIME_ZONE, format_money, local_time
from voting.models import Election, Option, aware
from voting.processes.service import letters_printed, split_sources, stage_of

bp = Blueprint("setup", __name__)

SETTINGS = (
    "title",
    "slug",
    "question",
    "description",
    "title_en",
    "question_en",
    "description_en",
    "kind",
    "ballot_type",
    "rule",
    "seats",
    "budget",
    "split_unit",
    "max_points",
    "min_spend_percent",
    "theme_split_id",
    "theme_budgets",
    "leftover",
    "min_choices",
    "max_choices",
    "allow_blank",
    "opens_at",
    "closes_at",
    "turnout_threshold_percent",
    "binding",
    "min_age",
    "postcode_filter",
    "neighbourhood_filter",
    "next_steps",
)


def _election(election_id: int) -> Election:
    election = db.session().get(Election, election_id)
    if election is None:
        abort(404)
    return election


def _form_values(form: ElectionForm) -> dict[str, object]:
    values = {name: getattr(form, name).data for name in SETTINGS}
    for moment in ("opens_at", "closes_at"):
        # The clerk types the town hall's wall-clock time; we store UTC.
        value = values[moment]
        if isinstance(value, datetime) and value.tzinfo is None:
            values[moment] = value.replace(tzinfo=TIME_ZONE).astimezone(UTC)
    for text_field in (
        "question",
        "description",
        "title_en",
        "question_en",
        "description_en",
        "postcode_filter",
        "neighbourhood_filter",
    ):
        values[text_field] = values[text_field] or ""
    values["next_steps"] = values["next_steps"] or ""
    # A budget is the money of a buurtbudget, or the total a split ballot divides.
    if values["kind"] != "budget" and values["ballot_type"] != "distribution":
        values["budget"] = None
    if values["ballot_type"] != "distribution":
        values["split_unit"] = "points"
    if values["ballot_type"] != "points":
        values["max_points"] = None
    values["min_spend_percent"] = (
        values["min_spend_percent"] or 0 if values["ballot_type"] == "budget" else 0
    )
    # Per-theme budgets: only a buurtbudget has them; typed lines are stored as JSON.
    split = str(values["theme_split_id"] or "")
    values["theme_split_id"] = int(split) if split.isdigit() else None
    try:
        pairs = theme_budgets.parse_lines(str(values["theme_budgets"] or ""))
    except theme_budgets.ThemeBudgetError:
        pairs = []  # reported by _check
    values["theme_budgets"] = json.dumps(pairs, ensure_ascii=False) if pairs else ""
    if values["kind"] != "budget":
        values["theme_split_id"], values["theme_budgets"], values["leftover"] = None, "", "unspent"
    return values


def _election_form(election: Election | None) -> ElectionForm:
    """The settings form, offering as theme budgets every certified split election
    (not this one) and, for a stage of a process, the split stages before it even
    while they are not certified (as the process page lets the clerk choose them)."""
    form = ElectionForm(obj=election)
    session = db.session()
    splits = list(
        session.scalars(
            select(Election)
            .where(Election.ballot_type == "distribution", Election.phase == "certified")
            .order_by(Election.id)
        )
    )
    stage = stage_of(session, election) if election is not None else None
    if stage is not None:
        earlier = [s.election for s in split_sources(stage.process, stage)]
        splits += [e for e in earlier if e not in splits]
    linked = (
        session.get(Election, election.theme_split_id)
        if election is not None and election.theme_split_id is not None
        else None
    )
    if linked is not None and linked not in splits:
        splits.append(linked)  # chosen before: saving other settings must not drop it
    form.theme_split_id.choices = [("", _("geen: geen budget per thema of zelf getypt"))] + [
        (
            str(e.id),
            e.title
            if e.phase == "certified"
            else _("%(title)s (nog niet vastgesteld)", title=e.title),
        )
        for e in splits
        if election is None or e.id != election.id
    ]
    return form


def _show_local_times(form: ElectionForm) -> None:
    """Put the stored UTC times into the form as the town hall's wall-clock time."""
    for field in (form.opens_at, form.closes_at):
        if isinstance(field.data, datetime):
            field.data = local_time(field.data).replace(tzinfo=None)


def _check(form: ElectionForm, values: dict[str, object], election_id: int | None) -> bool:
    """Cross-field checks; errors go on the form so the clerk sees them by the field."""
    ok = True
    try:
        elections.check_settings(
            kind=str(values["kind"]),
            ballot_type=str(values["ballot_type"]),
            rule=str(values["rule"]),
            budget=values["budget"],  # type: ignore[arg-type]
            seats=int(values["seats"] or 1),  # type: ignore[call-overload]
            max_points=values["max_points"],  # type: ignore[arg-type]
        )
    except elections.SetupError as error:
        form.rule.errors = [*form.rule.errors, explain(error)]
        ok = False
    opens, closes = values["opens_at"], values["closes_at"]
    if isinstance(opens, datetime) and isinstance(closes, datetime) and closes <= opens:
        form.closes_at.errors = [*form.closes_at.errors, _("Het einde ligt vóór het begin.")]
        ok = False
    low, high = values["min_choices"], values["max_choices"]
    if isinstance(low, int) and isinstance(high, int) and low > high:
        form.max_choices.errors = [
            *form.max_choices.errors,
            _("Het maximum is kleiner dan het minimum."),
        ]
        ok = False
    typed_text = form.theme_budgets.data or ""
    try:
        typed = theme_budgets.parse_lines(typed_text)
    except theme_budgets.ThemeBudgetError as error:
        form.theme_budgets.errors = [
            *form.theme_budgets.errors,
            _(
                "Schrijf per regel een thema, een dubbele punt en een bedrag in hele euro's, "
                "zoals 'Groen: 20000' (elk thema één keer); %(where)s klopt niet.",
                where=str(error).replace("line", _("regel")),
            ),
        ]
        ok = False
        typed = []
    offered = {value for value, _label in form.theme_split_id.choices or []}
    if values["theme_split_id"] is not None and str(values["theme_split_id"]) not in offered:
        form.theme_split_id.errors = [
            *form.theme_split_id.errors,
            _("Kies een vastgestelde verdeling uit de lijst."),
        ]
        ok = False
    if values["kind"] == "budget":
        if typed and values["theme_split_id"] is not None:
            form.theme_budgets.errors = [
                *form.theme_budgets.errors,
                _("Kies een verdeling óf typ de bedragen, niet allebei."),
            ]
            ok = False
        elif typed and sum(a for _t, a in typed) != values["budget"]:
            form.theme_budgets.errors = [
                *form.theme_budgets.errors,
                _(
                    "De bedragen per thema tellen op tot %(given)s; samen moeten ze het hele "
                    "budget zijn.",
                    given=format_money(sum(a for _t, a in typed)),
                ),
            ]
            ok = False
    clash = db.session().scalar(select(Election.id).where(Election.slug == values["slug"]))
    if clash is not None and clash != election_id:
        form.slug.errors = [*form.slug.errors, _("Deze korte naam is al in gebruik.")]
        ok = False
    return ok


@bp.route("/verkiezing/nieuw", methods=["GET", "POST"])
@role_required("clerk")
def create() -> str | Response:
    """A new election in phase draft, with a tie-break seed drawn now and shown from
    the start, so nobody can pick it after seeing the ballots."""
    form = _election_form(None)
    if form.validate_on_submit():
        values = _form_values(form)
        if _check(form, values, None):
            session = db.session()
            election = Election(**values, phase="draft", tie_break_seed=secrets.token_hex(8))
            session.add(election)
            session.flush()
            audit.record(
                session,
                actor_name(),
                "election.create",
                election_id=election.id,
                **{k: v for k, v in values.items() if k in ("title", "kind", "rule")},
            )
            session.commit()
            flash(_("De verkiezing is aangemaakt. Voeg nu de opties toe."), "success")
            return redirect(url_for("setup.options", election_id=election.id))
    return render_template("admin/setup/election_form.html", form=form, election=None), (
        400 if form.is_submitted() else 200
    )


def _dates_as_printed(form: ElectionForm, values: dict[str, object], election: Election) -> bool:
    """False (with the reason on the form) when a step of a process whose letters are
    printed would get other voting dates than the letters name."""
    stage = stage_of(db.session(), election)
    if stage is None or not letters_printed(db.session(), stage.process):
        return True
    ok = True
    for name in ("opens_at", "closes_at"):
        new, old = values[name], getattr(election, name)
        if (aware(new) if isinstance(new, datetime) else new) != (aware(old) if old else old):
            getattr(form, name).errors = [
                *getattr(form, name).errors,
                _(
                    "De brieven van het traject zijn al gemaakt en noemen de data van deze "
                    "stap: die kunnen niet meer veranderen."
                ),
            ]
            ok = False
    return ok


@bp.route("/verkiezing/<int:election_id>/instellingen", methods=["GET", "POST"])
@role_required("clerk")
def edit(election_id: int) -> str | Response:
    """Change the settings while the election is still being prepared."""
    election = _election(election_id)
    if elections.options_locked(election):
        flash(_("De stemming is al begonnen: de instellingen liggen vast."), "error")
        return redirect(url_for("admin.election_detail", election_id=election.id))
    form = _election_form(election)
    if not form.is_submitted():
        _show_local_times(form)
        form.theme_split_id.data = str(election.theme_split_id or "")
        form.theme_budgets.data = "\n".join(f"{t}: {a}" for t, a in theme_budgets.typed(election))
    if form.validate_on_submit():
        values = _form_values(form)
        if _check(form, values, election.id) and _dates_as_printed(form, values, election):
            session = db.session()
            changed = {k: str(v) for k, v in values.items() if getattr(election, k) != v}
            for key, value in values.items():
                setattr(election, key, value)
            audit.record(
                session, actor_name(), "election.update", election_id=election.id, **changed
            )
            session.commit()
            flash(_("De instellingen zijn opgeslagen."), "success")
            return redirect(url_for("admin.election_detail", election_id=election.id))
    return render_template("admin/setup/election_form.html", form=form, election=election), (
        400 if form.is_submitted() else 200
    )


@bp.route("/verkiezing/<int:election_id>/opties", methods=["GET", "POST"])
@role_required("clerk")
def options(election_id: int) -> str | Response:
    """List the options or proposals and add one."""
    election = _election(election_id)
    form = OptionForm()
    if form.validate_on_submit():
        session = db.session()
        try:
            elections.add_option(
                session,
                election,
                **option_values(form),
                actor=actor_name(),
            )
        except elections.SetupError as error:
            session.rollback()
            flash(explain(error), "error")
            return render_template(
                "admin/setup/options.html", election=election, form=form, review=ReviewForm()
            ), 409
        session.commit()
        flash(_("De optie is toegevoegd."), "success")
        return redirect(url_for("setup.options", election_id=election.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/setup/options.html", election=election, form=form, review=ReviewForm()
    ), status


@bp.post("/verkiezing/<int:election_id>/opties/<int:option_id>/verwijderen")
@role_required("clerk")
def remove(election_id: int, option_id: int) -> Response:
    """Take an option off the ballot (before voting only)."""
    election = _election(election_id)
    option = db.session().get(Option, option_id)
    if option is None or option.election_id != election.id:
        abort(404)
    if not removal_confirmed():
        flash(_("Bevestig eerst dat u deze optie wilt verwijderen."), "error")
        return redirect(
            url_for("option_edit.confirm_remove", election_id=election.id, option_id=option.id)
        )
    session = db.session()
    try:
        elections.remove_option(session, election, option, actor=actor_name())
    except elections.SetupError as error:
        session.rollback()
        flash(explain(error), "error")
        return redirect(url_for("setup.options", election_id=election.id))
    session.commit()
    flash(_("De optie is verwijderd."), "success")
    return redirect(url_for("setup.options", election_id=election.id))


@bp.post("/verkiezing/<int:election_id>/opties/<int:option_id>/beoordelen")
@role_required("clerk")
def review(election_id: int, option_id: int) -> Response:
    """Accept or reject a submitted proposal, with a reason for a rejection."""
    election = _election(election_id)
    option = db.session().get(Option, option_id)
    if option is None or option.election_id != election.id:
        abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("Kies toelaten of afwijzen."), "error")
        return redirect(url_for("setup.options", election_id=election.id))
    session = db.session()
    try:
        elections.review_proposal(
            session,
            option,
            accept=form.verdict.data == "accept",
            reason=form.reason.data or "",
            actor=actor_name(),
        )
    except elections.SetupError as error:
        session.rollback()
        flash(explain(error), "error")
        return redirect(url_for("setup.options", election_id=election.id))
    session.commit()
    flash(_("Het besluit over het voorstel is opgeslagen."), "success")
    return redirect(url_for("setup.options", election_id=election.id))
