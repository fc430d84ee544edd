"""URL state: parsing, building, and what is ignored (pure, parametrized)."""
import pytest

from dashboard.model.state import Choices, ViewState, state_from_controls

CHOICES = Choices(
    regions=frozenset({"27", "53", "11"}), departements=frozenset({"21", "45", "971"}),
    filieres=frozenset({"Agroalimentaire", "Bois, papier et ameublement"}), mesures=frozenset({"Territoires"}),
    tailles=frozenset({"TPE/PME", "ETI", "GE"}), territoires=frozenset({"200071850", "ti-2406"}),
    months=("2020-10", "2020-11", "2021-09"),
)


@pytest.mark.parametrize("query,expected", [
    ("", ViewState()),
    ("?region=27", ViewState(region="27")),
    ("region=27&zone=afr&ti=dans&phase=2023-2027&niveau=ti&indicateur=emplois",
     ViewState(region="27", zone="afr", ti="dans", phase="2023-2027", niveau="ti", indicateur="emplois")),
    ("?filiere=Bois%2C+papier+et+ameublement&filiere=Agroalimentaire",
     ViewState(filiere=("Agroalimentaire", "Bois, papier et ameublement"))),
    ("?embed=1&region=53&zone=afr", ViewState(embed=True, region="53", zone="afr")),
    ("?territoire=ti-2406&comparer=200071850", ViewState(territoire="ti-2406", comparer="200071850")),
    ("?debut=2020-11&fin=2021-09&par_hab=1", ViewState(debut="2020-11", fin="2021-09", par_hab=True)),
])
def test_parse(query, expected):
    state, ignored = ViewState.from_query(query, CHOICES)
    assert state == expected
    assert ignored == []


@pytest.mark.parametrize("query,word", [
    ("?region=99", "region=99"),
    ("?foo=bar", "paramètre inconnu « foo »"),
    ("?zone=partout", "zone=partout"),
    ("?niveau=commune", "niveau=commune"),
    ("?region=<script>alert(1)</script>", "region=<script>"),
    ("?debut=2021-09&fin=2020-10", "avant le début"),
    ("?filiere=" + "x" * 500, "trop longue"),
])
def test_invalid_values_are_ignored_and_reported(query, word):
    state, ignored = ViewState.from_query(query, CHOICES)
    assert any(word in msg for msg in ignored), ignored
    # the rest of the state is still the default or valid
    assert state.region in (None, "27", "53", "11")


def test_valid_values_survive_invalid_neighbours():
    state, ignored = ViewState.from_query("?region=27&zone=nope&bogus=1", CHOICES)
    assert state.region == "27" and state.zone is None and len(ignored) == 2


def test_too_many_values_are_capped():
    q = "?" + "&".join(["filiere=Agroalimentaire"] * 200)
    state, ignored = ViewState.from_query(q, CHOICES)
    assert state.filiere == ("Agroalimentaire",)
    assert any("au plus" in m for m in ignored)


@pytest.mark.parametrize("state", [
    ViewState(),
    ViewState(region="27", zone="afr"),
    ViewState(filiere=("Agroalimentaire", "Bois, papier et ameublement"), taille=("ETI",), ti="hors"),
    ViewState(embed=True, region="53", niveau="ti", phase="2023-2027", indicateur="aide", par_hab=True),
])
def test_round_trip(state):
    again, ignored = ViewState.from_query(state.to_query(), CHOICES)
    assert again == state and ignored == []


def test_default_view_has_empty_query():
    assert ViewState().to_query() == ""
    assert ViewState(region="27").to_query() == "?region=27"


def test_features_missing_from_data_are_refused():
    c = Choices(regions=frozenset({"27"}), has_amounts=False, has_ti=False, has_zones=False)
    state, ignored = ViewState.from_query("?indicateur=investissement&niveau=ti&ti=dans&zone=afr", c)
    assert (state.indicateur, state.niveau, state.ti, state.zone) == ("laureats", "epci", None, None)
    assert len(ignored) == 4


@pytest.mark.parametrize("values", [
    {"region": 12345},
    {"region": {"a": 1}},
    {"filiere": [None, 3, {"x": 1}]},
    {"par_hab": "yes please"},
    {"zone": ["afr", "qpv"]},
])
def test_forged_control_values_never_raise(values):
    state, _ = state_from_controls(values, ViewState(), CHOICES)
    assert isinstance(state, ViewState)


def test_controls_keep_url_only_fields():
    base = ViewState(territoire="ti-2406", embed=True)
    state, ignored = state_from_controls({"region": "27", "zone": None, "ti": "", "par_hab": True}, base, CHOICES)
    assert state == ViewState(region="27", par_hab=True, territoire="ti-2406", embed=True)
    assert ignored == []


def test_depuis_reference_date():
    from dashboard.model.state import Choices, ViewState
    s, ignored = ViewState.from_query("?depuis=2021-06-15", Choices())
    assert s.depuis == "2021-06-15" and not ignored and s.to_query() == "?depuis=2021-06-15"
    for bad in ("2021-02-30", "15/06/2021", "2021-6-15", "<script>", "2021-06-15T00:00"):
        s, ignored = ViewState.from_query({"depuis": [bad]}, Choices())
        assert s.depuis is None and any("depuis" in m and "AAAA-MM-JJ" in m for m in ignored), bad


def test_view_state_fields_follow_the_catalog():
    """ViewState is written out in its file (readable, greppable); its fields and defaults are the
    catalog's parameters, in URL order: a parameter added to the catalog without its field fails here."""
    from dataclasses import fields

    from dashboard.model.catalog import PARAMETERS
    from dashboard.model.state import field_default

    declared = [(name, field_default(spec, name)) for spec in PARAMETERS for name in spec.params]
    assert [(f.name, f.default) for f in fields(ViewState)] == declared
