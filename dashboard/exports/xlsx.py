"""Spreadsheet export (``/export.xlsx``): the laureates of the view and a
« Sources » sheet. Pure: ``(ctx, state) -> bytes``; the rows are
:func:`dashboard.exports.tables.export_rows`, so the sheet equals what the page counts.
Beside the CSV's columns (:func:`sheet_rows`): the region's and the département's
names after their codes and, when the view has ``depuis``, a « Depuis le … » column
(TRUE for the laureates dated on or after it); dates are real dates (``jj/mm/aaaa``).

Text cells are written as strings, never as formulas: a company name starting
with ``=`` stays text (the CSV's neutralisation, without the apostrophe).
"""
from __future__ import annotations

import io
import math
from datetime import date

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dashboard.model import fmt
from dashboard.model.catalog import CATALOG_EXPORT_HEADERS
from dashboard.model.describe import filters_sentence, map_subtitle
from dashboard.exports.tables import (DEMONSTRATION_MARK, _integral, _is_demonstration, _sources, as_of_text, export_rows,
                     filters_query)
from dashboard.model.since import since_mask
from dashboard.model.state import ViewState

DATA_SHEET = "Lauréats"
SOURCES_SHEET = "Sources"
#: Readable header of each export column (the column identifier is kept in the « Sources » sheet).
HEADERS = {
    **CATALOG_EXPORT_HEADERS,  # indicators' and filters' columns (their catalog labels), then the base columns
    "source": "Origine de la ligne", "entreprise": "Entreprise", "siren": "SIREN", "siret": "SIRET", "type_entreprise": "Taille",
    "mesure": "Mesure", "filiere": "Filière", "date": "Date", "description_projet": "Projet",
    "nom_commune": "Commune", "code_postal": "Code postal", "insee_com": "Code INSEE commune",
    "code_departement": "Code département", "nom_departement": "Département", "code_region": "Code région",
    "nom_region": "Région", "epci_siren": "SIREN EPCI", "epci_nom": "EPCI",
    "lat": "Latitude", "lon": "Longitude",
    "in_ti_2019_2022": "Dans un TI 2019-2022", "ti_id_2019_2022": "Id. TI 2019-2022",
    "ti_nom_2019_2022": "TI 2019-2022",
    "in_ti_2023_2027": "Dans un TI 2023-2027", "ti_id_2023_2027": "Id. TI 2023-2027",
    "ti_nom_2023_2027": "TI 2023-2027",
    "zone_prioritaire": "Zone prioritaire", "qpv": "QPV", "afr": "AFR", "zrr": "ZRR", "acv": "Action Cœur de Ville",
}
WIDTHS = {"entreprise": 34, "description_projet": 50, "mesure": 28, "filiere": 26, "nom_commune": 22,
          "epci_nom": 34, "ti_nom_2019_2022": 26, "ti_nom_2023_2027": 26, "nom_region": 26, "nom_departement": 22}
#: Name column the sheet adds right after a code column (the CSV and GeoJSON keep the codes only).
NAME_AFTER = {"code_departement": "nom_departement", "code_region": "nom_region"}
SINCE_COLUMN = "depuis"  # after « date », when the view has ``depuis``
DATE_FORMAT = "dd/mm/yyyy"


def since_header(depuis: str) -> str:
    """``Depuis le 15 juin 2021``."""
    return f"Depuis le {fmt.date_fr(depuis)}"


def _as_date(v):
    """An ISO date text as a date (kept as text when it is not one: nothing is lost)."""
    if isinstance(v, str) and len(v) >= 10:
        try:
            return date.fromisoformat(v[:10])
        except ValueError:
            return v
    return v


def sheet_rows(ctx, state: ViewState) -> pd.DataFrame:
    """The rows of the « Lauréats » sheet: :func:`dashboard.exports.tables.export_rows` (same rows, same
    order), the region's and département's names after their codes, dates as :class:`datetime.date`,
    and, when ``state.depuis`` is set, the boolean column :data:`SINCE_COLUMN` after the date."""
    df = export_rows(ctx, state)
    names = {}
    if "code_region" in df.columns:
        names["nom_region"] = df["code_region"].map(ctx.regions).astype(object)
    if "code_departement" in df.columns:
        names["nom_departement"] = df["code_departement"].map(ctx.departements["nom_departement"]).astype(object)
    cols = [x for c in df.columns for x in (c, NAME_AFTER.get(c)) if x and (x == c or x in names)]
    out = df.assign(**names)[cols]
    if "date" in out.columns:
        if state.depuis:
            out.insert(cols.index("date") + 1, SINCE_COLUMN, since_mask(out, state.depuis))
        out["date"] = out["date"].astype(object).map(_as_date)
    return out


def _value(v):
    """A cell value openpyxl writes as is: None for missing, Python scalars."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    return v


def _cell(ws, value, bold: bool = False):
    c = WriteOnlyCell(ws, value=_value(value))
    if isinstance(c.value, str):
        c.data_type = "s"  # text, even when it starts with "=": never a formula
    elif isinstance(c.value, date):
        c.number_format = DATE_FORMAT
    if bold:
        c.font = Font(bold=True)
    return c


def to_xlsx_bytes(ctx, state: ViewState) -> bytes:
    """The workbook of the view.

    Parameters
    ----------
    ctx : dashboard.model.data.DataContext
    state : dashboard.model.state.ViewState

    Returns
    -------
    bytes
        An .xlsx file: sheet « Lauréats » (a header row, then one row per
        laureate of :func:`sheet_rows`; booleans as TRUE/FALSE, amounts as numbers,
        dates as dates, header frozen and filterable) and sheet « Sources » (filters
        in words and as an address, number of rows, as-of date, demonstration
        flag, each source with its producer, licence and vintage, and the column
        identifiers of the data sheet).
    """
    df = sheet_rows(ctx, state)
    df = pd.DataFrame({c: _integral(df[c]) for c in df.columns}, index=df.index, columns=df.columns)
    headers = {**HEADERS, **({SINCE_COLUMN: since_header(state.depuis)} if state.depuis else {})}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    cols = list(df.columns)
    for i, c in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c, 14)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(cols), 1))}{len(df) + 1}"
    ws.append([_cell(ws, headers.get(c, c), bold=True) for c in cols])
    for row in df.itertuples(index=False, name=None):
        ws.append([_cell(ws, v) for v in row])

    meta = wb.create_sheet(SOURCES_SHEET)
    meta.column_dimensions["A"].width = 28
    meta.column_dimensions["B"].width = 90
    for c in "CDE":
        meta.column_dimensions[c].width = 24
    demo = _is_demonstration(ctx)
    rows = [
        ("Titre", "Lauréats France Relance et Territoires d'industrie"),
        ("Sélection", filters_sentence(ctx, state, len(df))),
        ("Vue de la carte", map_subtitle(ctx, state, len(df))),
        ("Adresse (filtres)", filters_query(state) or "aucun filtre"),
        ("Lignes de la feuille « Lauréats »", len(df)),
        ("Données arrêtées au", as_of_text(ctx) or "non renseignée"),
        ("Données de démonstration", f"OUI — {DEMONSTRATION_MARK}" if demo else "non"),
    ]
    for k, v in rows:
        meta.append([_cell(meta, k, bold=True), _cell(meta, v)])
    meta.append([])
    meta.append([_cell(meta, h, bold=True) for h in ("Source", "Producteur", "Licence", "Millésime")])
    for s in _sources(ctx) or [{"titre": "non renseignée"}]:
        meta.append([_cell(meta, s.get(k)) for k in ("titre", "producteur", "licence", "millesime")])
    meta.append([])
    meta.append([_cell(meta, "Colonne", bold=True), _cell(meta, "Identifiant (CSV, GeoJSON)", bold=True)])
    for c in cols:
        meta.append([_cell(meta, headers.get(c, c)), _cell(meta, c)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["to_xlsx_bytes", "sheet_rows", "since_header", "DATA_SHEET", "SOURCES_SHEET"]
