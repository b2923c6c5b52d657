"""``voting demo``: a complete, realistic demo on the embedded SQLite database.

Modelled on two real cases (see CONTEXT.md): Duiven 2008, a preferendum between three
plans for the town centre with a 30% turnout requirement, and Eindhoven Oud-Woensel
2021, a buurtbudget of EUR 50,000.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting import audit, ballot_box, codes, db
from voting.cli.demo_panel import SLUG as PANEL_SLUG
from voting.cli.demo_panel import add_demo_panel
from voting.cli.demo_process import SLUG as PROCESS_SLUG
from voting.cli.demo_process import add_demo_process
from voting.cli.example_election import add_certified_example
from voting.cli.keys import write_share_files
from voting.migrate import upgrade
from voting.models import Base, Election, Option, StaffUser, utcnow
from voting.roll import add_voter, issue_code

ROLL_SIZE = 200
DUIVEN_SLUG = "centrumplan-duiven"
WOENSEL_SLUG = "buurtbudget-oud-woensel"

DUIVEN_PLANS = [
    (
        "A",
        "Plan A: Winkelhart",
        "Meer winkels rond het Raadhuisplein, parkeren onder de grond.",
    ),
    (
        "B",
        "Plan B: Groen plein",
        "Een groot groen plein met terrassen, de markt blijft op het plein, "
        "parkeren aan de rand van het centrum.",
    ),
    (
        "C",
        "Plan C: Wonen en zorg",
        "Woningen voor ouderen en starters boven de winkels, een gezondheidscentrum "
        "in het oude postkantoor.",
    ),
]

# (title, summary, cost in euros)
WOENSEL_PROPOSALS = [
    ("Speeltuin Hemelrijken opknappen", "Nieuwe toestellen en een zandbak", 12_500),
    ("Buurtmoestuin Gildebuurt", "Bakken, gereedschap en een waterpunt", 6_000),
    ("Bankjes langs de Kruisstraat", "Tien bankjes om even uit te rusten", 4_500),
    ("Extra verlichting in de Celebesstraat", "Veiliger 's avonds over straat", 9_000),
    ("Buurtkeuken in het buurthuis", "Samen koken en eten, twee keer per week", 7_500),
    ("Geveltuinen voor 40 huizen", "Tegels eruit, planten erin", 3_200),
    ("Huiswerkklas voor kinderen", "Een jaar lang, drie middagen per week", 8_000),
    ("Muurschildering onder het spoor", "Kunstenaars uit de buurt maken hem samen", 5_800),
    ("Buurtfeest Oud-Woensel", "Een dag muziek, eten en spelletjes op het plein", 4_000),
    ("Afvalbakken en prikstokken", "Twaalf bakken en materiaal voor opruimacties", 2_400),
    ("Bomen in de Edisonstraat", "Acht nieuwe bomen met boomspiegels", 14_000),
    ("Fietsenstalling bij de school", "Overdekt, voor 60 fietsen", 11_000),
]


def build_demo(app: Flask, *, reset: bool = False) -> str:
    """Create the demo data (once; again with ``reset``) and return a summary to print:
    where to go, which logins and codes to try. Codes and logins are also written to
    ``instance/demo-codes.txt``."""
    engine = db.engine()
    if reset:
        _drop_everything(engine)
    upgrade(engine)
    codes_file = Path(app.instance_path) / "demo-codes.txt"
    with db.new_session() as session:
        if session.scalar(select(Election).where(Election.slug == DUIVEN_SLUG)) is not None:
            return (
                "The demo data already exists; `voting demo --reset` starts afresh.\n"
                f"Codes and logins: {codes_file}"
            )
        logins = _create_staff(session)
        duiven = _create_duiven(session, app.config["MUNICIPALITY"])
        woensel = _create_woensel(session, logins["organiser"][2])
        session.flush()
        pepper = app.config["CODE_PEPPER"]
        lines = ["# Buurtstem demo: logins and voting codes (demo only!)", ""]
        for role, (username, password, _user) in logins.items():
            lines.append(f"{role}: {username} / {password}")
        for election in (duiven, woensel):
            lines += ["", f"## {election.title}  ({ROLL_SIZE} residents)"]
            for number in range(1, ROLL_SIZE + 1):
                person = f"DEMO-{number:04d}"
                entry = add_voter(session, election, codes.voter_key(pepper, election.slug, person))
                session.flush()
                lines.append(f"{person}  {codes.formatted(issue_code(session, entry, pepper))}")
        lines += add_demo_panel(session, pepper, app.config["MUNICIPALITY"])
        audit.record(session, "demo", "demo.create")
        session.commit()
        shares_folder = Path(app.instance_path) / "demo-box-shares"
        for election in (duiven, woensel):
            _demo_box(session, election, shares_folder)
        process = add_demo_process(session, pepper)
        for election in process.elections:
            write_share_files(
                election, process.shares[election.id], shares_folder, header=DEMO_SHARE_HEADER
            )
        lines += ["", f"## {process.process.title}: one code per resident for all steps"]
        lines += [codes.formatted(code) for code in process.codes[:20]]
        # A result to look at from the first minute: a counted, signed election.
        example = add_certified_example(session, app)
    codes_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first_codes = [line for line in lines if line.startswith("DEMO-0001")]
    return "\n".join(
        [
            "Demo ready.",
            f"  Residents vote at:   {app.config['PUBLIC_BASE_URL']}/",
            f"  Try the code for {DUIVEN_SLUG}:   {first_codes[0].split()[1]}",
            f"  Try the code for {WOENSEL_SLUG}:  {first_codes[1].split()[1]}",
            f"  Clerk login:     {logins['clerk'][0]} / {logins['clerk'][1]}",
            f"  Organiser login: {logins['organiser'][0]} / {logins['organiser'][1]}",
            f"  Admin login:     {logins['admin'][0]} / {logins['admin'][1]}"
            "  (accounts at /beheer/medewerkers)",
            f"  Staff pages:     {app.config['PUBLIC_BASE_URL']}/beheer/",
            f"  All {ROLL_SIZE * 2} codes and the logins: {codes_file}",
            f"  A citizens' panel:   {app.config['PUBLIC_BASE_URL']}/burgerberaad/{PANEL_SLUG}",
            f"  A four-step process: {app.config['PUBLIC_BASE_URL']}/traject/{PROCESS_SLUG}"
            f"  (one code for every step: {codes.formatted(process.codes[0])})",
            f"  Ballot-box key shares (DEMO ONLY, 2 of 3 open a box): {shares_folder}",
            *(
                [f"  A certified result:  {app.config['PUBLIC_BASE_URL']}/uitslag/{example.slug}"]
                if example is not None
                else []
            ),
        ]
    )


DEMO_SHARE_HEADER = (
    "!! DEMO ONLY. In a real election every key holder keeps their own share and\n"
    "!! nobody, not even the server, holds all of them. Here the demo keeps them in\n"
    "!! instance/ so you can open the box yourself.\n\n"
)


def _demo_box(session: Session, election: Election, folder: Path) -> None:
    """Make the election's ballot box and keep its shares in ``folder`` (demo only)."""
    shares = ballot_box.make_box(
        session,
        election,
        holder_names=ballot_box.DEFAULT_HOLDERS,
        threshold=ballot_box.DEFAULT_THRESHOLD,
        actor="demo",
    )
    write_share_files(election, shares, folder, header=DEMO_SHARE_HEADER)


def _drop_everything(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with engine.begin() as conn:
        # The audit triggers forbid deletes; a reset removes the whole schema instead.
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP FUNCTION IF EXISTS audit_events_append_only() CASCADE"))


def _create_staff(session: Session) -> dict[str, tuple[str, str, StaffUser]]:
    logins: dict[str, tuple[str, str, StaffUser]] = {}
    for role, username, name in (
        ("clerk", "griffie", "Griffie (demo)"),
        ("organiser", "wijkraad", "Wijkraad Oud-Woensel (demo)"),
        # Manages accounts at /beheer/medewerkers; two-factor login is not required in
        # the demo (an admin can switch that on there).
        ("admin", "beheerder", "Beheerder (demo)"),
    ):
        password = secrets.token_urlsafe(9)
        user = StaffUser(username=username, display_name=name, role=role)
        user.set_password(password)
        session.add(user)
        logins[role] = (username, password, user)
    return logins


def _create_duiven(session: Session, municipality: str) -> Election:
    now = utcnow()
    election = Election(
        slug=DUIVEN_SLUG,
        title="Centrumplan Duiven",
        question="Welk plan voor het centrum wilt u het liefst? Zet de plannen in volgorde.",
        description=(
            "De gemeenteraad wil weten welk plan voor het centrum de inwoners het beste "
            "vinden. U zet de drie plannen in volgorde van voorkeur."
        ),
        municipality=municipality,
        kind="referendum",
        ballot_type="ranked",
        rule="irv",
        seats=1,
        turnout_threshold_percent=30,
        binding=True,
        allow_blank=True,
        tie_break_seed=secrets.token_hex(8),
        phase="voting",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=14),
        min_age=16,
        next_steps=(
            "De gemeenteraad neemt het plan met de meeste steun over als ten minste 30% "
            "van de inwoners heeft gestemd. Daarna volgt een bouwplan met inspraak."
        ),
    )
    for position, (key, title, summary) in enumerate(DUIVEN_PLANS):
        election.options.append(Option(key=key, position=position, title=title, summary=summary))
    session.add(election)
    return election


def _create_woensel(session: Session, organiser: StaffUser) -> Election:
    now = utcnow()
    election = Election(
        slug=WOENSEL_SLUG,
        title="Buurtbudget Oud-Woensel",
        question="Hoe besteden we € 50.000 in Hemelrijken en de Gildebuurt?",
        description=(
            "Bewoners en buurtgroepen hebben ideeën ingediend. Kies de ideeën die u wilt, "
            "samen niet duurder dan het budget."
        ),
        municipality="Gemeente Eindhoven",
        kind="budget",
        ballot_type="budget",
        rule="mes-add1",
        budget=50_000,
        min_choices=1,
        turnout_threshold_percent=0,
        binding=True,
        tie_break_seed=secrets.token_hex(8),
        phase="voting",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=14),
        min_age=12,
        next_steps=(
            "De gekozen ideeën worden dit jaar uitgevoerd. De wijkraad houdt u op de "
            "hoogte in de buurtkrant."
        ),
    )
    for position, (title, summary, cost) in enumerate(WOENSEL_PROPOSALS, start=1):
        election.options.append(
            Option(
                key=f"P{position:02d}",
                position=position,
                title=title,
                summary=summary,
                cost=cost,
                organiser=organiser,
                submitter_name="Wijkraad Oud-Woensel",
                review_status="accepted",
            )
        )
    session.add(election)
    return election
