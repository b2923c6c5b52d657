"""The THEME setting: the built-in look by default, NL Design System components and a
municipality's tokens when installed, and the built-in look when they are not."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import REPO

TOKENS = "@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css"
installed = pytest.mark.skipif(
    not (REPO / "node_modules" / TOKENS).exists(),
    reason="the NL Design System packages are not installed (npm ci)",
)


def test_default_look_loads_no_npm_files(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "utrecht-html" not in html and "/static/nlds/" not in html
    assert client.get(f"/static/nlds/{TOKENS}").status_code == 404


@installed
@pytest.mark.app_config(THEME="voorbeeld")
def test_theme_loads_components_tokens_and_our_mapping(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="nl" class="utrecht-html">' in html
    assert 'class="voorbeeld-theme nlds"' in html
    for href in (
        "/static/nlds/@utrecht/component-library-css/dist/html.css",
        f"/static/nlds/{TOKENS}",
        "/static/theme-nlds.css",
    ):
        assert href in html
        with client.get(href) as response:
            assert response.status_code == 200 and response.mimetype == "text/css"
    # Nothing else from node_modules is served.
    assert client.get("/static/nlds/@utrecht/component-library-css/package.json").status_code == 404
    assert client.get("/static/nlds/../package.json").status_code == 404


@pytest.mark.app_config(THEME="voorbeeld")
def test_theme_without_its_packages_keeps_the_built_in_look(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    app.config["NODE_MODULES"] = str(tmp_path / "nothing-here")
    html = client.get("/").get_data(as_text=True)
    assert "utrecht-html" not in html
    assert "/static/theme-nlds.css" not in html
