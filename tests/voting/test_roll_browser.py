"""The import page in Debian's chromium: the letters download while the page shows how
many are done."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import STAFF_PASSWORD
from tools.fake_register import register_csv
from voting.models import Election, StaffUser

pytestmark = pytest.mark.browser


@pytest.fixture
def page(live_server: str, browser: Any) -> Iterator[Any]:
    """A fresh page in the shared Debian chromium."""
    context = browser.new_context(base_url=live_server, accept_downloads=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_import_downloads_letters_and_shows_progress(
    page: Any,
    make_election: Callable[..., Election],
    make_staff: Callable[..., StaffUser],
    tmp_path: Path,
) -> None:
    election = make_election(phase="draft", min_age=0)
    clerk = make_staff("clerk")
    register = tmp_path / "register.csv"
    register.write_text(register_csv(3000), encoding="utf-8")
    page.goto("/beheer/inloggen")
    page.fill("#username", clerk.username)
    page.fill("#password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"/beheer/verkiezing/{election.id}/kiezers/")
    form = page.locator("#import-form")
    form.locator("input[type=file]").set_input_files(str(register))
    form.locator("input[value=csv]").check()
    with page.expect_download(timeout=60_000) as download:
        form.locator("button[type=submit]").click()
    saved = tmp_path / "drukkerij.csv"
    download.value.save_as(saved)
    assert len(saved.read_bytes().splitlines()) == 3001
    progress = page.locator("#import-progress")
    progress.filter(has_text="Klaar").wait_for(timeout=15_000)
    assert progress.inner_text() == "Klaar: alle 3000 bewoners verwerkt. De download is compleet."
