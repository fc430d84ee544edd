"""Figure builders on the real bundle: pure functions of (data, state)."""
import math

import plotly
import pytest

from dashboard.model.data import DataContext, filter_laureates
from dashboard.views.map_figure import TRACE_CHORO, TRACE_IN, TRACE_OUT, TRACE_TI, map_figure, map_patch
from dashboard.model.state import ViewState


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


def _json(obj) -> str:
    return plotly.io.json.to_json_plotly(obj)  # what Dash sends


def test_map_figure_traces(ctx):
    state = ViewState(region="27")
    sel = filter_laureates(ctx.laureats, state)
    fig = map_figure(ctx, state, sel)
    choro = fig.data[TRACE_CHORO]
    assert choro.type == "choroplethmap"
    assert len(choro.locations) == len(ctx.epci)
    in_region = set(ctx.communes.loc[ctx.communes["code_region"] == "27", "epci_siren"].dropna())
    z = dict(zip(choro.locations, choro.z))
    assert all((not math.isnan(z[e])) == (e in in_region) for e in z)   # NaN: no value, drawn empty
    assert sum(v for v in z.values() if not math.isnan(v)) == len(sel)  # every laureate counted once
    shown_in = sum(not math.isnan(v) for v in fig.data[TRACE_IN].lat)
    shown_out = sum(not math.isnan(v) for v in fig.data[TRACE_OUT].lat)
    assert shown_in + shown_out == len(sel)
    assert shown_in == int(sel["in_ti_2019_2022"].sum())
    # every laureate has its (hidden or shown) pin, aligned with its hover text
    assert len(fig.data[TRACE_IN].lat) + len(fig.data[TRACE_OUT].lat) == len(ctx.laureats)
    assert len(fig.data[TRACE_IN].hovertext) == len(fig.data[TRACE_IN].lat)
    assert fig.layout.map.style == "white-bg"  # no token, no tile server
    assert "mapbox" not in fig.to_json()
    assert fig.data[TRACE_TI].name == "Territoires d'industrie 2019-2022"


def test_ti_level_and_phase(ctx):
    state = ViewState(niveau="ti", phase="2023-2027")
    fig = map_figure(ctx, state, filter_laureates(ctx.laureats, state))
    assert len(fig.data[TRACE_CHORO].locations) == 183
    assert len(fig.data[TRACE_TI].locations) == 183
    regional = map_figure(ctx, state.with_(region="27"), ctx.laureats.iloc[0:0])
    n27 = int(((ctx.territoires["phase"] == "2023-2027") & (ctx.territoires["code_region"] == "27")).sum())
    assert len(regional.data[TRACE_TI].locations) == n27 < 183


def test_patch_for_filter_change_sends_no_geometry(ctx):
    before = ViewState(region="27")
    after = ViewState(region="27", filiere=("Agroalimentaire",))
    p = map_patch(ctx, after, before, filter_laureates(ctx.laureats, after))
    body = _json(p.to_plotly_json())
    assert "geojson" not in body and "FeatureCollection" not in body
    assert "hovertext" not in body  # pins' text already on the page: only positions of kept pins travel
    assert len(body) < 30_000
    # the naive way re-sends the whole figure with its polygons
    full = map_figure(ctx, after, filter_laureates(ctx.laureats, after)).to_json()
    assert len(body) * 20 < len(full) + len(ctx.geo_bytes("epci"))


def test_patch_for_level_change_sends_new_geometry(ctx):
    before = ViewState()
    after = ViewState(niveau="ti")
    body = _json(map_patch(ctx, after, before, filter_laureates(ctx.laureats, after)).to_plotly_json())
    assert "ti-2019-2022.geojson" in body and "FeatureCollection" not in body


def test_patch_moves_view_only_when_region_changes(ctx):
    same = map_patch(ctx, ViewState(region="27", zone="afr"), ViewState(region="27"), ctx.laureats.iloc[0:0])
    moved = map_patch(ctx, ViewState(region="53"), ViewState(region="27"), ctx.laureats.iloc[0:0])
    assert '"center"' not in _json(same.to_plotly_json())
    assert '"center"' in _json(moved.to_plotly_json())


def test_hover_text_is_escaped(ctx):
    from dashboard.views.map_figure import pin_static
    sel = ctx.laureats.head(1).copy()
    sel["entreprise"] = "<img src=x onerror=alert(1)>"
    text = pin_static(sel)["hovertext"][0]
    assert "<img" not in text and "&lt;img" in text
