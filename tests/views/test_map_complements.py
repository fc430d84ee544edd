"""The map figure's constant parts (pin hover texts, territory names, region lines) are served at
versioned, cached URLs: the page's layout was 565-624 KB, three quarters of it these (issue 20)."""
from __future__ import annotations

import json

import pytest

from dashboard import create_app
from dashboard.model.state import ViewState
from dashboard.views.map_figure import (COMPLEMENT, TRACE_CHORO, TRACE_IN, TRACE_OUT, TRACE_REGIONS, map_figure,
                                        map_patch)
from tests.support.layout_json import find_component, page_map_spec


@pytest.fixture(scope="module")
def app(demo_bundle):
    return create_app(demo_bundle)


def _filled(client, trace: dict) -> dict:
    """The trace as ``assets/complements.js`` completes it."""
    r = client.get(trace["meta"][COMPLEMENT])
    assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    part = r.get_json()
    if "noms" in part:
        return {**trace, "customdata": [part["noms"].get(loc, "") for loc in trace["locations"]]}
    return {**trace, **part}


@pytest.mark.parametrize("query", ["", "?region=24&territoire=200071850", "?niveau=ti&phase=2023-2027"])
def test_layout_is_light_and_the_complements_give_back_the_whole_figure(app, query):
    client = app.server.test_client()
    raw = client.get("/_dash-layout", headers={"Referer": "http://localhost/" + query}).data
    assert len(raw) <= 250_000
    # the map is not Dash's: its figure is in the page's HTML (drawn before Dash starts), not in the layout
    assert "figure" not in find_component(json.loads(raw), "carte")["props"]
    fig = page_map_spec(client.get("/" + query).get_data(as_text=True))["figure"]
    ctx = app._ti_context
    state = ViewState.from_query(query, ctx.choices)[0]
    from dashboard.model.data import filter_laureates
    whole = json.loads(map_figure(ctx, state, filter_laureates(ctx.laureats, state)).to_json())
    for idx, attrs in ((TRACE_IN, ["hovertext"]), (TRACE_OUT, ["hovertext"]), (TRACE_CHORO, ["customdata"]),
                       (TRACE_REGIONS, ["lon", "lat"])):
        trace = fig["data"][idx]
        assert not any(trace.get(a) for a in attrs), (idx, attrs)  # not in the page
        filled = _filled(client, trace)
        for a in attrs:
            assert filled[a] == whole["data"][idx][a], (idx, a)


def test_a_phase_change_sends_the_complement_not_the_texts(app):
    ctx = app._ti_context
    before, after = ViewState(), ViewState(phase="2023-2027", niveau="ti")
    from dashboard.model.data import filter_laureates
    patch = map_patch(ctx, after, before, filter_laureates(ctx.laureats, after))
    from dash._utils import to_json
    assert len(to_json(patch)) <= 30_000  # the hover texts alone were 310 KB
    ops = patch.to_plotly_json()["operations"]
    assigned = {(op["location"][1], op["location"][2]) for op in ops if op["location"][0] == "data"}
    assert (TRACE_IN, "meta") in assigned and (TRACE_IN, "hovertext") not in assigned
    assert (TRACE_CHORO, "meta") in assigned and (TRACE_CHORO, "customdata") not in assigned


def test_unknown_complement_is_refused(app):
    client = app.server.test_client()
    assert client.get("/geo/complements/inconnu.json").status_code == 404
    assert client.get("/geo/complements/..%2Fsettings.json").status_code == 404


def test_embed_figure_has_no_trace_that_draws_nothing(app):
    """Every map trace is four MapLibre sources and layers, tiled and drawn even when empty: the embed
    (no update addresses its traces) keeps only those that draw; the page keeps its trace indices."""
    from dashboard.model.data import filter_laureates
    from dashboard.views.embed import embed_figure
    from dashboard.views.map_overlays import TRACE_COMMUNE, add_overlays
    ctx = app._ti_context
    for query, overlay in (("?embed=1&region=24", None), ("?embed=1&region=24&zone=afr", "communes en zone AFR")):
        state, _ = ViewState.from_query(query, ctx.choices)
        sel = filter_laureates(ctx.laureats, state)
        names = [t.name for t in embed_figure(ctx, state, sel).data]
        assert names[:5] == ["territoires", "Territoires d'industrie 2019-2022", "Régions", "Lauréat dans un TI",
                             "Lauréat hors TI"]
        assert names[5:] == ([overlay] if overlay else [])  # no empty selection, rings, zone or commune trace
        page_fig = add_overlays(map_figure(ctx, state, sel), ctx, state)
        assert len(page_fig.data) == TRACE_COMMUNE + 1  # the page's patches address traces by index
