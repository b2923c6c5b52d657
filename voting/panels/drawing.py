"""The draw, as the app runs it: compute the leximin portfolio outside the request
(a thread, or ``voting panel compute``) with a progress row, draw with the published
seed, sign the record, and record replacements (each re-signs the record)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from ballots.panels.draw import draw_panel, replace_dropouts
from ballots.panels.model import group_profiles
from ballots.panels.record import (
    build_record,
    check_record,
    read_portfolio,
    read_quotas,
    read_respondents,
)
from voting import audit, db, signing
from voting.models import Panel, PanelSignup, utcnow
from voting.panels.service import PanelError, feasibility, pool, signups
from voting.panels.setup import all_quotas, categories_from_json
from voting.tally import private_key_path


def start_compute(app: Flask, session: Session, panel: Panel, *, actor: str) -> None:
    """Mark the computation as running and start it in a thread (inline when the app
    is configured with ``PANEL_JOBS_INLINE``). Raises :class:`PanelError` outside the
    draw phase, while it runs, or when the quotas cannot be met."""
    if panel.phase != "draw":
        raise PanelError("phase", "Kansen berekenen kan in de fase 'loting'.")
    if panel.job_state == "running":
        raise PanelError("running", "De berekening loopt al.")
    if panel.portfolio_json and panel.record_json:
        raise PanelError("phase", "Het panel is al geloot.")
    if feasibility(session, panel):
        raise PanelError("infeasible", "De quota zijn niet haalbaar met deze aanmeldingen.")
    panel.job_state, panel.job_done, panel.job_total, panel.job_message = "running", 0, 0, ""
    audit.record(session, actor, "panel.compute", panel=panel.slug)
    session.commit()
    if app.config.get("PANEL_JOBS_INLINE"):
        compute(app, panel.id)
    else:
        threading.Thread(target=compute, args=(app, panel.id), daemon=True).start()


def compute(app: Flask, panel_id: int) -> None:
    """Compute the leximin portfolio and store it; progress goes to the panel's row.
    Runs in its own app context and session (a thread or the CLI)."""
    from ballots.panels.leximin import leximin

    with app.app_context(), db.new_session() as session:
        panel = session.get(Panel, panel_id)
        assert panel is not None

        def progress(what: str, done: int, total: int) -> None:
            panel.job_done, panel.job_total, panel.job_message = done, total, what
            session.commit()

        try:
            people = pool(session, panel)
            categories = [c["name"] for c in panel.categories]
            profiles = group_profiles(people, categories, households=panel.one_per_household)
            quotas = all_quotas(categories_from_json(panel.categories))
            result = leximin(profiles, quotas, panel.seats, progress=progress)
        except Exception as error:  # the clerk must see that it failed, never a hang
            session.rollback()
            panel.job_state, panel.job_message = "failed", str(error)[:300]
            session.commit()
            return
        record = build_record(
            panel=_panel_facts(panel),
            quotas=quotas,
            sample=None,
            respondents=people,
            portfolio=result.portfolio,
            draw=draw_panel(result.portfolio, "-"),
            seed="-",
        )
        panel.portfolio_json = json.dumps(
            {
                "portfolio": record["portfolio"],
                "probabilities": record["probabilities"],
                "seconds": round(result.seconds, 2),
                "stages": result.stages,
            },
            separators=(",", ":"),
        )
        panel.job_state, panel.job_done = "done", panel.job_total
        panel.job_message = f"{len(result.portfolio.panels)} panels, {result.seconds:.1f} s"
        session.commit()


def _panel_facts(panel: Panel) -> dict[str, Any]:
    return {
        "slug": panel.slug,
        "title": panel.title,
        "municipality": panel.municipality,
        "seats": panel.seats,
        "categories": panel.categories,
        "meeting_dates": panel.meeting_dates,
    }


def draw(
    session: Session, panel: Panel, seed: str, key_path: str | Path, *, actor: str
) -> dict[str, Any]:
    """Draw the panel from the stored portfolio with ``seed``, mark who is selected,
    build, check and sign the record. Raises :class:`PanelError`."""
    if panel.phase != "draw" or panel.record_json:
        raise PanelError("phase", "Loten kan eenmaal, in de fase 'loting'.")
    if not panel.portfolio_json:
        raise PanelError("not_computed", "Bereken eerst de kansen.")
    seed = seed.strip()
    if not seed:
        raise PanelError("seed", "Vul het lotingsgetal in.")
    if seed != panel.draw_seed:
        # The seed was public before anyone was invited; one chosen now could be the
        # one of many tried offline that gives the panel someone wanted.
        raise PanelError(
            "seed_changed",
            f"Loten kan alleen met het lotingsgetal dat vooraf bekend was: {panel.draw_seed}.",
            seed=panel.draw_seed,
        )
    stored = json.loads(panel.portfolio_json)
    portfolio = read_portfolio(stored)
    people = pool(session, panel)
    if sorted(m for p in portfolio.profiles for m in p.members) != sorted(r.id for r in people):
        raise PanelError("changed", "De aanmeldingen zijn veranderd: bereken de kansen opnieuw.")
    result = draw_panel(portfolio, seed)
    record = build_record(
        panel=_panel_facts(panel),
        quotas=all_quotas(categories_from_json(panel.categories)),
        sample=json.loads(panel.sample_json) if panel.sample_json else None,
        respondents=people,
        portfolio=portfolio,
        draw=result,
        seed=seed,
    )
    chosen = set(result.selected)
    for signup in signups(session, panel):
        signup.status = "selected" if signup.pseudonym in chosen else "pool"
    panel.drawn_at = utcnow()
    _sign(panel, record, key_path)
    audit.record(
        session,
        actor,
        "panel.draw",
        panel=panel.slug,
        seed=seed,
        ticket=result.ticket,
        panel_index=result.panel_index,
        selected=len(chosen),
    )
    return record


def _sign(panel: Panel, record: dict[str, Any], key_path: str | Path) -> None:
    problems = check_record(record)
    if problems:  # never sign what verify_panel.py would reject
        raise PanelError("record", "; ".join(problems[:3]))
    try:
        key = signing.load_private_key(private_key_path(key_path))
    except (OSError, ValueError) as error:
        raise PanelError("key", f"De ondertekeningssleutel is niet te lezen: {error}") from None
    panel.record_json = json.dumps(signing.sign_record(record, key), ensure_ascii=False)


def drop_out(
    session: Session, panel: Panel, pseudonym: str, key_path: str | Path, *, actor: str
) -> str | None:
    """A seated member drops out: the published rule picks the replacement (or nobody
    when no one keeps the quotas), the record gets it and is signed again. Returns the
    replacement's pseudonym."""
    if panel.phase not in ("draw", "seated") or not panel.record_json:
        raise PanelError("phase", "Vervangen kan na de loting.")
    record = json.loads(panel.record_json)
    record.pop("signature", None)
    dropouts = [r["dropped"] for r in record["replacements"]] + [pseudonym]
    respondents = read_respondents(record)
    try:
        _, done = replace_dropouts(
            record["draw"]["selected"],
            dropouts,
            respondents,
            read_quotas(record),
            record["draw"]["seed"],
        )
    except ValueError:
        raise PanelError("not_seated", "Deze persoon zit niet in het panel.") from None
    record["replacements"] = [
        {"dropped": r.dropped, "replacement": r.replacement, "same_profile": r.same_profile}
        for r in done
    ]
    latest = done[-1]
    by_pseudonym = {s.pseudonym: s for s in signups(session, panel)}
    by_pseudonym[pseudonym].status = "dropped"
    if latest.replacement:
        by_pseudonym[latest.replacement].status = "replacement"
    _sign(panel, record, key_path)
    audit.record(
        session,
        actor,
        "panel.replacement",
        panel=panel.slug,
        dropped=pseudonym,
        replacement=latest.replacement,
        same_profile=latest.same_profile,
    )
    return latest.replacement


def seated(session: Session, panel: Panel) -> list[PanelSignup]:
    """The members on the panel now (selected or replacements), by pseudonym."""
    return [s for s in signups(session, panel) if s.status in ("selected", "replacement")]
