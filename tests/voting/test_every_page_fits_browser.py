"""Every page of the demo, as a resident and as a clerk, on a 320 px phone: it loads,
and nothing makes the whole page scroll sideways (wide tables scroll in their own box).

The pages are found by following links from the front page and from the clerk's start
page, so a page added later is checked without being named here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

pytestmark = pytest.mark.browser

# Files, not pages, and links that change what they show (logging out, switching the
# language) are not followed.
SKIP = re.compile(
    r"\.(pdf|csv|json|zip|blt|pb|txt|pem|png|jpe?g|svg|xml|atom)$|/uitloggen|/taal/|[?&]lang=|/download"
)
MOST_PAGES = 120
# The outermost elements that reach past the right edge, to name in a failure.
STICKING_OUT = """() => {
  const edge = document.documentElement.clientWidth + 0.5;
  const out = [...document.querySelectorAll("body *")].filter(
    e => e.getBoundingClientRect().right > edge && !(e.parentElement &&
      e.parentElement.getBoundingClientRect().right > edge));
  return out.slice(0, 3).map(e => `<${e.tagName.toLowerCase()} class="${e.className}">`
    + ` ${(e.textContent || "").trim().slice(0, 40)}`);
}"""


@pytest.fixture
def demo(app: Flask, runner: FlaskCliRunner) -> dict[str, tuple[str, str]]:
    """The demo built in the test app; the staff logins it printed, by role."""
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    text = (Path(app.instance_path) / "demo-codes.txt").read_text(encoding="utf-8")
    logins = {}
    for role in ("clerk", "admin"):
        line = next(line for line in text.splitlines() if line.startswith(f"{role}:"))
        username, password = line.split(": ", 1)[1].split(" / ")
        logins[role] = (username, password)
    return logins


@pytest.fixture
def phone(browser: Any, live_server: str) -> Iterator[Any]:
    """A 320 px page without JavaScript, the narrowest screen we promise to fit."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 320, "height": 640}, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def crawl(page: Any, base: str, start: str, within: str) -> dict[str, int]:
    """Follow same-site links from ``start`` whose path starts with ``within``; the
    status and the sideways overflow (px) of every page reached."""
    seen: dict[str, int] = {}
    queue = [start]
    problems: dict[str, str] = {}
    while queue and len(seen) < MOST_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        try:
            response = page.goto(base + path)
        except Exception as error:  # a link to a file: the browser downloads it
            if "Download is starting" in str(error):
                seen[path] = 0
                continue
            raise
        status = response.status if response else 0
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        seen[path] = overflow
        if status >= 500 or status == 0:
            problems[path] = f"status {status}"
        elif overflow > 0:
            culprits = page.evaluate(STICKING_OUT)
            problems[path] = f"scrolls sideways by {overflow}px: {culprits}"
        if status != 200:
            continue
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            url, _fragment = urldefrag(href)
            parts = urlsplit(url)
            if parts.netloc != urlsplit(base).netloc:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target.startswith(within) and not SKIP.search(target) and target not in seen:
                queue.append(target)
    assert not problems, "\n".join(f"{path}: {what}" for path, what in problems.items())
    return seen


def test_every_public_page_fits_a_phone(demo: Any, phone: Any, live_server: str) -> None:
    seen = crawl(phone, live_server, "/", "/")
    # the crawl reached the kinds of pages residents use
    for part in ("/uitslag/", "/burgerberaad/", "/traject/", "/stem", "/volgen/"):
        assert any(path.startswith(part) for path in seen), (part, sorted(seen))


def test_every_staff_page_fits_a_phone(demo: Any, phone: Any, live_server: str) -> None:
    for role in ("clerk", "admin"):
        username, password = demo[role]
        phone.goto(live_server + "/beheer/inloggen")
        phone.fill("#username", username)
        phone.fill("#password", password)
        phone.click("main button[type=submit]")
        seen = crawl(phone, live_server, "/beheer/", "/beheer/")
        assert len(seen) > 10, sorted(seen)
        phone.context.clear_cookies()


# Tables whose content is wider than their box (they scroll on their own).
SCROLLING_TABLES = """() => [...document.querySelectorAll('.table-wrap')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => `${(e.querySelector('caption') || e).textContent.trim().slice(0, 40)}:`
    + ` ${e.scrollWidth}/${e.clientWidth}px`)"""


def test_staff_tables_fit_a_desktop_screen_without_scrolling(
    demo: Any, browser: Any, live_server: str
) -> None:
    """At 1280 px a clerk sees every column of the election list, the audit log and
    the other staff tables at once: staff pages use the width a desktop has, so no
    table has to be scrolled sideways (on a phone they still scroll in their box)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        username, password = demo["clerk"]
        page.goto("/beheer/inloggen")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("main button[type=submit]")
        problems = {}
        for path in ("/beheer/", "/beheer/logboek", *staff_pages(page, live_server)):
            page.goto(live_server + path)
            scrolling = page.evaluate(SCROLLING_TABLES)
            if scrolling:
                problems[path] = scrolling
        assert not problems, problems
    finally:
        context.close()


def staff_pages(page: Any, base: str) -> list[str]:
    """The clerk's pages one link from the election list (an election, its options,
    its roll, the panels and processes)."""
    page.goto(base + "/beheer/")
    found = []
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
        path = urlsplit(urldefrag(href)[0]).path
        if path.startswith("/beheer/") and not SKIP.search(path) and path not in found:
            found.append(path)
    return found
