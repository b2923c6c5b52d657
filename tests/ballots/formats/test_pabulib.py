"""pabulib .pb reader and writer: parsing, grouping, errors with line numbers, and
round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from ballots.formats.errors import FormatError
from ballots.formats.pabulib import PbElection, read_pb, write_pb
from ballots.model import BallotGroup, BallotKind, Option

APPROVAL = """META
key;value
description;Test PB
num_projects;3
num_votes;5
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name;votes;selected
1;60;Park;3;1
2;30;"Bench; with ""quotes""\";2;1
10;25;Lights;1;0
VOTES
voter_id;age;vote
a;30;1,2
b;41;2,1
c;;1
d;50;10,1
e;22;
"""


def test_reads_meta_projects_and_groups_identical_votes() -> None:
    election = read_pb("t.pb", text=APPROVAL)
    assert election.meta["description"] == "Test PB"
    assert election.meta["rule"] == "greedy"
    assert election.vote_type == "approval"
    assert election.budget == 100
    profile = election.profile
    assert profile.kind is BallotKind.APPROVAL
    assert profile.budget == 100
    assert profile.options == (
        Option("1", "Park", 60),
        Option("2", 'Bench; with "quotes"', 30),
        Option("10", "Lights", 25),
    )
    assert election.projects["1"] == {"name": "Park", "votes": "3", "selected": "1"}
    # "1,2" and "2,1" are one approval set; the blank vote is a group of its own
    assert profile.groups == (
        BallotGroup(("1", "2"), 2),
        BallotGroup(("1",), 1),
        BallotGroup(("1", "10"), 1),
        BallotGroup((), 1),
    )
    assert profile.total == 5


def test_byte_order_mark_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.pb"
    path.write_bytes(b"\xef\xbb\xbf" + APPROVAL.replace("\n", "\r\n").encode())
    assert read_pb(path) == read_pb("t.pb", text=APPROVAL)


def test_cumulative_votes_keep_points_aligned_with_sorted_choices() -> None:
    text = """META
key;value
budget;50
vote_type;cumulative
max_sum_points;5
PROJECTS
project_id;cost
A;10
B;20
VOTES
voter_id;vote;points
1;B,A;3,2
2;A,B;2,3
3;A;5
"""
    election = read_pb("c.pb", text=text)
    # points ballots: greedy and equal shares count the points as utilities
    assert election.profile.kind is BallotKind.POINTS
    assert election.profile.max_points == 5
    assert election.profile.groups == (
        BallotGroup(("A", "B"), 2, (2, 3)),
        BallotGroup(("A",), 1, (5,)),
    )


def test_ordinal_votes_keep_their_order() -> None:
    text = "META\nkey;value\nbudget;9\nvote_type;ordinal\nPROJECTS\nproject_id;cost\n"
    text += "A;1\nB;2\nVOTES\nvoter_id;vote\n1;B,A\n2;A,B\n3;B,A\n"
    profile = read_pb("o.pb", text=text).profile
    assert profile.kind is BallotKind.RANKED
    assert profile.groups == (BallotGroup(("B", "A"), 2), BallotGroup(("A", "B"), 1))


def _broken(old: str, new: str) -> str:
    assert old in APPROVAL
    return APPROVAL.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (_broken("1;60;Park", "1;sixty;Park"), 11, "cost of project '1'"),
        (_broken("1;60;Park", "1;60.5;Park"), 11, "not a whole"),
        (_broken("d;50;10,1", "d;50;10,7"), 19, "unknown project '7'"),
        (_broken("d;50;10,1", "d;50;1,1"), 19, "names a project twice"),
        (_broken("c;;1", "c;1"), 18, "2 fields, expected 3"),
        (_broken("10;25;Lights;1;0", "10;25;Lights;1"), 13, "4 fields, expected 5"),
        (_broken("10;25;Lights", "1;25;Lights"), 13, "listed twice"),
        (_broken("vote_type;approval", "vote_type;plurality"), 15, "unsupported vote_type"),
        (_broken("voter_id;age;vote", "voter_id;age;ballot"), 15, "no vote column"),
        (_broken("project_id;cost;name", "project_id;price;name"), 10, "no cost column"),
        (_broken("num_votes;5", "num_votes"), 5, "META line has 1 field"),
        (APPROVAL.split("VOTES")[0], 13, "missing VOTES section"),
        (APPROVAL.replace("PROJECTS", "VOTES", 1), 9, "expected section PROJECTS"),
        ("key;value\n", 1, "must start with a META section"),
        ("", 1, "missing META section"),
        # one voter, one vote: a repeated voter_id is refused, naming both lines
        (_broken("d;50;10,1", "b;50;10,1"), 19, "voter_id 'b' appears twice (first on line 17)"),
        (_broken("rule;greedy", "rule;greedy\nmax_length;1"), 17, "2 projects, more than META"),
        (_broken("rule;greedy", "rule;greedy\nmax_length;one"), 9, "META max_length is not"),
    ],
)
def test_malformed_input_names_file_line_and_reason(text: str, line: int, reason: str) -> None:
    with pytest.raises(FormatError) as info:
        read_pb("bad.pb", text=text)
    error = info.value
    assert error.path == "bad.pb"
    assert error.line == line
    assert reason in error.reason
    assert str(error).startswith(f"bad.pb:{line}: ")


def test_max_length_is_the_profiles_limit() -> None:
    text = _broken("rule;greedy", "rule;greedy\nmax_length;2")
    election = read_pb("t.pb", text=text)
    assert election.profile.max_choices == 2
    assert read_pb("t.pb", text=write_pb(election)) == election
    assert read_pb("t.pb", text=APPROVAL).profile.max_choices is None


def test_lenient_where_pabutools_is() -> None:
    text = _broken("description;Test PB", "description;Test; PB")
    text = text.replace("d;50;10,1", "d;50;10,,1,").replace("PROJECTS\n", "PROJECTS;;\n")
    election = read_pb("l.pb", text=text)
    assert election.meta["description"] == "Test; PB"
    assert election.profile.groups == read_pb("t.pb", text=APPROVAL).profile.groups


def test_bad_budget_and_missing_vote_type() -> None:
    with pytest.raises(FormatError, match="budget"):
        read_pb("b.pb", text=_broken("budget;100", "budget;lots"))
    with pytest.raises(FormatError, match="no vote_type"):
        read_pb("b.pb", text=_broken("vote_type;approval\n", ""))


def test_points_that_do_not_match_the_vote() -> None:
    text = "META\nkey;value\nbudget;9\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n"
    text += "A;1\nB;2\nVOTES\nvoter_id;vote;points\n1;A,B;1\n"
    with pytest.raises(FormatError) as info:
        read_pb("p.pb", text=text)
    assert (info.value.line, "2 projects but has 1 points" in info.value.reason) == (11, True)
    with pytest.raises(FormatError, match="not a whole number"):
        read_pb("p.pb", text=text.replace("1;A,B;1", "1;A,B;1,x"))


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="cannot read"):
        read_pb(tmp_path / "nope.pb")


def test_round_trip_is_lossless() -> None:
    election = read_pb("t.pb", text=APPROVAL)
    text = write_pb(election)
    again = read_pb("again.pb", text=text)
    assert again == election
    assert write_pb(again) == text
    # voters are renumbered 1..n; per-voter columns are not kept
    assert text.splitlines()[-1] == "5;"
    assert '"Bench; with ""quotes"""' in text


def test_writer_follows_a_changed_budget() -> None:
    election = read_pb("t.pb", text=APPROVAL)
    changed = PbElection(
        meta=election.meta,
        projects=election.projects,
        profile=election.profile,
        vote_type=election.vote_type,
        budget=120,
    )
    assert "budget;120\n" in write_pb(changed)
