"""Letter codes: format, normalisation, check character, hashing."""

from __future__ import annotations

import re

import pytest

from voting import codes
from voting.codes import CodeProblem


def test_generated_codes_are_well_formed_and_distinct() -> None:
    made = {codes.generate() for _ in range(2000)}
    assert len(made) == 2000
    for code in made:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{17}", code)
        assert codes.problem(code) is None


def test_every_alphabet_character_turns_up_in_every_position() -> None:
    # 80 random bits cut into 16 digits: no position is stuck on some characters.
    made = [codes.generate() for _ in range(3000)]
    for position in range(codes.BODY_LENGTH):
        assert {code[position] for code in made} == set(codes.ALPHABET)


def test_formatted_groups_of_four() -> None:
    assert codes.formatted("K7QM3XD9PA2FW8RT6") == "K7QM-3XD9-PA2F-W8RT-6"


@pytest.mark.parametrize(
    "typed",
    [
        "k7qm-3xd9-pa2f-w8rt-6",
        "K7QM 3XD9 PA2F W8RT 6",
        " k7qm3xd9pa2fw8rt6 ",
        "K7QM_3XD9.PA2F-W8RT-6",
        "K7QM-3XD9-PA2F-W8RT-6\n",
    ],
)
def test_normalise_case_spaces_and_dashes(typed: str) -> None:
    assert codes.normalise(typed) == "K7QM3XD9PA2FW8RT6"


def test_normalise_look_alikes() -> None:
    body = "10Q03XD9PA2FW8RT"
    code = body + codes.check_character(body)
    typed = code.replace("1", "l", 1).replace("0", "O", 1).lower()
    assert typed != code.lower()
    assert codes.normalise(typed) == code
    assert codes.normalise(code.replace("1", "I")) == code
    assert codes.problem(typed) is None
    assert codes.code_hash("p", typed) == codes.code_hash("p", code)


def test_every_single_typo_is_caught_by_the_check_character() -> None:
    code = codes.generate()
    for position in range(len(code)):
        for char in codes.ALPHABET:
            if char == code[position]:
                continue
            typo = code[:position] + char + code[position + 1 :]
            assert codes.problem(typo) is CodeProblem.CHECK_FAILED


def test_check_failure_is_told_apart_from_an_unknown_code() -> None:
    # A well-formed code nobody was given passes the check (it is then simply unknown
    # to the database); a typo of a real code fails the check before any lookup.
    real = codes.generate()
    unknown = codes.generate()
    assert codes.problem(unknown) is None
    last = real[-1]
    typo = real[:-1] + next(c for c in codes.ALPHABET if c != last)
    assert codes.problem(typo) is CodeProblem.CHECK_FAILED
    assert codes.code_hash("p", unknown) != codes.code_hash("p", real)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", CodeProblem.EMPTY),
        (" - ", CodeProblem.EMPTY),
        ("K7QM-3XD9-PA2F-W8RT-U", CodeProblem.BAD_CHARACTER),
        ("K7QM-3XD9-PA2F-W8RT", CodeProblem.WRONG_LENGTH),
        ("K7QM-3XD9-PA2F-W8RT-66", CodeProblem.WRONG_LENGTH),
    ],
)
def test_problems_before_lookup(typed: str, expected: CodeProblem) -> None:
    assert codes.problem(typed) is expected


def test_hash_is_hmac_with_the_pepper() -> None:
    import hashlib
    import hmac

    code = codes.generate()
    expected = hmac.new(b"pepper", code.encode(), hashlib.sha256).hexdigest()
    assert codes.code_hash("pepper", codes.formatted(code).lower()) == expected
    assert codes.code_hash("other", code) != expected
    assert len(expected) == 64


def test_voter_keys_differ_per_election() -> None:
    a = codes.voter_key("p", "duiven", "000123")
    assert a == codes.voter_key("p", "duiven", " 000123 ")
    assert a != codes.voter_key("p", "woensel", "000123")
    assert "000123" not in a
