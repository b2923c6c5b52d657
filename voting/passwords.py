"""Password rules for staff accounts: a minimum length and no well-known password.

The list of common passwords is the 30,000 most frequent passwords from leaked sets
that the ``zxcvbn`` package carries (``zxcvbn.frequency_lists``), plus a few Dutch ones
in ``common_passwords_nl.txt`` beside this module. Checks ignore case.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 10
MAX_LENGTH = 200
DUTCH_LIST = Path(__file__).with_name("common_passwords_nl.txt")


@cache
def common_passwords() -> frozenset[str]:
    """Every password on the lists, in lower case (loaded once, on first use)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = {w.lower() for w in FREQUENCY_LISTS["passwords"]}
    for line in DUTCH_LIST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.add(line.strip().lower())
    return frozenset(words)


def is_common(password: str) -> bool:
    """True if ``password`` (or it without trailing digits and punctuation, as in
    ``Welkom2026!``) is on the list of common passwords."""
    lowered = password.lower()
    stem = lowered.rstrip("0123456789!?.@#$%&*_- ")
    return lowered in common_passwords() or (len(stem) >= 4 and stem in common_passwords())


def problems(password: str, *, username: str = "") -> list[str]:
    """What is wrong with ``password`` as a new password, in the reader's language;
    an empty list if it is acceptable."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(_("Gebruik minstens %(n)d tekens.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        found.append(_("Gebruik hoogstens %(n)d tekens.", n=MAX_LENGTH))
    if is_common(password):
        found.append(_("Dit wachtwoord staat op een lijst van veelgebruikte wachtwoorden."))
    if username and username.lower() in password.lower():
        found.append(_("Het wachtwoord mag uw gebruikersnaam niet bevatten."))
    return found
