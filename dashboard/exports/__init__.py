"""Files made from a view: tables (CSV, GeoJSON), spreadsheet, committee deck, printable fiche."""
