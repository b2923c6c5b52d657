"""The demo's citizens' panel, modelled on Zeist (CONTEXT.md: 6,500 letters, about
900 replies, 150 drawn by education, neighbourhood, age and gender), scaled down ten
times so the draw takes a moment: 650 invitations, 90 sign-ups, 15 seats. It is in
the sign-up phase: a resident can sign up with a printed code, and the clerk moves it
to the draw, checks the quotas, computes the probabilities and draws."""

from __future__ import annotations

import json
import random
import secrets

from sqlalchemy.orm import Session

from voting import audit, codes
from voting.formatting import town_hall_today
from voting.models import Panel, PanelInvitation, PanelSignup

SLUG = "burgerberaad-klimaat-zeist"
# (question, [(value, population share %, relative reply rate)])
QUESTIONS = [
    ("Leeftijd", [("16-34", 27, 0.6), ("35-54", 31, 1.0), ("55+", 42, 1.3)]),
    ("Geslacht", [("vrouw", 51, 1.1), ("man", 48, 0.9), ("anders", 1, 1.0)]),
    ("Opleiding", [("praktisch", 30, 0.5), ("middelbaar", 36, 0.9), ("theoretisch", 34, 1.6)]),
    (
        "Wijk",
        [("Centrum", 22, 1.2), ("Zeist-West", 24, 0.9), ("Zeist-Noord", 20, 1.0),
         ("Austerlitz", 9, 1.0), ("Den Dolder", 10, 0.9), ("Vollenhove", 15, 0.8)],
    ),
]  # fmt: skip
SEATS, INVITED, SIGNED_UP = 15, 650, 90
DATES = ["2027-03-06", "2027-03-20", "2027-04-03"]


def _quotas() -> list[dict[str, object]]:
    categories = []
    for name, values in QUESTIONS:
        rows = []
        for value, share, _rate in values:
            target = share * SEATS / 100
            rows.append({"value": value, "min": max(0, int(target) - 1), "max": int(target) + 2})
        categories.append({"name": name, "values": rows})
    return categories


def add_demo_panel(session: Session, pepper: str, municipality: str) -> list[str]:
    """Create the demo panel with its invitations and sign-ups; returns lines for the
    demo's codes file (a few unused sign-up codes to try)."""
    rng = random.Random(2024)
    panel = Panel(
        slug=SLUG,
        title="Burgerberaad Klimaat Zeist",
        topic="Hoe wordt Zeist in 2040 klimaatneutraal, en wat vraagt dat van inwoners?",
        municipality=municipality,
        phase="signup",
        seats=SEATS,
        invitations=INVITED,
        min_age=16,
        one_per_household=True,
        categories_json=json.dumps(_quotas(), ensure_ascii=False),
        meeting_dates_json=json.dumps(DATES),
        invitation_seed=secrets.token_hex(8),
        draw_seed=secrets.token_hex(8),
    )
    session.add(panel)
    session.flush()
    lines = ["", f"## {panel.title}: unused sign-up codes (at /burgerberaad/{SLUG}/aanmelden)"]
    for number in range(INVITED):
        code = codes.generate()
        invitation = PanelInvitation(
            panel_id=panel.id,
            resident_key=codes.voter_key(pepper, f"panel:{SLUG}", f"ZEIST-{number:05d}"),
            household_key=codes.voter_key(pepper, f"panel:{SLUG}:household", f"H{number:05d}"),
            code_hash=codes.code_hash(pepper, code),
        )
        session.add(invitation)
        if number < SIGNED_UP:
            session.flush()
            answers = {
                name: rng.choices([v for v, _, _ in values], [s * r for _, s, r in values])[0]
                for name, values in QUESTIONS
            }
            invitation.used_on = town_hall_today()
            session.add(
                PanelSignup(
                    panel_id=panel.id,
                    invitation_id=invitation.id,
                    pseudonym="R-" + "".join(secrets.choice(codes.ALPHABET) for _ in range(8)),
                    answers_json=json.dumps(answers, sort_keys=True, ensure_ascii=False),
                    available_json=json.dumps(DATES),
                    consent=True,
                    channel="paper" if number % 7 == 0 else "online",
                )
            )
        elif number < SIGNED_UP + 5:
            lines.append(codes.formatted(code))
    audit.record(session, "demo", "panel.create", panel=SLUG, seats=SEATS)
    return lines
