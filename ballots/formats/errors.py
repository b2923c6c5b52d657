"""The one error type every reader raises for malformed input."""

from __future__ import annotations


class FormatError(ValueError):
    """Malformed input: names the file, the 1-based line number and what is wrong.

    ``str(error)`` is the one line ``recount.py`` prints: ``FILE:LINE: REASON``.
    """

    def __init__(self, reason: str, *, path: str = "<input>", line: int | None = None) -> None:
        self.reason = reason
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
