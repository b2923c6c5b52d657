"""Election texts in the page's language: the clerk's English text on English pages
when there is one, otherwise the Dutch text, marked ``lang="nl"`` so screen readers
pronounce it as Dutch (WCAG 3.1.2, language of parts).

The Dutch texts (``title``, ``question``, ``description``, ``summary``) are the
official ones: letters, the record and the proces-verbaal use them. The English ones
(``title_en``, ...) are optional and only shown.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from markupsafe import Markup, escape

TRANSLATABLE = ("title", "question", "description", "summary")
SOURCE_LANGUAGE = "nl"


def page_language() -> str:
    """The language of the page being made (``nl`` outside a request)."""
    if has_request_context():
        from flask_babel import get_locale

        locale = get_locale()
        if locale is not None:
            return locale.language
    return SOURCE_LANGUAGE


def _english(item: Any, field: str) -> str:
    if field not in TRANSLATABLE:
        raise ValueError(f"no English text for {field!r}")
    return str(getattr(item, f"{field}_en", "") or "") if page_language() == "en" else ""


def text_of(item: Any, field: str) -> str:
    """``item.field`` in the page's language: the English text on an English page when
    the clerk gave one, else the Dutch text."""
    return _english(item, field) or str(getattr(item, field) or "")


def lang_of(item: Any, field: str) -> str:
    """The language of what :func:`text_of` returns."""
    return "en" if _english(item, field) else SOURCE_LANGUAGE


def lang_attr(item: Any, field: str) -> Markup:
    """`` lang="nl"`` when the text shown is Dutch on a page that is not, else ``""``:
    for the element that holds the text."""
    shown = lang_of(item, field)
    # ``shown`` is "en" or SOURCE_LANGUAGE, never text from a person (bandit B704).
    return Markup(f' lang="{shown}"') if shown != page_language() else Markup("")  # nosec B704


def marked(item: Any, field: str) -> Markup:
    """The text as HTML, in a ``<span lang="nl">`` when it is Dutch on a page that is
    not (for texts inside a sentence or a heading)."""
    attr = lang_attr(item, field)
    text = escape(text_of(item, field))
    # The text is escaped above and the attribute is ours (bandit B704).
    return Markup(f"<span{attr}>{text}</span>") if attr else text  # nosec B704


def dutch_attr() -> Markup:
    """`` lang="nl"`` on a page that is not Dutch, else ``""``: for the element holding a
    text that exists only in Dutch (a council's decision, a milestone, a clerk's reason,
    a panel's question), so screen readers read it as Dutch."""
    if page_language() == SOURCE_LANGUAGE:
        return Markup("")
    # A constant of ours, never text from a person (bandit B704).
    return Markup(f' lang="{SOURCE_LANGUAGE}"')  # nosec B704


def english_option_names(election: Any) -> dict[str, str]:
    """Option key -> the clerk's English name, on an English page (``{}`` on a Dutch
    one, or when the clerk gave none): for pages that show names from the record."""
    if page_language() != "en":
        return {}
    return {o.key: o.title_en for o in election.options if getattr(o, "title_en", "")}
