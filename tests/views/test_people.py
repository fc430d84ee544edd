"""Issue 19, for the people in the room (pure builders, no browser): the elected official's commune
search (marked, its EPCI in view, the EPCI's own figures, projects around it), plain words for
jargon, readable units and maps, the indicator menu without amounts."""
from __future__ import annotations

import pytest
from dash import html

from dashboard.callbacks import view as cb
from dashboard.model import fmt
from dashboard.model.catalog import INDICATEUR
from dashboard.model.data import DataContext, filter_laureates, kpis
from dashboard.model.palette import COLOR_SINCE
from dashboard.model.state import ViewState
from dashboard.views import fiche, ids
from dashboard.model.kpi_text import kpi_titles
from dashboard.views.layout import page
from dashboard.views.map_figure import TRACE_SINCE, map_figure, map_patch
from dashboard.views.map_overlays import (TRACE_COMMUNE, ZONE_DOT_SIZE, add_commune_marker, add_zone_layer,
                                          commune_patch, zone_trace)

PITHIVIERS = "45252"


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


def _epci_of(ctx, insee):
    return ctx.communes.loc[ctx.communes["insee_com"] == insee, "epci_siren"].iloc[0]


def _walk(comp):
    yield comp
    for child in (comp.children if isinstance(getattr(comp, "children", None), list)
                  else [getattr(comp, "children", None)]):
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _text(comp) -> str:
    out = []
    for c in _walk(comp):
        kids = getattr(c, "children", None)
        for k in kids if isinstance(kids, list) else [kids]:
            if isinstance(k, (str, int, float)):
                out.append(str(k))
    return " ".join(out)


# --------------------------------------------------------------------------- units
def test_large_tonnages_in_readable_units():
    assert fmt.tonnes(33_646_402) == f"33,6{fmt.NBSP}Mt"
    assert fmt.tonnes(134_812) == f"134,8{fmt.NBSP}kt"
    assert fmt.tonnes(5_902) == f"5{fmt.NBSP}902{fmt.NBSP}t"
    assert fmt.tonnes(None) == "n.d."
    from dashboard.model.catalog import METRIC_BY_KEY
    assert METRIC_BY_KEY["co2"].format(33_646_402) == f"33,6{fmt.NBSP}Mt"


# --------------------------------------------------------------------------- commune search
def test_commune_search_keeps_the_commune(ctx):
    query = cb.select_from_search_body(ctx, f"commune|{PITHIVIERS}|", ViewState(region="11"))
    state, ignored = ViewState.from_query(query, ctx.choices)
    assert ignored == [] and state.commune == PITHIVIERS and state.territoire == _epci_of(ctx, PITHIVIERS)
    assert state.region == "24"
    # an EPCI or a TI found by the search drops a commune searched before
    epci = _epci_of(ctx, PITHIVIERS)
    again = ViewState.from_query(cb.select_from_search_body(ctx, f"epci|{epci}|", state), ctx.choices)[0]
    assert again.commune is None
    # « Fermer la fiche » forgets it too
    close = [c for c in _walk(fiche.fiche_panel(ctx, state, None)) if "fermer-fiche" in (getattr(c, "className", "") or "")]
    assert close and "commune=" not in close[0].href and "territoire=" not in close[0].href


def test_map_marks_the_commune_and_shows_its_epci(ctx):
    epci = _epci_of(ctx, PITHIVIERS)
    region = ViewState(region="24", territoire=epci)
    searched = region.with_(commune=PITHIVIERS)
    sel = filter_laureates(ctx.laureats, searched)
    fig = add_commune_marker(add_zone_layer(map_figure(ctx, searched, sel), ctx, searched), ctx, searched)
    mark = fig.data[TRACE_COMMUNE]
    point = ctx.commune_points.loc[PITHIVIERS]
    assert len(mark.lon) == 3 and set(mark.lon) == {round(float(point["lon"]), 4)}  # a target: three rings
    assert "Pithiviers (commune recherchée)" in fig.layout.annotations[0].text  # named in the legend
    # the view: the EPCI, closer than the region
    region_zoom = map_figure(ctx, region, sel).layout.map.zoom
    assert fig.layout.map.zoom > region_zoom + 1
    assert abs(fig.layout.map.center.lon - point["lon"]) < 0.3 and abs(fig.layout.map.center.lat - point["lat"]) < 0.3
    # a patch from the region view moves the view and the marker
    body = commune_patch(map_patch(ctx, searched, region, sel), ctx, searched, region).to_plotly_json()
    locs = {tuple(op["location"]) for op in body["operations"]}
    assert ("layout", "map", "zoom") in locs and ("data", TRACE_COMMUNE, "lon") in locs
    # a commune outside the selected territory is not marked
    other = searched.with_(territoire=ctx.epci.index[ctx.epci.index != epci][0])
    assert ctx.searched_commune(other) is None
    assert len(add_commune_marker(add_zone_layer(map_figure(ctx, other, sel), ctx, other), ctx, other)
               .data[TRACE_COMMUNE].lon) == 0


def test_kpi_cards_count_the_selected_territory(ctx):
    epci = _epci_of(ctx, PITHIVIERS)
    state = ViewState(region="24", territoire=epci, commune=PITHIVIERS)
    sel = filter_laureates(ctx.laureats, state)
    n_epci = int((ctx.laureats["epci_siren"] == epci).sum())
    assert len(sel) != n_epci
    out = cb.render_body(ctx, state, ViewState(), "")
    assert out["kpi_text"][ids.KPI_LAUREATS] == fmt.integer(n_epci)
    assert ctx.epci.loc[epci, "nom"] in out["scope"] and "EPCI" in out["scope"]
    # without a territory, the cards count the view and say where
    plain = cb.render_body(ctx, ViewState(region="24"), ViewState(), "")
    assert plain["kpi_text"][ids.KPI_LAUREATS] == fmt.integer(len(sel))
    assert plain["scope"] == "Chiffres clés : région Centre-Val de Loire"
    # the page's first drawing says the same
    tree = page(ctx, state, [])
    scope_el = [c for c in _walk(tree) if getattr(c, "id", None) == ids.KPI_SCOPE]
    assert scope_el and ctx.epci.loc[epci, "nom"] in scope_el[0].children


def test_projects_around_my_commune(ctx):
    epci = _epci_of(ctx, PITHIVIERS)
    state = ViewState(territoire=epci, commune=PITHIVIERS)
    point = ctx.commune_points.loc[PITHIVIERS]
    near = fiche.nearby_laureates(ctx, state, float(point["lon"]), float(point["lat"]))
    assert len(near) == fiche.NEARBY_ROWS
    assert near["distance_km"].is_monotonic_increasing
    d_all = fiche.distances_km(float(point["lon"]), float(point["lat"]), ctx.laureats["lon"], ctx.laureats["lat"])
    assert near["distance_km"].iloc[0] == pytest.approx(float(min(d_all)))
    # Paris–Orléans ≈ 111 km: the distance is right
    assert fiche.distances_km(2.3522, 48.8566, [1.9093], [47.9030])[0] == pytest.approx(111, abs=3)
    text = _text(fiche.fiche_panel(ctx, state, None))
    assert "Projets autour de ma commune : Pithiviers" in text and "km" in text
    # no commune searched: no such list
    assert "Projets autour" not in _text(fiche.fiche_panel(ctx, state.with_(commune=None), None))


# --------------------------------------------------------------------------- plain words
def test_jargon_explained(ctx):
    epci = _epci_of(ctx, PITHIVIERS)
    tree = fiche.fiche_panel(ctx, ViewState(territoire=epci), None)
    abbrs = {c.children: c.title for c in _walk(tree) if isinstance(c, html.Abbr)}
    assert "SIREN" in abbrs and "intercommunalité" in abbrs["Intercommunalité"].lower()
    text = _text(tree)
    assert "Lexique" in text and "membre(s)" not in text
    ti = _text(fiche.fiche_panel(ctx, ViewState(territoire="ti-2406"), None))
    assert "membre(s)" not in ti and "communes" in ti


def test_nd_cards_say_why(ctx):
    titles = kpi_titles(kpis(ctx.laureats.iloc[0:0], ctx.choices))
    assert titles["kpi-part-zone-prioritaire"].startswith("n.d. : non disponible")
    no_amounts = kpi_titles({"laureats": 3, "investissement": None, "aide": None})
    assert "montants absents" in no_amounts["kpi-investissement"]


def test_comparison_table_one_column_per_place(ctx):
    terr = fiche.resolve_territory(ctx, "ti-2406", "2019-2022")
    table = fiche.comparison_table(ctx, ViewState(), terr)
    head = [c for c in _walk(table) if isinstance(c, html.Thead)][0]
    cols = [c.children for c in _walk(head) if isinstance(c, html.Th)]
    assert cols == ["Pithiviers", "Région Centre-Val de Loire", "France"]  # four narrow columns: fits a phone


def test_indicator_menu_without_amounts(official_bundle):
    ctx = DataContext(official_bundle)
    assert not ctx.has_amounts
    options = {o["value"]: o for o in INDICATEUR.options(ctx, ViewState())}
    assert not options["laureats"].get("disabled")
    for key in ("investissement", "aide", "emplois"):
        assert options[key]["disabled"] and "montants absents des données" in options[key]["label"]
        assert options[key]["title"].startswith("Indisponible")


# --------------------------------------------------------------------------- map readability
def test_zone_dots_and_rings_read(ctx):
    state = ViewState(region="24", zone="afr", depuis="2021-01-01")
    sel = filter_laureates(ctx.laureats, state)
    fig = add_zone_layer(map_figure(ctx, state, sel), ctx, state)
    from dashboard.views.map_style import PIN_SIZE_ZOOMED
    assert zone_trace(ctx, state).marker.size == ZONE_DOT_SIZE < PIN_SIZE_ZOOMED  # not mistaken for pins
    assert "commune en zone AFR" in fig.layout.annotations[0].text or "commune en AFR" in fig.layout.annotations[0].text
    ring = fig.data[TRACE_SINCE]
    n = len(ring.lat) // 2
    assert n > 0 and ring.marker.opacity == 1 and list(ring.marker.color[:n]) == [COLOR_SINCE] * n
    assert all(s >= PIN_SIZE_ZOOMED + 6 for s in ring.marker.size[:n])
