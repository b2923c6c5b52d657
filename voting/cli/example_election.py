"""A finished demo election, so the results pages have something to show at once.

"Speelplek Hemelrijken 2025": residents of Hemelrijken (Eindhoven) approved the
play areas they want renewed; the two with the most approvals go ahead. About 120 of
200 residents voted. It is counted and certified with the installation's signing key
(one is generated in ``instance/signing/`` if there is none, as ``voting keys
generate`` would), so its record verifies with ``tools/verify.py``.

Call :func:`add_certified_example` from the demo builder.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voting import ballot_box, codes, signing
from voting.casting import day_of, new_receipt
from voting.cli.example_follow_up import add_example_follow_up
from voting.models import Election, Option, Receipt, VotingCode, utcnow
from voting.roll import add_voter, issue_code
from voting.tally import certify_election, count_election, private_key_path

SLUG = "speelplek-hemelrijken-2025"
ROLL = 200
VOTERS = 121
# (key, title, summary, how likely a voter approves it)
PLAY_AREAS = [
    ("A", "Speeltuin Hemelrijkenplein", "Nieuwe schommels, een klimrek en een zandbak", 0.62),
    ("B", "Trapveldje Meerwijkstraat", "Nieuwe doeltjes en een hek rondom", 0.48),
    ("C", "Waterspeelplaats bij het buurthuis", "Pomp, goten en stenen om mee te spelen", 0.45),
    ("D", "Natuurspeelplek Oude Kerkstraat", "Boomstammen, wilgenhutten en een heuvel", 0.41),
    ("E", "Skatebaan achter de school", "Twee rampen en een rail voor de oudere jeugd", 0.30),
]


def add_certified_example(session: Session, app: Flask) -> Election | None:
    """Create, count and certify the example election (once); returns it, or None if
    it already exists. Commits."""
    if session.scalar(select(Election).where(Election.slug == SLUG)) is not None:
        return None
    election = Election(
        slug=SLUG,
        title="Speelplek Hemelrijken 2025",
        question="Welke speelplekken in Hemelrijken moeten als eerste opgeknapt worden?",
        description=(
            "Er is geld om twee speelplekken op te knappen. Bewoners mochten alle "
            "speelplekken aanvinken die zij belangrijk vinden."
        ),
        municipality=app.config["MUNICIPALITY"],
        kind="referendum",
        ballot_type="approval",
        rule="approval",
        seats=2,
        allow_blank=True,
        turnout_threshold_percent=25,
        binding=False,
        tie_break_seed="hemelrijken-2025-0b7f3c",
        phase="voting",
        opens_at=datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
        closes_at=datetime(2025, 3, 17, 20, 0, tzinfo=UTC),
        next_steps=(
            "De wijkraad adviseert de gemeente om de twee speelplekken met de meeste "
            "stemmen dit jaar op te knappen. Kinderen uit de buurt helpen mee ontwerpen; "
            "in juni staat het plan in de buurtkrant."
        ),
    )
    for position, (key, title, summary, _share) in enumerate(PLAY_AREAS):
        election.options.append(Option(key=key, position=position, title=title, summary=summary))
    session.add(election)
    session.flush()
    pepper = app.config["CODE_PEPPER"]
    entries = [
        add_voter(session, election, codes.voter_key(pepper, SLUG, f"HEMELRIJKEN-{n:04d}"))
        for n in range(1, ROLL + 1)
    ]
    session.flush()
    for entry in entries:
        issue_code(session, entry, pepper)
    session.commit()
    # The box this example voted into; its shares are used below and then forgotten.
    shares = ballot_box.make_box(
        session, election, holder_names=ballot_box.DEFAULT_HOLDERS, threshold=2, actor="demo"
    )
    # Every voter's code is marked used, as the cast would have done, and each ballot
    # goes sealed into the box with a receipt, so the example goes the real way.
    # A fixed seed: the same demo every time, so its result can be described.
    rng = random.Random(2025)
    for entry in entries[:VOTERS]:
        chosen = [key for key, _t, _s, share in PLAY_AREAS if rng.random() < share]
        session.execute(
            update(VotingCode)
            .where(VotingCode.roll_entry_id == entry.id)
            .values(
                used_at=day_of(utcnow()),
                used_channel="paper" if rng.random() < 0.2 else "online",
            )
        )
        session.add(ballot_box.sealed_ballot(election, sorted(chosen), invalid=False))
        session.add(Receipt(receipt=new_receipt(), election_id=election.id))
    election.phase = "closed"
    session.commit()
    ballot_box.open_box(session, election, [s.text for s in shares[:2]], actor="demo")
    count_election(session, election, "demo", municipality=app.config["MUNICIPALITY"])
    certify_election(
        session,
        election,
        "demo",
        _demo_key(app),
        municipality=app.config["MUNICIPALITY"],
    )
    add_example_follow_up(session, election)
    return election


def _demo_key(app: Flask) -> Path:
    """The installation's signing key; a new one next to SIGNING_KEY_PATH if none."""
    path = private_key_path(app.config["SIGNING_KEY_PATH"])
    if not path.exists():
        path, _public = signing.write_keypair(path.parent)
    return path
