"""The run's shared bundles, built by a background process that the xdist controller starts
(``tests/conftest.py``, :func:`start_prebuild`) into the folders the workers share, under their locks:
``python -m tests.support.prebuild BASE_DIR``."""
from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import SHARED_BUNDLES, make_in


def main(base: str) -> None:
    for name, make in SHARED_BUNDLES.items():
        make_in(Path(base) / name, make)


if __name__ == "__main__":
    main(sys.argv[1])
