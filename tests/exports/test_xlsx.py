"""Spreadsheet export (/export.xlsx): real dates, names beside codes, the « depuis » column (issue 19)."""
from __future__ import annotations

import io

import openpyxl

from dashboard.exports.xlsx import DATA_SHEET, DATE_FORMAT, HEADERS, since_header
from dashboard.model.data import filter_laureates
from dashboard.model.state import ViewState

from tests.conftest import ARTIFACTS


def sheet(client, query: str, name: str):
    r = client.get(f"/export.xlsx{query}")
    assert r.status_code == 200
    (ARTIFACTS / f"tableur_{name}.xlsx").write_bytes(r.data)
    ws = openpyxl.load_workbook(io.BytesIO(r.data))[DATA_SHEET]
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    return header, rows[1:]


def test_xlsx_dates_names_and_since_column(client, ctx):
    query = "?region=24&depuis=2021-06-15"
    state = ViewState.from_query(query, ctx.choices)[0]
    sel = filter_laureates(ctx.laureats, state)
    header, rows = sheet(client, query, "region24_depuis")
    col = {h: i for i, h in enumerate(header)}
    assert len(rows) == len(sel)
    # dates are dates (a spreadsheet sorts and filters them), shown jj/mm/aaaa
    dates = [r[col[HEADERS["date"]]] for r in rows]
    assert all(c.is_date and c.number_format == DATE_FORMAT for c in dates if c.value is not None)
    assert [c.value.date().isoformat() if c.value else None for c in dates] == [
        d[:10] if isinstance(d, str) else None for d in sel["date"]]
    # the region's and département's names right after their codes
    for code, name in (("code_region", "nom_region"), ("code_departement", "nom_departement")):
        assert col[HEADERS[name]] == col[HEADERS[code]] + 1
    assert {r[col["Région"]].value for r in rows} == {"Centre-Val de Loire"}
    names = ctx.departements["nom_departement"]
    assert all(r[col["Département"]].value == names[r[col["Code département"]].value] for r in rows)
    # « Depuis le 15 juin 2021 », after the date: TRUE exactly for the laureates dated on or after it
    title = since_header("2021-06-15")
    assert title == "Depuis le 15 juin 2021" and col[title] == col[HEADERS["date"]] + 1
    flags = [r[col[title]].value for r in rows]
    assert flags == [isinstance(d, str) and d[:10] >= "2021-06-15" for d in sel["date"]]
    assert 0 < sum(flags) < len(flags)


def test_xlsx_without_depuis_has_no_since_column(client):
    header, _ = sheet(client, "?region=24", "region24")
    assert not any(str(h).startswith("Depuis le") for h in header)
    assert isinstance(header, list) and "Région" in header and "Code région" in header
