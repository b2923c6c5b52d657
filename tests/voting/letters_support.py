"""Letters downloads ended three ways, for the roll of one election and for the letters
of a process: the import runs while the answer streams, after the request has ended."""

from __future__ import annotations

import gc
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

ENDINGS = ("complete", "broken off", "failed")


def end_download_and_check_connections(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    roll_module: ModuleType,
    start: Callable[[], TestResponse],
    ending: str,
    letters: int,
) -> None:
    """Start a letters CSV download of ``letters`` letters with ``start`` (a request
    with ``buffered=False``) and read it to the end, stop after the header, or let its
    first batch fail after writing (``roll_module._import_batch`` raises before the
    commit); then every database connection must be back in the pool."""
    if ending == "failed":
        real = roll_module._import_batch

        def fails_after_writing(*args: Any, **kwargs: Any) -> Any:
            real(*args, **kwargs)
            raise RuntimeError("the batch failed before its commit")

        monkeypatch.setattr(roll_module, "_import_batch", fails_after_writing)
    gc.disable()  # what is asserted must not depend on when the collector runs
    try:
        with start() as response:
            chunks = iter(response.response)
            assert next(chunks).startswith(b"\xef\xbb\xbfvolgnummer")  # before any import
            if ending == "complete":
                assert b"".join(chunks).count(b"\n") == letters
            elif ending == "failed":
                with pytest.raises(RuntimeError):
                    next(chunks)
        assert app.extensions["db_engine"].pool.checkedout() == 0
    finally:
        gc.enable()
