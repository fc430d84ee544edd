"""``/_dash-layout`` is serialised and compressed once per view and process (it was 25-30 ms of CPU
per page view: two thirds of the server's work under load), and stays exactly Dash's own answer."""
from __future__ import annotations

import gzip

import pytest

import dashboard.web.factory
from dashboard import create_app

from tests.support.browser import url_callback_body
from tests.support.layout_json import find_component


def test_layout_is_dashs_own_answer_serialised_once_per_view(demo_bundle, monkeypatch):
    app = create_app(demo_bundle)
    real = dashboard.web.factory.to_json
    calls = []
    monkeypatch.setattr(dashboard.web.factory, "to_json", lambda layout: calls.append(1) or real(layout))
    client = app.server.test_client()
    views = ["?region=27", "?region=27", "?region=84&inconnu=1", "?region=27", "?region=84&inconnu=1"]
    for query in views:
        referer = {"Referer": "http://localhost/" + query}
        with app.server.test_request_context("/_dash-layout", headers=referer):
            expected = real(app.get_layout()).encode("utf-8")
        packed = client.get("/_dash-layout", headers={**referer, "Accept-Encoding": "gzip, br"})
        plain = client.get("/_dash-layout", headers={**referer, "Accept-Encoding": "identity"})
        assert packed.status_code == plain.status_code == 200
        assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
        assert gzip.decompress(packed.data) == expected and plain.data == expected
        assert packed.headers["Cache-Control"] == "no-store" and "Content-Security-Policy" in packed.headers
        assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(calls) == 2  # two distinct views


def test_pin_hover_texts_are_built_once_per_phase(demo_bundle, monkeypatch):
    """A new view's page rebuilt the hover text of every pin (1,416 strings, ~20 ms): it depends on
    the phase only."""
    from dashboard.views import map_figure
    from dashboard.model.data import DataContext, filter_laureates
    from dashboard.model.state import ViewState

    ctx = DataContext(demo_bundle)
    calls = []
    real = map_figure._pin_text
    monkeypatch.setattr(map_figure, "_pin_text", lambda r: calls.append(1) or real(r))
    texts = []
    for query in ("?region=27", "?region=84&ti=dans", "?zone=afr"):
        state = ViewState.from_query(query, ctx.choices)[0]
        fig = map_figure.map_figure(ctx, state, filter_laureates(ctx.laureats, state))
        texts.append([list(t.hovertext) for t in fig.data if t.type == "scattermap" and t.hovertext is not None])
    assert len(calls) == len(ctx.laureats)  # once per laureate, for the first view only
    assert texts[0] == texts[1] == texts[2] and sum(len(t) for t in texts[0]) == len(ctx.laureats)


@pytest.fixture(scope="module")
def warmed_app(demo_bundle):
    """An app after ``warm_up`` (what gunicorn's master has before fork, under ``preload_app``)."""
    from dashboard.runtime import warm_up

    app = create_app(demo_bundle)
    warm_up(app)
    return app


def test_warm_up_builds_the_default_layout_before_fork(warmed_app, monkeypatch):
    """Most visitors open the map without a query: its layout is built once in gunicorn's master
    (``warm_up`` runs under ``preload_app``) rather than once per worker on a visitor's request."""
    app = warmed_app
    calls = []
    real = dashboard.web.factory.to_json
    monkeypatch.setattr(dashboard.web.factory, "to_json", lambda layout: calls.append(1) or real(layout))
    r = app.server.test_client().get("/_dash-layout", headers={"Referer": "http://localhost/"})
    assert r.status_code == 200 and b"kpi-laureats" in r.data
    assert calls == []


def test_warm_up_makes_the_place_names_before_fork(warmed_app, monkeypatch):
    """The place names over the map (/geo/lieux.json, 0.18 s to make) are made by ``warm_up``, not on
    the first visitor's request of each process."""
    import dashboard.web.routes
    from dashboard.views.map_overlays import places_url

    app = warmed_app
    calls = []
    real = dashboard.web.routes.place_labels_json
    monkeypatch.setattr(dashboard.web.routes, "place_labels_json", lambda ctx: calls.append(1) or real(ctx))
    r = app.server.test_client().get(places_url(app._ti_context))
    assert r.status_code == 200 and r.get_json()
    assert calls == []


def _dependency(client, output_part):
    return next(d for d in client.get("/_dash-dependencies").get_json() if output_part in d["output"])


_body = url_callback_body  # tests/support/browser.py


def test_panels_are_not_recomputed_for_the_view_the_layout_holds(demo_bundle):
    """The panels callback (fiche, ranking, regions, months: ~90 ms of CPU, the dearest request of a
    page view) answers nothing for the view the layout holds, and for another view it sends exactly
    what that view's layout holds in its open tab."""
    import json

    app = create_app(demo_bundle)
    client = app.server.test_client()
    dep = _dependency(client, "classement.children")
    query = "?region=24&territoire=200071850"
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/" + query}).get_json()
    assert find_component(layout, "etat-rendu")["props"]["data"] == query

    def body(search, rendered, drawn):
        b = _body(dep, search, rendered)
        b["inputs"].append({"id": "onglets", "property": "active_tab", "value": "fiche"})
        b["state"].append({"id": "onglets-dessines", "property": "data", "value": drawn})
        return b

    same = client.post("/_dash-update-component", json=body(query, query, {"fiche": query}))
    assert same.status_code in (200, 204)
    assert not (same.status_code == 200 and same.get_json().get("response"))

    fresh = client.post("/_dash-update-component", json=body(query, "?region=24", {"classement": "?region=24"}))
    assert fresh.status_code == 200
    response = fresh.get_json()["response"]
    sent = json.loads(json.dumps(response["fiche"]["children"]))
    assert sent == find_component(layout, "fiche")["props"]["children"]
    assert "classement" not in response and "tableau-regions" not in response  # hidden tabs: when opened
