"""Where a source's file sits in a source folder (the mirror's or the published layout)."""
from __future__ import annotations

from pathlib import Path

from geodata.sources.registry import Source


def find_source_file(source_dir: Path | None, source: Source) -> Path | None:
    """First file (or folder) of ``source.paths`` present in ``source_dir``."""
    if source_dir is None:
        return None
    for rel in source.paths:
        p = Path(source_dir) / rel
        if p.is_file() or (p.is_dir() and any(p.iterdir())):
            return p
    return None


def has_files(folder: Path) -> bool:
    """Does ``folder`` hold at least one file? A download that failed leaves at most empty folders:
    they are not a source folder (the app's ``data/raw/``, the tests' mirror)."""
    folder = Path(folder)
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))
