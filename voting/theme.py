"""The municipality's house style: NL Design System CSS components themed by its
design tokens, chosen by the ``THEME`` setting.

The packages come from npm (``package.json`` at the repository root, ``npm ci``) and
are never copied into the repository. When ``THEME`` names a theme whose files are
installed, pages load the Utrecht component library's styles for plain HTML
(``@utrecht/component-library-css/dist/html.css``), the theme's tokens, and
``static/theme-nlds.css``, which maps Buurtstem's own classes (cards, notes, the
budget bar) onto the tokens. Otherwise the built-in look stays, so the app works
without Node.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, abort, current_app, send_from_directory
from werkzeug import Response

log = logging.getLogger(__name__)

COMPONENTS = "@utrecht/component-library-css/dist/html.css"


@dataclass(frozen=True)
class Theme:
    """One municipality's tokens: the npm file and the class that switches them on."""

    name: str
    tokens: str  # path inside node_modules
    css_class: str


THEMES = {
    "voorbeeld": Theme(
        "voorbeeld",
        "@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css",
        "voorbeeld-theme",
    ),
}


def node_modules() -> Path:
    """Where ``npm ci`` put the packages: ``NODE_MODULES`` or the repository root's."""
    configured = current_app.config.get("NODE_MODULES")
    if configured:
        return Path(configured)
    return Path(current_app.root_path).parent / "node_modules"


def active_theme() -> Theme | None:
    """The configured theme if its files are installed, else None (built-in look)."""
    name = str(current_app.config.get("THEME") or "default")
    if name == "default":
        return None
    theme = THEMES.get(name)
    base = node_modules()
    if theme is None or not (base / theme.tokens).is_file() or not (base / COMPONENTS).is_file():
        if not current_app.config.get("_THEME_WARNED"):
            current_app.config["_THEME_WARNED"] = True
            log.warning(
                "THEME=%s is not installed (run npm ci at the repository root); "
                "using the built-in look",
                name,
            )
        return None
    return theme


def init_app(app: Flask) -> None:
    """Serve the theme's two npm files and tell every template which theme is on."""

    @app.get("/static/nlds/<path:filename>")
    def nlds_file(filename: str) -> Response:
        """Only the component styles and the active theme's tokens, nothing else from
        node_modules."""
        theme = active_theme()
        if theme is None or filename not in (COMPONENTS, theme.tokens):
            abort(404)
        response = send_from_directory(node_modules(), filename, mimetype="text/css")
        response.cache_control.max_age = 3600
        return response

    @app.context_processor
    def inject_theme() -> dict[str, object]:
        theme = active_theme()
        return {"theme": theme, "theme_components": COMPONENTS}
