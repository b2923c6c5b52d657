"""A BLT file's rankings are checked once, by the reader; the count then maps them to
option indices without checking again, and gets exactly what checking would give. A
profile made by hand is still checked."""

from __future__ import annotations

import pytest

from ballots.formats.blt import read_blt
from ballots.methods._ranked import indexed_groups, ranked_groups
from ballots.model import (
    BallotError,
    BallotGroup,
    BallotKind,
    Option,
    Profile,
    ballot_groups,
)

BLT = '3 1\n2 1 2 0\n1 3 0\n1 0\n1 2 1 3 0\n0\n"A"\n"B"\n"C"\n"Title"\n'


def test_a_read_file_indexes_as_a_checked_profile_would() -> None:
    read = read_blt("x.blt", text=BLT).profile
    by_hand = Profile(read.kind, read.options, read.groups)  # same fields, not marked
    assert read == by_hand
    assert indexed_groups(read, "stv") == indexed_groups(by_hand, "stv")
    assert indexed_groups(read, "stv")[1] == [((0, 1), 2), ((2,), 1), ((1, 0, 2), 1)]
    # by option id (for stv): the blank ballot counts for no one, as above
    assert ranked_groups(read, "stv") == ranked_groups(by_hand, "stv")
    assert ranked_groups(read, "stv")[1:] == ([("1", "2"), ("3",), ("2", "1", "3")], [2, 1, 1])


def test_a_profile_made_by_hand_is_still_checked() -> None:
    options = (Option("a"), Option("b"))
    twice = Profile(BallotKind.RANKED, options, (BallotGroup(("a", "a"), 1),))
    with pytest.raises(BallotError) as error:
        indexed_groups(twice, "stv")
    assert error.value.code == "duplicate_rank"
    unknown = Profile(BallotKind.RANKED, options, (BallotGroup(("z",), 1),))
    with pytest.raises(BallotError) as error:
        indexed_groups(unknown, "stv")
    assert error.value.code == "unknown_option"
    with pytest.raises(BallotError) as error:
        ranked_groups(unknown, "stv")
    assert error.value.code == "unknown_option"


def test_groups_made_in_bulk_are_ordinary_groups() -> None:
    made = ballot_groups([("a", "b"), ()], [3, 1])
    assert made == (BallotGroup(("a", "b"), 3), BallotGroup((), 1))
    assert made[0].points is None and hash(made[0]) == hash(BallotGroup(("a", "b"), 3))
    with pytest.raises(ValueError):
        ballot_groups([("a",)], [1, 2])
