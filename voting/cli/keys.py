"""``voting keys ...``: the municipality's Ed25519 key that signs certified results.

The private key lives in a file outside the database (``SIGNING_KEY_PATH``, by default
``instance/signing/``), readable by its owner only; the public key is published on
the site (``/uitslag/sleutel``) and inside every signed record.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from voting import signing
from voting.tally import private_key_path


@click.group("keys")
def keys_group() -> None:
    """The key that signs certified election records."""


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
