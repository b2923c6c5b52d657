"""The readers pause the garbage collector while they read (it only slowed them down),
and always hand it back as they found it: a program that reads a bad file goes on with
its collector running."""

from __future__ import annotations

import gc

import pytest

from ballots.formats.blt import read_blt
from ballots.formats.errors import FormatError
from ballots.formats.pabulib import read_pb

GOOD_BLT = '3 1\n1 1 2 0\n1 2 0\n0\n"A"\n"B"\n"C"\n"Title"\n'


def test_the_collector_runs_again_after_a_read_and_after_a_bad_file() -> None:
    assert gc.isenabled()
    seen: list[bool] = []
    gc.callbacks.append(lambda phase, info: seen.append(phase == "start"))
    try:
        assert read_blt("good.blt", text=GOOD_BLT).profile.total == 2
        assert gc.isenabled()
        with pytest.raises(FormatError):
            read_blt("bad.blt", text="3 1\n1 9 0\n0\n")
        assert gc.isenabled()
        with pytest.raises(FormatError):
            read_pb("bad.pb", text="not a pabulib file\n")
        assert gc.isenabled()
        gc.collect()
        assert seen  # and it still collects
    finally:
        gc.callbacks.pop()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        read_blt("good.blt", text=GOOD_BLT)
        assert not gc.isenabled()
    finally:
        gc.enable()
