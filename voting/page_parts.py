"""Parts of every page that are the same for every visitor in one language, made once
per worker instead of once per page.

A resident's visit renders four pages, and the footer alone was 9 texts and 7 links
of each: about a third of what the common page frame (``base.html``) costs to render.
It depends only on the language, on whether a member of staff is signed in (the
sign-in link) and on where the app is mounted, so each worker renders it once for
each of those and reuses the text.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup


def init_app(app: Flask) -> None:
    """Give ``app``'s templates ``site_footer()``."""
    # Two threads that make the same footer at once store the same text: no lock.
    made: dict[tuple[str, bool, str], Markup] = {}

    def site_footer() -> Markup:
        """The page footer in the reader's language."""
        signed_in = bool(current_user and current_user.is_authenticated)
        key = (str(get_locale()), signed_in, request.script_root)
        found = made.get(key)
        if found is None:
            found = Markup(render_template("_site_footer.html", logged_in=signed_in))  # nosec B704 - our own template, autoescaped
            made[key] = found
        return found

    app.jinja_env.globals["site_footer"] = site_footer
