"""Place search and exports that equal the view (CSV, GeoJSON), on the demonstration bundle."""
from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace
from urllib.parse import quote, unquote

import geopandas as gpd
import pandas as pd
import pytest

from dashboard import create_app
from dashboard.model.data import DataContext, filter_laureates, kpis
from dashboard.exports.tables import (BOM, DEMONSTRATION_MARK, EXPORT_COLUMNS, export_rows, metadata_text,
                              neutralise_cell, to_csv_text, to_geojson)
from dashboard.model.export_formats import EXPORT_BY_KIND
from dashboard.web.routes import register_routes
from dashboard.exports.xlsx import DATA_SHEET, HEADERS, SOURCES_SHEET

CSV_FILENAME, GEOJSON_FILENAME, XLSX_FILENAME = (EXPORT_BY_KIND[k].filename for k in ("csv", "geojson", "xlsx"))
XLSX_MIMETYPE = EXPORT_BY_KIND["xlsx"].mimetype
from dashboard.model.search import SearchIndex, dropdown_options
from geodata.read.readers import read_postcodes
from dashboard.model.state import ViewState


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


@pytest.fixture(scope="module")
def index(ctx):
    return SearchIndex(ctx)


@pytest.fixture(scope="module")
def client(demo_bundle):
    app = create_app(demo_bundle)
    register_routes(app, app._ti_context)  # no-op once create_app registers them itself
    return app.server.test_client()


def csv_rows(body: bytes) -> pd.DataFrame:
    """Data rows (as text) of a CSV export, read as a spreadsheet user would: no line skipped."""
    assert body.decode("utf-8").startswith(BOM)
    return pd.read_csv(io.BytesIO(body), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def export_columns(ctx) -> list[str]:
    """Columns of an export: the laureates' columns of EXPORT_COLUMNS plus the EPCI name."""
    return [c for c in EXPORT_COLUMNS if c in ctx.laureats.columns or c == "epci_nom"]


def expected(ctx, query: str) -> pd.DataFrame:
    return filter_laureates(ctx.laureats, ViewState.from_query(query, ctx.choices)[0])


def search_api(client, q: str, **params) -> list[dict]:
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    r = client.get(f"/api/recherche?q={quote(q)}{extra}")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.get_json()
    assert body["q"] == q[:100]
    return body["resultats"]


# --------------------------------------------------------------------------- search
def test_search_le_malesherbois_first(client):
    res = search_api(client, "le malesherbois")
    assert res[0]["type"] == "commune" and res[0]["code"] == "45191"
    assert res[0]["ti_nom_2019_2022"] == "Pithiviers"
    assert res[0]["nom"] == "Le Malesherbois"
    for key in ("epci_siren", "ti_id_2019_2022", "ti_id_2023_2027", "ti_nom_2023_2027", "code_region",
                "code_departement", "population"):
        assert key in res[0]
    assert isinstance(res[0]["population"], int)


@pytest.mark.parametrize("q", ["ferte mace", "La Ferté-Macé", "FERTE-MACE", "la ferte mac"])
def test_search_ferte_mace(index, q):
    codes = [r["code"] for r in index.search(q) if r["type"] == "commune"]
    assert "61168" in codes
    assert codes[0] == "61168"


def test_search_pithiviers_commune_and_ti(client):
    res = search_api(client, "pithiviers")
    assert any(r["type"] == "commune" and r["code"] == "45252" for r in res)
    ti = [r for r in res if r["type"] == "ti" and r["nom"] == "Pithiviers"]
    assert ti and ti[0]["phase"] == "2019-2022"


@pytest.mark.parametrize("q,insee", [("orleans", "45234"), ("Orléans", "45234"), ("saint etienne", "42218"),
                                     ("st etienne", "42218"), ("Saint-Étienne", "42218"),
                                     ("pointe a pitre", "97120"), ("POINTE-À-PITRE", "97120")])
def test_search_however_typed(index, q, insee):
    communes = [r["code"] for r in index.search(q) if r["type"] == "commune"]
    assert communes and communes[0] == insee


def test_search_postcode_gives_its_communes(index):
    table = read_postcodes()
    served = set(table.loc[table["code_postal"] == "45300", "insee_com"])
    res = index.search("45300", 50)
    assert res and all(r["type"] == "commune" and r["code_postal"] == "45300" for r in res)
    assert {r["code"] for r in res} == served  # every commune of the postcode, nothing else
    pops = [r["population"] for r in res]
    assert pops == sorted(pops, reverse=True)
    assert "45300" not in served  # the INSEE code 45300 (Sandillon) is not what a postcode means
    assert not [r for r in index.search("45300") if r["code"] == "45300"]


def test_search_labels_follow_phase(index):
    later = dropdown_options(index, "pithiviers", "2023-2027")
    earlier = dropdown_options(index, "pithiviers", "2019-2022")
    row = next(r for r in index.search("pithiviers", 50) if r["type"] == "commune" and r["code"] == "45252")
    lab_later = next(o["label"] for o in later if o["value"] == "commune|45252|")
    lab_earlier = next(o["label"] for o in earlier if o["value"] == "commune|45252|")
    assert row["ti_nom_2023_2027"] in lab_later and "2023-2027" in lab_later
    assert row["ti_nom_2019_2022"] in lab_earlier and "2019-2022" in lab_earlier
    assert lab_later.endswith(f"— TI {row['ti_nom_2023_2027']} (2023-2027)")
    assert lab_earlier.endswith(f"— TI {row['ti_nom_2019_2022']} (2019-2022)")
    for phase in ("2019-2022", "2023-2027"):  # the selected phase's TI first
        phases = [o["value"].split("|")[2] for o in dropdown_options(index, "ti-2406", phase)]
        assert sorted(phases) == ["2019-2022", "2023-2027"] and phases[0] == phase


def test_dropdown_options_carry_the_typed_text(index):
    opts = dropdown_options(index, "ferte mace", "2019-2022")
    assert opts and all(o["search"] == "ferte mace" for o in opts)
    assert dropdown_options(index, None, "2019-2022") == []


def test_search_prefix_and_ranking(index):
    res = index.search("pithiv", 50)
    assert any(r["type"] == "commune" and r["code"] == "45252" for r in res)
    # exact before prefix: "pithiviers" puts the exact matches before "Pithiviers-le-Vieil"
    res = index.search("pithiviers", 50)
    codes = [r["code"] for r in res]
    assert codes.index("45252") < codes.index("45253")


def test_search_ti_one_result_per_phase(index):
    res = index.search("ti-2406")
    phases = sorted(r["phase"] for r in res if r["type"] == "ti" and r["code"] == "ti-2406")
    assert phases == ["2019-2022", "2023-2027"]
    for q in ("nord", "vallee", "pithiviers"):
        pairs = [(r["code"], r["phase"]) for r in index.search(q, 50) if r["type"] == "ti"]
        assert len(pairs) == len(set(pairs))


def test_search_epci_without_legal_form(index):
    res = index.search("pithiverais")
    assert any(r["type"] == "epci" and r["code"] == "200066280" for r in res)


@pytest.mark.parametrize("q", ["", " ", "a", "é", "x" * 101, "--"])
def test_search_too_short_or_too_long(index, client, q):
    assert index.search(q) == []
    r = client.get(f"/api/recherche?q={quote(q)}")
    assert r.status_code == 200 and r.get_json()["resultats"] == []


def test_search_limit(client, index):
    assert len(search_api(client, "saint", limite="3")) == 3
    assert len(search_api(client, "saint", limite="abc")) == 10
    assert len(search_api(client, "saint", limite="9999")) == 50
    assert len(search_api(client, "saint", limite="-4")) == 1
    assert len(index.search("saint")) == 10


def test_search_results_are_plain_json(index):
    res = index.search("saint", 50) + index.search("ti-2406") + index.search("pithiv", 50)
    json.dumps(res, allow_nan=False)  # no pd.NA, no numpy scalars, no NaN
    for r in res:
        assert r["type"] in ("commune", "epci", "ti")
        for v in r.values():
            assert v is None or type(v) in (str, int, float, bool)
    outside_ti = [r for r in index.search("paris", 50) if r["type"] == "commune" and r["ti_id_2019_2022"] is None]
    assert all(r["ti_nom_2019_2022"] is None for r in outside_ti)


def test_search_hostile_queries(client):
    for q in ("<script>alert(1)</script>", "%00", "../../etc/passwd", "' OR 1=1 --", "\x00\x01"):
        r = client.get(f"/api/recherche?q={quote(q)}")
        assert r.status_code == 200
        assert isinstance(r.get_json()["resultats"], list)
    assert client.get("/api/recherche").get_json()["resultats"] == []


# --------------------------------------------------------------------------- exports: rows = view
def test_csv_region_27_equals_filter_and_kpi(client, ctx):
    sel = filter_laureates(ctx.laureats, ViewState(region="27"))
    r = client.get("/export.csv?region=27")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == f'attachment; filename="{CSV_FILENAME}"'
    df = csv_rows(r.data)
    assert len(df) == len(sel) == kpis(sel, ctx.choices)["laureats"]
    assert len(sel) == 87  # the demonstration set
    assert list(df.columns) == export_columns(ctx)
    assert list(df["entreprise"]) == list(sel["entreprise"])
    assert set(df["code_region"]) == {"27"}
    # EPCI and TI names beside their codes
    assert list(df["epci_nom"]) == [ctx.epci.loc[s, "nom"] for s in sel["epci_siren"]]
    assert list(df["ti_nom_2023_2027"]) == list(sel["ti_nom_2023_2027"].fillna(""))
    # the metadata is beside the file, not in it
    assert r.headers["Link"] == '<export.csv.meta?region=27>; rel="describedby"'
    meta = client.get("/export.csv.meta?region=27")
    assert meta.status_code == 200 and meta.headers["Content-Type"] == "text/plain; charset=utf-8"
    text = meta.data.decode("utf-8")
    assert f"lignes : {len(sel)}\n" in text and "filtres : ?region=27\n" in text
    assert DEMONSTRATION_MARK in text and "donnees_arretees_au : 24 septembre 2021" in text


@pytest.mark.parametrize("query", ["", "?region=27&zone=afr", "?ti=dans&phase=2023-2027&filiere=Agroalimentaire"])
def test_csv_reads_with_pandas_as_is_and_equals_kpi(client, ctx, query):
    """A spreadsheet user's read: read_csv(sep=";") with no skiprows gives the header and the KPI's rows."""
    state = ViewState.from_query(query, ctx.choices)[0]
    n = kpis(filter_laureates(ctx.laureats, state), ctx.choices)["laureats"]
    df = pd.read_csv(io.BytesIO(client.get(f"/export.csv{query}").data), sep=";")
    assert len(df) == n
    assert df.columns[0].lstrip(BOM) == "source" and "epci_nom" in df.columns
    assert not df["entreprise"].astype(str).str.startswith("#").any()


@pytest.mark.parametrize("query", ["", "?region=32&zone=afr", "?departement=45&niveau=ti"])
def test_xlsx_rows_equal_kpi(client, ctx, query):
    import openpyxl
    state = ViewState.from_query(query, ctx.choices)[0]
    sel = filter_laureates(ctx.laureats, state)
    n = kpis(sel, ctx.choices)["laureats"]
    r = client.get(f"/export.xlsx{query}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == XLSX_MIMETYPE
    assert r.headers["Content-Disposition"] == f'attachment; filename="{XLSX_FILENAME}"'
    wb = openpyxl.load_workbook(io.BytesIO(r.data), read_only=True)
    assert wb.sheetnames == [DATA_SHEET, SOURCES_SHEET]
    rows = list(wb[DATA_SHEET].iter_rows(values_only=True))
    assert len(rows) - 1 == n
    header = list(rows[0])
    base = [HEADERS[c] for c in export_columns(ctx)]  # the CSV's columns, names beside the codes
    assert [h for h in header if h not in ("Région", "Département")] == base
    col = {h: i for i, h in enumerate(header)}
    assert [row[col["Entreprise"]] for row in rows[1:]] == list(sel["entreprise"])
    assert [row[col["EPCI"]] for row in rows[1:]] == [ctx.epci.loc[s, "nom"] for s in sel["epci_siren"]]
    assert all(isinstance(row[col["AFR"]], bool) for row in rows[1:])
    assert sum(row[col["Investissement (€)"]] for row in rows[1:]) == pytest.approx(sel["investissement_eur"].sum())
    meta = {row[0]: row[1] for row in wb[SOURCES_SHEET].iter_rows(values_only=True) if row and row[0]}
    assert meta["Lignes de la feuille « Lauréats »"] == n
    assert meta["Adresse (filtres)"] == (state.to_query(include_embed=False) or "aucun filtre")
    assert meta["Données de démonstration"].startswith("OUI")
    assert meta["Données arrêtées au"] == "24 septembre 2021"
    assert any(str(k).startswith("Territoires d'industrie 2023-2027") and v == "ANCT" for k, v in meta.items())


def test_xlsx_text_is_never_a_formula(ctx):
    import openpyxl
    from types import SimpleNamespace as NS
    rows = ctx.laureats.head(3).copy()
    rows["entreprise"] = ['=HYPERLINK("http://x")', "+33 1 23", "@SUM(A1)"]
    fake = NS(laureats=rows, epci=ctx.epci, manifest=ctx.manifest, demonstration=False,
              departements=ctx.departements, regions=ctx.regions)
    from dashboard.exports.xlsx import to_xlsx_bytes
    body = to_xlsx_bytes(fake, ViewState())
    wb = openpyxl.load_workbook(io.BytesIO(body))
    cells = [c for c in wb[DATA_SHEET]["B"]][1:]
    assert [c.value for c in cells] == list(rows["entreprise"])
    assert all(c.data_type == "s" for c in cells)
    assert "=HYPERLINK" not in "".join(str(c.value) for c in wb[SOURCES_SHEET]["A"])
    import zipfile
    xml = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml


QUERIES = [
    "",
    "?region=27",
    "?departement=45",
    "?region=24&departement=45",
    "?filiere=Agroalimentaire",
    "?filiere=" + quote("Métallurgie et mécanique") + "&filiere=Agroalimentaire",
    "?taille=ETI&zone=toute",
    "?zone=afr",
    "?ti=dans&phase=2023-2027",
    "?ti=hors",
    "?debut=2021-01&fin=2021-06",
    "?region=27&niveau=ti&indicateur=aide&par_hab=1&embed=1",
    "?region=27&region=%3Cscript%3E&inconnu=1",
]


@pytest.mark.parametrize("query", QUERIES)
def test_csv_rows_equal_filter(client, ctx, query):
    sel = expected(ctx, query)
    df = csv_rows(client.get(f"/export.csv{query}").data)
    assert len(df) == len(sel)
    assert list(df["entreprise"]) == list(sel["entreprise"])
    assert list(df["insee_com"]) == list(sel["insee_com"].fillna(""))


@pytest.mark.parametrize("query", ["?region=27", "?ti=dans&zone=qpv", "?departement=45"])
def test_geojson_equals_filter(client, ctx, query):
    sel = expected(ctx, query)
    r = client.get(f"/export.geojson{query}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/geo+json"
    assert r.headers["Content-Disposition"] == f'attachment; filename="{GEOJSON_FILENAME}"'
    gdf = gpd.read_file(io.BytesIO(r.data))
    assert len(gdf) == len(sel)
    assert (gdf.geom_type == "Point").all()
    assert list(gdf["entreprise"]) == list(sel["entreprise"])
    fc = json.loads(r.data)
    assert fc["type"] == "FeatureCollection"
    meta = fc["metadata"]
    assert meta["demonstration"] is True and meta["donnees_arretees_au"] == ctx.manifest["donnees_arretees_au"]
    assert meta["filtres"] == ViewState.from_query(query, ctx.choices)[0].to_query(include_embed=False)
    assert meta["sources"] and all("titre" in s and "licence" in s for s in meta["sources"])
    f0 = fc["features"][0]
    assert f0["geometry"]["coordinates"] == [f0["properties"]["lon"], f0["properties"]["lat"]]
    assert isinstance(f0["properties"]["in_ti_2019_2022"], bool)


HOSTILE = [
    "?region=<script>alert(1)</script>",
    "?region=%3Cscript%3E",
    "?filiere=%00",
    "?filiere=%00%01%02&mesure=%FF%FE",
    "?" + "&".join(["x="] * 200),
    "?" + "&".join(f"x{i}=1" for i in range(200)),
    "?" + "&".join(["filiere=Agroalimentaire"] * 200),
    "?region=../../../etc/passwd",
    "?departement=..%2F..%2Fetc%2Fpasswd&filename=..%2F..%2Fevil.sh",
    "?%FF=%FE&=&&&=x",
    "?region=%",
    "?debut=2099-99&fin=0000-00",
    "?region=" + "9" * 10_000,
    "?par_hab=%0d%0aSet-Cookie:%20x=1",
]


@pytest.mark.parametrize("query", HOSTILE)
@pytest.mark.parametrize("path", ["/export.csv", "/export.geojson", "/export.xlsx"])
def test_exports_hostile_params(client, ctx, path, query):
    r = client.get(path + query)
    assert r.status_code == 200
    filename = {"csv": CSV_FILENAME, "geojson": GEOJSON_FILENAME, "xlsx": XLSX_FILENAME}[path.rsplit(".", 1)[1]]
    assert r.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert "Set-Cookie" not in r.headers
    ignored = r.headers.get("X-Parametres-Ignores", "")
    ignored.encode("ascii")
    assert "\r" not in ignored and "\n" not in ignored
    n = len(expected(ctx, query))
    if path.endswith("csv"):
        assert len(csv_rows(r.data)) == n
    elif path.endswith("xlsx"):
        # calamine (a runtime requirement, for the ZRR workbook) reads it ten times faster than openpyxl
        assert pd.read_excel(io.BytesIO(r.data), sheet_name=DATA_SHEET, engine="calamine").shape[0] == n
    else:
        assert len(json.loads(r.data)["features"]) == n


def test_ignored_parameters_header(client):
    r = client.get("/export.csv?region=%3Cscript%3E&inconnu=1")
    summary = unquote(r.headers["X-Parametres-Ignores"])
    assert "inconnu" in summary and "<script>" in summary
    assert "X-Parametres-Ignores" not in client.get("/export.csv?region=27").headers


@pytest.mark.parametrize("path", ["/export.csv/../../etc/passwd", "/export.geojson/%2e%2e/%2e%2e/x",
                                  "/api/recherche/../../etc/passwd"])
def test_path_traversal_never_500(client, path):
    assert client.get(path).status_code < 500


# --------------------------------------------------------------------------- pure functions
def test_export_rows_columns_and_order(ctx):
    state = ViewState(region="27")
    rows = export_rows(ctx, state)
    sel = filter_laureates(ctx.laureats, state)
    assert len(rows) == len(sel)
    assert list(rows.columns) == export_columns(ctx)
    assert rows.columns[0] == "source"
    for c in ("in_ti_2019_2022", "ti_nom_2023_2027", "zone_prioritaire", "qpv", "afr", "zrr", "acv"):
        assert c in rows.columns


def test_csv_injection_neutralised_numbers_untouched():
    df = pd.DataFrame({
        "entreprise": ['=HYPERLINK("http://x")', "+33 1 23", "-moins", "@SUM(A1)", "\tTab", "\rCR", "Acme", None],
        "nom_commune": ["Saint-Denis", "=1+1", "Lyon", "x", "y", "z", "-", "w"],
        "montant_aide_eur": [-1234.5, -1.0, 0.0, 2.5, -0.25, 3.0, -7.75, None],
        "emplois": pd.array([-3, 2, None, 4, 5, 6, 7, -8], dtype="Int64"),
        "qpv": pd.array([True, False, None, True, False, True, False, True], dtype="boolean"),
    })
    state = ViewState()
    fake = SimpleNamespace(manifest={"sources": [], "donnees_arretees_au": "2021-09-24"}, demonstration=False)
    text = to_csv_text(df, fake, state)
    lines = text[len(BOM):].split("\r\n")
    assert lines[0] == "entreprise;nom_commune;montant_aide_eur;emplois;qpv"  # the header, first
    rows = list(csv.reader(io.StringIO("\r\n".join(lines), newline=""), delimiter=";"))
    header, data = rows[0], rows[1:9]
    col = {name: [r[i] for r in data] for i, name in enumerate(header)}
    assert col["entreprise"] == ["'=HYPERLINK(\"http://x\")", "'+33 1 23", "'-moins", "'@SUM(A1)", "'\tTab",
                                 "'\rCR", "Acme", ""]
    assert col["nom_commune"] == ["Saint-Denis", "'=1+1", "Lyon", "x", "y", "z", "'-", "w"]
    assert col["montant_aide_eur"] == ["-1234.5", "-1.0", "0.0", "2.5", "-0.25", "3.0", "-7.75", ""]
    assert col["emplois"] == ["-3", "2", "", "4", "5", "6", "7", "-8"]
    assert col["qpv"] == ["1", "0", "", "1", "0", "1", "0", "1"]
    assert neutralise_cell(-5) == -5 and neutralise_cell(-5.5) == -5.5 and neutralise_cell("-5") == "'-5"


def test_csv_metadata_text_and_numbers(ctx):
    state = ViewState(region="27", zone="afr")
    n = len(filter_laureates(ctx.laureats, state))
    text = metadata_text(ctx, state, n)
    lines = text.splitlines()
    assert lines[0].startswith("titre : ") and f"lignes : {n}" in lines
    assert "filtres : ?region=27&zone=afr" in lines and DEMONSTRATION_MARK in text
    assert sum(line.startswith("source : ") for line in lines) == len(ctx.manifest["sources"])
    official = SimpleNamespace(manifest={**ctx.manifest, "laureats_demonstration": False}, demonstration=False)
    assert DEMONSTRATION_MARK not in metadata_text(official, state, n)
    assert "demonstration : non" in metadata_text(official, state, n)
    text = to_csv_text(export_rows(ctx, state), ctx, state)
    df = csv_rows(text.encode("utf-8"))
    assert df["lat"].str.fullmatch(r"-?\d+(\.\d+)?").all()
    assert df["investissement_eur"].str.fullmatch(r"-?\d+").all()


def test_geojson_pure_is_strict_json(ctx):
    state = ViewState(departement="45")
    fc = to_geojson(export_rows(ctx, state), ctx, state)
    json.dumps(fc, allow_nan=False)
    assert len(fc["features"]) == len(filter_laureates(ctx.laureats, state))
    props = fc["features"][0]["properties"]
    assert set(props) == set(export_rows(ctx, state).columns)
