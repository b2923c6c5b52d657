"""The BLT reader and writer: the accepted variations, errors with their line
numbers, and lossless round trips."""

from __future__ import annotations

import pytest

from ballots.formats.blt import BltElection, read_blt, write_blt
from ballots.formats.errors import FormatError
from ballots.model import BallotGroup, BallotKind, Option, Profile

SAMPLE = """# a test election
4 2
-3
12 1 2 0
7 4 3 1 0   # 3 is withdrawn: this is 4 1
3 4 1 0
2 0
0
"Anna"
"Lab ""Neil COONEY"" "
Cor de Vries
# a comment between names
"Dirk"  "Party"
Wijkraad Noord
"""


def test_reads_names_weights_withdrawn_and_title():
    e = read_blt("sample.blt", text=SAMPLE)
    assert e.title == "Wijkraad Noord"
    assert e.seats == 2
    assert e.candidates == ("Anna", 'Lab "Neil COONEY" ', "Cor de Vries", "Dirk Party")
    assert e.withdrawn == ("Cor de Vries",)
    assert e.profile.kind is BallotKind.RANKED
    assert e.profile.options == (
        Option("1", "Anna"),
        Option("2", 'Lab "Neil COONEY" '),
        Option("4", "Dirk Party"),
    )
    # "7 4 3 1" loses the withdrawn 3 and joins "3 4 1"; "2 0" is a blank ballot
    assert e.profile.groups == (
        BallotGroup(("1", "2"), 12),
        BallotGroup(("4", "1"), 10),
        BallotGroup((), 2),
    )
    assert e.profile.total == 24


def test_reads_a_file_from_disk(tmp_path):
    path = tmp_path / "ward.blt"
    path.write_text(SAMPLE, encoding="utf-8")
    assert read_blt(path) == read_blt("x", text=SAMPLE)


def test_trailing_commas_of_spreadsheet_exports_are_ignored():
    text = "2 1,\n3 1 2 0,\n1 2 0,\n0,\nAnn,\nBob,\nTitle,\n"
    e = read_blt("x", text=text)
    assert e.candidates == ("Ann", "Bob") and e.title == "Title"
    assert e.profile.groups == (BallotGroup(("1", "2"), 3), BallotGroup(("2",), 1))


def test_names_from_alternative_name_comments():
    text = "2 1\n1 1 0\n0\n# ALTERNATIVE NAME 1: Ann (Lab)\n# ALTERNATIVE NAME 2: Bob\ngovan\n"
    e = read_blt("x", text=text)
    assert e.candidates == ("Ann (Lab)", "Bob")
    assert e.title == "govan"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "header"),
        ("two 1\n0\n", 1, "CANDIDATES SEATS"),
        ("3\n0\n", 1, "CANDIDATES SEATS"),
        ("2 3\n0\n", 1, "3 seats for 2 candidates"),
        ("1 2\n0\n", 1, "2 seats for 1 candidate$"),
        ("2 1\n-5\n0\nA\nB\nT\n", 2, "withdrawn candidate 5"),
        ("2 1\n1 1 2 0\n1.5 1 0\n0\nA\nB\nT\n", 3, "whole number"),
        ("2 1\n1 1 2\n0\nA\nB\nT\n", 2, "does not end with 0"),
        ("2 1\n1 1 0\n1 3 0\n0\nA\nB\nT\n", 3, "unknown candidate '3'"),
        ("2 1\n1 1 0\n\n1 2 2 0\n0\nA\nB\nT\n", 4, "ranked twice"),
        ("2 1\n1 1=2 0\n0\nA\nB\nT\n", 2, "equal preferences"),
        ("2 1\n0 1 0\n0\nA\nB\nT\n", 2, "positive"),
        ("2 1\n1 1 0\n1 2 0\n", 3, "never end"),
        # names with no 0 before them: the missing end is the error, not a bad "ballot"
        ("2 1\n1 1 0\nAnna\nBert\nTitle\n", 5, "never end"),
        ("3 1\n1 1 0\n0\nA\nB\n", 5, "1 candidate name and a title; expected 3 names"),
        ("2 1\n1 1 0\n0\nA\nB\nT\nextra\n", 7, "after the title"),
        ('2 1\n1 1 0\n0\n"A\nB\nT\n', 4, "not closed"),
        ("2 1\n1 1 0\n" + "7" * 4301 + " 1 0\n0\nA\nB\nT\n", 3, "4,301 digits: too large"),
        ("2 1\n1 1 0\n\u00b2 1 0\n0\nA\nB\nT\n", 3, "whole number"),
        ("99999999999 1\n0\n", 1, "more than the file has lines"),
        ("9" * 5000 + " 1\n0\n", 1, "CANDIDATES SEATS"),
        # a bad line repeated: the error names its first appearance
        ("2 1\n1 1 0\n1 1 1 0\n1 2 0\n1 1 1 0\n0\nA\nB\nT\n", 3, "ranked twice"),
        # two different bad lines: the first one in the file is named
        ("2 1\n1 1 0\n1 1 0\n1 3 0\n1 2 2 0\n1 3 0\n0\nA\nB\nT\n", 4, "unknown"),
        ("2 1\n1 1 0\n1 1 0\n1 2 2 0\n1 3 0\n0\nA\nB\nT\n", 4, "ranked twice"),
    ],
)
def test_malformed_input_names_file_and_line(text, line, reason):
    with pytest.raises(FormatError, match=reason) as caught:
        read_blt("bad.blt", text=text)
    assert caught.value.path == "bad.blt"
    assert caught.value.line == line
    assert str(caught.value).startswith(f"bad.blt:{line}: ")


def test_repeated_lines_are_grouped_in_order_of_first_appearance():
    # one ballot per line, as exports write them; comments and variants still merge
    text = "3 1\n1 2 1 0\n1 3 0\n1 2 1 0\n2 2 01 0 # leading zero\n1 3 0\n0\nA\nB\nC\nT\n"
    e = read_blt("x", text=text)
    assert e.profile.groups == (BallotGroup(("2", "1"), 4), BallotGroup(("3",), 2))
    # a title that looks like a ballot line is not a ballot
    e = read_blt("x", text="2 1\n1 1 0\n0\nA\nB\n1 1 0\n")
    assert e.title == "1 1 0" and e.profile.groups == (BallotGroup(("1",), 1),)
    # names and a title repeating ballot lines add nothing to those ballots
    e = read_blt("x", text="2 1\n1 1 0\n1 2 1 0\n1 1 0\n0\n1 1 0\n1 2 1 0\n1 1 0\n")
    assert e.candidates == ("1 1 0", "1 2 1 0") and e.title == "1 1 0"
    assert e.profile.groups == (BallotGroup(("1",), 2), BallotGroup(("2", "1"), 1))


def test_the_end_of_the_ballots_may_carry_a_comment_or_a_comma():
    for end in ("0 # end", "  0,", "0\r"):
        text = f"2 1\n1 1 0\n{end}\nA\nB\nT\n"
        assert read_blt("x", text=text).profile.groups == (BallotGroup(("1",), 1),)


def test_unreadable_files_are_format_errors(tmp_path):
    with pytest.raises(FormatError) as missing:
        read_blt(tmp_path / "nope.blt")
    assert missing.value.line is None
    binary = tmp_path / "latin.blt"
    binary.write_bytes(b"1 1\n1 1 0\n0\n\xe9\nT\n")
    with pytest.raises(FormatError, match="UTF-8"):
        read_blt(binary)


def test_write_then_read_is_lossless():
    e = read_blt("x", text=SAMPLE)
    text = write_blt(e)
    again = read_blt("y", text=text)
    assert again == e
    assert write_blt(again) == text
    assert text.splitlines()[:3] == ["4 2", "-3", "12 1 2 0"]
    assert '"Lab ""Neil COONEY"" "' in text.splitlines()


def test_write_refuses_ids_that_are_not_candidate_numbers():
    profile = Profile.build("ranked", [Option("a")], [["a"]])
    with pytest.raises(ValueError, match="numbers"):
        write_blt(BltElection("t", 1, ("A",), (), profile))
