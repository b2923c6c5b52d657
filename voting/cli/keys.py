"""``voting keys ...``: the municipality's Ed25519 key that signs certified results,
and the key of each election's sealed ballot box (``box-create``, ``box-open``).

The private key lives in a file outside the database (``SIGNING_KEY_PATH``, by default
``instance/signing/``), readable by its owner only; the public key is published on
the site (``/uitslag/sleutel``) and inside every signed record.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting import ballot_box, db, signing
from voting.error_words import explain
from voting.models import Election
from voting.tally import private_key_path


@click.group("keys")
def keys_group() -> None:
    """The key that signs certified election records, and ballot-box keys."""


@keys_group.command("generate")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the key pair (default: the folder of SIGNING_KEY_PATH).",
)
@with_appcontext
def generate(directory: Path | None) -> None:
    """Create a new signing key pair; refuses to replace an existing key."""
    folder = directory or Path(current_app.config["SIGNING_KEY_PATH"]).parent
    try:
        private_path, public_path = signing.write_keypair(folder)
    except FileExistsError as error:
        raise click.ClickException(
            f"{error}. Records signed with that key must stay verifiable; move it away "
            "yourself if you really want a new key."
        ) from None
    except OSError as error:
        raise click.ClickException(f"cannot write the key pair in {folder}: {error}") from None
    key = signing.load_private_key(private_path)
    click.echo(f"Private key: {private_path}  (keep it secret, keep a backup offline)")
    click.echo(f"Public key:  {public_path}")
    click.echo(f"Fingerprint: {signing.fingerprint(key)}")
    configured = Path(current_app.config["SIGNING_KEY_PATH"])
    if directory is None and not configured.exists() and configured != private_path:
        click.echo(f"Buurtstem finds it next to SIGNING_KEY_PATH ({configured}).")
    elif directory is not None and private_key_path(configured) != private_path:
        click.echo(f"Set SIGNING_KEY_PATH={private_path} so Buurtstem signs with this key.")


@keys_group.command("show")
@with_appcontext
def show() -> None:
    """Print where the signing key is and its public fingerprint."""
    path = private_key_path(current_app.config["SIGNING_KEY_PATH"])
    try:
        key = signing.load_private_key(path)
    except FileNotFoundError:
        raise click.ClickException(
            f"no signing key at {path}; create one with 'voting keys generate'"
        ) from None
    except (OSError, ValueError) as error:
        raise click.ClickException(f"cannot read the signing key {path}: {error}") from None
    click.echo(f"Private key: {path}")
    click.echo(f"Fingerprint: {signing.fingerprint(key)}")
    click.echo(signing.public_key_pem(key).decode("ascii").rstrip())


# --- the sealed ballot box ------------------------------------------------------------


def _election_by_slug(session: Session, slug: str) -> Election:
    election = session.scalar(select(Election).where(Election.slug == slug))
    if election is None:
        raise click.ClickException(f"no election with slug {slug!r}")
    return election


@keys_group.command("box-create")
@click.argument("slug")
@click.option(
    "--holder",
    "holder_names",
    multiple=True,
    help="A key holder (repeat: --holder Griffier --holder Notaris ...).",
)
@click.option("--threshold", type=int, default=ballot_box.DEFAULT_THRESHOLD, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for one share file per holder (hand each file over, then delete it).",
)
@with_appcontext
def box_create(slug: str, holder_names: tuple[str, ...], threshold: int, out: Path) -> None:
    """Make the sealed ballot box's key of election SLUG, split between the holders."""
    names = list(holder_names) or list(ballot_box.DEFAULT_HOLDERS)
    with db.new_session() as session:
        election = _election_by_slug(session, slug)
        try:
            shares = ballot_box.make_box(
                session, election, holder_names=names, threshold=threshold, actor="cli"
            )
        except ballot_box.BoxError as error:
            raise click.ClickException(explain(error, locale="en")) from None
        written = write_share_files(election, shares, out)
        fingerprint = ballot_box.box_fingerprint(election)
    click.echo(f"Ballot box key {fingerprint}: {threshold} of {len(shares)} shares open it.")
    for path in written:
        click.echo(f"  {path}")
    click.echo("Give each holder their own file; the shares are stored nowhere else.")


def write_share_files(
    election: Election, shares: list[ballot_box.HolderShare], out: Path, *, header: str = ""
) -> list[Path]:
    """One text file per holder's share in ``out`` (readable by its owner only);
    ``header`` is printed on top of each (the demo labels its shares demo-only)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for share in shares:
        path = out / f"{election.slug}-sleuteldeel-{share.number}.txt"
        path.write_text(
            header + f"Buurtstem: sleuteldeel {share.number} van {len(shares)} van de stembus\n"
            f"Verkiezing: {election.title} ({election.slug})\n"
            f"Sleutelhouder: {share.holder}\n"
            f"Nodig om te openen: {election.box_threshold} sleuteldelen\n\n"
            f"{share.text}\n",
            encoding="utf-8",
        )
        path.chmod(0o600)
        written.append(path)
    return written


@keys_group.command("box-open")
@click.argument("slug")
@click.argument(
    "share_files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@with_appcontext
def box_open(slug: str, share_files: tuple[Path, ...]) -> None:
    """Open the sealed ballot box of closed election SLUG with SHARE_FILES."""
    texts = [path.read_text(encoding="utf-8") for path in share_files]
    with db.new_session() as session:
        election = _election_by_slug(session, slug)
        try:
            opened = ballot_box.open_box(session, election, texts, actor="cli")
        except ballot_box.BoxError as error:
            raise click.ClickException(explain(error, locale="en")) from None
    click.echo(f"The ballot box is open: {opened.count} ballots, in a fresh random order.")
    if not opened.purge.done:
        # Never a silent pass: the sealed rows are still in the database files.
        click.echo(
            "Warning: the sealed ballots are still in the database files, because "
            f"{opened.purge.error or 'another connection uses the table'} "
            f"({opened.purge.blocker_text() or 'unknown'})."
            " End it; `voting worker` (or the clerk's page) then removes them.",
            err=True,
        )
