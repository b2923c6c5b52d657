"""Shared fixtures for the ranked-rule tests: a compact profile builder."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from ballots.model import BallotKind, Option, Profile

ProfileMaker = Callable[..., Profile]


def make_profile(
    spec: Iterable[tuple[int, str]], options: str | None = None, kind: str = "ranked"
) -> Profile:
    """A profile from ``[(count, "ABC"), ...]``: each letter is an option id, best first."""
    spec = list(spec)
    letters = options or "".join(sorted({c for _, s in spec for c in s}))
    ballots = [list(s) for count, s in spec for _ in range(count)]
    return Profile.build(BallotKind(kind), [Option(c) for c in letters], ballots)


@pytest.fixture
def profile() -> ProfileMaker:
    """The :func:`make_profile` builder."""
    return make_profile
