"""Reading a large file without the garbage collector's pauses.

A reader makes hundreds of thousands of small objects (lines, tuples, groups) and keeps
nearly all of them. CPython's cyclic collector runs every few hundred allocations and
each run walks the young objects again, which costs a fifth of the time of reading a
300,000-ballot BLT file (``tools/bench_blt.py``) while finding nothing to free: the
readers make no reference cycles. Reference counting still frees everything as usual.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def without_gc_pauses(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with the cyclic garbage collector paused, and restore it after
    (also on an error). A collector that was already off stays off."""

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused
