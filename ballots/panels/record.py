"""The signed panel record (``buurtstem-panel-record/1``): build it, and check it.

One JSON document per drawn panel, signed like the election record (Ed25519 over
:func:`ballots.record.canonical_bytes`): the quotas, the invitation sample's inputs
(seed, pseudonymous keys and households of everyone eligible) and outcome, every
respondent's answers under a random pseudonym (never linked to the keys), the
portfolio (panels as seats per profile, whole-number weights), each probability as an
exact fraction, the draw's seed, ticket and selected pseudonyms, and every replacement.

:func:`check_record` redoes all of it with the standard library: the sample, the
portfolio's quotas, the probabilities, the draw and the replacements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from ballots.panels.draw import PROCEDURE as DRAW_PROCEDURE
from ballots.panels.draw import Draw, Replacement, draw_panel, replace_dropouts
from ballots.panels.model import Profile, Quota, Respondent, members_meet_quotas
from ballots.panels.portfolio import Portfolio
from ballots.panels.sampling import PROCEDURE as SAMPLE_PROCEDURE
from ballots.panels.sampling import Candidate, invitation_sample

FORMAT = "buurtstem-panel-record/1"


def build_record(
    *,
    panel: Mapping[str, Any],
    quotas: Sequence[Quota],
    sample: Mapping[str, Any] | None,
    respondents: Sequence[Respondent],
    portfolio: Portfolio,
    draw: Draw,
    seed: str,
    replacements: Sequence[Replacement] = (),
) -> dict[str, Any]:
    """The unsigned record. ``panel`` holds slug, title, municipality, seats and the
    categories; ``sample`` the stored invitation sample (seed, size, households rule,
    eligible ``[key, household]`` pairs, invited keys)."""
    probabilities = portfolio.probabilities()
    return {
        "format": FORMAT,
        "panel": dict(panel),
        "quotas": [
            {"category": q.category, "value": q.value, "min": q.min, "max": q.max} for q in quotas
        ],
        "invitations": (
            {**dict(sample), "procedure": SAMPLE_PROCEDURE} if sample is not None else None
        ),
        "respondents": [
            {"id": r.id, "values": dict(sorted(r.values.items())), "household": r.household}
            for r in sorted(respondents, key=lambda r: r.id)
        ],
        "portfolio": {
            "denominator": portfolio.denominator,
            "profiles": [
                {"values": dict(p.values), "members": list(p.members), "household": p.household}
                for p in portfolio.profiles
            ],
            "panels": [list(p) for p in portfolio.panels],
            "weights": list(portfolio.weights),
        },
        "probabilities": {
            rid: f"{p.numerator}/{p.denominator}" for rid, p in sorted(probabilities.items())
        },
        "draw": {
            "seed": seed,
            "procedure": DRAW_PROCEDURE,
            "ticket": draw.ticket,
            "panel_index": draw.panel_index,
            "selected": list(draw.selected),
        },
        "replacements": [
            {"dropped": r.dropped, "replacement": r.replacement, "same_profile": r.same_profile}
            for r in replacements
        ],
    }


def read_portfolio(record: Mapping[str, Any]) -> Portfolio:
    """The record's portfolio. Raises ``KeyError``/``TypeError``/``ValueError`` for a
    malformed one."""
    data = record["portfolio"]
    profiles = tuple(
        Profile(tuple(sorted(p["values"].items())), tuple(p["members"]), p.get("household", ""))
        for p in data["profiles"]
    )
    return Portfolio(
        profiles,
        tuple(tuple(int(c) for c in panel) for panel in data["panels"]),
        tuple(int(w) for w in data["weights"]),
        int(data["denominator"]),
    )


def read_quotas(record: Mapping[str, Any]) -> list[Quota]:
    """The record's quotas."""
    return [
        Quota(q["category"], q["value"], int(q["min"]), int(q["max"])) for q in record["quotas"]
    ]


def read_respondents(record: Mapping[str, Any]) -> dict[str, Respondent]:
    """The record's respondents by pseudonym."""
    return {
        r["id"]: Respondent(r["id"], dict(r["values"]), r.get("household", ""))
        for r in record["respondents"]
    }


def final_panel(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The panel after every recorded replacement."""
    respondents = read_respondents(record)
    panel, _ = replace_dropouts(
        record["draw"]["selected"],
        [r["dropped"] for r in record["replacements"]],
        respondents,
        read_quotas(record),
        record["draw"]["seed"],
    )
    return panel


def check_record(record: Mapping[str, Any]) -> list[str]:
    """Everything in the record that does not follow from its own inputs (empty if all
    agrees): the invitation sample, the respondents against the profiles, every
    portfolio panel's quotas, the probabilities and their sum, the draw, the
    replacements, and the quotas of the final panel."""
    problems: list[str] = []
    if record.get("format") != FORMAT:
        return [f"not a {FORMAT} document"]
    seats = int(record["panel"]["seats"])
    quotas = read_quotas(record)
    respondents = read_respondents(record)
    sample = record.get("invitations")
    if sample:
        redone = invitation_sample(
            [Candidate(k, h) for k, h in sample["eligible"]],
            int(sample["size"]),
            sample["seed"],
            one_per_household=bool(sample["one_per_household"]),
        )
        if redone != list(sample["invited"]):
            problems.append(
                "invitations: the sample redone from the seed differs from the one invited"
            )
    portfolio = read_portfolio(record)
    members = sorted(m for p in portfolio.profiles for m in p.members)
    if members != sorted(respondents):
        problems.append("portfolio: its profiles do not hold exactly the respondents")
    for profile in portfolio.profiles:
        for member in profile.members:
            person = respondents.get(member)
            if person is not None and dict(sorted(person.values.items())) != dict(profile.values):
                problems.append(f"portfolio: {member}'s answers differ from their profile's")
    problems += [f"portfolio: {p}" for p in portfolio.problems(quotas, seats)]
    computed = portfolio.probabilities()
    stated = {rid: Fraction(text) for rid, text in record["probabilities"].items()}
    if stated != computed:
        problems.append("probabilities: they differ from what the portfolio gives")
    if sum(computed.values()) != seats:
        problems.append(f"probabilities: they add up to {sum(computed.values())}, not {seats}")
    draw = draw_panel(portfolio, record["draw"]["seed"])
    if draw.ticket != record["draw"]["ticket"] or draw.panel_index != record["draw"]["panel_index"]:
        problems.append("draw: the ticket or panel redone from the seed differs")
    if list(draw.selected) != list(record["draw"]["selected"]):
        problems.append("draw: the selected respondents redone from the seed differ")
    try:
        _, replaced = replace_dropouts(
            record["draw"]["selected"],
            [r["dropped"] for r in record["replacements"]],
            respondents,
            quotas,
            record["draw"]["seed"],
        )
    except ValueError as error:
        problems.append(f"replacements: {error}")
    else:
        stated_r = [(r["dropped"], r["replacement"]) for r in record["replacements"]]
        if [(r.dropped, r.replacement) for r in replaced] != stated_r:
            problems.append("replacements: redone from the seed they differ")
        if all(r.replacement for r in replaced):
            final = final_panel(record)
            problems += [
                f"final panel: {p}" for p in members_meet_quotas(final, respondents, quotas)
            ]
    return problems
