"""canonical_bytes, made ballot by ballot for speed, gives exactly the bytes of one
json.dumps of the whole record (sorted keys, no spaces, UTF-8), whatever the keys."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ballots.record.canonical import canonical_bytes

TEXT = st.text(alphabet='AB€é"\\\n', max_size=4)
SHARED = {"choices": ["A", "B"], "sha256": "ab"}
ENTRY = st.one_of(
    st.just(SHARED),  # the same object many times, as build_record shares entries
    st.fixed_dictionaries({"choices": st.lists(TEXT, max_size=3), "sha256": TEXT}),
    st.fixed_dictionaries(
        {"choices": st.lists(TEXT, max_size=2), "points": st.lists(st.integers(), max_size=2)}
    ),
)
VALUE = st.one_of(st.integers(), TEXT, st.lists(st.integers(), max_size=3), st.none())
KEYS = st.sampled_from(["a", "B", "ballotz", "ballots_sha256", "counts", "signature", "z"])


def plain(record: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in record.items() if k != "signature"}
    return json.dumps(
        unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


@given(st.dictionaries(KEYS, VALUE, max_size=5), st.none() | st.lists(ENTRY, max_size=6))
def test_same_bytes_as_one_dump(others: dict[str, Any], ballots: list[Any] | None) -> None:
    record = dict(others)
    if ballots is not None:
        record["ballots"] = ballots
    assert canonical_bytes(record) == plain(record)
