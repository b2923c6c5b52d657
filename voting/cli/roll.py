"""``voting roll ...``: check and import a register, print letters, reissue one letter.

Codes exist in plain text only while they are made, so importing and printing are
one step: ``voting roll import`` writes the letters (and/or the mail merge) while it
commits the roll. Write them where the letters are meant to go (a removable drive,
the print house's transfer folder), not to a shared disk on the server.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import BinaryIO

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting import db, roll
from voting.documents.letters import (
    LetterContext,
    letters_pdf,
    mail_merge_header,
    mail_merge_rows,
    stream_letters_pdf,
    stream_letters_zip,
)
from voting.error_words import explain
from voting.formatting import format_day
from voting.labels import ENCODING_LABELS, REASON_LABELS, label
from voting.models import Election
from voting.roll_import import (
    Eligibility,
    RegisterError,
    Resident,
    normalise_postcode,
    read_register,
)


@click.group("roll")
def roll_group() -> None:
    """Voter roll: import a register, print letters, reissue a lost letter."""


def _election(session: Session, slug: str) -> Election:
    election = session.scalar(select(Election).where(Election.slug == slug))
    if election is None:
        raise click.ClickException(f"no election with slug {slug!r}")
    return election


@roll_group.command("import")
@click.argument("slug")
@click.argument("register", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Only report bad rows; store nothing.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows, skip the bad.")
@click.option(
    "--reissue-unused",
    is_flag=True,
    help="Residents already on the roll get a new code (the old one stops working). "
    "Use after a run whose letters were lost.",
)
@click.option(
    "--letters",
    "letters_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the letters: one PDF, or a ZIP of PDFs of 500 letters if it ends in .zip.",
)
@click.option(
    "--mail-merge",
    "mail_merge_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the mail-merge CSV for a print house.",
)
@with_appcontext
def import_command(
    slug: str,
    register: Path,
    check: bool,
    skip_bad_rows: bool,
    reissue_unused: bool,
    letters_path: Path | None,
    mail_merge_path: Path | None,
) -> None:
    """Check REGISTER (a CSV export of the municipality's register) against the rules
    of election SLUG and, unless --check, put the residents on the roll and write
    their letters in the same pass."""
    with db.new_session() as session:
        election = _election(session, slug)
        try:
            eligibility = Eligibility.for_election(election)
        except RegisterError as error:
            raise click.ClickException(explain(error, locale="en")) from None
        result = read_register(register.read_bytes(), eligibility)
        with force_locale("en"):
            encoding = label(ENCODING_LABELS, result.encoding)
        click.echo(
            f"{register.name}: {result.rows} rows ({encoding}, delimiter "
            f"{result.delimiter!r}); {len(result.residents)} eligible, "
            f"{len(result.errors)} bad, {len(result.not_eligible)} not eligible (left "
            "out); age counted on "
            f"{format_day(eligibility.reference_day, locale='en')}"
        )
        for error in result.errors:
            with force_locale("en"):  # the command line speaks English
                reason = label(REASON_LABELS, error.reason.value)
                problem = explain(error.problem)
            click.echo(f"  line {error.line} ({reason}): {problem}")
        if check:
            raise SystemExit(1 if result.errors else 0)
        if result.fatal or (result.errors and not skip_bad_rows):
            raise click.ClickException(
                "nothing imported: fix the rows above or use --skip-bad-rows"
            )
        if not letters_path and not mail_merge_path:
            raise click.ClickException(
                "give --letters and/or --mail-merge: the codes exist only while they are printed"
            )
        try:
            roll.ensure_roll_open(election)
        except roll.RollLocked as error:
            raise click.ClickException(explain(error, locale="en")) from None
        stats = roll.ImportStats()
        context = LetterContext.for_election(election, current_app.config)
        try:
            _run_import(
                session,
                election,
                result.residents,
                context,
                stats=stats,
                reissue_unused=reissue_unused,
                letters_path=letters_path,
                mail_merge_path=mail_merge_path,
            )
        except OSError as error:
            raise click.ClickException(
                f"writing stopped after {stats.letters} letters ({error}). The residents "
                "handled so far are on the roll but their letters are incomplete: run "
                "the same import again with --reissue-unused to make every letter anew."
            ) from None
    click.echo(
        f"Done: {stats.added} added, {stats.reissued} new codes for residents already on "
        f"the roll, {stats.skipped_has_code} skipped (already have a code), "
        f"{stats.skipped_voted} skipped (already voted); {stats.letters} letters."
    )


def _run_import(
    session: Session,
    election: Election,
    residents: list[Resident],
    context: LetterContext,
    *,
    stats: roll.ImportStats,
    reissue_unused: bool,
    letters_path: Path | None,
    mail_merge_path: Path | None,
) -> None:
    import_run = roll.import_residents(
        session,
        election,
        residents,
        current_app.config["CODE_PEPPER"],
        actor="cli",
        reissue_unused=reissue_unused,
        stats=stats,
    )
    with (
        click.progressbar(length=len(residents), label="Residents", show_pos=True) as bar,
        _open(mail_merge_path) as merge,
    ):
        if merge:
            merge.write(mail_merge_header())

        def batches():  # type: ignore[no-untyped-def]
            for batch in import_run:
                if merge:
                    merge.write(mail_merge_rows(context, batch))
                yield batch
                bar.update(stats.done - bar.pos)

        if letters_path is None:
            for _batch in batches():
                pass
        elif letters_path.suffix.lower() == ".zip":
            with letters_path.open("wb") as out:
                for chunk in stream_letters_zip(context, batches(), mail_merge=False):
                    out.write(chunk)
        else:
            with letters_path.open("wb") as out:
                for chunk in stream_letters_pdf(context, batches()):
                    out.write(chunk)


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_args: object) -> None:
        return None


def _open(path: Path | None) -> BinaryIO | _Nothing:
    return path.open("wb") if path else _Nothing()


@roll_group.command("reissue")
@click.argument("slug")
@click.argument("person_reference")
@click.option("--name", default="", help="Name as printed on the letter.")
@click.option("--address", default="", help="Street and house number.")
@click.option("--postcode", default="")
@click.option("--town", default="")
@click.option(
    "--from-csv",
    "from_csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Take name and address from a register CSV (the row of PERSON_REFERENCE).",
)
@click.option(
    "--letter",
    "letter_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the new letter (PDF).",
)
@click.option("--lookup", is_flag=True, help="Only show where the resident stands.")
@with_appcontext
def reissue_command(
    slug: str,
    person_reference: str,
    name: str,
    address: str,
    postcode: str,
    town: str,
    from_csv: Path | None,
    letter_path: Path | None,
    lookup: bool,
) -> None:
    """A lost letter: revoke the unused code of PERSON_REFERENCE in election SLUG and
    print one new letter. Works during voting too; a used code stays used."""
    pepper = current_app.config["CODE_PEPPER"]
    with db.new_session() as session:
        election = _election(session, slug)
        if lookup:
            status = roll.lookup(session, election, pepper, person_reference)
            if not status.on_roll:
                raise click.ClickException("not on the roll of this election")
            click.echo(
                f"on the roll; voted: {'yes' if status.voted else 'no'}; working codes: "
                f"{status.live_codes}; revoked codes: {status.revoked_codes}"
            )
            return
        resident = _resident(person_reference, name, address, postcode, town, from_csv)
        if letter_path is None:
            raise click.ClickException("give --letter OUT.pdf: the new code is only printed")
        try:
            code = roll.reissue(session, election, pepper, person_reference, actor="cli")
        except (roll.NotOnRoll, roll.AlreadyVoted) as error:
            raise click.ClickException(explain(error, locale="en")) from None
        context = LetterContext.for_election(election, current_app.config)
        letter_path.write_bytes(letters_pdf(context, [[roll.Letter(resident, code)]]))
    click.echo(f"New letter written to {letter_path}; the old code no longer works.")


def _resident(
    reference: str, name: str, address: str, postcode: str, town: str, from_csv: Path | None
) -> Resident:
    if from_csv:
        check = read_register(from_csv.read_bytes(), Eligibility(min_age=0))
        for resident in check.residents:
            if resident.person_reference == reference.strip():
                return resident
        raise click.ClickException(f"{from_csv.name} has no readable row for {reference}")
    missing = [
        option
        for option, value in (
            ("--name", name),
            ("--address", address),
            ("--postcode", postcode),
            ("--town", town),
        )
        if not value.strip()
    ]
    if missing:
        raise click.ClickException(f"give {', '.join(missing)} (or --from-csv)")
    normal = normalise_postcode(postcode)
    if normal is None:
        raise click.ClickException(f"{postcode!r} is not a Dutch postcode (1234 AB)")
    return Resident(
        line=0,
        person_reference=reference.strip(),
        name=name.strip(),
        address=address.strip(),
        postcode=normal,
        town=town.strip(),
        birth_date=date(1900, 1, 1),  # not printed; eligibility was checked at import
    )


@roll_group.command("status")
@click.argument("slug")
@with_appcontext
def status_command(slug: str) -> None:
    """Roll size and codes issued, used and revoked for election SLUG."""
    with db.new_session() as session:
        election = _election(session, slug)
        counts = roll.roll_counts(session, election.id)
    click.echo(
        f"roll {counts['roll']}; codes issued {counts['issued']}, working {counts['live']}, "
        f"used {counts['used']}, revoked {counts['revoked']}"
    )
