"""The public follow-up: what happened with each result, per election and per
project, the overview "Wat is er met uw stem gedaan?", Atom feeds, e-mail updates
(subscribe, confirm, unsubscribe), attachments, and the accessibility and privacy
statements."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from voting import db
from voting.extensions import csrf, limiter, select_locale
from voting.follow_up import notify
from voting.follow_up.feeds import atom_feed
from voting.follow_up.forms import SubscribeForm
from voting.follow_up.labels import BODY_LABELS, OUTCOME_LABELS, STATUS_LABELS
from voting.follow_up.state import election_state, voting_over
from voting.follow_up.timeline import news
from voting.follow_up.urls import public_url
from voting.formatting import format_day, format_money, town_hall_today
from voting.labels import label
from voting.models import Attachment, Election, aware, utcnow

bp = Blueprint("follow_up", __name__)

PUBLIC_PHASES = ("proposals", "review", "voting", "closed", "counted", "certified")


def _public_election(slug: str) -> Election:
    election = db.session().scalar(select(Election).where(Election.slug == slug))
    if election is None or election.phase not in PUBLIC_PHASES:
        abort(404, description=_("Er is geen stemming met dit adres."))
    return election


@bp.get("/volgen/")
def overview() -> str:
    """ "Wat is er met uw stem gedaan?": every election of the municipality with where
    it stands, newest first."""
    session = db.session()
    elections = session.scalars(
        select(Election)
        .where(Election.phase.in_(PUBLIC_PHASES))
        .order_by(Election.closes_at.desc(), Election.id.desc())
    ).all()
    states = [election_state(session, e) for e in elections]
    return render_template("follow_up/overview.html", states=states, form=SubscribeForm())


@bp.get("/volgen/<slug>")
def election(slug: str) -> str:
    """One election: its result in short, the council's decisions (newest first, with
    earlier ones kept), and every project's progress."""
    found = _public_election(slug)
    session = db.session()
    return render_template(
        "follow_up/election.html",
        state=election_state(session, found),
        over=voting_over(found),
        items=news(session, found, limit=20),
        form=SubscribeForm(),
    )


@bp.get("/volgen/<slug>/project/<key>")
def project(slug: str, key: str) -> str:
    """One funded proposal or adopted option: status, progress, money, milestones."""
    found = _public_election(slug)
    state = election_state(db.session(), found)
    chosen = next((p for p in state.projects if p.key == key), None)
    if chosen is None:
        abort(404, description=_("Dit project bestaat niet (meer)."))
    return render_template("follow_up/project.html", state=state, project=chosen)


def _feed(election: Election | None) -> Response:
    session = db.session()
    base = current_app.config["PUBLIC_BASE_URL"]
    municipality = current_app.config["MUNICIPALITY"]
    if election is None:
        title = _("%(municipality)s: wat is er met uw stem gedaan?", municipality=municipality)
        page, own = public_url("follow_up.overview"), public_url("follow_up.site_feed")
        key, since = "feed", None
    else:
        title = _("%(title)s: wat is er met uw stem gedaan?", title=election.title)
        page = public_url("follow_up.election", slug=election.slug)
        own = public_url("follow_up.election_feed", slug=election.slug)
        key, since = f"feed/{election.slug}", election.certified_at or election.created_at
    body = atom_feed(
        base_url=base,
        feed_key=key,
        title=title,
        author=municipality,
        page_url=page,
        self_url=own,
        items=news(session, election, limit=50),
        empty_since=aware(since)
        if since
        else utcnow().replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
    )
    return Response(body, mimetype="application/atom+xml")


@bp.get("/volgen/feed.atom")
def site_feed() -> Response:
    """Atom feed of the follow-up news of every election."""
    return _feed(None)


@bp.get("/volgen/<slug>/feed.atom")
def election_feed(slug: str) -> Response:
    """Atom feed of one election's follow-up news."""
    return _feed(_public_election(slug))


@bp.get("/volgen/bijlage/<attachment_id>")
def attachment(attachment_id: str) -> Response:
    """A milestone's photo (shown in the page) or PDF (downloaded), with its own type
    and a safe file name."""
    found = db.session().get(Attachment, attachment_id) if len(attachment_id) == 32 else None
    if found is None:
        abort(404, description=_("Deze bijlage bestaat niet (meer)."))
    response = Response(found.data, mimetype=found.content_type)
    disposition = "inline" if found.content_type.startswith("image/") else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{found.filename}"'
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# --- e-mail updates ---------------------------------------------------------------------


@bp.route("/volgen/aanmelden", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def subscribe() -> str | tuple[str, int] | Response:
    """Ask for news by e-mail, about one election (``?over=slug``) or everything."""
    slug = request.values.get("over", "")
    about = _public_election(slug) if slug else None
    form = SubscribeForm()
    if request.method == "GET":
        return render_template("follow_up/subscribe.html", form=form, about=about)
    if not form.validate_on_submit():
        return render_template("follow_up/subscribe.html", form=form, about=about), 400
    try:
        notify.request_subscription(
            db.session(), form.address.data or "", about, select_locale(), today=town_hall_today()
        )
    except notify.AddressRefused:
        form.address.errors = [_("Dit is geen e-mailadres. Kijk of u het goed heeft getypt.")]
        return render_template("follow_up/subscribe.html", form=form, about=about), 400
    return redirect(url_for("follow_up.subscribe_sent", over=slug or None), 303)


@bp.get("/volgen/aanmelden/verstuurd")
def subscribe_sent() -> str:
    """Check your mailbox (the same words whether or not a mail went out)."""
    slug = request.args.get("over", "")
    about = _public_election(slug) if slug else None
    return render_template("follow_up/subscribe_sent.html", about=about)


@bp.route("/volgen/bevestigen/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | tuple[str, int]:
    """The link in the confirmation mail. GET shows a button, POST confirms: mail
    scanners that open every link must not subscribe anyone."""
    if request.method == "GET":
        return render_template("follow_up/confirm.html", token=token, done=None)
    subscription = notify.confirm(db.session(), token, today=town_hall_today())
    if subscription is None:
        return render_template("follow_up/confirm.html", token=token, done=False), 404
    about = None
    if subscription.election_id is not None:
        about = db.session().get(Election, subscription.election_id)
    return render_template("follow_up/confirm.html", token=token, done=True, about=about)


@bp.route("/volgen/afmelden/<subscription_id>/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click unsubscribe posts without our form; the token guards it.
def unsubscribe(subscription_id: str, token: str) -> str | tuple[str, int]:
    """The link in every update: GET asks, POST forgets the address at once."""
    session = db.session()
    subscription = notify.find_for_unsubscribe(session, subscription_id, token)
    if request.method == "GET":
        return render_template(
            "follow_up/unsubscribe.html", known=subscription is not None, done=False
        )
    if subscription is not None:
        notify.unsubscribe(session, subscription)
    # Unknown or already gone: the outcome the visitor wanted, so say so.
    return render_template("follow_up/unsubscribe.html", known=True, done=True)


# --- statements -------------------------------------------------------------------------


@bp.get("/toegankelijkheid")
def accessibility() -> str:
    """The accessibility statement (toegankelijkheidsverklaring, Dutch model)."""
    lang = "en" if select_locale() == "en" else "nl"
    return render_template(f"follow_up/statements/accessibility_{lang}.html")


@bp.get("/privacy")
def privacy() -> str:
    """The privacy statement: what Buurtstem stores, why, for how long, who to ask."""
    lang = "en" if select_locale() == "en" else "nl"
    return render_template(
        f"follow_up/statements/privacy_{lang}.html",
        retention_days=current_app.config["RETENTION_DAYS"],
        confirm_days=notify.CONFIRM_DAYS,
    )


# --- how the follow-up pages write amounts, dates and percentages ------------------------


@bp.app_template_global("money_cents")
def money_cents(cents: int) -> str:
    """Cents as euros, the way every page writes amounts (``€ 1.250,50``)."""
    return format_money(Fraction(cents, 100))


@bp.app_template_global("long_date")
def long_date(day: date | None) -> str:
    """A date as '1 december 2026' (or 'December 1, 2026') in the visitor's language."""
    return format_day(day)


@bp.app_template_global("status_label")
def status_label(code: str) -> str:
    """A project status in words."""
    return label(STATUS_LABELS, code)


@bp.app_template_global("outcome_label")
def outcome_label(code: str) -> str:
    """A decision in words."""
    return label(OUTCOME_LABELS, code)


@bp.app_template_global("body_label")
def body_label(code: str) -> str:
    """Who decided, in words."""
    return label(BODY_LABELS, code)
