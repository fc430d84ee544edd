"""The page's ``<head>`` names what its first map needs (issue 20): the geometry and complements of
the view's figure, the ``dcc`` chunks of its components; the embed view, its geometry. Each is a
file the app serves; nothing else is preloaded (a preload never used is a wasted download)."""
from __future__ import annotations

import re

import pytest
from dash import dcc, html

from dashboard import create_app
from dashboard.views.preload import DCC_PATH, dcc_chunk_urls, map_resource_urls, preload_tags
from tests.support.layout_json import page_map_spec

PRELOAD_RE = re.compile(r'<link rel="preload" as="(\w+)"( crossorigin)? href="([^"]+)">')


@pytest.fixture(scope="module")
def client(demo_bundle):
    return create_app(demo_bundle).server.test_client()


def _preloads(html_text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind, cross, url in PRELOAD_RE.findall(html_text):
        assert kind == "script" or cross, url  # fetch() and XMLHttpRequest ask in CORS mode
        out.setdefault(kind, []).append(url.replace("&amp;", "&"))
    return out


@pytest.mark.parametrize("query", ["", "?region=24&niveau=ti", "?departement=45&zone=afr"])
def test_page_preloads_what_its_map_fetches(client, query):
    page = client.get("/" + query).get_data(as_text=True)
    pre = _preloads(page)
    fig = page_map_spec(page)["figure"]
    wanted = {t["geojson"] for t in fig["data"] if isinstance(t.get("geojson"), str)}
    wanted |= {t["meta"]["complement"] for t in fig["data"] if isinstance(t.get("meta"), dict)}
    assert set(pre["fetch"]) == wanted and len(pre["fetch"]) == len(wanted)  # each once
    chunks = [u for u in pre["script"] if DCC_PATH in u]
    assert sorted(u.rsplit("/", 1)[1] for u in chunks) == ["async-dropdown.js", "async-slider.js"]
    for url in pre["fetch"] + chunks:  # all served (a preload of a 404 would be a console error)
        assert client.get(url).status_code == 200, url


def test_other_pages_preload_no_map_file(client):
    about = client.get("/a-propos").get_data(as_text=True)
    info = _preloads(about)
    assert "fetch" not in info and not [u for u in info.get("script", []) if DCC_PATH in u]
    assert "plotly.min.js" not in about  # no map there: plotly.js is not fetched
    embed = client.get("/?embed=1&region=24").get_data(as_text=True)
    pre = _preloads(embed)
    spec = page_map_spec(embed)
    assert pre["fetch"] == map_resource_urls(spec["figure"]) and all("-region-24" in u for u in pre["fetch"])
    assert "script" not in pre and DCC_PATH not in embed  # no Dash renderer there


def test_resource_urls_and_chunks_from_a_figure_and_a_tree():
    fig = {"data": [{"type": "choroplethmap", "geojson": "/geo/a.geojson?v=1", "meta": {"complement": "/c/n.json"}},
                    {"type": "choroplethmap", "geojson": "/geo/a.geojson?v=1"},
                    {"type": "choroplethmap", "geojson": {"type": "FeatureCollection", "features": []}},
                    {"type": "scattermap", "meta": {"complement": "/c/p.json"}}]}
    assert map_resource_urls(fig) == ["/geo/a.geojson?v=1", "/c/n.json", "/c/p.json"]
    tree = html.Div([dcc.Graph(id="g"), html.Div(dcc.Dropdown(id="d")), dcc.Dropdown(id="e"), dcc.RangeSlider(0, 1)])
    assert dcc_chunk_urls(tree, "/p/") == [f"/p/{DCC_PATH}async-graph.js", f"/p/{DCC_PATH}async-dropdown.js",
                                           f"/p/{DCC_PATH}async-slider.js"]
    assert dcc_chunk_urls(html.Div("texte"), "/") == []
    assert preload_tags(["/a?x=1&y=2"], ["/s.js"]) == (
        '<link rel="preload" as="fetch" crossorigin href="/a?x=1&amp;y=2">'
        '<link rel="preload" as="script" href="/s.js">')
