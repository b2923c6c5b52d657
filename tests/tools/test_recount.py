"""tools/recount.py, run as a third party runs it: a fresh interpreter with only the
standard library and this checkout (``python -I -S``), from another folder."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ballots.tiebreak import draw_key

Runner = Callable[..., Any]
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

# 11 ballots, 2 seats: quota 4. Anna has 5 and is elected; her surplus of 1 goes to
# Bert, who reaches 4.
BLT = """\
3 2
5 1 2 0
3 2 0
2 3 1 0
1 3 0
0
"Anna de Vries"
"Bert"
"Cor"
"Wijkraad Noord"
"""

PB = """\
META
key;value
description;Speeltuinen en bomen
num_projects;3
num_votes;5
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name
p1;60;Speeltuin
p2;50;Bankjes
p3;40;Bomen
VOTES
voter_id;vote
1;p1,p2
2;p1
3;p2,p3
4;p1,p3
5;p1,p3
"""

JSON_KEYS = {"method", "seats", "winners", "rounds", "tie_breaks", "warnings", "input_sha256"}


@pytest.fixture
def blt(tmp_path: Path) -> Path:
    """The small BLT election on disk."""
    path = tmp_path / "noord.blt"
    path.write_text(BLT, encoding="utf-8")
    return path


def one_line_error(done: Any, path: Path | str, line: int | None, reason: str) -> None:
    """Assert exit status 2 and exactly one line on standard error, naming the file,
    the line (if any) and the reason."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert lines[0].startswith(where), lines[0]
    assert reason in lines[0]


class TestBlt:
    def test_json_shape(self, recount: Runner, blt: Path, require: Callable[..., None]) -> None:
        require("ballots.formats.blt", "ballots.methods.stv")
        done = recount(blt, "--json")
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        out = json.loads(done.stdout)
        assert set(out) == JSON_KEYS
        assert out["method"] == "stv"
        assert out["seats"] == 2  # from the file
        assert out["winners"] == ["Anna de Vries", "Bert"]  # names, in order of election
        assert out["input_sha256"] == hashlib.sha256(blt.read_bytes()).hexdigest()
        first = out["rounds"][0]
        assert first["number"] == 1
        assert first["tallies"] == {"1": "5", "2": "3", "3": "3"}  # exact, as strings
        assert first["elected"] == ["1"]
        assert out["tie_breaks"] == []
        assert len(done.stdout.strip().splitlines()) == 1  # one JSON object

    def test_report(self, recount: Runner, blt: Path, require: Callable[..., None]) -> None:
        require("ballots.formats.blt", "ballots.methods.stv")
        done = recount(blt)
        assert done.returncode == 0, done.stderr
        text = done.stdout
        assert f"Recount of {blt}" in text
        assert "title:        Wijkraad Noord" in text
        assert f"input sha256: {hashlib.sha256(blt.read_bytes()).hexdigest()}" in text
        assert "method:       stv" in text
        assert "ballots:      11 (4 different)" in text
        assert "Round 1" in text and "Round 2" in text
        assert "    Anna de Vries" in text
        assert "elected:    Anna de Vries" in text
        assert "transfer from Anna de Vries: Bert +1" in text
        # notes name candidates as the rest of the report does, not by number
        assert "surplus of Anna de Vries (1.00000) transferred" in text
        assert text.rstrip().splitlines()[-5:-2] == [
            "Winners, in order of election:",
            "  1. Anna de Vries",
            "  2. Bert",
        ]

    def test_tie_break_in_report_and_json(
        self, recount: Runner, blt: Path, require: Callable[..., None]
    ) -> None:
        require("ballots.formats.blt", "ballots.methods.stv")
        # One seat: quota 6, nobody reaches it; Bert and Cor are level on 3 and the
        # published draw decides who goes out first.
        seed = "loting-2026"
        done = recount(blt, "--seats", "1", "--seed", seed, "--json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["seats"] == 1
        [tie] = out["tie_breaks"]
        assert tie["purpose"] == "eliminate"
        assert tie["tied"] == ["2", "3"]
        assert tie["keys"] == [draw_key(seed, "2"), draw_key(seed, "3")]
        loser = max(["2", "3"], key=lambda c: draw_key(seed, c))
        assert tie["chosen"] == loser

        report = recount(blt, "--seats", "1", "--seed", seed).stdout
        assert f"seed:         '{seed}'" in report
        assert "tie break (eliminate): Bert, Cor were level" in report
        assert f"key of Bert: {draw_key(seed, '2')}" in report
        assert f"key of Cor: {draw_key(seed, '3')}" in report

    def test_candidates_sharing_a_name_are_told_apart(
        self, recount: Runner, tmp_path: Path, require: Callable[..., None]
    ) -> None:
        require("ballots.formats.blt", "ballots.methods.stv")
        path = tmp_path / "twins.blt"
        path.write_text(BLT.replace('"Bert"', '"Anna de Vries"'), encoding="utf-8")
        done = recount(path, "--json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["winners"] == ["Anna de Vries (candidate 1)", "Anna de Vries (candidate 2)"]
        assert "two or more candidates are called 'Anna de Vries'" in done.stderr
        report = recount(path).stdout
        assert "transfer from Anna de Vries (candidate 1): Anna de Vries (candidate 2) +1" in report

    def test_only_blank_ballots_give_no_result(
        self, recount: Runner, tmp_path: Path, require: Callable[..., None]
    ) -> None:
        require("ballots.formats.blt", "ballots.methods.stv")
        path = tmp_path / "blank.blt"
        path.write_text('2 1\n4 0\n0\n"A"\n"B"\n"Leeg"\n', encoding="utf-8")
        done = recount(path, "--json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["winners"] == [] and out["tie_breaks"] == []
        assert out["warnings"] == ["no_votes"]
        assert "no ballot names any option" in done.stderr
        report = recount(path).stdout
        assert "NO RESULT: no ballot names any option" in report
        assert "Winners, in order of election:\n  none" in report

    def test_method_override(
        self, recount: Runner, blt: Path, require: Callable[..., None]
    ) -> None:
        require("ballots.formats.blt", "ballots.methods.plurality")
        done = recount(blt, "--method", "plurality", "--seats", "1", "--json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["method"] == "plurality"
        assert out["winners"] == ["Anna de Vries"]

    def test_real_scottish_file(
        self, recount: Runner, require: Callable[..., None], tmp_path: Path
    ) -> None:
        require("ballots.formats.blt", "ballots.methods.stv")
        path = SHARED / "scotland" / "4_cands" / "aberdeen_2017_ward11.blt"
        if not path.is_file():
            pytest.skip(f"real election data not found at {path}")
        done = recount(path, "--json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        # The declared result of Airyhall/Broomhill/Garthdee, 2017, in order of election.
        assert out["winners"] == [
            "Ian YUILL (LD)",
            "Douglas LUMSDEN (Con)",
            "Gordon Scott TOWNSON (SNP)",
        ]


class TestPabulib:
    def test_greedy_by_default(
        self, recount: Runner, tmp_path: Path, require: Callable[..., None]
    ) -> None:
        require("ballots.formats.pabulib", "ballots.methods.pb_greedy")
        path = tmp_path / "park.pb"
        path.write_text(PB, encoding="utf-8")
        done = recount(path, "--json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert set(out) == JSON_KEYS
        assert out["method"] == "greedy"
        # p1 has 4 votes, p3 3, p2 2: p1 (60) and p3 (40) fill the 100; ids, not names
        assert out["winners"] == ["p1", "p3"]

    def test_equal_shares_add1_rule_means_the_wieliczka_completion(
        self, recount: Runner, tmp_path: Path, require: Callable[..., None]
    ) -> None:
        require("ballots.formats.pabulib", "ballots.methods.pb_mes")
        path = tmp_path / "park.pb"
        path.write_text(PB.replace("rule;greedy", "rule;equalshares/add1"), encoding="utf-8")
        done = recount(path, "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["method"] == "mes-add1-until-over-budget"
        report = recount(path).stdout
        assert "budget:       100" in report
        assert "Speeltuin [p1]" in report

    def test_a_tie_of_a_trial_run_is_in_the_report(
        self, recount: Runner, tmp_path: Path, require: Callable[..., None]
    ) -> None:
        require("ballots.formats.pabulib", "ballots.methods.pb_mes")
        # Budget 3; p0, p1 cost 2, p2 1; ballots {p0}, {p1, p2}. With seed '2' the tie of
        # the run at share 2.5 draws p1 first, that run costs too much and the count
        # stops at share 1.5 with {p2}: the tie decides, so the report shows it.
        path = tmp_path / "raise.pb"
        path.write_text(
            "META\nkey;value\nnum_projects;3\nnum_votes;2\nbudget;3\nvote_type;approval\n"
            "rule;equalshares/add1\nPROJECTS\nproject_id;cost\np0;2\np1;2\np2;1\n"
            "VOTES\nvoter_id;vote\n1;p0\n2;p1,p2\n",
            encoding="utf-8",
        )
        out = json.loads(recount(path, "--seed", "2", "--json").stdout)
        assert out["winners"] == ["p2"]
        [tie] = out["tie_breaks"]
        assert tie["purpose"] == "raise" and tie["tied"] == ["p0", "p1", "p2"]
        report = recount(path, "--seed", "2").stdout
        assert "Ties broken in trial runs with a higher share per voter" in report
        assert f"the draw chose {tie['chosen']}" in report
        assert "Ties broken: 1 (seed '2')" in report

    def test_real_file_matches_the_library(
        self, recount: Runner, require: Callable[..., None]
    ) -> None:
        require("ballots.formats.pabulib", "ballots.methods.pb_mes")
        from ballots.formats.pabulib import read_pb
        from ballots.methods import count

        path = SHARED / "pabulib" / "poland_wieliczka_2023.pb"
        if not path.is_file():
            pytest.skip(f"real election data not found at {path}")
        done = recount(path, "--json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        election = read_pb(path)
        expected = count(election.profile, "mes-add1-until-over-budget")
        assert out["method"] == "mes-add1-until-over-budget"
        assert out["winners"] == list(expected.winners)
        assert out["rounds"] == expected.to_dict()["rounds"]
        # A recount of the file reproduces what Wieliczka officially funded.
        official = {pid for pid, extra in election.projects.items() if extra.get("selected") == "1"}
        assert set(out["winners"]) == official


class TestRecord:
    def test_recount_of_a_record(
        self,
        recount: Runner,
        tmp_path: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Callable[..., Path],
    ) -> None:
        record = make_record()
        path = save(record, tmp_path / "record.json")
        done = recount(path, "--json")
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        out = json.loads(done.stdout)
        assert out["method"] == "irv"
        assert out["seats"] == 1
        assert out["winners"] == record["result"]["winners"] == ["b"]  # option ids
        assert out["rounds"] == record["result"]["rounds"]
        assert out["tie_breaks"] == record["result"]["tie_breaks"]
        assert out["input_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()

    def test_record_report_names_options(
        self,
        recount: Runner,
        tmp_path: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Callable[..., Path],
    ) -> None:
        path = save(make_record(), tmp_path / "record.json")
        done = recount(path)
        assert done.returncode == 0, done.stderr
        assert "title:        Testverkiezing" in done.stdout
        assert "seed:         'seed-2026'" in done.stdout
        assert "eliminated: Plan C [c]" in done.stdout
        assert "  1. Plan B [b]" in done.stdout

    def test_overrides_warn(
        self,
        recount: Runner,
        tmp_path: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Callable[..., Path],
        require: Callable[..., None],
    ) -> None:
        require("ballots.methods.plurality")
        path = save(make_record(), tmp_path / "record.json")
        done = recount(path, "--method", "plurality", "--seed", "other", "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["method"] == "plurality"
        assert done.stderr.splitlines() == [
            f"warning: {path}: --method 'plurality' overrides the record's method 'irv'",
            f"warning: {path}: --seed 'other' overrides the record's seed 'seed-2026'",
        ]

    def test_same_values_do_not_warn(
        self,
        recount: Runner,
        tmp_path: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Callable[..., Path],
    ) -> None:
        path = save(make_record(), tmp_path / "record.json")
        done = recount(path, "--method", "irv", "--seats", "1", "--json")
        assert done.returncode == 0
        assert done.stderr == ""


# name, content, line, reason; every one must give exit 2 and one line
MALFORMED = [
    ("header.blt", "3 x\n1 1 0\n0\n", 1, "header"),
    ("unknown.blt", '3 1\n2 1 2 0\n1 4 0\n0\n"A"\n"B"\n"C"\n"T"\n', 3, "unknown candidate"),
    ("open.blt", '3 1\n2 1 2 0\n1 3 2\n0\n"A"\n"B"\n"C"\n"T"\n', 3, "0"),
    ("cost.pb", PB.replace("p2;50;Bankjes", "p2;fifty;Bankjes"), 12, "cost"),
    ("broken.json", '{\n "format": "buurtstem-record/2",\n "ballots": [\n}\n', 4, "bad JSON"),
    ("nan.json", '{\n "format": "buurtstem-record/2",\n "x": NaN\n}\n', 1, "NaN"),
    ("partial.json", '{\n "format": "buurtstem-record/2"\n}\n', 1, "'election' is missing"),
]


class TestBadInput:
    @pytest.mark.parametrize(("name", "content", "line", "reason"), MALFORMED)
    def test_malformed_file(
        self,
        recount: Runner,
        tmp_path: Path,
        require: Callable[..., None],
        name: str,
        content: str,
        line: int,
        reason: str,
    ) -> None:
        reader = {".blt": "ballots.formats.blt", ".pb": "ballots.formats.pabulib"}
        suffix = Path(name).suffix
        if suffix in reader:
            require(reader[suffix])
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        one_line_error(recount(path), path, line, reason)
        one_line_error(recount(path, "--json"), path, line, reason)

    def test_record_with_unknown_option(
        self,
        recount: Runner,
        tmp_path: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Callable[..., Path],
    ) -> None:
        record = make_record()
        record["ballots"][2]["choices"] = ["a", "x"]  # the third ballot, line 5 of the file
        path = save(record, tmp_path / "record.json")
        one_line_error(recount(path), path, 5, "ballot 3: unknown option 'x'")

    def test_reader_surprise_is_still_bad_input(
        self, recount: Runner, tmp_path: Path, require: Callable[..., None]
    ) -> None:
        require("ballots.formats.pabulib")
        # A stray quote opens a field that never closes; whatever the reader makes of
        # it, the answer is exit 2 and one line.
        path = tmp_path / "quote.pb"
        path.write_text(PB.replace("VOTES\n", 'VOTE"\n'), encoding="utf-8")
        done = recount(path)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        [line] = done.stderr.splitlines()
        assert line.startswith(f"{path}")

    def test_not_utf8(self, recount: Runner, tmp_path: Path) -> None:
        path = tmp_path / "latin1.json"
        path.write_bytes(b'{\n"format": "caf\xe9"\n}\n')
        one_line_error(recount(path), path, 2, "not UTF-8")

    def test_missing_file(self, recount: Runner, tmp_path: Path) -> None:
        one_line_error(recount(tmp_path / "gone.blt"), tmp_path / "gone.blt", None, "not found")

    def test_directory(self, recount: Runner, tmp_path: Path) -> None:
        one_line_error(recount(tmp_path), tmp_path, None, "is a directory")

    def test_unknown_method(self, recount: Runner, blt: Path) -> None:
        one_line_error(recount(blt, "--method", "dhondt"), blt, None, "unknown method 'dhondt'")

    def test_record_naming_an_unknown_method(
        self,
        recount: Runner,
        tmp_path: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Callable[..., Path],
    ) -> None:
        record = make_record()
        record["election"]["rule"] = "dhondt"
        path = save(record, tmp_path / "record.json")
        one_line_error(recount(path), path, None, "unknown method 'dhondt'; known methods: ")

    def test_method_that_does_not_fit(
        self, recount: Runner, tmp_path: Path, require: Callable[..., None]
    ) -> None:
        require("ballots.formats.pabulib", "ballots.methods.stv")
        path = tmp_path / "park.pb"
        path.write_text(PB, encoding="utf-8")
        done = recount(path, "--method", "stv")
        assert done.returncode == 2
        assert len(done.stderr.splitlines()) == 1
        assert done.stderr.startswith(f"{path}: ")
        assert "Traceback" not in done.stderr

    @pytest.mark.parametrize(
        ("args", "reason"),
        [
            ((), "the following arguments are required: input"),
            (("x.blt", "--seats", "0"), "seats must be at least 1"),
            (("x.blt", "--seats", "two"), "'two' is not a whole number"),
            (("x.blt", "--colour"), "unrecognized arguments: --colour"),
        ],
    )
    def test_bad_arguments(self, recount: Runner, args: tuple[str, ...], reason: str) -> None:
        done = recount(*args)
        assert done.returncode == 2
        assert done.stderr.splitlines() == [done.stderr.strip()]
        assert reason in done.stderr
