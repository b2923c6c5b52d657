"""What ``tools/recount.py`` and ``tools/verify.py`` share as command-line scripts:
the contract for bad input (exit status 2 and one line on standard error, never a
usage dump or a traceback) and a quiet end on Ctrl-C or a closed pipe. Standard
library only, like the scripts."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import NoReturn

EXIT_BAD_INPUT = 2


class OneLineParser(argparse.ArgumentParser):
    """An argument parser that reports a bad command line in one line, status 2
    (argparse would print the usage as well)."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: MESSAGE`` and exit with status 2."""
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def fail(line: str, status: int = EXIT_BAD_INPUT) -> int:
    """Print ``line`` on standard error as one line, whatever it holds; return
    ``status``."""
    print(" ".join(line.split()), file=sys.stderr)
    return status


def run(main: Callable[[], int]) -> NoReturn:
    """Exit with ``main()``'s status; 130 on Ctrl-C, and no traceback when the reader
    stops reading (``| head``), not even at shutdown."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
