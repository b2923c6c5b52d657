"""Tests make a fresh app for nearly every test (about 1,300 in a run), and 95% of
``create_app``'s 0.11 s went into werkzeug compiling each URL rule's builder (the
function behind ``url_for``) from a syntax tree, the same few hundred builders again
for every app. Here each distinct builder is compiled once per test process.

A builder is a pure function of the rule's parsed parts, its defaults and whether it
appends unknown arguments; it reaches the rule's converters only through the rule it
is bound to (``self._converters``), so one compiled function serves every app's copy
of the rule. Outside the tests nothing changes: a server makes its app once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

_made: dict[tuple[Any, ...], Callable[..., Any]] = {}


def _key(rule: Rule, append_unknown: bool) -> tuple[Any, ...] | None:
    try:
        defaults = tuple(sorted((str(k), repr(v)) for k, v in (rule.defaults or {}).items()))
        converters = tuple(
            sorted((name, type(c).__qualname__) for name, c in rule._converters.items())
        )
        return (type(rule), rule.rule, tuple(rule._trace), defaults, converters, append_unknown)
    except (AttributeError, TypeError):
        return None  # a werkzeug that keeps these otherwise: compile as it does


def install() -> None:
    """Compile each distinct URL builder once in this process."""
    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "_buurtstem_cached", False):
        return

    def cached(self: Rule, append_unknown: bool = True) -> Callable[..., Any]:
        key = _key(self, append_unknown)
        if key is None:
            return compile_builder(self, append_unknown)
        found = _made.get(key)
        if found is None:
            found = _made[key] = compile_builder(self, append_unknown)
        return found

    cached._buurtstem_cached = True  # type: ignore[attr-defined]
    Rule._compile_builder = cached  # type: ignore[method-assign]
