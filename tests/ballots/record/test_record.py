"""The election record: building, canonical form, hashes, reading and checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
from fractions import Fraction
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from ballots.formats.errors import FormatError
from ballots.methods import count
from ballots.model import BallotError, Option, Profile
from ballots.record import (
    FORMAT,
    ballot_sha256,
    ballots_sha256,
    build_record,
    canonical_bytes,
    check_ballot_hashes,
    check_ballots_sha256,
    check_counts,
    check_receipts,
    check_turnout,
    compare_results,
    profile_from_record,
    read_record,
    record_sha256,
    recount_record,
    write_record,
)
from ballots.tiebreak import PROCEDURE

needs_irv = pytest.mark.skipif(
    find_spec("ballots.methods.irv") is None, reason="ballots.methods.irv has not landed"
)
needs_approval = pytest.mark.skipif(
    find_spec("ballots.methods.approval") is None, reason="ballots.methods.approval has not landed"
)

OPTIONS = [Option("a", "Plan A"), Option("b", "Plan B – groen"), Option("c", "Plan C")]
BALLOTS = [
    ("R3", ["a", "b"]),
    ("R1", ["b"]),
    ("R2", ["c", "b"]),
    ("R4", ["a"]),
    ("R5", ["b", "a"]),
]
SEED = "zaal-2026-03-01"


def election(**overrides: Any) -> dict[str, Any]:
    """Election metadata for a small ranked referendum."""
    meta: dict[str, Any] = {
        "id": "duiven-centrum",
        "title": "Centrumplan Duiven",
        "question": "Welk plan kiest u?",
        "kind": "referendum",
        "ballot_type": "ranked",
        "rule": "irv",
        "options": OPTIONS,
        "roll_size": 12,
        "tie_break_seed": SEED,
        "turnout_threshold_percent": 30,
        "binding": True,
        "voting_opens": dt.date(2026, 3, 1),
        "voting_closes": dt.datetime(2026, 3, 14, 21, 0, tzinfo=dt.UTC),
        "municipality": "Duiven",
    }
    meta.update(overrides)
    return meta


def build(*, ballots: list[tuple[str, list[str]]] = BALLOTS, **kwargs: Any) -> dict[str, Any]:
    """``build_record`` with ``(receipt, choices)`` pairs split the way a record keeps
    them: the ballots' choices, and the receipts as a list of their own."""
    return build_record(ballots=[c for _, c in ballots], receipts=[r for r, _ in ballots], **kwargs)


def irv_result(ballots: list[tuple[str, list[str]]] = BALLOTS, seed: str = SEED):
    """The IRV result of ``ballots``."""
    profile = Profile.build("ranked", OPTIONS, [c for _, c in ballots])
    return count(profile, "irv", seed=seed)


@pytest.fixture
def record() -> dict[str, Any]:
    """A built (unsigned) record of the small referendum."""
    return build(election=election(), result=irv_result(), turnout={})


pytestmark = needs_irv


class TestBuild:
    def test_layout_and_metadata(self, record: dict[str, Any]) -> None:
        assert record["format"] == FORMAT == "buurtstem-record/2"
        assert record["tie_break_procedure"] == PROCEDURE
        meta = record["election"]
        assert meta["options"][1] == {"id": "b", "name": "Plan B – groen", "cost": 0}
        assert meta["turnout_threshold_percent"] == "30"
        assert meta["voting_opens"] == "2026-03-01"
        assert meta["voting_closes"] == "2026-03-14T21:00:00+00:00"
        assert meta["tie_break_seed"] == SEED
        assert meta["seats"] == 1
        assert record["result"] == irv_result().to_dict()
        assert record["result"]["winners"] == ["b"]

    def test_ballots_sorted_with_hashes(self, record: dict[str, Any]) -> None:
        # Ballots carry no receipt and sit in their canonical order (by their JSON), so
        # neither a receipt nor the order ties a ballot to a voter or a moment.
        assert [b["choices"] for b in record["ballots"]] == [
            ["a", "b"],
            ["a"],
            ["b", "a"],
            ["b"],
            ["c", "b"],
        ]
        assert record["receipts"] == ["R1", "R2", "R3", "R4", "R5"]
        receipt_lines = "".join(r + "\n" for r in record["receipts"]).encode()
        assert record["receipts_sha256"] == hashlib.sha256(receipt_lines).hexdigest()
        assert record["counts"] == {
            "cast": 5,
            "online": 5,
            "paper": 0,
            "votes": 5,
            "blank": 0,
            "invalid": 0,
        }
        first = record["ballots"][0]
        assert set(first) == {"choices", "sha256"}
        by_hand = hashlib.sha256(b'["a","b"]').hexdigest()
        assert first["sha256"] == by_hand == ballot_sha256(["a", "b"])
        lines = "".join(b["sha256"] + "\n" for b in record["ballots"]).encode()
        assert record["ballots_sha256"] == hashlib.sha256(lines).hexdigest()
        assert record["ballots_sha256"] == ballots_sha256(b["sha256"] for b in record["ballots"])

    def test_turnout_is_exact(self, record: dict[str, Any]) -> None:
        # 5 of 12 is 41 2/3 percent: a float could not say so.
        assert record["turnout"] == {
            "ballots": 5,
            "roll_size": 12,
            "percent": "125/3",
            "threshold_percent": "30",
            "threshold_met": True,
            "valid": True,
            "binding": True,
        }
        assert Fraction(record["turnout"]["percent"]) == Fraction(500, 12)

    def test_below_threshold_is_neither_valid_nor_binding(self) -> None:
        rec = build(
            election=election(turnout_threshold_percent="41.7"),
            ballots=BALLOTS,
            result=irv_result(),
            turnout={},
        )
        assert rec["turnout"]["threshold_percent"] == "417/10"
        assert rec["turnout"]["threshold_met"] is False
        assert rec["turnout"]["valid"] is False
        assert rec["turnout"]["binding"] is False

    def test_advisory_election_is_not_binding(self) -> None:
        rec = build(
            election=election(binding=False), ballots=BALLOTS, result=irv_result(), turnout={}
        )
        assert rec["turnout"]["valid"] is True
        assert rec["turnout"]["binding"] is False

    def test_turnout_values_given_must_agree(self) -> None:
        meta = election(roll_size=None)
        rec = build(
            election=meta,
            ballots=BALLOTS,
            result=irv_result(),
            turnout={"roll_size": 12, "ballots": 5, "percent": "125/3", "threshold_met": True},
        )
        assert rec["election"]["roll_size"] == 12
        with pytest.raises(ValueError, match="turnout ballots is 6"):
            build(election=election(), ballots=BALLOTS, result=irv_result(), turnout={"ballots": 6})
        with pytest.raises(ValueError, match="below the turnout threshold cannot be valid"):
            build(
                election=election(turnout_threshold_percent=50),
                ballots=BALLOTS,
                result=irv_result(),
                turnout={"valid": True},
            )

    def test_web_app_names_accepted(self) -> None:
        meta = election(
            proposals=[{"id": "a", "name": "Plan A"}, {"id": "b"}, {"id": "c", "cost": 0}],
            opens_at="2026-03-01T08:00:00",
            closes_at=None,
            slug="centrum",
        )
        del meta["options"], meta["voting_opens"], meta["voting_closes"]
        rec = build(election=meta, ballots=BALLOTS, result=irv_result(), turnout={})
        assert rec["election"]["options"][1] == {"id": "b", "name": "", "cost": 0}
        assert rec["election"]["voting_opens"] == "2026-03-01T08:00:00"
        assert rec["election"]["slug"] == "centrum"

    @pytest.mark.parametrize(
        ("overrides", "ballots", "message"),
        [
            ({"voter_names": ["x"]}, BALLOTS, "not allowed in a record: voter_names"),
            ({}, [*BALLOTS, ("R1", ["a"])], "receipt 'R1' appears twice"),
            ({}, [*BALLOTS, ("R9", ["a", "a"])], "ballot 6: duplicate rank"),
            ({}, [*BALLOTS, ("R9", ["z"])], "ballot 6: unknown option 'z'"),
            ({"turnout_threshold_percent": 30.0}, BALLOTS, "not an exact number"),
            ({"roll_size": 4}, BALLOTS, "5 ballots but only 4 voters"),
            ({"kind": "poll"}, BALLOTS, "kind must be one of"),
            ({"title": None}, BALLOTS, "'title' is missing"),
            ({"tie_break_seed": "other"}, BALLOTS, "another tie-break seed"),
            ({"rule": "stv"}, BALLOTS, "counted with 'irv', election rule is 'stv'"),
            ({"seats": 0}, BALLOTS, "seats must be a whole number of at least 1"),
        ],
    )
    def test_refuses(self, overrides: dict[str, Any], ballots: list, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            build(
                election=election(**overrides),
                ballots=ballots,
                result=irv_result(),
                turnout={},
            )

    def test_blank_ballots(self) -> None:
        ballots = [*BALLOTS, ("R6", [])]
        result = irv_result(ballots)
        rec = build(election=election(), ballots=ballots, result=result, turnout={})
        assert rec["election"]["allow_blank"] is True  # the counting library's default
        assert rec["ballots"][5] == {"choices": [], "sha256": ballot_sha256([])}
        assert rec["turnout"]["ballots"] == 6  # a blank vote is a vote cast
        assert rec["counts"]["blank"] == 1 and rec["counts"]["votes"] == 5
        with pytest.raises(BallotError, match="ballot 6: blank, but this election does not"):
            build(election=election(allow_blank=False), ballots=ballots, result=result, turnout={})

    def test_published_texts(self) -> None:
        rec = build(
            election=election(description="Drie plannen.", next_steps="De raad besluit."),
            ballots=BALLOTS,
            result=irv_result(),
            turnout={},
        )
        assert rec["election"]["description"] == "Drie plannen."
        assert rec["election"]["next_steps"] == "De raad besluit."
        assert (
            "description"
            not in build(election=election(), ballots=BALLOTS, result=irv_result(), turnout={})[
                "election"
            ]
        )

    def test_invalid_ballot_is_a_ballot_error(self) -> None:
        with pytest.raises(BallotError):
            build(
                election=election(),
                ballots=[("R9", ["z"])],
                result=irv_result(),
                turnout={},
            )

    @needs_approval
    def test_unordered_ballots_are_sorted(self) -> None:
        options = [Option("p1", cost=10), Option("p2", cost=20), Option("p3", cost=30)]
        ballots = [("X2", ["p3", "p1"]), ("X1", ["p2"])]
        profile = Profile.build("approval", options, [c for _, c in ballots])
        rec = build(
            election=election(
                ballot_type="approval", rule="approval", options=options, kind="budget", budget=40
            ),
            ballots=ballots,
            result=count(profile, "approval", seed=SEED),
            turnout={},
        )
        assert rec["ballots"][0] == {"choices": ["p1", "p3"], "sha256": ballot_sha256(["p1", "p3"])}
        assert rec["election"]["budget"] == 40
        assert rec["election"]["options"][2] == {"id": "p3", "name": "", "cost": 30}


class TestCanonical:
    def test_sorted_compact_utf8(self, record: dict[str, Any]) -> None:
        data = canonical_bytes(record)
        assert data.startswith(b'{"ballots":[{"choices":["a","b"],"sha256":"')
        assert b'"turnout":{"ballots":5,"binding":true,"percent":"125/3",' in data
        expected = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert data == expected.encode("utf-8")
        assert "Plan B – groen".encode() in data  # UTF-8, not \u escapes
        assert json.loads(data) == record

    def test_signature_is_not_covered(self, record: dict[str, Any]) -> None:
        signed = {**record, "signature": {"algorithm": "Ed25519", "value": "x"}}
        assert canonical_bytes(signed) == canonical_bytes(record)
        assert record_sha256(signed) == record_sha256(record)
        assert record_sha256(record) == hashlib.sha256(canonical_bytes(record)).hexdigest()

    def test_any_change_changes_the_hash(self, record: dict[str, Any]) -> None:
        before = record_sha256(record)
        record["ballots"][0]["choices"] = ["a"]
        assert record_sha256(record) != before


class TestReadWrite:
    def test_round_trip(self, record: dict[str, Any], tmp_path: Path) -> None:
        path = tmp_path / "record.json"
        path.write_text(write_record(record), encoding="utf-8")
        again = read_record(path)
        assert again == record
        assert canonical_bytes(again) == canonical_bytes(record)

    def test_one_ballot_per_line(self, record: dict[str, Any]) -> None:
        lines = write_record(record).splitlines()
        assert lines[:2] == ["{", ' "ballots": [']
        assert lines[2].startswith('  {"choices": ["a", "b"], "sha256": "')
        assert lines[-1] == "}"

    def test_read_text_given(self, record: dict[str, Any]) -> None:
        assert read_record("published.json", text=write_record(record)) == record

    def _error(self, text: str) -> FormatError:
        with pytest.raises(FormatError) as caught:
            read_record("r.json", text=text)
        return caught.value

    def test_bad_json_names_the_line(self, record: dict[str, Any]) -> None:
        text = write_record(record)
        lines = text.splitlines()
        lines[3] = lines[3].rstrip(",")  # the second ballot (line 4) loses its comma
        error = self._error("\n".join(lines))
        assert error.path == "r.json"
        # JSON notices the missing comma where the next ballot starts
        assert error.line == 5
        assert str(error).startswith("r.json:5: bad JSON: Expecting ',' delimiter")

    def test_missing_field_names_its_object(self, record: dict[str, Any]) -> None:
        del record["election"]["rule"]
        text = write_record(record)
        error = self._error(text)
        assert "field 'election.rule' is missing" in error.reason
        assert text.splitlines()[error.line - 1] == ' "election": {'

    def test_wrong_type_names_the_field_line(self, record: dict[str, Any]) -> None:
        record["election"]["seats"] = "one"
        text = write_record(record)
        error = self._error(text)
        assert error.reason == "field 'election.seats' must be a whole number, not \"one\""
        assert text.splitlines()[error.line - 1].strip() == '"seats": "one",'

    def test_bad_ballot_names_its_line(self, record: dict[str, Any]) -> None:
        record["ballots"][3]["choices"] = ["a", "zz"]
        text = write_record(record)
        error = self._error(text)
        assert error.reason == "ballot 4: unknown option 'zz'"
        assert '"zz"' in text.splitlines()[error.line - 1]

    def test_bad_ballot_carries_the_ballot_errors_code_also_when_pickled(
        self, record: dict[str, Any]
    ) -> None:
        record["ballots"][3]["choices"] = ["a", "zz"]
        error = self._error(write_record(record))
        copy = pickle.loads(pickle.dumps(error))
        for caught in (error, copy):
            assert caught.code == "record_bad_ballot"
            assert caught.params["ballot_code"] == "unknown_option"
            assert caught.params["ballot_params"] == {"option": "zz", "ballot": 4}
        assert (copy.path, copy.line, str(copy)) == (error.path, error.line, str(error))

    def test_duplicate_key_refused(self, record: dict[str, Any]) -> None:
        text = write_record(record).replace('"title": ', '"title": "x",\n  "title": ')
        error = self._error(text)
        assert error.reason == "key 'title' appears twice in one object"
        assert error.line is not None
        assert text.splitlines()[error.line - 1] == ' "election": {'

    def test_blank_ballot_where_not_allowed(self, record: dict[str, Any]) -> None:
        record["election"]["allow_blank"] = False
        record["ballots"][1]["choices"] = []
        text = write_record(record)
        error = self._error(text)
        assert error.reason == "ballot 2: blank, but this election does not allow blank votes"
        assert '"choices": []' in text.splitlines()[error.line - 1]

    def test_nan_refused(self, record: dict[str, Any]) -> None:
        error = self._error(write_record(record).replace('"roll_size": 12', '"roll_size": NaN'))
        assert "NaN is not a number" in error.reason

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("[]", "a record must be a JSON object"),
            ("{}", "not a Buurtstem election record: field 'format' is missing"),
            ('{"format": "other/2"}', "unsupported record format 'other/2'"),
            (f'{{"format": "{FORMAT}"}}', "field 'election' is missing"),
            ("", "bad JSON: Expecting value"),
        ],
    )
    def test_not_a_record(self, text: str, reason: str) -> None:
        error = self._error(text)
        assert reason in error.reason
        assert error.line == 1

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(FormatError, match="file not found"):
            read_record(tmp_path / "nope.json")

    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "latin1.json"
        path.write_bytes(b'{\n"title": "caf\xe9"}')
        with pytest.raises(FormatError) as caught:
            read_record(path)
        assert caught.value.line == 2
        assert "not UTF-8" in caught.value.reason


class TestRecountAndChecks:
    def test_profile_from_record(self, record: dict[str, Any]) -> None:
        profile = profile_from_record(record)
        assert profile.total == 5
        assert profile.option_ids == ("a", "b", "c")
        assert profile.option("b").name == "Plan B – groen"

    def test_recount_equals_certified(self, record: dict[str, Any]) -> None:
        again = recount_record(record)
        assert again.to_dict() == record["result"]
        assert compare_results(record["result"], again) == []

    def test_recount_overrides(self, record: dict[str, Any]) -> None:
        assert recount_record(record, seed="other").seed == "other"
        assert recount_record(record, method="plurality").method == "plurality"

    def test_clean_record_passes_every_check(self, record: dict[str, Any]) -> None:
        for check in (
            check_ballot_hashes,
            check_ballots_sha256,
            check_receipts,
            check_counts,
            check_turnout,
        ):
            assert check(record) == []

    def test_changed_ballot(self, record: dict[str, Any]) -> None:
        record["ballots"][3]["choices"] = ["c"]  # a ballot for b now says c: b goes out first
        assert check_ballot_hashes(record) == [
            "ballot hash mismatch for ballot 4",
            "the ballots are not in their canonical order (sorted by their JSON)",
        ]
        assert check_ballots_sha256(record) == []  # the per-ballot hashes are unchanged
        problems = compare_results(record["result"], recount_record(record))
        assert problems[0] == "recount gives winners ['a'] but the record says ['b']"
        assert problems[1].startswith("round 1 differs: ")

    def test_removed_ballot(self, record: dict[str, Any]) -> None:
        del record["ballots"][0]
        assert check_ballot_hashes(record) == []
        assert check_ballots_sha256(record) == [
            "the hash over all ballots (ballots_sha256) does not match the ballots: "
            "ballots were added, removed, reordered or changed"
        ]
        assert check_turnout(record)[0] == "turnout says 5 ballots, the record holds 4"
        assert check_counts(record) == ["counts say 5 ballots with choices, the record holds 4"]

    def test_receipts(self, record: dict[str, Any]) -> None:
        receipts = record["receipts"]
        receipts[1], receipts[2] = receipts[2], receipts[1]
        receipts.append(receipts[-1])
        assert check_receipts(record) == [
            "receipts not sorted: R3 comes before R2",
            "receipt R5 appears more than once",
            "the hash over all receipts (receipts_sha256) does not match them",
        ]
        assert check_counts(record) == ["5 ballots cast, but the receipts give 6"]

    def test_counts_must_agree_with_receipts_and_channels(self) -> None:
        rec = build(
            election=election(),
            ballots=[*BALLOTS, ("R6", [])],
            result=irv_result(),
            turnout={},
            counts={"paper": 2},
        )
        assert rec["counts"]["online"] == 4 and rec["counts"]["paper"] == 2
        # One receipt more than ballots: an invalid paper ballot (counted, not tallied).
        spoiled = build_record(
            election=election(),
            ballots=[c for _, c in BALLOTS],
            receipts=[r for r, _ in BALLOTS] + ["R7"],
            result=irv_result(),
            turnout={},
            counts={"paper": 1, "invalid": 1},
        )
        assert spoiled["counts"]["cast"] == spoiled["turnout"]["ballots"] == 6
        assert check_counts(spoiled) == [] and check_turnout(spoiled) == []
        with pytest.raises(ValueError, match="5 receipts for 6 ballots cast"):
            build(election=election(), result=irv_result(), turnout={}, counts={"invalid": 1})
        with pytest.raises(ValueError, match="4 online \\+ 0 paper ballots, but 5 were cast"):
            build(
                election=election(),
                result=irv_result(),
                turnout={},
                counts={"online": 4, "paper": 0},
            )
        spoiled["counts"]["paper"] = 0
        assert check_counts(spoiled) == ["6 ballots cast, but online + paper give 5"]
        # Desk votes are some of the online ones, never more.
        at_desk = build(election=election(), result=irv_result(), turnout={}, counts={"desk": 2})
        assert at_desk["counts"]["desk"] == 2 and check_counts(at_desk) == []
        assert "desk" not in build(election=election(), result=irv_result(), turnout={})["counts"]
        with pytest.raises(ValueError, match="desk"):
            build(election=election(), result=irv_result(), turnout={}, counts={"desk": 6})

    def test_turnout_claims(self, record: dict[str, Any]) -> None:
        record["turnout"].update(percent="50", threshold_met=False, binding=True, valid=True)
        record["election"]["binding"] = False
        assert check_turnout(record) == [
            "turnout says 50 percent, the ballots give 125/3",
            "turnout says threshold met is False, it is True",
            "the result is marked binding, but the election is not binding or not valid",
        ]

    def test_tampered_result(self, record: dict[str, Any]) -> None:
        certified = json.loads(json.dumps(record["result"]))
        certified["winners"] = ["a"]
        certified["rounds"][0]["tallies"]["a"] = "3"
        certified["seats"] = 2
        problems = compare_results(certified, recount_record(record))
        assert problems == [
            "recount gives winners ['b'] but the record says ['a']",
            "recount used seats 1, the record says 2",
            "round 1 differs: tallies.a is '2' in the recount, '3' in the record",
        ]
