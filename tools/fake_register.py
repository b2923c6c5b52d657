"""A fake municipal register (BRP export) for tests, benchmarks and demos.

    python tools/fake_register.py N [--seed S] [--town duiven|eindhoven] > register.csv

Realistic Dutch names and streets in Duiven (postcodes 6921xx) and Eindhoven
Oud-Woensel (5621xx), birth dates from 1930 to 2020, semicolon-separated like a Dutch
Excel export. Everything is seeded, so a seed gives the same file every time. Nobody
in it exists.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta

FIRST_NAMES = (
    "Jan", "Piet", "Kees", "Anna", "Sanne", "Emma", "Daan", "Lotte", "Fatima", "Mohamed",
    "Noah", "Julia", "Sem", "Saar", "Ayşe", "Mehmet", "Zoë", "Chloé", "Eline", "Bram",
    "Ingrid", "Hendrik", "Marloes", "Joris", "Sofie", "Łukasz", "Anouk", "Thijs", "Yara",
)  # fmt: skip
LAST_NAMES = (
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Yılmaz",
    "El Amrani", "Kowalski", "van 't Hek", "Jacobs", "Brouwer", "Çelik", "Gerritsen",
)  # fmt: skip
TOWNS = {
    "duiven": (
        "Duiven",
        "6921",
        ("Dorpsstraat", "Rijksweg", "Eltensestraat", "Korenmaat", "Remmingsdijk",
         "Stationsweg", "Kerkstraat", "Kastanjelaan", "Het Loo", "Visweide"),
        ("Centrum", "Droesem", "Eltingerhof", "Horst"),
    ),
    "eindhoven": (
        "Eindhoven",
        "5621",
        ("Kruisstraat", "Celebesstraat", "Edisonstraat", "Hemelrijken", "Van Kinsbergenstraat",
         "Gildelaan", "Edelweisstraat", "Tuinstraat", "Generaal Cronjéstraat"),
        ("Hemelrijken", "Gildebuurt"),
    ),
}  # fmt: skip
HEADER = ("persoonsreferentie", "naam", "adres", "postcode", "woonplaats", "geboortedatum", "wijk")


def residents(count: int, *, seed: int = 1, town: str = "duiven") -> Iterator[tuple[str, ...]]:
    """``count`` fake register rows (reference, name, address, postcode, town,
    birth date dd-mm-jjjj, neighbourhood), all adults unless chance says otherwise."""
    rng = random.Random(seed)
    place, prefix, streets, quarters = TOWNS[town]
    first_day = date(1930, 1, 1)
    for number in range(1, count + 1):
        letters = rng.choice("ABCDEFGHJKLMNPRTVWXZ") + rng.choice("ABCDEFGHJKLMNPRTVWXZ")
        birth = first_day + timedelta(days=rng.randrange(90 * 365))
        yield (
            f"{seed:03d}{number:07d}",
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            f"{rng.choice(streets)} {rng.randrange(1, 180)}{rng.choice(['', '', '', 'a', 'B'])}",
            f"{prefix} {letters}",
            place,
            birth.strftime("%d-%m-%Y"),
            rng.choice(quarters),
        )


def register_csv(count: int, *, seed: int = 1, town: str = "duiven", delimiter: str = ";") -> str:
    """A whole fake register as CSV text with a header row."""
    out = io.StringIO()
    out.write(delimiter.join(HEADER) + "\n")
    for row in residents(count, seed=seed, town=town):
        out.write(delimiter.join(row) + "\n")
    return out.getvalue()


def main() -> None:
    """Write a fake register to standard output."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--town", choices=sorted(TOWNS), default="duiven")
    args = parser.parse_args()
    sys.stdout.write(register_csv(args.count, seed=args.seed, town=args.town))


if __name__ == "__main__":
    main()
