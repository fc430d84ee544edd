"""Filters and aggregates on tiny hand-built frames, plus French formatting."""
import pandas as pd
import pytest

from dashboard.model import fmt
from dashboard.model.data import aggregate, filter_laureates, kpis
from dashboard.model.state import Choices, ViewState


@pytest.fixture
def lau():
    return pd.DataFrame({
        "entreprise": ["A", "B", "C", "D"],
        "code_region": ["27", "27", "53", "53"],
        "code_departement": ["21", "25", "29", "35"],
        "filiere": ["Agro", "Bois", "Agro", "Chimie"],
        "mesure": ["Territoires"] * 4,
        "type_entreprise": ["TPE/PME", "ETI", "GE", "TPE/PME"],
        "qpv": pd.array([True, False, False, None], dtype="boolean"),
        "afr": pd.array([False, True, False, False], dtype="boolean"),
        "zrr": pd.array([False, False, False, False], dtype="boolean"),
        "acv": pd.array([False, False, True, False], dtype="boolean"),
        "zone_prioritaire": pd.array([True, True, True, False], dtype="boolean"),
        "in_ti_2019_2022": pd.array([True, False, True, False], dtype="boolean"),
        "in_ti_2023_2027": pd.array([True, True, False, False], dtype="boolean"),
        "epci_siren": ["e1", "e1", "e2", "e3"],
        "ti_id_2019_2022": ["t1", None, "t2", None],
        "mois": ["2020-10", "2021-01", "2021-05", "2021-09"],
        "investissement_eur": pd.array([100.0, 200.0, 300.0, 400.0], dtype="Float64"),
        "montant_aide_eur": pd.array([10.0, 20.0, 30.0, 40.0], dtype="Float64"),
        "emplois": pd.array([1, 2, 3, 4], dtype="Float64"),
    })


@pytest.mark.parametrize("state,expected", [
    (ViewState(), ["A", "B", "C", "D"]),
    (ViewState(region="27"), ["A", "B"]),
    (ViewState(departement="29"), ["C"]),
    (ViewState(filiere=("Agro",)), ["A", "C"]),
    (ViewState(filiere=("Agro", "Chimie"), region="53"), ["C", "D"]),
    (ViewState(taille=("TPE/PME",)), ["A", "D"]),
    (ViewState(zone="qpv"), ["A"]),  # unknown (NA) counts as not in the zone
    (ViewState(zone="afr"), ["B"]),
    (ViewState(zone="toute"), ["A", "B", "C"]),
    (ViewState(ti="dans"), ["A", "C"]),
    (ViewState(ti="hors"), ["B", "D"]),
    (ViewState(ti="dans", phase="2023-2027"), ["A", "B"]),
    (ViewState(debut="2021-01"), ["B", "C", "D"]),
    (ViewState(debut="2021-01", fin="2021-05"), ["B", "C"]),
])
def test_filter(lau, state, expected):
    assert filter_laureates(lau, state)["entreprise"].tolist() == expected


def test_kpis(lau):
    k = kpis(filter_laureates(lau, ViewState(region="27")), Choices())
    assert k == {"laureats": 2, "investissement": 300.0, "aide": 30.0, "emplois": 3, "part_zone_prioritaire": 1.0}
    assert kpis(lau.iloc[0:0], Choices())["part_zone_prioritaire"] is None
    assert kpis(lau, Choices(has_amounts=False))["investissement"] is None
    with pytest.raises(TypeError, match="Choices attendu"):
        kpis(lau, True)


@pytest.mark.parametrize("state,expected", [
    (ViewState(), {"e1": 2, "e2": 1, "e3": 1, "e4": 0}),
    (ViewState(indicateur="investissement"), {"e1": 300, "e2": 300, "e3": 400, "e4": 0}),
    (ViewState(indicateur="emplois", par_hab=True), {"e1": 3 / 1000 * 1e4, "e2": 3 / 3000 * 1e4,
                                                     "e3": 4 / 500 * 1e4, "e4": 0}),
])
def test_aggregate_epci(lau, state, expected):
    pop = pd.Series({"e1": 1000, "e2": 3000, "e3": 500, "e4": 200})
    got = aggregate(lau, state, pop)
    assert got.to_dict() == pytest.approx(expected)


def test_aggregate_ti(lau):
    pop = pd.Series({"t1": 100, "t2": 100, "t3": 100})
    got = aggregate(lau, ViewState(niveau="ti"), pop)
    assert got.to_dict() == {"t1": 1, "t2": 1, "t3": 0}


@pytest.mark.parametrize("fn,value,text", [
    (fmt.integer, 1416, "1\u202f416"),
    (fmt.integer, 27255, "27\u202f255"),
    (fmt.euros, 5.4e9, "5,40 Md€"),
    (fmt.euros, 324.9e6, "324,9 M€"),
    (fmt.euros, 12345, "12\u202f345 €"),
    (fmt.percent, 0.6912, "69,1\u202f%"),
    (fmt.integer, None, "n.d."),
    (fmt.month, "2021-03", "mars 2021"),
    (fmt.date_fr, "2021-09-24", "24 septembre 2021"),
    (fmt.date_fr, "2022-04-01", "1er avril 2022"),       # « 1 avril » before
    (fmt.date_fr, "2022-04-02T10:00:00+00:00", "2 avril 2022"),
])
def test_french_format(fn, value, text):
    assert fn(value) == text
