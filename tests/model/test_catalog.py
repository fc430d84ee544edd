"""The catalog's proof: the « volet » filter and the CO₂ indicator, each declared in one
catalog entry (plus one loader column), reach the URL, the controls, the map, the KPI
cards, the fiche, the exports and the embed view."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from dashboard.model import catalog
from dashboard.views import ids
from dashboard.model.data import DataContext, aggregate, filter_laureates, kpis
from dashboard.exports.tables import EXPORT_COLUMNS, export_rows, metadata_text, to_csv_text, to_geojson
from dashboard.views.fiche import fiche_panel
from dashboard.views.map_figure import TRACE_IN, map_figure, map_patch, selection_changed
from dashboard.model.kpi_text import kpi_values
from dashboard.views.layout import page, summary
from dashboard.model.state import ViewState, control_value, state_from_controls

CO2 = "tonnes_equivalent_co2_pour_les_projets_decarbonation"


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


def _texts(component) -> str:
    """All the text of a component tree."""
    out = []

    def walk(c):
        if isinstance(c, (str, int, float)):
            out.append(str(c))
        elif isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
        elif c is not None and hasattr(c, "children"):
            walk(c.children)
    walk(component)
    return " ".join(out)


# --------------------------------------------------------------------------- catalog integrity
def test_every_parameter_has_one_spec():
    names = [n for p in catalog.PARAMETERS for n in p.params]
    assert len(names) == len(set(names))
    assert [f.name for f in ViewState.__dataclass_fields__.values()] == names


def test_every_metric_column_and_filter_column_is_exported():
    for m in catalog.METRICS:
        assert m.column is None or m.column in EXPORT_COLUMNS, m.key
    for f in catalog.FILTERS:
        assert f.export_column is None or f.export_column in EXPORT_COLUMNS, f.name


def test_every_filter_refreshes_the_pins():
    for f in catalog.FILTERS:
        for name in f.params:
            assert name in catalog.PIN_FIELDS


# --------------------------------------------------------------------------- volet
def test_volet_values_come_from_the_data(ctx):
    assert ctx.choices.volets == frozenset(ctx.laureats["volet_relance"].dropna())
    assert "Écologie" in ctx.choices.volets and len(ctx.choices.volets) >= 2


def test_volet_in_the_url_filters_the_laureates(ctx):
    state, ignored = ViewState.from_query("?volet=" + quote("Écologie") + "&region=84", ctx.choices)
    assert ignored == [] and state.volet == ("Écologie",)
    sel = filter_laureates(ctx.laureats, state)
    lau = ctx.laureats
    expected = lau[(lau["volet_relance"] == "Écologie") & (lau["code_region"] == "84")]
    assert len(sel) > 0 and sel.index.equals(expected.index)
    again, _ = ViewState.from_query(state.to_query(), ctx.choices)
    assert again == state
    _, ignored = ViewState.from_query("?volet=Inconnu", ctx.choices)
    assert any("volet=Inconnu" in m for m in ignored)


def test_volet_control_summary_and_pins(ctx):
    state, _ = ViewState.from_query("?volet=" + quote("Écologie"), ctx.choices)
    layout = page(ctx, state, [])
    control = layout[ids.filter_id("volet")]
    assert control.value == ["Écologie"] and control.multi
    assert {o["value"] for o in control.options} == set(ctx.choices.volets)
    assert "volet Écologie" in summary(ctx, state, 3)
    from_controls, ignored = state_from_controls({"volet": control_value(state, "volet")}, ViewState(), ctx.choices)
    assert from_controls == state and ignored == []
    assert selection_changed(ViewState(), state)
    patch = map_patch(ctx, state, ViewState(), filter_laureates(ctx.laureats, state)).to_plotly_json()
    assert any(op["location"][:3] == ["data", TRACE_IN, "lat"] for op in patch["operations"])


def test_volet_in_exports(ctx):
    state, _ = ViewState.from_query("?volet=" + quote("Écologie"), ctx.choices)
    rows = export_rows(ctx, state)
    assert "volet_relance" in rows.columns and set(rows["volet_relance"]) == {"Écologie"}
    header = to_csv_text(rows, ctx, state).lstrip("\ufeff").splitlines()[0].split(";")
    assert "volet_relance" in header
    assert "filtres : ?volet=%C3%89cologie" in metadata_text(ctx, state, len(rows))


# --------------------------------------------------------------------------- CO2
def test_demonstration_co2_only_for_decarbonation_projects(ctx):
    lau = ctx.laureats
    has = lau[CO2].notna()
    assert has.any()
    assert set(lau.loc[has, "mesure"]) == {"Décarbonation"}
    assert lau.loc[lau["mesure"] == "Décarbonation", CO2].notna().all()
    assert (lau.loc[has, CO2] > 0).all()
    assert (lau["source"] == "demonstration").all()


def test_co2_indicator_in_url_map_and_ranking(ctx):
    state, ignored = ViewState.from_query("?indicateur=co2&par_hab=1", ctx.choices)
    assert ignored == [] and state.indicateur == "co2"
    sel = filter_laureates(ctx.laureats, state)
    values = aggregate(sel, state.with_(par_hab=False), ctx.population("epci", state.phase))
    by_epci = sel.groupby("epci_siren")[CO2].sum()
    assert values.reindex(by_epci.index).round(6).tolist() == by_epci.astype(float).round(6).tolist()
    fig = map_figure(ctx, state, sel)
    legend = next(a.text for a in fig.layout.annotations if a.name == "legende-classes")
    assert "CO₂ évité (t) pour 10 000 hab." in legend
    menu = page(ctx, state, [])[ids.filter_id("indicateur")]
    assert {"label": "Tonnes de CO₂ évitées", "value": "co2", "disabled": False} in menu.options


def test_co2_kpi_card_and_embed(ctx):
    state = ViewState(region="84")
    sel = filter_laureates(ctx.laureats, state)
    k = kpis(sel, ctx.choices)
    assert k["co2"] == int(sel[CO2].sum())
    text = kpi_values(k)["kpi-co2"]
    assert text.endswith("t") and text != "n.d."
    for embed in (False, True):
        layout = page(ctx, state.with_(embed=embed), [])
        assert layout["kpi-co2"].children == text


def test_co2_in_fiche_and_exports(ctx):
    lau = ctx.laureats
    epci = lau.loc[lau[CO2].notna(), "epci_siren"].iloc[0]
    state = ViewState(territoire=epci)
    text = _texts(fiche_panel(ctx, state, filter_laureates(lau, state)))
    assert "CO₂ évité" in text
    rows = export_rows(ctx, ViewState(mesure=("Décarbonation",)))
    assert CO2 in rows.columns and rows[CO2].notna().all()
    feature = to_geojson(rows, ctx, ViewState())["features"][0]["properties"]
    assert isinstance(feature[CO2], (int, float))


def test_co2_refused_without_values(official_bundle):
    """The official fixture has an empty CO₂ column: the indicator is refused, the card says n.d."""
    ctx = DataContext(official_bundle)
    assert not ctx.choices.has("co2")
    state, ignored = ViewState.from_query("?indicateur=co2", ctx.choices)
    assert state.indicateur == "laureats"
    assert any("tonnes de CO₂ absentes" in m for m in ignored)
    assert kpi_values(kpis(ctx.laureats, ctx.choices))["kpi-co2"] == "n.d."
    assert set(ctx.laureats["volet_relance"]) == {"Compétitivité"}
