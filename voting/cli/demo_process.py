"""The demo's process (traject), modelled on Eindhoven Oud-Woensel 2021 (CONTEXT.md):
four steps with one letter per resident. (1) Residents say which themes matter (an
approval poll, open now), (2) they split the EUR 50,000 over the themes (a split
ballot, still to come; the clerk gives it the poll's winners on the process page),
(3) residents and the wijkraad send in ideas (open now, so the demo shows it), (4)
everyone votes on the ideas that the municipality accepted.

One code per resident for all steps; a few are in the demo's codes file."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from voting import ballot_box, elections
from voting.models import Election, Option, Process, ProcessStage, utcnow
from voting.processes import roll as process_roll
from voting.roll_import import Resident

SLUG = "traject-oud-woensel"
THEMES = [
    ("Groen", "Bomen, geveltuinen en plantsoenen"),
    ("Spelen", "Speelplekken voor kinderen en jongeren"),
    ("Veiligheid", "Licht, oversteekplaatsen en minder hard rijden"),
    ("Samen", "Ontmoeten, buurtfeesten en de buurtkeuken"),
    ("Schoon", "Afval, zwerfvuil en opruimacties"),
]
BUDGET = 50_000
RESIDENTS = 120
# Ideas the wijkraad already sent in: (title, summary, theme, location, [(item, euros)])
IDEAS = [
    ("Speeltuin Hemelrijken opknappen", "Nieuwe toestellen en een zandbak", "Spelen",
     "Hemelrijken", [("Twee toestellen", 9_500), ("Zandbak en rand", 3_000)]),
    ("Bomen in de Edisonstraat", "Acht nieuwe bomen met boomspiegels", "Groen",
     "Edisonstraat", [("Acht bomen", 8_000), ("Boomspiegels en planten", 6_000)]),
    ("Extra verlichting in de Celebesstraat", "Veiliger 's avonds over straat", "Veiligheid",
     "Celebesstraat", [("Zes lantaarnpalen", 9_000)]),
]  # fmt: skip


@dataclass
class DemoProcess:
    """What the demo (and the browser test) needs afterwards: the process, its stage
    elections in order, the letter codes, and each box's key shares (demo only)."""

    process: Process
    elections: list[Election]
    codes: list[str] = field(default_factory=list)
    shares: dict[int, list[ballot_box.HolderShare]] = field(default_factory=dict)


def add_demo_process(
    session: Session, pepper: str, municipality: str = "Gemeente Eindhoven"
) -> DemoProcess:
    """Create the four-step process with its elections, boxes, ideas and one letter
    code for each of ``RESIDENTS`` residents. Commits."""
    now = utcnow()
    poll = Election(
        slug="oud-woensel-themas",
        title="Welke thema's vindt u belangrijk?",
        question="Kies de thema's waaraan het geld voor de buurt besteed mag worden.",
        municipality=municipality,
        kind="referendum",
        ballot_type="approval",
        rule="approval",
        seats=3,
        tie_break_seed=secrets.token_hex(8),
        # Draft until the letters are made: a stage's roll is fixed once it votes.
        phase="draft",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=14),
        min_age=12,
        next_steps="De drie thema's met de meeste stemmen gaan door naar stap 2.",
    )
    split = Election(
        slug="oud-woensel-verdeling",
        title="Verdeel het geld over de thema's",
        question=f"Hoe verdelen we € {BUDGET:,} over de thema's?".replace(",", "."),
        municipality=municipality,
        kind="referendum",
        ballot_type="distribution",
        rule="distribution-median",
        budget=BUDGET,
        split_unit="euro",
        tie_break_seed=secrets.token_hex(8),
        phase="draft",
        opens_at=now + timedelta(days=15),
        closes_at=now + timedelta(days=29),
        min_age=12,
    )
    final = Election(
        slug="oud-woensel-ideeen",
        title="Stemmen op de ideeën",
        question=f"Welke ideeën voor € {BUDGET:,} kiest u?".replace(",", "."),
        municipality=municipality,
        kind="budget",
        ballot_type="budget",
        rule="mes-add1",
        budget=BUDGET,
        min_choices=1,
        tie_break_seed=secrets.token_hex(8),
        phase="proposals",
        opens_at=now + timedelta(days=50),
        closes_at=now + timedelta(days=64),
        min_age=12,
        binding=True,
        next_steps="De gekozen ideeën worden dit jaar uitgevoerd.",
    )
    for election in (poll, split):
        for position, (title, summary) in enumerate(THEMES, start=1):
            election.options.append(
                Option(key=f"T{position}", position=position, title=title, summary=summary)
            )
    for position, (title, summary, theme, place, lines) in enumerate(IDEAS, start=1):
        final.options.append(
            Option(
                key=f"P{position:02d}",
                position=position,
                title=title,
                summary=summary,
                theme=theme,
                location=place,
                cost=sum(amount for _, amount in lines),
                cost_lines_json=_lines_json(lines),
                submitter_name="Wijkraad Oud-Woensel",
                review_status="accepted",
                review_reason="Kan binnen een jaar worden uitgevoerd.",
            )
        )
    process = Process(
        slug=SLUG,
        title="Buurtbudget Oud-Woensel in vier stappen",
        description=(
            "Samen beslissen over € 50.000 voor Hemelrijken en de Gildebuurt: eerst de "
            "thema's, dan de verdeling van het geld, dan uw ideeën, en tot slot de stemming."
        ),
        municipality=municipality,
        ideas_per_code=3,
    )
    session.add_all([poll, split, final, process])
    session.flush()
    # Step 4 funds the ideas per theme with the money step 2 gave each theme; what a
    # theme leaves goes to the other themes' ideas by the same rule.
    final.theme_split_id = split.id
    final.leftover = "pooled"
    for position, election in enumerate((poll, split, final)):
        stage = ProcessStage(process=process, election=election, position=position)
        if election is final:
            stage.takes_ideas = True
            stage.ideas_opens_at = now - timedelta(hours=1)
            stage.ideas_closes_at = now + timedelta(days=44)
        session.add(stage)
    session.commit()
    demo = DemoProcess(process, [poll, split, final])
    for election in demo.elections:
        demo.shares[election.id] = ballot_box.make_box(
            session,
            election,
            holder_names=ballot_box.DEFAULT_HOLDERS,
            threshold=ballot_box.DEFAULT_THRESHOLD,
            actor="demo",
        )
    residents = [
        Resident(
            line=n + 1,
            person_reference=f"WOENSEL-{n:04d}",
            name=f"Bewoner {n}",
            address=f"Kloosterdreef {n}",
            postcode="5622AB",
            town="Eindhoven",
            birth_date=date(1980, 1, 1),
        )
        for n in range(1, RESIDENTS + 1)
    ]
    for batch in process_roll.import_residents(session, process, residents, pepper, actor="demo"):
        demo.codes += [letter.code for letter in batch]
    # The letters are out: step 1 opens.
    elections.advance(session, poll, "voting", actor="demo")
    session.commit()
    return demo


def _lines_json(lines: list[tuple[str, int]]) -> str:
    return json.dumps([{"item": item, "amount": amount} for item, amount in lines])
