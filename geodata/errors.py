"""Errors raised by the data pipeline.

Every error about an input file names the file and, when known, the row
(1-based, counting the header as row 1 like a spreadsheet) and the column.
"""
from __future__ import annotations

from pathlib import Path


class GeodataError(Exception):
    """Base class of the pipeline's errors."""


class SourceFormatError(GeodataError):
    """An input file does not have the expected format or content.

    Parameters
    ----------
    path : str or Path
        The file at fault.
    message : str
        What is wrong, in French (it is shown to users).
    row : int, optional
        Line number in the file (header = line 1).
    column : str, optional
        Column name at fault.
    """

    def __init__(self, path, message: str, row: int | None = None, column: str | None = None):
        self.path = str(path)
        self.row = row
        self.column = column
        self.message = message
        where = [f"fichier {Path(self.path).name!s} ({self.path})"]
        if row is not None:
            where.append(f"ligne {row}")
        if column is not None:
            where.append(f"colonne « {column} »")
        super().__init__(", ".join(where) + " : " + message)


class MissingSourceError(GeodataError):
    """A required source file is absent from the source folder."""


class ValidationError(GeodataError):
    """The built bundle fails a consistency check; the build is aborted."""
