"""Where in a record's text a value sits, so that an error names its line.

Python's fast (C) JSON parser gives values but no positions. A record that parses but
breaks the layout (a field missing or mistyped, a bad ballot) must still be reported as
``FILE:LINE: REASON``, the contract of ``tools/recount.py`` and ``tools/verify.py``; so
only when there is such an error, the text is parsed again with the standard library's
pure-Python scanner, hooked to note where each object and array starts. Duplicate keys
and NaN/Infinity are refused through ``json.loads`` hooks.
"""

from __future__ import annotations

import json
import json.scanner
import re
from collections.abc import Callable
from typing import Any


class BadJson(ValueError):
    """JSON that parses but that a record may not contain."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        super().__init__(reason)
        self.position = position


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The ``object_pairs_hook`` that refuses a key twice in one object: a signed
    document with a key twice could be read two ways."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise BadJson(f"key {key!r} appears twice in one object")
        result[key] = value
    return result


def no_constant(name: str) -> Any:
    """The ``parse_constant`` hook: NaN and Infinity are not exact numbers."""
    raise BadJson(f"{name} is not a number a record may hold")


def _tracked_parse(text: str) -> tuple[Any, dict[int, int]]:
    """Parse with the pure-Python scanner, noting where each object and array starts.

    Returns the value and a map from ``id(container)`` to its start offset. Raises
    :class:`BadJson` with the position of the innermost object being read.
    """
    decoder = json.JSONDecoder(object_pairs_hook=unique_keys, parse_constant=no_constant)
    starts: dict[int, int] = {}
    parse_object, parse_array = decoder.parse_object, decoder.parse_array

    def tracked(parse: Callable[..., tuple[Any, int]]) -> Callable[..., tuple[Any, int]]:
        def wrapper(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
            start = s_and_end[1] - 1
            try:
                value, end = parse(s_and_end, *args)
            except BadJson as error:
                if error.position is None:
                    error.position = start
                raise
            starts[id(value)] = start
            return value, end

        return wrapper

    decoder.parse_object = tracked(parse_object)  # type: ignore[method-assign]
    decoder.parse_array = tracked(parse_array)  # type: ignore[method-assign]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[method-assign]
    return decoder.decode(text), starts


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def line_of_error(text: str) -> int | None:
    """The line of the first value the hooks refuse (a key twice, NaN), or None."""
    try:
        _tracked_parse(text)
    except BadJson as error:
        return None if error.position is None else _line_at(text, error.position)
    return None


def line_of(text: str, where: tuple[str | int, ...]) -> int | None:
    """Best-effort line of the value at ``where`` (keys and indexes from the root): the
    line of the deepest object or array on the way, or of the key that holds a plain
    value."""
    try:
        value, starts = _tracked_parse(text)
    except (ValueError, RecursionError):
        return None
    position = starts.get(id(value), 0)
    for step in where:
        try:
            child = value[step]
        except (KeyError, IndexError, TypeError):
            break
        if id(child) in starts and isinstance(child, dict | list):
            position = starts[id(child)]
        elif isinstance(value, dict) and isinstance(step, str):
            match = re.compile(re.escape(json.dumps(step, ensure_ascii=False)) + r"\s*:").search(
                text, position
            )
            if match:
                position = match.start()
            break
        else:
            break
        value = child
    return _line_at(text, position)
