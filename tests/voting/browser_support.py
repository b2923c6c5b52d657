"""Helpers the browser tests share."""

from __future__ import annotations

from typing import Any


def click_and_load(page: Any, target: Any) -> None:
    """Click `target` (a selector or a locator) and wait until the page it leads to has loaded.

    A form's POST answers with a redirect; right after a bare click the browser may still be
    between the two, and `page.content()` then reads an empty document (seen in CI).
    """
    button = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation(wait_until="load"):
        button.click()
