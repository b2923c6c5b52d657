"""Residents: the front page, code entry (typed or from the QR code), the ballot, the
review step, the cast and the receipt.

The visit is Post/Redirect/Get from start to end. After the code is entered, the
signed session holds only the code's keyed hash, the election id, a shuffle seed for
budget proposals, the ballot drafted so far and the receipt the cast will use -- never
the code itself, and the code never appears in a URL. After the cast the session holds
only the receipt, so the back button, a second tab or a second click on "confirm"
lead to the receipt or to a friendly "you have voted already", never to an error page
or a second ballot.

A resident session ends after ``VOTE_SESSION_MINUTES`` (default 15) minutes without a
click: long enough to read twelve proposals, short enough that the next person at a
library computer does not walk into someone else's ballot.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from sqlalchemy import select
from werkzeug import Response

from voting import casting, code_limits, codes, db, desk, election_cache, weighted
from voting.ballot_validation import (
    AMOUNT_PREFIX,
    BLANK_SINGLE,
    BallotRefused,
    Problem,
    ballot_options,
    display_order,
    parse_form,
)
from voting.bilingual import marked
from voting.casting import CodeCheck, CodeOutcome
from voting.codes import CodeProblem
from voting.documents.receipt import receipt_pdf
from voting.extensions import LANGUAGES, limiter
from voting.formatting import format_moment, format_money, format_percent
from voting.models import Election, aware, utcnow
from voting.vote.forms import CodeForm

bp = Blueprint("vote", __name__)

VOTE = "vote"  # session key of a visit in progress
RECEIPT = "receipt"  # session key after the cast
DEFAULT_VOTE_MINUTES = 15

# Failed code attempts only: a resident who typed their code right is never slowed
# down, a guesser is, and the global limit makes a spread-out attack loud.
CODE_LIMIT_PER_CLIENT = "10 per minute;50 per hour"
TOO_MANY = _l(
    "U heeft te vaak een code ingevuld die niet klopt. Wacht een paar minuten en probeer "
    "het dan opnieuw. Lukt het daarna nog niet? Bel de gemeente."
)


def _failed_attempt(_response: Response) -> bool:
    return bool(g.get("code_attempt_failed", False))


def client_address() -> str:
    """The address the per-client code limit counts. Behind ``TRUSTED_PROXIES``
    reverse proxies (a setting, default 0) it is the address the outermost of them
    saw, taken from ``X-Forwarded-For``; otherwise that header is ignored, since
    anyone can send it to dodge the limit. Without this, every resident behind the
    municipality's proxy would share one limit."""
    hops = int(current_app.config.get("TRUSTED_PROXIES", 0) or 0)
    if hops > 0 and request.headers.get("X-Forwarded-For"):
        route = request.access_route
        if len(route) >= hops:
            return route[-hops]
    return request.remote_addr or "unknown"


# --- pages ----------------------------------------------------------------------------


@bp.get("/")
def index() -> str:
    """The front page: elections open for voting and recent results."""
    elections = db.session().scalars(select(Election).order_by(Election.opens_at)).all()
    open_now = [e for e in elections if e.is_open()]
    # In the voting phase but before the first voting day: announced, not yet open.
    upcoming = [
        e
        for e in elections
        if e.phase == "voting" and not e.is_open() and e.opens_at and aware(e.opens_at) > utcnow()
    ]
    published = [e for e in elections if e.phase == "certified"]
    # The letter's address leads here: once voting is over, point at the follow-up.
    ended = [e for e in elections if e.phase in ("closed", "counted") or _past_close(e)]
    return render_template(
        "vote/index.html",
        open_now=open_now,
        upcoming=upcoming,
        published=published,
        ended=ended,
    )


def _past_close(election: Election) -> bool:
    return (
        election.phase == "voting"
        and election.closes_at is not None
        and aware(election.closes_at) <= utcnow()
    )


@bp.route("/stem", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config.get("CODE_LIMIT_PER_CLIENT", CODE_LIMIT_PER_CLIENT),
    key_func=client_address,
    methods=["POST"],
    deduct_when=_failed_attempt,
    error_message=lambda: str(TOO_MANY),
    exempt_when=lambda: desk.is_desk(client_address()),
)
def enter_code() -> str | Response | tuple[str, int]:
    """Code entry: check the code, start a fresh session, go to the ballot."""
    form = CodeForm()
    if request.method == "GET":
        return render_template("vote/code.html", form=form, qr=False)
    check = casting.look_up_code(
        db.session(), current_app.config["CODE_PEPPER"], form.code.data or ""
    )
    g.code_attempt_failed = check.outcome.is_failed_attempt
    # The global limit is checked after the code (voting.code_limits): a correct
    # code is never refused because others guessed.
    if check.outcome.is_failed_attempt and not code_limits.record_failed_attempt():
        abort(429, description=str(TOO_MANY))
    if check.outcome is CodeOutcome.OK:
        assert check.election is not None and check.code_hash is not None
        _start_visit(check.election, check.code_hash)
        return redirect(url_for("vote.ballot"), 303)
    return _code_refused(form, check)


@bp.get("/stem/qr")
def qr_landing() -> str:
    """Where the QR code on the letter leads. The code rides in the URL fragment,
    which browsers never send; ``qr.js`` reads it, wipes it from the address bar and
    history, and posts it like a typed code. Without JavaScript this is the code form."""
    return render_template("vote/code.html", form=CodeForm(), qr=True)


def _needs_visit(view: Callable[..., Any]) -> Callable[..., Any]:
    """The view needs a visit in progress; otherwise the resident is sent to the
    receipt (they voted in this browser) or to code entry (expired or never began)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        state = _visit()
        if state is None:
            if _receipt_state() is not None:
                flash(_("U heeft al gestemd. Hieronder staat uw stembewijs."), "info")
                return redirect(url_for("vote.receipt"), 303)
            return redirect(url_for("vote.enter_code"), 303)
        # the election and its options from this worker's copy while voting runs
        election = election_cache.election(db.session(), state["e"])
        if election is None:
            _end_visit()
            return redirect(url_for("vote.enter_code"), 303)
        if not election.is_open():
            outcome = casting.window_outcome(election, None)
            return _not_open(election, outcome)
        return view(election, state, *args, **kwargs)

    return wrapped


@bp.route("/stem/stembiljet", methods=["GET", "POST"])
@_needs_visit
def ballot(election: Election, state: dict[str, Any]) -> str | Response | tuple[str, int]:
    """The ballot: show it (filled in with the draft after "change"), or read it."""
    if request.method == "GET":
        return _render_ballot(election, state, _prefill_from_draft(state.get("draft")))
    if not _same_election(election):
        return _wrong_election(election)
    if not _same_visit(state):
        return _other_visit()
    if request.form.get("taal") in LANGUAGES:
        # The language switch on the ballot: show the same ballot, as filled in so
        # far, in the other language (nothing is checked or kept yet).
        session["lang"] = request.form["taal"]
        return _render_ballot(election, state, _prefill_from_form())
    try:
        parsed = parse_form(election, request.form)
    except BallotRefused as refused:
        # An earlier accepted draft no longer stands: what is reviewed and cast is
        # always the last ballot the resident sent.
        state.pop("draft", None)
        session.modified = True
        return _render_ballot(
            election, state, _prefill_from_form(), refused.problems, refused.status
        )
    state["draft"] = {"c": parsed.choices, "n": parsed.renumbered}
    session.modified = True
    return redirect(url_for("vote.review"), 303)


@bp.get("/stem/controle")
@_needs_visit
def review(election: Election, state: dict[str, Any]) -> str | Response:
    """The review step: "you are voting for ..." with change and confirm."""
    draft = state.get("draft")
    if draft is None:
        return redirect(url_for("vote.ballot"), 303)
    # Amounts only where the page shows them (a buurtbudget): Babel's currency
    # formatting is one of the dearer steps of a page.
    shows_amounts = election.ballot_type == "budget"
    return render_template(
        "vote/review.html",
        election=election,
        chosen=_chosen_options(election, draft["c"], with_costs=shows_amounts),
        split=_split_lines(election, draft["c"]),
        renumbered=draft.get("n", False),
        total=format_money(_total(election, draft["c"])) if shows_amounts else "",
        budget=format_money(election.budget or 0) if shows_amounts else "",
        visit=state.get("v", ""),
    )


@bp.post("/stem/controle")
@_needs_visit
def confirm(election: Election, state: dict[str, Any]) -> str | Response | tuple[str, int]:
    """Cast the reviewed ballot. The cast is one transaction (voting.casting)."""
    draft = state.get("draft")
    if draft is None:
        return redirect(url_for("vote.ballot"), 303)
    if not _same_election(election):
        return _wrong_election(election)
    if not _same_visit(state):
        return _other_visit()
    dbs = db.session()
    try:
        # At a town-hall desk the resident votes online on the desk's computer; the
        # code (never the ballot) remembers that, for the count per channel.
        channel = "desk" if desk.is_desk(client_address()) else "online"
        receipt = casting.cast_ballot(
            dbs, election, state["h"], draft["c"], channel, receipt=state["rc"]
        )
    except casting.AlreadyUsed:
        if casting.receipt_exists(dbs, election, state["rc"]):
            # A second click or a second tab of this same visit: its first request
            # stored the ballot. Show that receipt rather than an alarm.
            _finish_visit(election, state["rc"])
            return redirect(url_for("vote.receipt"), 303)
        _end_visit()
        return _used(election)
    except casting.Revoked:
        _end_visit()
        return _revoked(election)
    except casting.ElectionNotOpen:
        _end_visit()
        return _not_open(election, casting.window_outcome(election, None))
    except casting.UnknownCode:
        _end_visit()
        return render_template("vote/code.html", form=CodeForm(), qr=False), 400
    except BallotRefused as refused:
        return _render_ballot(
            election, state, _prefill_from_draft(draft), refused.problems, refused.status
        )
    _finish_visit(election, receipt)
    return redirect(url_for("vote.receipt"), 303)


@bp.get("/stem/bewijs")
def receipt() -> str | Response:
    """The receipt: its code and where to check it was counted, never the choices."""
    found = _receipt_found()
    if found is None:
        return redirect(url_for("vote.enter_code"), 303)
    election, receipt_code = found
    return render_template(
        "vote/receipt.html",
        election=election,
        receipt=receipt_code,
        check_url=_check_url(election),
    )


@bp.get("/stem/bewijs.pdf")
def receipt_download() -> Response:
    """The receipt as a PDF to keep (no choices on it either)."""
    found = _receipt_found()
    if found is None:
        return redirect(url_for("vote.enter_code"), 303)
    election, receipt_code = found
    pdf = receipt_pdf(
        municipality=current_app.config["MUNICIPALITY"],
        election=election,
        receipt=receipt_code,
        # The election's own receipt check, as on the page: a printed receipt is kept
        # long after the tab is closed.
        results_url=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + _check_url(election),
    )
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="stembewijs.pdf"'
    return response


@bp.post("/stem/klaar")
def finish() -> Response:
    """Close the visit: nothing of it stays in this browser (for shared computers)."""
    was_voting = session.get(VOTE) is not None
    _clear_session()
    if was_voting:
        flash(_("U bent gestopt. Uw code is niet gebruikt: u kunt later nog stemmen."), "info")
    else:
        flash(_("Klaar. Bedankt voor het stemmen!"), "success")
    return redirect(url_for("vote.index"), 303)


# --- errors on resident pages -----------------------------------------------------------


@bp.errorhandler(RateLimitExceeded)
def too_many(error: RateLimitExceeded) -> tuple[str, int]:
    """The Dutch "too many attempts" page."""
    return render_template("vote/too_many.html", message=str(TOO_MANY)), 429


@bp.errorhandler(CSRFError)
def csrf_failed(_error: CSRFError) -> tuple[str, int]:
    """A form without a valid CSRF token: usually a page left open too long."""
    return render_template("vote/csrf.html"), 400


@bp.after_request
def no_store(response: Response) -> Response:
    """Resident pages are never cached: the back button asks the server again (which
    knows the vote is cast), and a shared computer keeps no copy of a ballot."""
    response.headers["Cache-Control"] = "no-store"
    return response


# --- helpers --------------------------------------------------------------------------


def _vote_minutes() -> int:
    return int(current_app.config.get("VOTE_SESSION_MINUTES", DEFAULT_VOTE_MINUTES))


def _clear_session() -> None:
    """Empty the session but keep the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _start_visit(election: Election, code_hash: str) -> None:
    _clear_session()
    # A browser-session cookie: closing the browser ends the visit.
    session.permanent = False
    session[VOTE] = {
        "e": election.id,
        "h": code_hash,
        "seed": secrets.randbits(32),
        "rc": casting.new_receipt(),
        # Printed into this visit's forms: a form from a tab where an earlier code
        # was entered must not be cast with the code entered since.
        "v": secrets.token_urlsafe(8),
        "seen": int(time.time()),
    }


def _visit() -> dict[str, Any] | None:
    state = session.get(VOTE)
    if not isinstance(state, dict):
        return None
    now = int(time.time())
    if now - int(state.get("seen", 0)) > _vote_minutes() * 60:
        _clear_session()
        flash(
            _(
                "U was een tijd niet actief. Om uw stem te beschermen moet u uw stemcode "
                "opnieuw invullen. Uw code is nog niet gebruikt."
            ),
            "info",
        )
        return None
    state["seen"] = now
    session.modified = True
    return state


def _end_visit() -> None:
    _clear_session()


def _finish_visit(election: Election, receipt: str) -> None:
    _clear_session()
    session.permanent = False
    session[RECEIPT] = {"e": election.id, "r": receipt, "seen": int(time.time())}


def _receipt_state() -> dict[str, Any] | None:
    state = session.get(RECEIPT)
    if not isinstance(state, dict):
        return None
    if int(time.time()) - int(state.get("seen", 0)) > _vote_minutes() * 60:
        _clear_session()
        return None
    return state


def _receipt_found() -> tuple[Election, str] | None:
    state = _receipt_state()
    if state is None:
        return None
    dbs = db.session()
    election = election_cache.election(dbs, state["e"])
    if election is None or not casting.receipt_exists(dbs, election, state["r"]):
        return None
    return election, str(state["r"])


def _check_url(election: Election) -> str:
    """Where a resident looks up their receipt once the result is certified."""
    return url_for("results.receipt", slug=election.slug)


def _same_election(election: Election) -> bool:
    return request.form.get("election", "") == str(election.id)


def _same_visit(state: dict[str, Any]) -> bool:
    # Forms of this app always carry the field; a missing one is a hand-made POST,
    # which the election check and CSRF already cover.
    sent = request.form.get("visit")
    return sent is None or sent == state.get("v")


def _other_visit() -> tuple[str, int]:
    return (
        render_template(
            "vote/problem.html",
            election=None,
            title=_("Dit formulier hoort bij een andere stemcode"),
            message=_(
                "Na dit formulier is in deze browser een andere stemcode ingevuld. Er is "
                "niets opgeslagen. Ga verder in het venster van de laatste code, of vul uw "
                "code opnieuw in."
            ),
            back=False,
        ),
        409,
    )


def _wrong_election(election: Election) -> tuple[str, int]:
    return (
        render_template(
            "vote/problem.html",
            election=election,
            title=_("Dit stembiljet hoort bij een andere stemming"),
            message=_(
                "Het formulier dat u verstuurde hoort niet bij de stemming waarvoor u uw "
                "code invulde. Er is niets opgeslagen en uw code is nog niet gebruikt."
            ),
            back=True,
        ),
        400,
    )


def _used(election: Election | None) -> tuple[str, int]:
    return render_template("vote/used.html", election=election), 409


def _revoked(election: Election | None) -> tuple[str, int]:
    return (
        render_template(
            "vote/problem.html",
            election=election,
            title=_("Deze code werkt niet meer"),
            message=_(
                "U heeft een nieuwe brief met een nieuwe stemcode gekregen. Daardoor werkt "
                "deze code niet meer. Gebruik de code uit uw nieuwste brief. Heeft u die "
                "niet? Bel de gemeente."
            ),
            back=False,
        ),
        410,
    )


def _not_open(election: Election, outcome: CodeOutcome) -> tuple[str, int]:
    return (
        render_template(
            "vote/not_open.html",
            election=election,
            not_yet=outcome is CodeOutcome.NOT_OPEN_YET,
            opens=_local(election.opens_at),
            closes=_local(election.closes_at),
        ),
        403,
    )


def _local(moment: datetime | None) -> str | None:
    """A moment as residents read it (see :func:`voting.formatting.format_moment`)."""
    return format_moment(moment) if moment is not None else None


def _code_refused(form: CodeForm, check: CodeCheck) -> str | Response | tuple[str, int]:
    outcome = check.outcome
    if outcome is CodeOutcome.USED:
        return _used(check.election)
    if outcome is CodeOutcome.REVOKED:
        return _revoked(check.election)
    if outcome in (CodeOutcome.NOT_OPEN_YET, CodeOutcome.CLOSED):
        assert check.election is not None
        return _not_open(check.election, outcome)
    if outcome is CodeOutcome.NOT_IN_STAGE:
        # A process code with no code row in the stage open now: the resident voted
        # in this stage with an earlier letter, or came on the register after the
        # stage's roll was fixed. Nothing stored tells which, on purpose.
        return (
            render_template(
                "vote/problem.html",
                election=check.election,
                title=_("Met deze code kunt u in deze stap niet stemmen"),
                message=_(
                    "Misschien heeft u in deze stap al gestemd met een eerdere brief. Of u "
                    "stond nog niet op de kiezerslijst toen deze stap begon. Denkt u dat dit "
                    "niet klopt? Bel de gemeente."
                ),
                back=False,
            ),
            409,
        )
    message = _code_message(form.code.data or "", outcome)
    return (
        render_template("vote/code.html", form=form, qr=False, problems=[Problem(message, "code")]),
        422,
    )


def _code_message(entered: str, outcome: CodeOutcome) -> str:
    if outcome is CodeOutcome.EMPTY:
        return _("Vul de stemcode uit uw brief in.")
    if outcome is CodeOutcome.MISTYPED:
        return _(
            "Er zit een tikfout in de code. Vergelijk ieder teken nog eens met uw brief. "
            "Het maakt niet uit of u hoofdletters of kleine letters typt."
        )
    if outcome is CodeOutcome.UNKNOWN:
        return _(
            "Deze code kennen wij niet. Kijk of u de code uit de juiste brief gebruikt. "
            "Lukt het niet? Bel de gemeente."
        )
    if codes.problem(entered) is CodeProblem.BAD_CHARACTER:
        return _(
            "In de code staat een teken dat niet in een stemcode voorkomt. Een stemcode "
            "heeft alleen cijfers en hoofdletters, zoals op uw brief."
        )
    length = len(codes.normalise(entered))
    return _(
        "U heeft %(count)d tekens ingevuld. Een stemcode heeft er 17: vier groepen van vier "
        "en dan nog één, zoals K7QM-3XD9-PA2F-W8RT-6.",
        count=length,
    )


def _render_ballot(
    election: Election,
    state: dict[str, Any],
    prefill: dict[str, Any],
    problems: list[Problem] | None = None,
    status: int = 200,
) -> str | tuple[str, int]:
    options = display_order(election, state.get("seed"))
    html = render_template(
        "vote/ballot.html",
        election=election,
        options=options,
        problems=problems or [],
        prefill=prefill,
        blank_single=BLANK_SINGLE,
        action=url_for("vote.ballot"),
        visit=state.get("v", ""),
        stop=True,
    )
    return (html, status) if status != 200 else html


def _prefill_from_draft(draft: dict[str, Any] | None) -> dict[str, Any]:
    if not draft:
        return {"selected": set(), "ranks": {}, "blank": False, "amounts": {}}
    choices = draft["c"]
    try:
        given = {k: str(v) for k, v in weighted.amounts(choices).items()}
    except ValueError:
        given = {}  # not a split or points ballot
    return {
        "selected": set(choices),
        "ranks": {key: str(i) for i, key in enumerate(choices, start=1)},
        "blank": not choices,
        "amounts": given,
    }


def _prefill_from_form() -> dict[str, Any]:
    form = request.form
    values = form.getlist("choice")
    ranks = {
        name.removeprefix("rank-"): form.get(name, "") for name in form if name.startswith("rank-")
    }
    amounts = {
        name.removeprefix(AMOUNT_PREFIX): form.get(name, "")
        for name in form
        if name.startswith(AMOUNT_PREFIX)
    }
    return {
        "selected": set(values),
        "ranks": ranks,
        "blank": form.get("blank") == "1" or values == [BLANK_SINGLE],
        "amounts": amounts,
    }


def _chosen_options(
    election: Election, choices: list[str], *, with_costs: bool
) -> list[tuple[Markup, str]]:
    """(title as HTML in the page's language, cost as text or "" without
    ``with_costs``) per chosen option, in ballot order ([] for split and points
    ballots: see :func:`_split_lines`)."""
    if weighted.is_weighted(election):
        return []
    by_key = {o.key: o for o in ballot_options(election)}
    return [
        (
            marked(by_key[k], "title") if k in by_key else escape(k),
            format_money(by_key[k].cost) if with_costs and k in by_key else "",
        )
        for k in choices
    ]


def _total(election: Election, choices: list[str]) -> int:
    if weighted.is_weighted(election):
        return 0  # a split or points ballot buys nothing
    by_key = {o.key: o for o in ballot_options(election)}
    return sum(by_key[k].cost for k in choices if k in by_key)


def _split_lines(election: Election, choices: list[str]) -> list[tuple[Markup, str, str]]:
    """For a split or points ballot: (title as HTML, amount as text, percentage of the
    total as text) per option given something, in the election's order; [] otherwise."""
    if not weighted.is_weighted(election):
        return []
    given = weighted.amounts(choices)
    whole = weighted.total(election) or 1
    return [
        (
            marked(o, "title"),
            weighted.format_amount(election, given[o.key]),
            format_percent(given[o.key] * 100 / whole),
        )
        for o in ballot_options(election)
        if o.key in given
    ]
