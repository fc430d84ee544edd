"""Exports: the files a view can be downloaded as (CSV, GeoJSON, XLSX, committee deck, map image,
printable fiche), declared once in :mod:`dashboard.exports.registry`."""
