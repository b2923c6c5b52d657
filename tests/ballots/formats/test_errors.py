"""FormatError as a code with params: every code has English words, and an error
survives pickling (pytest-xdist, multiprocessing) with its file and line."""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest

from ballots.formats.blt import read_blt
from ballots.formats.errors import FormatError
from ballots.formats.pabulib import read_pb

_ROOT = Path(__file__).resolve().parents[3]
_READERS = ("ballots/formats/blt.py", "ballots/formats/pabulib.py", "ballots/record/read.py")
# recount.py raises FormatError("not_utf8") too; its own fail() prints, it raises nothing.
_ALSO_RAISING = ("tools/recount.py",)
_CODE = re.compile(r"not_utf8|(?:blt|pb|record)_[a-z0-9_]+")
# The calls that raise a FormatError, and where their code is among the arguments.
_RAISERS = {"FormatError": 0, "fail": 0, "_fail": 0, "_SchemaError": 1}
# Code arguments that pass a code on instead of naming one.
_PASSED_ON = {"code", "error.code", "codes[kind]"}


def _codes_in(source: str) -> tuple[set[str], set[str]]:
    """The codes a module names (literal code arguments of the raisers and code-like
    string constants such as the values of a code table), and every non-literal code
    argument as source text."""
    named: set[str] = set()
    other: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _CODE.fullmatch(node.value)
        ):
            named.add(node.value)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        place = _RAISERS.get(name or "")
        if place is None or len(node.args) <= place:
            continue
        argument = node.args[place]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            named.add(argument.value)
        else:
            other.add(ast.unparse(argument))
    return named, other


def test_every_code_the_readers_raise_has_english_words_and_no_words_are_unused() -> None:
    named: set[str] = set()
    for module in _READERS:
        codes, other = _codes_in((_ROOT / module).read_text(encoding="utf-8"))
        # a sentence or an f-string in place of a code would not be translatable
        assert other <= _PASSED_ON, (module, other - _PASSED_ON)
        named |= codes
    for module in _ALSO_RAISING:
        named |= _codes_in((_ROOT / module).read_text(encoding="utf-8"))[0]
    assert sorted(named - set(FormatError.ENGLISH)) == []
    assert sorted(set(FormatError.ENGLISH) - named) == []


def test_the_english_sentence_is_the_message_of_before() -> None:
    error = FormatError("blt_seats_out_of_range", path="a.blt", line=1, seats=1, candidates=3)
    assert str(error) == "a.blt:1: 1 seat for 3 candidates"
    assert error.reason == "1 seat for 3 candidates"
    assert (error.code, error.params) == ("blt_seats_out_of_range", {"seats": 1, "candidates": 3})
    long = FormatError("blt_bad_header", text="x" * 50)
    assert str(long) == "<input>: the header must be 'CANDIDATES SEATS', not '" + "x" * 37 + "...'"
    unknown = FormatError("no_such_code", path="a.blt", line=2, seats=1)
    assert str(unknown) == "a.blt:2: no_such_code (seats=1)"


def _raised(read, text: str) -> FormatError:
    with pytest.raises(FormatError) as caught:
        read("bad.in", text=text)
    return caught.value


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(_raised(read_blt, "2 3\n0\n"), id="blt-plural"),
        pytest.param(_raised(read_blt, "2 1\n1 9 0\n0\n"), id="blt-shown"),
        pytest.param(_raised(read_pb, "META\nkey;value\nbudget;x\n"), id="pb"),
        pytest.param(FormatError("not_utf8", path="f.pb", error="invalid start byte"), id="bare"),
    ],
)
def test_pickling_keeps_code_params_file_and_line(error: FormatError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is FormatError
    assert (copy.code, copy.params, copy.path, copy.line) == (
        error.code,
        error.params,
        error.path,
        error.line,
    )
    assert str(copy) == str(error)
