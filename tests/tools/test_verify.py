"""tools/verify.py, run in a fresh interpreter from another folder, on records signed
here; and its cross-check decisions, tested in-process."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ballots.model import Option
from ballots.tiebreak import draw_key
from voting.signing import fingerprint, public_key_pem, sign_record

REPO = Path(__file__).resolve().parents[2]
Runner = Callable[..., subprocess.CompletedProcess[str]]
Saver = Callable[[dict[str, Any], Path], Path]


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    """The municipality's signing key."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def key_file(tmp_path: Path, key: Ed25519PrivateKey) -> Path:
    """The municipality's published public key."""
    path = tmp_path / "gemeente.pub.pem"
    path.write_bytes(public_key_pem(key))
    return path


@pytest.fixture
def signed(
    tmp_path: Path,
    key: Ed25519PrivateKey,
    make_record: Callable[..., dict[str, Any]],
    save: Saver,
) -> Path:
    """A signed record of the small IRV referendum (winner b), as published."""
    return save(sign_record(make_record(), key), tmp_path / "record.json")


def lines_of(done: subprocess.CompletedProcess[str]) -> list[str]:
    """Standard output, stripped lines."""
    return [line.strip() for line in done.stdout.splitlines()]


def failed(done: subprocess.CompletedProcess[str], *problems: str) -> None:
    """Assert exit 1, each problem printed on a line of its own, and no traceback."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = lines_of(done)
    for problem in problems:
        assert problem in lines, f"{problem!r} not in:\n{done.stdout}"
    assert lines[-1].startswith("VERIFICATION FAILED")


class TestGoodRecord:
    def test_embedded_key(self, verify: Runner, signed: Path, key: Ed25519PrivateKey) -> None:
        done = verify(signed)
        # Every check passes, but a key the record names itself proves nothing: the
        # run is not a pass until the key is compared with the municipality's.
        assert done.returncode == 3, done.stdout + done.stderr
        assert done.stderr == ""
        lines = lines_of(done)
        assert lines[0] == f"Verifying {signed}"
        for check in (
            "signature",
            "ballot hashes",
            "hash over all ballots",
            "receipts unique and sorted",
            "counts agree (cast = receipts = online + paper)",
            "turnout",
            "recount (irv, seats 1, seed 'seed-2026')",
        ):
            assert f"[  ok] {check}" in lines
        # The resident is told what was trusted, and what to compare it with.
        assert (
            f"trusted the public key embedded in the record; its fingerprint is "
            f"{fingerprint(key)}" in lines
        )
        assert "winners ['b'], 2 rounds and 0 tie breaks agree with the record" in lines
        assert "All checks passed" not in done.stdout
        assert any(line.startswith("NOT VERIFIED") for line in lines)
        assert f"  is {fingerprint(key)}, the same as the municipality publishes" in done.stdout
        assert "--key buurtstem-public-key.pem" in lines[-1]

    def test_given_key(self, verify: Runner, signed: Path, key_file: Path, key: Any) -> None:
        done = verify(signed, "--key", key_file)
        assert done.returncode == 0, done.stdout
        assert f"signed by the key in {key_file} (fingerprint {fingerprint(key)})" in lines_of(done)
        assert "trusted" not in done.stdout

    def test_does_not_import_the_web_app(self, signed: Path, tmp_path: Path) -> None:
        probe = (
            "import runpy, sys\n"
            f"sys.argv = ['verify.py', {str(signed)!r}]\n"
            "try:\n"
            f"    runpy.run_path({str(REPO / 'tools' / 'verify.py')!r}, run_name='__main__')\n"
            "except SystemExit as done:\n"
            "    status = done.code\n"
            "print(status, sorted(m for m in sys.modules if m.split('.')[0] in "
            "('voting', 'flask', 'sqlalchemy')))\n"
        )
        done = subprocess.run(
            [sys.executable, "-I", "-c", probe],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.stdout.splitlines()[-1] == "3 []", done.stdout + done.stderr


class TestTampering:
    def test_one_changed_byte_in_a_ballot(self, verify: Runner, signed: Path) -> None:
        text = signed.read_text(encoding="utf-8")
        line = next(x for x in text.splitlines() if '"choices": ["a", "b"]' in x)
        signed.write_text(text.replace(line, line.replace('["a", "b"]', '["a", "c"]')), "utf-8")
        failed(
            verify(signed),
            "signature does not match: the record was changed after signing",
            "ballot hash mismatch for ballot 1",
        )

    def test_removed_ballot(self, verify: Runner, signed: Path) -> None:
        lines = signed.read_text(encoding="utf-8").splitlines(keepends=True)
        removed = next(i for i, x in enumerate(lines) if '"choices": ["b"]' in x)
        del lines[removed]
        signed.write_text("".join(lines), encoding="utf-8")
        done = verify(signed)
        failed(
            done,
            "signature does not match: the record was changed after signing",
            "the hash over all ballots (ballots_sha256) does not match the ballots: "
            "ballots were added, removed, reordered or changed",
            "counts say 5 ballots with choices, the record holds 4",
            "turnout says 5 ballots, the record holds 4",
        )
        assert "[  ok] ballot hashes" in lines_of(done)

    def test_signed_by_another_key(
        self,
        verify: Runner,
        tmp_path: Path,
        key: Ed25519PrivateKey,
        key_file: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Saver,
    ) -> None:
        impostor = Ed25519PrivateKey.generate()
        path = save(sign_record(make_record(), impostor), tmp_path / "forged.json")
        failed(
            verify(path, "--key", key_file),
            f"signed with a different key (fingerprint {fingerprint(impostor)}), not with the "
            f"key in {key_file} (fingerprint {fingerprint(key)})",
        )
        # Without --key the signature is consistent, but the fingerprint shown is the
        # impostor's: what the resident compares with the municipality's website.
        done = verify(path)
        assert done.returncode == 3 and "NOT VERIFIED" in done.stdout
        assert fingerprint(impostor) in done.stdout
        assert fingerprint(key) not in done.stdout

    def test_wrong_signature_value(self, verify: Runner, signed: Path, key_file: Path) -> None:
        record = json.loads(signed.read_text(encoding="utf-8"))
        value = record["signature"]["value"]
        record["signature"]["value"] = ("B" if value[0] == "A" else "A") + value[1:]
        signed.write_text(json.dumps(record), encoding="utf-8")
        for args in ((), ("--key", key_file)):
            failed(
                verify(signed, *args),
                "signature does not match: the record was changed after signing",
            )

    def test_tampered_result_signed_again(
        self,
        verify: Runner,
        tmp_path: Path,
        key: Ed25519PrivateKey,
        key_file: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Saver,
    ) -> None:
        # An insider with the key: the signature is fine, the count is not.
        record = make_record()
        record["result"]["winners"] = ["a"]
        record["result"]["rounds"][1]["tallies"]["a"] = "3"
        path = save(sign_record(record, key), tmp_path / "insider.json")
        done = verify(path, "--key", key_file)
        failed(
            done,
            "recount gives winners ['b'] but the record says ['a']",
            "round 2 differs: tallies.a is '2' in the recount, '3' in the record",
        )
        assert "[  ok] signature" in lines_of(done)

    def test_unsigned(
        self,
        verify: Runner,
        tmp_path: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Saver,
    ) -> None:
        path = save(make_record(), tmp_path / "unsigned.json")
        failed(verify(path), "the record is not signed")

    def test_unknown_rule(
        self,
        verify: Runner,
        tmp_path: Path,
        key: Ed25519PrivateKey,
        make_record: Callable[..., dict[str, Any]],
        save: Saver,
    ) -> None:
        record = make_record()
        record["election"]["rule"] = "dhondt"
        path = save(sign_record(record, key), tmp_path / "dhondt.json")
        done = verify(path)
        assert done.returncode == 1
        assert any(
            line.startswith("recount failed: unknown counting rule 'dhondt'; known rules: ")
            for line in lines_of(done)
        ), done.stdout

    def test_false_turnout_claim(
        self,
        verify: Runner,
        tmp_path: Path,
        key: Ed25519PrivateKey,
        make_record: Callable[..., dict[str, Any]],
        save: Saver,
    ) -> None:
        record = make_record()
        record["turnout"]["percent"] = "40"
        path = save(sign_record(record, key), tmp_path / "turnout.json")
        failed(verify(path), "turnout says 40 percent, the ballots give 25")


class TestUnreadable:
    def test_bad_json(self, verify: Runner, signed: Path) -> None:
        signed.write_text(signed.read_text(encoding="utf-8")[:200], encoding="utf-8")
        done = verify(signed)
        assert done.returncode == 2
        assert done.stdout == ""
        [line] = done.stderr.splitlines()
        assert line.startswith(f"{signed}:")
        assert "bad JSON" in line

    def test_missing_record(self, verify: Runner, tmp_path: Path) -> None:
        done = verify(tmp_path / "gone.json")
        assert done.returncode == 2
        assert done.stderr.splitlines() == [f"{tmp_path / 'gone.json'}: file not found"]

    @pytest.mark.parametrize(
        ("content", "reason"),
        [(None, "cannot read the key"), (b"hello", "not an Ed25519 public key (PEM or base64)")],
    )
    def test_bad_key_file(
        self, verify: Runner, signed: Path, tmp_path: Path, content: bytes | None, reason: str
    ) -> None:
        path = tmp_path / "key.pem"
        if content is not None:
            path.write_bytes(content)
        done = verify(signed, "--key", path)
        assert done.returncode == 2
        assert done.stderr.splitlines() == [done.stderr.strip()]
        assert done.stderr.startswith(f"{path}: {reason}")


BUDGET_OPTIONS = [
    Option("p1", "Speeltuin", 60),
    Option("p2", "Bankjes", 30),
    Option("p3", "Bomen", 40),
]
BUDGET_BALLOTS = [
    ("B1", ["p1", "p2"]),
    ("B2", ["p1"]),
    ("B3", ["p2", "p3"]),
    ("B4", ["p1", "p3"]),
    ("B5", ["p1", "p3"]),
]


class TestCrossCheck:
    @pytest.mark.parametrize(("rule", "seats"), [("irv", 1), ("stv", 2)])
    def test_pyrankvote_agrees(
        self,
        verify: Runner,
        tmp_path: Path,
        key: Ed25519PrivateKey,
        key_file: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Saver,
        rule: str,
        seats: int,
    ) -> None:
        record = make_record(rule=rule, seats=seats)
        path = save(sign_record(record, key), tmp_path / "record.json")
        done = verify(path, "--cross-check", "--key", key_file)
        assert done.returncode == 0, done.stdout
        lines = lines_of(done)
        assert f"[  ok] cross-check ({rule})" in lines
        assert f"pyrankvote agrees: winners {sorted(record['result']['winners'])}" in lines

    @pytest.mark.parametrize("rule", ["greedy", "mes", "mes-add1", "mes-add1-until-over-budget"])
    def test_pabutools_agrees(
        self,
        verify: Runner,
        tmp_path: Path,
        key: Ed25519PrivateKey,
        key_file: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Saver,
        require: Callable[..., None],
        rule: str,
    ) -> None:
        require("ballots.methods.pb_greedy", "ballots.methods.pb_mes", "pabutools")
        record = make_record(
            rule=rule,
            kind="budget",
            ballot_type="budget",
            options=BUDGET_OPTIONS,
            ballots=BUDGET_BALLOTS,
            budget=100,
        )
        path = save(sign_record(record, key), tmp_path / "budget.json")
        done = verify(path, "--cross-check", "--key", key_file)
        assert done.returncode == 0, done.stdout
        lines = lines_of(done)
        assert f"[  ok] cross-check ({rule})" in lines
        assert any(x.startswith("pabutools agrees: winners") for x in lines), done.stdout

    def test_pabutools_follows_the_published_draw(
        self,
        verify: Runner,
        tmp_path: Path,
        key: Ed25519PrivateKey,
        key_file: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Saver,
        require: Callable[..., None],
    ) -> None:
        require("ballots.methods.pb_mes", "pabutools")
        # Three voters with 4 each; a (5) and b (6) cost each of their two supporters
        # 1/2 per unit of utility: a tie. Funding b first leaves voter 1 just enough to
        # fund a too; funding a first (pabutools' default, by name) does not leave
        # enough for b. A seed whose draw prefers b tells the two orders apart.
        seed = next(s for s in (f"s{i}" for i in range(100)) if draw_key(s, "b") < draw_key(s, "a"))
        record = make_record(
            rule="mes",
            kind="budget",
            ballot_type="budget",
            options=[Option("a", "", 5), Option("b", "", 6), Option("c", "", 1)],
            ballots=[("1", ["a", "b"]), ("2", ["a"]), ("3", ["b"])],
            budget=12,
            seed=seed,
        )
        assert record["result"]["winners"] == ["b", "a"]
        assert record["result"]["tie_breaks"][0]["tied"] == ["a", "b"]
        path = save(sign_record(record, key), tmp_path / "tie.json")
        done = verify(path, "--cross-check", "--key", key_file)
        assert done.returncode == 0, done.stdout
        assert "pabutools agrees: winners ['a', 'b']" in lines_of(done)

    def test_no_independent_implementation(
        self,
        verify: Runner,
        tmp_path: Path,
        key: Ed25519PrivateKey,
        key_file: Path,
        make_record: Callable[..., dict[str, Any]],
        save: Saver,
    ) -> None:
        path = save(sign_record(make_record(rule="plurality"), key), tmp_path / "p.json")
        done = verify(path, "--cross-check", "--key", key_file)
        assert done.returncode == 0, done.stdout
        assert "[skip] cross-check (plurality)" in lines_of(done)
        assert "no independent implementation of 'plurality' is known; skipped" in lines_of(done)


def load_verify() -> ModuleType:
    """tools/verify.py as a module, for the decision logic of the cross-check."""
    spec = importlib.util.spec_from_file_location("verify_tool", REPO / "tools" / "verify.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class TestCrossCheckDecisions:
    """When another implementation disagrees, is that a failure or a note?"""

    @pytest.fixture
    def tool(self) -> ModuleType:
        return load_verify()

    def disagree(self, tool: ModuleType, monkeypatch: pytest.MonkeyPatch, winners: list[str]):
        monkeypatch.setattr(tool, "_pyrankvote", lambda rule, profile, seats, seed: winners)

    def test_irv_disagreement_without_ties_fails(
        self, tool: ModuleType, monkeypatch: pytest.MonkeyPatch, make_record: Callable[..., Any]
    ) -> None:
        self.disagree(tool, monkeypatch, ["a"])
        check = tool.cross_check(make_record(), None)
        assert check.problems == [
            "pyrankvote gives winners ['a'], the record says ['b'], and no tie can explain "
            "the difference"
        ]

    def test_irv_disagreement_after_a_tie_is_a_note(
        self, tool: ModuleType, monkeypatch: pytest.MonkeyPatch, make_record: Callable[..., Any]
    ) -> None:
        self.disagree(tool, monkeypatch, ["a"])
        record = make_record()
        record["result"]["tie_breaks"] = [{"round": 1, "purpose": "eliminate"}]
        check = tool.cross_check(record, None)
        assert check.passed
        assert check.info[0] == "note: pyrankvote gives winners ['a'], the record says ['b']"
        assert "tie break(s)" in check.info[1]

    def test_stv_disagreement_is_a_note(
        self, tool: ModuleType, monkeypatch: pytest.MonkeyPatch, make_record: Callable[..., Any]
    ) -> None:
        record = make_record(rule="stv", seats=2)
        self.disagree(tool, monkeypatch, ["c", "a"])
        check = tool.cross_check(record, None)
        assert check.passed
        assert "quota votes/(seats+1)" in check.info[1]

    def test_library_missing_is_skipped(
        self, tool: ModuleType, monkeypatch: pytest.MonkeyPatch, make_record: Callable[..., Any]
    ) -> None:
        def missing(rule: str, profile: Any, seats: int, seed: str) -> list[str]:
            raise ImportError("No module named 'pyrankvote'")

        monkeypatch.setattr(tool, "_pyrankvote", missing)
        check = tool.cross_check(make_record(), None)
        assert check.skipped and check.passed
        assert check.info == ["pyrankvote is not installed (pip install pyrankvote); skipped"]
