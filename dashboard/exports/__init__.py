"""Exports: the files a view can be downloaded as (CSV, GeoJSON, XLSX, committee deck, map image),
declared once in :mod:`dashboard.exports.registry`."""
