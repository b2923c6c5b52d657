"""English is available for every text of the web app, and the compiled catalogue the
app loads matches the one people edit."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "voting" / "translations" / "en" / "LC_MESSAGES"


def source_texts() -> set[str]:
    """Every Dutch text marked for translation in the code and the templates."""
    method_map = [("voting/**.py", "python"), ("voting/templates/**.html", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    texts = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, keywords=keywords
    ):
        texts.add(message[0] if isinstance(message, tuple) else message)
    return texts


def test_every_dutch_text_has_an_english_translation() -> None:
    with (CATALOGUE / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalogue
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(source_texts() - translated)
    assert missing == [], "run `python tools/translations.py` and translate: " + repr(missing[:10])


def _plain(value: object) -> object:
    # The .mo reader gives plural forms as lists, the .po reader as tuples.
    return tuple(value) if isinstance(value, list | tuple) else value


def test_compiled_catalogue_matches_the_po_file() -> None:
    with (CATALOGUE / "messages.po").open("rb") as handle:
        po = {_plain(m.id): _plain(m.string) for m in read_po(handle) if m.id and not m.fuzzy}
    with (CATALOGUE / "messages.mo").open("rb") as handle:
        mo = {_plain(m.id): _plain(m.string) for m in read_mo(handle) if m.id}
    assert mo == po, "run `python tools/translations.py` to compile messages.mo"
