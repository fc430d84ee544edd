"""A page view starts no callback: the layout already holds the view of its URL (issue 20: five
callbacks ran at load, each re-running Dash's selectors over ~800 components), and the hidden
tabs hold nothing until opened."""
from __future__ import annotations

import json

import pytest

from dashboard import create_app
from dashboard.views import ids
from dashboard.views.barometre import BAROMETRE_BOX
from dashboard.views.panels import URL_PANELS


@pytest.fixture(scope="module")
def client(demo_bundle):
    return create_app(demo_bundle).server.test_client()


def _components(node):
    if isinstance(node, dict):
        if "namespace" in node and "props" in node:
            yield node
        for v in node.values():
            yield from _components(v)
    elif isinstance(node, list):
        for v in node:
            yield from _components(v)


def _key(cid):
    return json.dumps(cid, sort_keys=True, separators=(",", ":")) if isinstance(cid, dict) else cid


def _output_ids(output: str) -> list:
    """Component ids of a dependency's ``output`` string (``a.b`` or ``..a.b...c.d..``)."""
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        cid = part.rsplit(".", 1)[0].split("@", 1)[0]
        out.append(json.loads(cid) if cid.startswith("{") else cid)
    return out


def _present(cid, layout_ids) -> bool:
    if isinstance(cid, dict):  # pattern-matching: any component of that type
        return any(isinstance(i, dict) and i.get("type") == cid.get("type") for i in layout_ids)
    return cid in layout_ids


def _layout(client, query):
    return client.get("/_dash-layout", headers={"Referer": "http://localhost/" + query}).get_json()


@pytest.mark.parametrize("query", ["", "?region=24&territoire=200071850", "?embed=1&region=24",
                                   "?region=84&inconnu=1"])
def test_no_callback_runs_at_page_load(client, query):
    layout = _layout(client, query)
    layout_ids = [c["props"]["id"] for c in _components(layout) if "id" in c["props"]]
    initial = [d["output"] for d in client.get("/_dash-dependencies").get_json()
               if not d.get("prevent_initial_call") and any(_present(i, layout_ids) for i in _output_ids(d["output"]))]
    assert initial == []
    # dcc.Location sets every missing address property when it mounts, which fires the URL's callbacks
    location = next(c for c in _components(layout) if c["props"].get("id") == ids.URL)
    assert {"pathname", "search", "hash", "href"} <= {k for k, v in location["props"].items() if v is not None}
    assert location["props"]["search"] == next(c for c in _components(layout)
                                               if c["props"].get("id") == ids.RENDERED)["props"]["data"]


def test_only_the_open_tab_is_in_the_layout(client):
    boxes = {p.tab: p.box_id for p in URL_PANELS}
    for query, open_tab in (("", "classement"), ("?region=24&territoire=200071850", "fiche")):
        layout = _layout(client, query)
        by_id = {_key(c["props"].get("id")): c for c in _components(layout)}
        for tab, box in boxes.items():
            assert (by_id[box]["props"].get("children") is not None) == (tab == open_tab), (query, tab)
        assert by_id[BAROMETRE_BOX]["props"].get("children") is None  # the barometer map: when its tab opens
        assert by_id[ids.PANELS_DRAWN]["props"]["data"] == {open_tab: query}
        assert ids.TIME not in by_id and ids.BAROMETRE not in by_id  # no hidden figure at all
