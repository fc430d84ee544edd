"""Readers accept each source's published formats (hand-written samples in
tests/fixtures/publies/, see its README) and name file, row and column on bad input."""
from __future__ import annotations

import shutil

import pytest

from geodata.read import readers
from geodata.errors import SourceFormatError
from geodata.sources.registry import SOURCES

from tests.conftest import FIXTURES

PUB = FIXTURES / "publies"


def test_ti_commune_level_list_with_two_ti_in_one_cell():
    m = readers.read_ti_members(PUB / "ti_com2023.csv", "2023-2027")
    assert m["member_siren"].isna().all()
    basse_terre = m[m["member_insee"] == "97105"].set_index("ti_id")["ti_nom"].to_dict()
    assert basse_terre == {"ti-0101": "Basse-Terre", "ti-0102": "Cap Excellence"}
    assert set(m.loc[m["ti_id"] == "ti-2406", "member_insee"]) == {"45004", "45191"}


def test_ti_anct_geojson_members_from_liste_geo():
    m = readers.read_ti_members(PUB / "ti_geom.geojson", "2023-2027")
    assert m.set_index("member_siren")["ti_id"].to_dict() == {
        "200035814": "ti-2406", "244500203": "ti-2406", "210600334": "ti-9303"}
    assert m["member_label"].tolist()[0] == "CC du Pithiverais"


def test_ti_geojson_member_without_siren_is_named(tmp_path):
    bad = tmp_path / "ti.geojson"
    bad.write_text((PUB / "ti_geom.geojson").read_text(encoding="utf-8").replace("Carros (210600334)", "Carros"),
                   encoding="utf-8")
    with pytest.raises(SourceFormatError) as exc:
        readers.read_ti_members(bad, "2023-2027")
    assert exc.value.row == 2 and exc.value.column == "liste_geo" and "Carros" in str(exc.value)


def test_qpv_published_list_cells_and_arrondissements():
    codes = readers.read_commune_list(PUB / "listeqp2024-cog2024.csv", SOURCES["qpv"])
    assert codes == {"03095", "03310", "75056", "45234"}


def test_qpv_bad_code_names_row_and_column(tmp_path):
    bad = tmp_path / "q.csv"
    bad.write_text((PUB / "listeqp2024-cog2024.csv").read_text(encoding="utf-8-sig").replace("45234", "4523X"),
                   encoding="utf-8")
    with pytest.raises(SourceFormatError) as exc:
        readers.read_commune_list(bad, SOURCES["qpv"])
    assert exc.value.row == 4 and exc.value.column == "insee_com"


def test_acv_2018_javascript_with_integer_codes():
    assert readers.read_commune_list(PUB / "coeurdeville.js", SOURCES["acv_2018"]) == {"01004", "2A004", "80001"}


def test_afr_decree_annexes():
    assert readers.read_afr_decree(PUB / "afr") == {"77009", "77016", "77202", "77305", "2A004", "2A041"}


def test_zrr_csv_and_published_workbook(tmp_path):
    assert readers.read_zrr_communes(PUB / "zrr.csv") == {"01002", "01004"}
    import xlwt
    book = xlwt.Workbook()
    sheet = book.add_sheet("Classement ZRR (COG 2021)")
    sheet.write(0, 0, "Zones de revitalisation rurale (ZRR)")
    rows = [r.split(";") for r in (PUB / "zrr.csv").read_text(encoding="utf-8").splitlines()]
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            sheet.write(5 + i, j, v)
    book.save(str(tmp_path / "zrr.xls"))
    assert readers.read_zrr_communes(tmp_path / "zrr.xls") == {"01002", "01004"}
    rows[2][2] = "Peut-être"
    sheet2 = xlwt.Workbook().add_sheet("Classement ZRR (COG 2021)")
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            sheet2.write(5 + i, j, v)
    sheet2.get_parent().save(str(tmp_path / "bad.xls"))
    with pytest.raises(SourceFormatError) as exc:
        readers.read_zrr_communes(tmp_path / "bad.xls")
    assert exc.value.row == 8 and exc.value.column == "ZRR_SIMP"   # spreadsheet row 8


def test_barometre_per_departement_files_keep_one_indicator(tmp_path):
    folder = tmp_path / "baro"
    shutil.copytree(PUB / "barometre", folder)
    (folder / "barometre-resultats-detail-departement-2A.csv").unlink()
    b = readers.read_barometre(folder)
    assert b.to_dict("list") == {"code_departement": ["45", "45"], "date": ["2021-01", "2021-02"],
                                 "valeur": [12.0, 15.0]}
    with pytest.raises(SourceFormatError) as exc:
        readers.read_barometre(PUB / "barometre")
    assert exc.value.row == 3 and exc.value.column == "valeur" and "departement-2A" in str(exc.value)
