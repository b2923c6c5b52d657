"""What clerks and residents do with a panel: every state change, audit-logged.

Views call these functions and commit; the functions never commit themselves (except
the background draw job, which owns its own session), so each action and its audit
event land together.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.panels.model import Respondent, group_profiles
from ballots.panels.quotas import QuotaProblem, simple_problems
from ballots.panels.sampling import Candidate, invitation_sample
from voting import audit, codes
from voting.error_words import explain
from voting.formatting import town_hall_today
from voting.models import Election, Panel, PanelInvitation, PanelSignup, utcnow
from voting.panels import contact
from voting.panels.setup import all_quotas, categories_from_json
from voting.roll import Letter
from voting.roll_import import Eligibility, RegisterCheck, Resident, read_register

NEXT_PHASE = {
    "draft": "invitations",
    "invitations": "signup",
    "signup": "draw",
    "draw": "seated",
    "seated": "finished",
}
_HOUSE_NUMBER = re.compile(r"(\d+)\s*[-/]?\s*([A-Za-z0-9]{0,4})\s*$")


class PanelError(ValueError):
    """An action that cannot be done now; ``code`` says which, the message is Dutch."""

    def __init__(self, code: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params  # what the reader's sentence names (the seed)


# --- phases -------------------------------------------------------------------------


def advance(session: Session, panel: Panel, to: str, *, actor: str) -> None:
    """Move ``panel`` one phase on (never back); raises :class:`PanelError`."""
    if NEXT_PHASE.get(panel.phase) != to:
        raise PanelError("phase", "Deze stap kan nu niet: fasen gaan alleen vooruit.")
    if to == "invitations" and not panel.categories:
        raise PanelError("categories", "Stel eerst de vragen en quota in.")
    if to == "signup" and not _has_invitations(session, panel):
        raise PanelError("no_invitations", "Maak eerst de uitnodigingen.")
    if to == "seated" and not panel.record_json:
        raise PanelError("not_drawn", "Loot eerst het panel.")
    audit.record(session, actor, "panel.phase", panel=panel.slug, old=panel.phase, new=to)
    panel.phase = to
    if to == "finished":
        panel.finished_at = utcnow()  # the retention period starts


def _has_invitations(session: Session, panel: Panel) -> bool:
    return (
        session.scalar(select(PanelInvitation.id).where(PanelInvitation.panel_id == panel.id))
        is not None
    )


# --- stage 1: invitations -------------------------------------------------------------


def resident_key(pepper: str, panel: Panel, person_reference: str) -> str:
    """The panel's pseudonymous key of a resident (an HMAC of the person reference
    under a panel-specific message: keys of two panels or elections never match)."""
    return codes.voter_key(pepper, f"panel:{panel.slug}", person_reference)


def household_key(pepper: str, panel: Panel, resident: Resident) -> str:
    """The panel's pseudonymous key of a resident's household: postcode and house
    number (with its addition), as an HMAC."""
    match = _HOUSE_NUMBER.search(resident.address)
    number = (match.group(1) + match.group(2).upper()) if match else resident.address.upper()
    message = f"panel:{panel.slug}\x00household\x00{resident.postcode}\x00{number}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).hexdigest()


def eligibility(panel: Panel, today: date | None = None) -> Eligibility:
    """Who may be invited: the panel's minimum age today and its area filters."""
    from voting.roll_import import parse_neighbourhood_filter, parse_postcode_filter

    return Eligibility(
        min_age=panel.min_age,
        reference_day=today or town_hall_today(),
        postcode_ranges=parse_postcode_filter(panel.postcode_filter or ""),
        neighbourhoods=parse_neighbourhood_filter(panel.neighbourhood_filter or ""),
    )


def check_register(panel: Panel, data: bytes) -> RegisterCheck:
    """Read an uploaded register with the panel's rules (nothing stored)."""
    return read_register(data, eligibility(panel))


def make_invitations(
    session: Session, panel: Panel, data: bytes, pepper: str, *, actor: str
) -> tuple[list[Letter], RegisterCheck]:
    """Draw the invitation sample from the register by the published procedure, store
    each invited resident's key, household key and code hash, and return the letters
    (in memory only: the codes exist in plain text nowhere else).

    Raises :class:`PanelError` outside the invitations phase, when invitations exist
    already, or when the register cannot be read.
    """
    if panel.phase != "invitations":
        raise PanelError("phase", "Uitnodigingen maakt u in de fase 'uitnodigen'.")
    if _has_invitations(session, panel):
        raise PanelError("done", "De uitnodigingen zijn al gemaakt.")
    report = check_register(panel, data)
    if report.fatal:
        raise PanelError("bad_file", "; ".join(explain(e.problem) for e in report.errors[:3]))
    by_key: dict[str, Resident] = {}
    households: dict[str, str] = {}
    for resident in report.residents:
        key = resident_key(pepper, panel, resident.person_reference)
        by_key[key] = resident
        households[key] = household_key(pepper, panel, resident)
    candidates = [Candidate(k, households[k]) for k in sorted(by_key)]
    invited = invitation_sample(
        candidates,
        panel.invitations,
        panel.invitation_seed,
        one_per_household=panel.one_per_household,
    )
    letters = []
    for key in invited:
        code = codes.generate()
        session.add(
            PanelInvitation(
                panel_id=panel.id,
                resident_key=key,
                household_key=households[key] if panel.one_per_household else "",
                code_hash=codes.code_hash(pepper, code),
            )
        )
        letters.append(Letter(by_key[key], code))
    panel.sample_json = json.dumps(
        {
            "seed": panel.invitation_seed,
            "size": panel.invitations,
            "one_per_household": panel.one_per_household,
            "eligible": [
                [c.key, c.household if panel.one_per_household else ""] for c in candidates
            ],
            "invited": invited,
        },
        separators=(",", ":"),
    )
    audit.record(
        session,
        actor,
        "panel.invitations",
        panel=panel.slug,
        eligible=len(candidates),
        invited=len(invited),
        seed=panel.invitation_seed,
        bad_rows=report.counts(),
    )
    return letters, report


def selected_letters(
    session: Session, panel: Panel, data: bytes, pepper: str, *, actor: str
) -> list[Resident]:
    """The selected residents (and replacements) found in a register uploaded again,
    matched by their key in memory: the database never knew their names."""
    seated = session.scalars(
        select(PanelSignup).where(
            PanelSignup.panel_id == panel.id, PanelSignup.status.in_(("selected", "replacement"))
        )
    ).all()
    keys = {s.invitation.resident_key for s in seated if s.invitation is not None}
    report = read_register(data, Eligibility())
    found = [r for r in report.residents if resident_key(pepper, panel, r.person_reference) in keys]
    audit.record(
        session,
        actor,
        "panel.selected_letters",
        panel=panel.slug,
        seated=len(keys),
        found=len(found),
    )
    return found


# --- stage 2: sign-up -------------------------------------------------------------------


@dataclass(frozen=True)
class SignupAnswers:
    """What a resident (or a clerk from a paper form) fills in."""

    answers: Mapping[str, str]
    available: Sequence[str]
    consent: bool
    phone: str = ""
    email: str = ""


def find_invitation(session: Session, panel: Panel, pepper: str, entered: str) -> PanelInvitation:
    """The unused invitation of an entered code; raises :class:`PanelError` with code
    ``typo``, ``unknown`` or ``used``."""
    if codes.problem(entered) is not None:
        raise PanelError("typo", "Deze code klopt niet. Kijk nog eens goed op uw brief.")
    invitation = session.scalar(
        select(PanelInvitation).where(
            PanelInvitation.panel_id == panel.id,
            PanelInvitation.code_hash == codes.code_hash(pepper, entered),
        )
    )
    if invitation is None:
        raise PanelError("unknown", "Deze code kennen we niet voor dit burgerberaad.")
    if invitation.used_on is not None:
        raise PanelError("used", "Met deze code is al iemand aangemeld.")
    return invitation


def sign_up(
    session: Session,
    panel: Panel,
    invitation: PanelInvitation,
    reply: SignupAnswers,
    *,
    key: bytes | None,
    channel: str = "online",
    actor: str = "",
) -> PanelSignup:
    """Store a sign-up and use up its code; raises :class:`PanelError` if sign-up is
    closed, an answer is not one of the panel's values, or consent is missing."""
    if panel.phase != "signup":
        raise PanelError("closed", "Aanmelden kan nu niet (meer).")
    if not reply.consent:
        raise PanelError("consent", "Zonder uw toestemming kunnen we u niet aanmelden.")
    answers = {}
    for category in categories_from_json(panel.categories):
        value = reply.answers.get(category.name, "")
        if value not in category.values:
            raise PanelError("answer", f"Kies een antwoord bij '{category.name}'.")
        answers[category.name] = value
    dates = [d for d in reply.available if d in panel.meeting_dates]
    pseudonym = "R-" + "".join(secrets.choice(codes.ALPHABET) for _ in range(8))
    signup = PanelSignup(
        panel_id=panel.id,
        invitation_id=invitation.id,
        pseudonym=pseudonym,
        answers_json=json.dumps(answers, sort_keys=True, ensure_ascii=False),
        available_json=json.dumps(sorted(dates)),
        consent=True,
        channel=channel,
        phone_sealed=contact.seal(key, panel.slug, reply.phone)
        if key and panel.ask_phone
        else None,
        email_sealed=contact.seal(key, panel.slug, reply.email)
        if key and panel.ask_email
        else None,
    )
    invitation.used_on = town_hall_today()  # the day only, like a used voting code
    session.add(signup)
    if channel == "paper":
        audit.record(session, actor, "panel.paper_signup", panel=panel.slug, pseudonym=pseudonym)
    return signup


def read_contact(
    session: Session, panel: Panel, signup: PanelSignup, key: bytes, *, actor: str
) -> tuple[str, str]:
    """A sign-up's phone and e-mail in plain text, for a clerk; every reading is
    audit-logged (who, which pseudonym; never the values)."""
    audit.record(session, actor, "panel.contact_read", panel=panel.slug, pseudonym=signup.pseudonym)
    return (
        contact.unseal(key, panel.slug, signup.phone_sealed),
        contact.unseal(key, panel.slug, signup.email_sealed),
    )


# --- the pool and its quotas ------------------------------------------------------------


def signups(session: Session, panel: Panel) -> list[PanelSignup]:
    """Every sign-up of the panel, by pseudonym."""
    return list(
        session.scalars(
            select(PanelSignup)
            .where(PanelSignup.panel_id == panel.id)
            .order_by(PanelSignup.pseudonym)
        )
    )


def pool(session: Session, panel: Panel) -> list[Respondent]:
    """The respondents the draw chooses from: consent given and available on every
    meeting date."""
    needed = set(panel.meeting_dates)
    people = []
    for signup in signups(session, panel):
        if not signup.consent or not needed <= set(signup.available):
            continue
        household = signup.invitation.household_key if signup.invitation else ""
        people.append(
            Respondent(
                signup.pseudonym, signup.answers, household if panel.one_per_household else ""
            )
        )
    return people


def feasibility(session: Session, panel: Panel) -> list[QuotaProblem]:
    """Why the quotas cannot be met with the respondents there are (empty: they can):
    first the checks of each quota alone, then the exact check of all together."""
    people = pool(session, panel)
    quotas = all_quotas(categories_from_json(panel.categories))
    problems = simple_problems(people, quotas, panel.seats)
    if problems:
        return problems
    from ballots.panels.leximin import relaxation

    categories = [c["name"] for c in panel.categories]
    return relaxation(
        group_profiles(people, categories, households=panel.one_per_household), quotas, panel.seats
    )


# --- the hybrid: advice to a referendum ---------------------------------------------------


def make_referendum(session: Session, panel: Panel, *, actor: str) -> Election:
    """A new referendum (draft) whose options are the panel's recommendations; both
    public pages link to each other. Raises :class:`PanelError` without at least two
    recommendations or when the referendum exists already."""
    from voting import elections

    if panel.referendum_id is not None:
        raise PanelError("exists", "Er is al een referendum over dit advies.")
    if len(panel.recommendations) < 2:
        raise PanelError("few", "Een referendum heeft minstens twee aanbevelingen nodig.")
    slug = f"{panel.slug}-referendum"[:80]
    election = Election(
        slug=slug,
        title=f"Referendum: {panel.title}"[:200],
        question=(
            f"Welke aanbevelingen van het burgerberaad '{panel.title}' vindt u het belangrijkst?"
        ),
        description=(
            f"Het burgerberaad '{panel.title}' gaf {len(panel.recommendations)} aanbevelingen. "
            "Nu mag iedereen meebeslissen."
        ),
        municipality=panel.municipality,
        kind="referendum",
        ballot_type="approval",
        rule="approval",
        seats=1,
        phase="draft",
        tie_break_seed=secrets.token_hex(8),
        min_age=panel.min_age,
        postcode_filter=panel.postcode_filter,
        neighbourhood_filter=panel.neighbourhood_filter,
    )
    session.add(election)
    session.flush()
    audit.record(
        session,
        actor,
        "election.create",
        election_id=election.id,
        title=election.title,
        kind="referendum",
        rule="approval",
        panel=panel.slug,
    )
    for text in panel.recommendations:
        elections.add_option(session, election, title=text[:200], description=text, actor=actor)
    panel.referendum_id = election.id
    audit.record(session, actor, "panel.referendum", panel=panel.slug, election=election.slug)
    return election
