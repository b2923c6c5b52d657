"""``voting keys generate`` and ``voting keys show``."""

from __future__ import annotations

import stat
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from voting import signing


def test_generate_writes_key_pair_next_to_signing_key_path(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["keys", "generate"])
    assert result.exit_code == 0, result.output
    folder = Path(app.config["SIGNING_KEY_PATH"]).parent
    private_path = folder / signing.PRIVATE_KEY_FILE
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    key = signing.load_private_key(private_path)
    assert signing.fingerprint(key) in result.output
    assert (folder / signing.PUBLIC_KEY_FILE).read_bytes() == signing.public_key_pem(key)

    shown = runner.invoke(args=["keys", "show"])
    assert shown.exit_code == 0 and signing.fingerprint(key) in shown.output


def test_generate_refuses_to_overwrite(runner: FlaskCliRunner, tmp_path: Path) -> None:
    first = runner.invoke(args=["keys", "generate", "--directory", str(tmp_path / "k")])
    assert first.exit_code == 0, first.output
    before = (tmp_path / "k" / signing.PRIVATE_KEY_FILE).read_bytes()
    again = runner.invoke(args=["keys", "generate", "--directory", str(tmp_path / "k")])
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert (tmp_path / "k" / signing.PRIVATE_KEY_FILE).read_bytes() == before


def test_show_without_key_says_how_to_make_one(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["keys", "show"])
    assert result.exit_code == 1
    assert "voting keys generate" in result.output
