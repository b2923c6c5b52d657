"""The ballot-box key share of every election ``make_election`` gave a box (one
holder, one share), by election id, so a test can open the box after closing
(tests/voting/box_support.py). A module of its own: pytest loads conftest.py under
another name than ``tests.conftest``, so a dict kept there would exist twice."""

from __future__ import annotations

BOX_SHARES: dict[int, list[str]] = {}
