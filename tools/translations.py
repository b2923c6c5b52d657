"""Extract translatable texts, update the English catalogue and compile it.

    python tools/translations.py          # extract + update + compile
    python tools/translations.py --check  # exit 1 if an English text is missing

Dutch is the source language (the message ids are Dutch); English is a translation.
"""

from __future__ import annotations

import argparse

# Runs pybabel from this interpreter, fixed arguments (bandit B404).
import subprocess  # nosec B404
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRANSLATIONS = REPO / "voting" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def pybabel(*args: str) -> None:
    """Run a pybabel command from this interpreter's environment."""
    # A fixed argument list, no shell: nothing from outside reaches the command line.
    subprocess.run(  # nosec B603
        [sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=REPO
    )


def missing_translations() -> list[str]:
    """Message ids in the English catalogue with no translation (or marked fuzzy)."""
    from babel.messages.pofile import read_po

    with PO.open("rb") as handle:
        catalog = read_po(handle)
    return [
        str(m.id)
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)
    ]


def main() -> int:
    """Extract, update and compile; with --check only report missing translations."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if not args.check:
        pybabel(
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
            "-k",
            "_l",
            "--no-location",
            "--sort-output",
            "-o",
            str(POT),
            ".",
        )
        if PO.exists():
            pybabel(
                "update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", "en", "--no-fuzzy-matching"
            )
        else:
            pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", "en")
        pybabel("compile", "-d", str(TRANSLATIONS), "-f")
    missing = missing_translations()
    for message in missing:
        print(f"missing English: {message!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
