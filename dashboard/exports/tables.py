"""Exports of the laureates shown by a view (CSV and GeoJSON). Pure: no Flask, no Dash.

The rows are always ``filter_laureates(ctx.laureats, state)``: the export
equals what the page counts. The CSV holds only the header and the rows (a
spreadsheet or ``pandas.read_csv(sep=";")`` reads it as is); its metadata
(sources, licences, date, filters, demonstration flag) is the sibling text
:func:`metadata_text`, served at ``/export.csv.meta?<same query>``.
"""
from __future__ import annotations

import csv
import json
import io
import re

import numpy as np
import pandas as pd

from geodata.schema import ZONE_COLUMNS

from dashboard.model import fmt
from dashboard.model.catalog import CATALOG_EXPORT_COLUMNS
from dashboard.model.data import filter_laureates
from dashboard.model.search import json_scalar
from dashboard.model.state import ViewState

#: Base columns of an export, in order.
BASE_COLUMNS = (
    "source",
    "entreprise", "siren", "siret", "type_entreprise",
    "mesure", "filiere", "date", "description_projet",
    "montant_aide_eur", "investissement_eur", "emplois",
    "nom_commune", "code_postal", "insee_com", "code_departement", "code_region", "epci_siren", "epci_nom",
    "lat", "lon",
    "in_ti_2019_2022", "ti_id_2019_2022", "ti_nom_2019_2022",
    "in_ti_2023_2027", "ti_id_2023_2027", "ti_nom_2023_2027",
    "zone_prioritaire", *ZONE_COLUMNS,
)
#: Columns of an export, in order (those absent from the data are skipped): the base columns, then
#: those the catalog's filters and indicators declare.
EXPORT_COLUMNS = tuple(dict.fromkeys((*BASE_COLUMNS, *CATALOG_EXPORT_COLUMNS)))
CSV_SEPARATOR = ";"
CSV_LINE_END = "\r\n"
BOM = "\ufeff"
#: First characters that make a spreadsheet evaluate a text cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DEMONSTRATION_MARK = "DÉMONSTRATION (données fictives)"


# --------------------------------------------------------------------------- rows
def export_rows(ctx, state: ViewState) -> pd.DataFrame:
    """Laureates of the view, with the export columns in a fixed order.

    Parameters
    ----------
    ctx : dashboard.model.data.DataContext
    state : dashboard.model.state.ViewState

    Returns
    -------
    pandas.DataFrame
        ``filter_laureates(ctx.laureats, state)`` restricted to
        :data:`EXPORT_COLUMNS` (same rows, same order), index reset; ``epci_nom``
        is the EPCI's name (``ctx.epci``), the TI names are ``ti_nom_<phase>``.
    """
    sel = filter_laureates(ctx.laureats, state)
    if "epci_siren" in sel.columns:
        sel = sel.assign(epci_nom=sel["epci_siren"].map(ctx.epci["nom"]).astype(object))
    cols = [c for c in EXPORT_COLUMNS if c in sel.columns]
    return sel[cols].reset_index(drop=True)


def filters_query(state: ViewState) -> str:
    """Canonical query string of the view's filters (without ``embed``), e.g. ``"?region=27"``."""
    return state.to_query(include_embed=False)


# --------------------------------------------------------------------------- metadata
def _one_line(text) -> str:
    """Text on one line, without the CSV separator (for the comment line)."""
    s = "" if text is None else str(text)
    return " ".join(re.sub(r"\s*;\s*", ", ", s).split())


def _as_of(ctx) -> str | None:
    return (getattr(ctx, "manifest", None) or {}).get("donnees_arretees_au")


def _is_demonstration(ctx) -> bool:
    demo = getattr(ctx, "demonstration", None)
    if demo is None:
        demo = (getattr(ctx, "manifest", None) or {}).get("laureats_demonstration")
    return bool(demo)


def _sources(ctx) -> list[dict]:
    out = []
    for s in (getattr(ctx, "manifest", None) or {}).get("sources", []) or []:
        if isinstance(s, dict):
            out.append({k: s.get(k) for k in ("titre", "producteur", "licence", "millesime")})
    return out


def sources_text(ctx) -> list[str]:
    """One French line per source: ``titre (producteur, licence, millésime)``."""
    out = []
    for s in _sources(ctx):
        label = _one_line(s["titre"])
        details = ", ".join(_one_line(s[k]) for k in ("producteur", "licence", "millesime") if s.get(k))
        out.append(f"{label} ({details})" if details else label)
    return out


def as_of_text(ctx) -> str | None:
    """The as-of date in French (``24 septembre 2021``), or None when unknown."""
    as_of = _as_of(ctx)
    if not as_of:
        return None
    try:
        return fmt.date_fr(str(as_of))
    except (ValueError, IndexError):
        return str(as_of)


def metadata_text(ctx, state: ViewState, n: int) -> str:
    """The CSV export's metadata, as the plain text served beside it (``/export.csv.meta``).

    Lines ``clé : valeur`` (UTF-8, LF): title, number of rows, filters (query
    string), as-of date, demonstration flag, then one ``source :`` line per
    source with its producer, licence and vintage.
    """
    lines = ["titre : Lauréats France Relance et Territoires d'industrie",
             f"lignes : {int(n)}",
             f"filtres : {_one_line(filters_query(state)) or 'aucun'}",
             f"donnees_arretees_au : {as_of_text(ctx) or 'non renseignée'}",
             f"demonstration : {'oui — ' + DEMONSTRATION_MARK if _is_demonstration(ctx) else 'non'}",
             "separateur : ;  (décimales avec un point, booléens 1/0, cellules commençant par = + - @ "
             "préfixées d'une apostrophe)"]
    lines += [f"source : {line}" for line in sources_text(ctx)] or ["source : non renseignée"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- CSV
def neutralise_cell(value):
    """Prefix ``'`` to a text cell a spreadsheet would execute (``=``, ``+``, ``-``, ``@``, tab, CR).

    Only strings are touched: numbers (negative ones included) are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _is_text_column(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
                or pd.api.types.is_datetime64_any_dtype(s))


def _integral(s: pd.Series) -> pd.Series:
    """A float column whose values are all whole numbers as ``Int64`` (else unchanged)."""
    if not pd.api.types.is_float_dtype(s) or _is_coordinate(s.name):
        return s
    vals = s.dropna().to_numpy(dtype=float)
    if len(vals) == 0 or not np.all(np.isfinite(vals)) or np.abs(vals).max() >= 2 ** 53:
        return s
    return s.astype("Int64") if np.all(np.mod(vals, 1) == 0) else s


def _is_coordinate(name) -> bool:
    return str(name) in ("lat", "lon")


def _csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` ready for writing: text cells neutralised, booleans as 1/0,
    whole-number float columns as integers (dot decimals otherwise)."""
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            out[col] = s.astype("boolean").astype("Int8")
        elif pd.api.types.is_float_dtype(s):
            out[col] = _integral(s)
        elif _is_text_column(s):
            out[col] = s.astype(object).map(neutralise_cell, na_action="ignore")
        else:
            out[col] = s
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def to_csv_text(df: pd.DataFrame, ctx, state: ViewState) -> str:
    """The export as CSV text for spreadsheets.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows to write (usually :func:`export_rows`).
    ctx, state
        Unused (kept so every export builder has the same signature).

    Returns
    -------
    str
        UTF-8 BOM, the header, one line per row (no comment line: the metadata
        is :func:`metadata_text`); ``;``-separated, CRLF line ends. Numbers with a dot decimal,
        booleans as 1/0 (empty when unknown); text cells starting with ``=``,
        ``+``, ``-``, ``@``, tab or CR are prefixed with ``'``.
    """
    buf = io.StringIO()
    buf.write(BOM)
    header = [neutralise_cell(str(c)) for c in df.columns]
    _csv_frame(df).to_csv(buf, sep=CSV_SEPARATOR, index=False, header=header, lineterminator=CSV_LINE_END,
                          quoting=csv.QUOTE_MINIMAL, na_rep="", decimal=".")
    return buf.getvalue()


# --------------------------------------------------------------------------- GeoJSON
def _point(lon, lat):
    lon, lat = json_scalar(lon), json_scalar(lat)
    if isinstance(lon, (int, float)) and isinstance(lat, (int, float)):
        return {"type": "Point", "coordinates": [float(lon), float(lat)]}
    return None


def metadata(ctx, state: ViewState, n: int | None = None) -> dict:
    """Metadata of an export: sources, as-of date, demonstration flag, filters."""
    meta = {
        "titre": "Lauréats France Relance et Territoires d'industrie",
        "sources": _sources(ctx),
        "donnees_arretees_au": _as_of(ctx),
        "demonstration": _is_demonstration(ctx),
        "filtres": filters_query(state),
    }
    if _is_demonstration(ctx):
        meta["avertissement"] = DEMONSTRATION_MARK
    if n is not None:
        meta["nombre_laureats"] = int(n)
    return meta


def to_geojson(df: pd.DataFrame, ctx, state: ViewState) -> dict:
    """The export as a GeoJSON FeatureCollection (a dict, JSON-serialisable without NaN).

    Parameters
    ----------
    df : pandas.DataFrame
        Rows to write (usually :func:`export_rows`), with ``lon`` and ``lat``.
    ctx : dashboard.model.data.DataContext
    state : dashboard.model.state.ViewState

    Returns
    -------
    dict
        One Point feature per row (null geometry when coordinates are missing),
        ``properties`` = the row's values (None for missing), and a top-level
        ``metadata`` member (see :func:`metadata`).
    """
    df = pd.DataFrame({c: _integral(df[c]) for c in df.columns}, index=df.index, columns=df.columns)
    cols = list(df.columns)
    lon_i = cols.index("lon") if "lon" in cols else None
    lat_i = cols.index("lat") if "lat" in cols else None
    features = []
    for row in df.itertuples(index=False, name=None):
        props = {str(c): json_scalar(v) for c, v in zip(cols, row)}
        geom = _point(row[lon_i], row[lat_i]) if lon_i is not None and lat_i is not None else None
        features.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "metadata": metadata(ctx, state, len(features)), "features": features}


# --------------------------------------------------------------------------- builders (dashboard.model.export_formats)
def csv_bytes(ctx, state: ViewState) -> bytes:
    """``export.csv``: the view's laureates as CSV (UTF-8)."""
    return to_csv_text(export_rows(ctx, state), ctx, state).encode("utf-8")


def geojson_bytes(ctx, state: ViewState) -> bytes:
    """``export.geojson``: the view's laureates as compact GeoJSON (UTF-8)."""
    return json.dumps(to_geojson(export_rows(ctx, state), ctx, state), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


def metadata_bytes(ctx, state: ViewState) -> bytes:
    """``export.csv.meta``: the CSV's metadata (sources, date, filters) as plain text."""
    return metadata_text(ctx, state, len(export_rows(ctx, state))).encode("utf-8")
