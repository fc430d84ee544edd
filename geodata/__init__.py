"""geodata: turns the open data on Territoires d'industrie into one validated,
dated bundle (GeoParquet + manifest). No Dash import here."""
from geodata.errors import GeodataError, MissingSourceError, SourceFormatError, ValidationError

__all__ = ["GeodataError", "MissingSourceError", "SourceFormatError", "ValidationError"]
