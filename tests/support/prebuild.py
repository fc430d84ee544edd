"""The run's demonstration bundle, built by a background process that the xdist controller starts
(``tests/conftest.py``, :func:`start_prebuild`) into the folder the workers share, under their lock:
``python -m tests.support.prebuild RUN_DIR``."""
from __future__ import annotations

import sys
from pathlib import Path

from geodata.build.pipeline import build
from tests.conftest import SHARED, make_in


def main(run_dir: str) -> None:
    make_in(Path(run_dir), lambda out: build(SHARED, None, out, quiet=True))


if __name__ == "__main__":
    main(sys.argv[1])
