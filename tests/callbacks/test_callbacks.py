"""Callback bodies called directly (module-level functions of (ctx, state, …)), without Dash."""
from __future__ import annotations

import pytest
from dash import Patch, no_update

from dashboard.callbacks import view as cb
from dashboard.views import ids
from dashboard.model.data import DataContext, filter_laureates
from dashboard.views.panels import PANELS, URL_PANELS
from dashboard.views.page_frame import empty_map_message
from dashboard.model.export_formats import BUTTONS
from dashboard.model.state import ViewState


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


NAMES = ["region", "zone", "ti", "par_hab", "filiere", "volet"]


def test_url_to_controls(ctx):
    values, query, notice = cb.sync_body(ctx, NAMES, None, "?region=27&ti=dans&bogus=1", from_url=True)
    assert values == ["27", None, "dans", False, [], []]
    assert query is no_update
    assert "bogus" in str(notice.children)


def test_controls_to_url(ctx):
    values, query, notice = cb.sync_body(ctx, NAMES, ["27", "afr", "", True, [], []], "?territoire=ti-2406",
                                         from_url=False)
    state, _ = ViewState.from_query(query, ctx.choices)
    assert state == ViewState(region="27", zone="afr", par_hab=True, territoire="ti-2406")
    assert notice is None
    # a forged list of the wrong length changes nothing
    assert cb.sync_body(ctx, NAMES, ["27"], "", from_url=False)[1] is no_update


def leaves(tree) -> list:
    """Values of a nested dict of outputs or answers, in order."""
    return [x for v in tree.values() for x in (leaves(v) if isinstance(v, dict) else [v])]


def test_render_skips_what_is_drawn(ctx):
    state = ViewState(region="27")
    assert cb.render_body(ctx, state, ViewState(), state.to_query()) is None
    out = cb.render_body(ctx, state, ViewState(), "")
    # one answer per declared output, under the same names (no positional count to keep in step)
    assert set(out) == set(cb.RENDER_OUTPUTS)
    assert {k: set(v) for k, v in out.items() if isinstance(v, dict)} == \
        {k: set(v) for k, v in cb.RENDER_OUTPUTS.items() if isinstance(v, dict)}
    assert len(leaves(out)) == len(leaves(cb.RENDER_OUTPUTS)) == 6 + 2 * len(ids.KPIS)
    assert isinstance(out["figure"], Patch)
    n = len(filter_laureates(ctx.laureats, state))
    assert out["kpi_text"]["kpi-laureats"] == f"{n:,}".replace(",", "\u202f")
    assert out["rendered"] == "?region=27"
    assert out["empty_message"] == empty_map_message(n)   # no message: the region has laureates
    none = cb.render_body(ctx, ViewState(region="27", filiere=("n'existe pas",)), ViewState(), "")
    assert none["empty_message"] == empty_map_message(0) and none["empty_message"]
    assert set(leaves(cb.unchanged(cb.RENDER_OUTPUTS))) == {no_update}


def test_panels_follow_the_registry(ctx):
    state = ViewState(region="27", territoire="200071850")
    out = cb.panels_body(ctx, state, ViewState(), "", "classement", {"classement": ""})
    assert set(out["panels"]) == {p.id for p in URL_PANELS}
    assert out["export_links"] == {f.element_id: f"export.{f.kind}?region=27&territoire=200071850"
                                   for f in BUTTONS}
    assert set(out["export_links"]) == set(ids.EXPORT_BUTTONS)
    assert out["active_tab"] == "fiche" and out["drawn"] == {"classement": "", "fiche": state.to_query()}
    assert [p.tab for p in URL_PANELS if out["panels"][p.id] is not no_update] == ["fiche"]  # the tab it opens
    assert cb.panels_body(ctx, state, state, "?region=24", "fiche", {})["active_tab"] is no_update
    drawn = {"fiche": state.to_query()}
    assert set(leaves(cb.panels_body(ctx, state, state, state.to_query(), "fiche", drawn))) == {no_update}  # drawn
    assert {p.tab for p in PANELS} == {"fiche", "classement", "regions", "temps"}


def test_a_hidden_tab_is_drawn_when_it_opens(ctx):
    """The regional table and the month chart (hundreds of components, a figure) were built at load and
    on every view change although their tab was hidden: they are built when their tab opens, once per view."""
    state = ViewState(region="27")
    query = state.to_query()

    def built(out):
        return {p.tab for p in URL_PANELS if out["panels"][p.id] is not no_update}

    for tab in ("regions", "temps"):
        out = cb.panels_body(ctx, state, state, query, tab, {"classement": query})
        assert built(out) == {tab}
        assert set(leaves(out["export_links"])) == {no_update}  # same view: same links
        assert out["drawn"] == {"classement": query, tab: query}
        assert set(leaves(cb.panels_body(ctx, state, state, query, tab, out["drawn"]))) == {no_update}
    time_panel = next(p for p in URL_PANELS if p.tab == "temps")
    graph = cb.panels_body(ctx, state, state, query, "temps", {})["panels"][time_panel.id]
    assert graph.id == ids.TIME and graph.figure.data  # the chart is made when its tab opens
    # a view change redraws the open tab only; the others wait for their tab to open
    other = ViewState(region="84")
    out = cb.panels_body(ctx, other, state, query, "regions", {"classement": query, "regions": query})
    assert built(out) == {"regions"}
    assert out["drawn"] == {"classement": query, "regions": other.to_query()}


def test_barometre_only_when_its_tab_is_open(ctx):
    assert cb.barometre_body(ctx, 3, ViewState(), "classement") is no_update
    assert cb.barometre_body(ctx, True, ViewState(), "temps") is no_update
    assert cb.barometre_body(ctx, 10 ** 6, ViewState(), "temps") is no_update
    fig = cb.barometre_body(ctx, 0, ViewState(region="84"), "temps")
    assert fig.data[0].type == "choroplethmap"


@pytest.mark.parametrize("click", [None, "x", {"points": []}, {"points": [{"location": "x" * 30}]},
                                   {"points": [{"location": "999999999"}]}])
def test_map_click_ignores_bad_input(ctx, click):
    assert cb.select_on_map_body(ctx, click, ViewState()) is no_update


def test_map_click_selects_a_territory(ctx):
    query = cb.select_on_map_body(ctx, {"points": [{"location": "200071850"}]}, ViewState(region="24"))
    assert ViewState.from_query(query, ctx.choices)[0] == ViewState(region="24", territoire="200071850")


def test_search_selects_epci_and_region(ctx):
    assert cb.select_from_search_body(ctx, "epci|nope|", ViewState()) is no_update
    query = cb.select_from_search_body(ctx, "epci|200071850|", ViewState(departement="45"))
    state, _ = ViewState.from_query(query, ctx.choices)
    assert state.territoire == "200071850" and state.departement is None and state.region == "24"
    assert cb.search_options_body(ctx, "a") is no_update


def test_departement_options_and_reset(ctx):
    opts = cb.departement_options_body(ctx, "24")
    assert {o["value"] for o in opts} == set(ctx.departements.index[ctx.departements["code_region"] == "24"])
    assert len(cb.departement_options_body(ctx, {"x": 1})) == len(ctx.departements)
    assert cb.reset_body(ViewState(region="27", embed=True)) == "?embed=1"
    assert cb.reset_body(ViewState(region="27")) == "?"
    assert cb.go_to_body(ctx, "nowhere", ViewState()) is no_update
    assert cb.go_to_body(ctx, "971", ViewState()).to_plotly_json()["operations"]
