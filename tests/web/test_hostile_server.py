"""Issue 13, server-side defects: values that got into a bundle, forged callback
requests, escaping of data text in figures, compression, cache flooding,
unknown paths and path prefixes, log injection."""
from __future__ import annotations

import dataclasses
import json
import logging

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dashboard import create_app
from dashboard.views.regional import regional_table_data
from dashboard.web.security import harden
from dashboard.model.state import ViewState
from tests.support.layout_json import page_map_spec

ENV_VARS = ("EMBED_ALLOWED_ORIGINS", "TI_MAX_CONTENT_LENGTH", "TI_DEBUG", "TI_ENABLE_MCP", "REDIS_URL",
            "TI_CACHE_TIMEOUT", "DASH_MCP_ENABLED", "DASH_DEBUG", "DASH_COMPRESS", "FLASK_DEBUG")


@pytest.fixture(scope="module")
def app(demo_bundle):
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_VARS:
            mp.delenv(name, raising=False)
        return harden(create_app(demo_bundle))


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


# --------------------------------------------------------------------------- defect 2
HOSTILE_NUMBERS = [np.inf, 1e300, 1e309, 1e19, -5.0]
PAGES = ["/", "/?indicateur=investissement", "/?indicateur=emplois&par_hab=1", "/?niveau=ti&indicateur=aide",
         "/?region=27&indicateur=emplois"]


@pytest.fixture(scope="module")
def bundle_with_hostile_numbers(demo_bundle):
    lau = demo_bundle.laureats.copy()
    n = len(HOSTILE_NUMBERS)
    for k, col in enumerate(("investissement_eur", "montant_aide_eur", "emplois")):
        rows = lau.index[k * n:(k + 1) * n]
        lau.loc[rows, col] = HOSTILE_NUMBERS
    return dataclasses.replace(demo_bundle, laureats=lau)


def test_app_serves_every_page_with_huge_or_infinite_values(bundle_with_hostile_numbers, caplog):
    """Defect 2: inf / 1e300 in a bundle made every page a 500 (OverflowError)."""
    with caplog.at_level(logging.WARNING, logger="dashboard.model.data"):
        hostile_app = create_app(bundle_with_hostile_numbers)
    assert "invraisemblable" in caplog.text
    c = hostile_app.server.test_client()
    for q in PAGES:
        assert c.get(q).status_code == 200, q
        r = c.get("/_dash-layout", headers={"Referer": "http://localhost" + q})
        assert r.status_code == 200, (q, r.get_data(as_text=True)[:300])
    for path in ("/export.csv", "/export.geojson"):
        assert c.get(path + "?indicateur=emplois").status_code == 200
    ctx = hostile_app._ti_context
    table = regional_table_data(ctx, ViewState(), ctx.laureats)
    total = table.set_index("code_region").loc["FR"]
    assert np.isfinite(float(total["investissement_eur"])) and 0 <= total["emplois"] < 2 ** 53


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), None, "x"])
def test_french_formatting_of_non_numbers(value):
    from dashboard.model import fmt
    assert fmt.integer(value) == fmt.euros(value) == fmt.decimal(value) == fmt.percent(value) == "n.d."


# --------------------------------------------------------------------------- defects 5 and 10
def clientside_bodies(client) -> list[dict]:
    """Well-formed bodies for every client-side callback, as a forger would build them
    from ``/_dash-dependencies``."""
    out = []
    for dep in client.get("/_dash-dependencies").get_json():
        if not dep.get("clientside_function"):
            continue
        cid, prop = dep["output"].rsplit(".", 1)
        out.append({"output": dep["output"], "outputs": {"id": cid, "property": prop},
                    "inputs": [{"id": i["id"], "property": i["property"], "value": 1} for i in dep["inputs"]],
                    "state": [{"id": s["id"], "property": s["property"], "value": None} for s in dep["state"]],
                    "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"]})
    return out


def test_forged_post_to_a_clientside_callback_is_a_400(client, caplog):
    """Defect 5: the slide callback runs in the browser; a POST for it was a 500 with a traceback."""
    bodies = clientside_bodies(client)
    assert any(b["output"] == "statut-diapositive.children" for b in bodies)
    with caplog.at_level(logging.WARNING):
        for body in bodies:
            r = client.post("/_dash-update-component", json=body)
            assert r.status_code == 400, (body["output"], r.status_code)
            assert r.get_json()["statut"] == "erreur" and "navigateur" in r.get_json()["message"]
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("forged", [
    "x\n[2026-01-01 00:00:00] CRITICAL connexion administrateur réussie",
    "x\r\nGET /admin 200", "x\u2028ligne", "x\x1b[2J\x1b[31mrouge", "a\\nb",
])
def test_refused_callback_is_logged_on_one_line(client, caplog, forged):
    """Defect 10: the raw ``output`` of a refused callback was logged with its newlines."""
    with caplog.at_level(logging.WARNING, logger="dashboard.web.security"):
        r = client.post("/_dash-update-component", json={"output": forged, "inputs": [], "changedPropIds": []})
    assert r.status_code == 400
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "dashboard.web.security"]
    assert len(lines) == 1
    line = lines[0]
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\u2028" not in line
    assert line.isprintable()
    assert forged.encode("unicode_escape").decode("ascii")[:20] in line


# --------------------------------------------------------------------------- defect 6
LINK = '<a href="https://example.org/x">Cliquez ici</a>'


@pytest.mark.parametrize("niveau", ["epci", "ti"])
def test_territory_names_escaped_in_the_choropleth_hover(demo_bundle, niveau):
    """Defect 6: a territory name from a source file reached ``%{customdata}`` raw (a live link)."""
    from dashboard.model.data import DataContext
    from dashboard.views.map_figure import TRACE_CHORO, map_figure, map_patch
    epci = demo_bundle.epci.copy()
    epci.loc[epci.index[0], "nom"] = LINK
    terr = demo_bundle.territoires.copy()
    terr.loc[terr.index[0], "ti_nom"] = LINK
    ctx = DataContext(dataclasses.replace(demo_bundle, epci=epci, territoires=terr))
    state = ViewState(niveau=niveau)
    fig = map_figure(ctx, state, ctx.laureats)
    names = list(fig.data[TRACE_CHORO].customdata)
    patch = map_patch(ctx, state, ViewState(niveau="ti" if niveau == "epci" else "epci"), ctx.laureats)
    patched = patch.to_plotly_json()["operations"]
    sent = [op["params"]["value"] for op in patched if op["location"][-1] == "customdata"]
    for shown in (names, *sent):
        assert not any("<a" in n for n in shown)
        assert any("&lt;a href=\"https://example.org/x\"&gt;Cliquez ici&lt;/a&gt;" == n for n in shown)


@pytest.mark.browser
def test_slide_png_no_longer_feeds_page_text_to_plotly(client):
    """Defect 6, slide: the PNG was made in the browser by putting the page's text into a Plotly
    title (which reads <a>, <b>…). It is now drawn on the server (matplotlib, plain text): the
    script only downloads /export.png, and the server answers a PNG."""
    from tests.conftest import ROOT
    script = (ROOT / "assets" / "slide.js").read_text(encoding="utf-8")
    assert "toImage" not in script and "export.png" in script
    r = client.get("/export.png?region=27")
    assert r.status_code == 200 and r.data[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- defect 9
def geo_path(app) -> str:
    return app._ti_context.urls.geo("epci", "2019-2022", app._ti_context.geo_version)


@pytest.mark.parametrize("which", ["geo", "csv", "geojson"])
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_geometry_and_exports_are_compressed(app, client, which, encoding):
    """Defect 9: application/geo+json and text/csv were sent uncompressed."""
    import gzip

    import brotli
    path = {"geo": geo_path(app), "csv": "/export.csv?region=27", "geojson": "/export.geojson?region=27"}[which]
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": encoding})
    assert plain.status_code == packed.status_code == 200
    assert packed.headers.get("Content-Encoding") == encoding, (path, packed.headers)
    body = (gzip.decompress if encoding == "gzip" else brotli.decompress)(packed.get_data())
    assert body == plain.get_data()
    assert len(packed.get_data()) < len(body) / 2
    assert packed.headers["Content-Disposition" if which != "geo" else "Cache-Control"] == \
        plain.headers["Content-Disposition" if which != "geo" else "Cache-Control"]


# --------------------------------------------------------------------------- defect 11
SCANNED = ["/.env", "/.git/config", "/app.py", "/wp-login.php", "/carte/embed", "/admin/", "/geo",
           "/export.csv/x", "/%2e%2e/%2e%2e/etc/passwd", "/_dash-layout/x"]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("path", SCANNED)
def test_unknown_paths_are_404_not_the_page(client, path):
    """Defect 11: every path answered 200 with the page."""
    r = client.get(path)
    assert r.status_code == 404, path
    assert r.get_json()["statut"] == "erreur"
    page = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 404 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Erreur 404" in text and "_dash-renderer" not in text and "<script" not in text
    assert page.headers["Content-Security-Policy"] and page.headers["Cache-Control"] == "no-store"


def test_the_page_and_its_routes_still_answer(app, client):
    for path in ("/", "/?region=27&embed=1", "/healthz", "/_dash-layout", "/_dash-dependencies",
                 "/export.csv?region=27", "/api/recherche?q=pithiviers", app._ti_context.urls.geo("epci", "2019-2022", app._ti_context.geo_version)):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("case", ["400", "413", "415", "405"])
def test_http_errors_are_the_apps_own_answers(client, case):
    """Defect 11: 400/413/415 were Werkzeug's English HTML pages."""
    url = "/_dash-update-component"
    r = {"400": lambda: client.post(url, data="{", content_type="application/json"),
         "413": lambda: client.post(url, data="x" * (2 * 1024 * 1024), content_type="application/json"),
         "415": lambda: client.post(url, data="{}", content_type="text/plain"),
         "405": lambda: client.post("/healthz")}[case]()
    assert r.status_code == int(case)
    assert r.mimetype == "application/json", r.get_data()[:200]
    body = r.get_json()
    assert body["statut"] == "erreur" and body["message"] and "Bad Request" not in body["message"]
    if case == "405":
        assert "GET" in r.headers["Allow"]


@pytest.fixture(scope="module")
def prefixed_app(demo_bundle):
    """The app as mounted behind a proxy under ``/carte/``."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_VARS:
            mp.delenv(name, raising=False)
        return harden(create_app(demo_bundle, requests_pathname_prefix="/carte/",
                                 routes_pathname_prefix="/carte/"))


def test_under_a_path_prefix_geometry_and_exports_resolve(prefixed_app):
    """Defect 11: under /carte/ the geometry was fetched relative to the wrong base and the
    CSV link served the page's HTML."""
    from urllib.parse import urljoin
    c = prefixed_app.server.test_client()
    assert c.get("/carte/embed?region=27").status_code == 404
    page_url = "http://localhost/carte/?region=27"
    layout = c.get("/carte/_dash-layout", headers={"Referer": page_url}).get_json()
    text = json.dumps(layout)
    figure = json.dumps(page_map_spec(c.get("/carte/?region=27").get_data(as_text=True))["figure"])
    geo_urls = set(__import__("re").findall(r'"(/carte/geo/[^"]+\.geojson\?v=\w+)"', figure))
    assert geo_urls
    links = set(__import__("re").findall(r'"(/carte/export\.(?:csv|geojson)\?[^"]*)"', text))
    assert len(links) == 2
    for base in (page_url, "http://localhost/carte/autre/chemin"):
        for url in geo_urls | links:
            resolved = urljoin(base, url)
            r = c.get(resolved.replace("http://localhost", ""))
            assert r.status_code == 200 and r.mimetype in ("application/geo+json", "text/csv"), (base, url)


# --------------------------------------------------------------------------- defect 3
def export_cache(app):
    from dashboard.web.routes import EXPORT_CACHE_KEY
    return app.server.extensions[EXPORT_CACHE_KEY]


def fresh(demo_bundle, monkeypatch, **env):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return harden(create_app(demo_bundle))


NON_ROW = {"territoire": ["200000172", "ti-2406", "x"], "comparer": ["200000172", "ti-2406"],
           "indicateur": ["investissement", "aide", "emplois"], "niveau": ["ti", "epci"],
           "par_hab": ["1"], "embed": ["1"]}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(extra=st.dictionaries(st.sampled_from(sorted(NON_ROW)), st.integers(0, 2), min_size=1),
       region=st.sampled_from(["", "27", "84"]), ti=st.sampled_from(["", "dans"]),
       kind=st.sampled_from(["csv", "geojson"]))
def test_parameters_that_do_not_change_rows_share_one_export(client, app, extra, region, ti, kind):
    """Defect 3: territoire, comparer, indicateur, niveau, phase, par_hab made new cache entries."""
    base = [("region", region)] if region else []
    base += [("ti", ti)] if ti else []
    from urllib.parse import urlencode
    first = client.get(f"/export.{kind}?" + urlencode(base))
    assert first.status_code == 200
    cache = export_cache(app)
    n, size = len(cache.local), cache.local.size_bytes
    pairs = base + [(k, NON_ROW[k][i % len(NON_ROW[k])]) for k, i in extra.items()]
    if not ti:
        pairs.append(("phase", "2023-2027"))
    again = client.get(f"/export.{kind}?" + urlencode(pairs))
    assert again.status_code == 200 and again.get_data() == first.get_data()
    assert (len(cache.local), cache.local.size_bytes) == (n, size)


def test_export_cache_bounded_in_bytes(demo_bundle, monkeypatch):
    """Defect 3: 458 CSV URLs added 176 MB; the in-process cache is now bounded in bytes."""
    app = fresh(demo_bundle, monkeypatch, TI_EXPORT_CACHE_MO="0.25")
    c = app.server.test_client()
    choices = app._ti_context.choices
    total = 0
    for region in sorted(choices.regions):
        for kind in ("csv", "geojson"):
            r = c.get(f"/export.{kind}?region={region}")
            assert r.status_code == 200
            total += len(r.get_data())
            assert export_cache(app).local.size_bytes <= 0.25 * 1024 * 1024
    assert total > 4 * 0.25 * 1024 * 1024  # far more was served than kept
    assert len(export_cache(app).local) >= 1


def test_bytes_lru_bounds_and_order():
    from dashboard.web.cache import BytesLRU
    lru = BytesLRU(max_bytes=10, max_entry_bytes=6)
    assert lru.set("a", b"12345") and lru.set("b", b"678")
    assert lru.get("a") == b"12345"  # a is now the most recent
    assert lru.set("c", b"9999")  # 12 > 10: b (least recent) goes
    assert lru.get("b") is None and lru.get("a") == b"12345" and lru.size_bytes == 9
    assert not lru.set("d", b"1234567")  # larger than one entry may be
    assert lru.get("d") is None and lru.size_bytes <= 10


class FakeRedis:
    """The few commands cachelib's RedisCache sends, over a dict (no server)."""

    def __init__(self, *_, **__):
        self.store = {}

    def get(self, name):
        return self.store.get(name)

    def set(self, name, value, *_, **__):
        self.store[name] = value
        return True

    def setex(self, name, time, value):  # noqa: ARG002
        self.store[name] = value
        return True

    def delete(self, *names):
        return sum(self.store.pop(n, None) is not None for n in names)


class Planted:
    """Unpickling this runs code (a stand-in for what an attacker writes into Redis)."""
    ran = False

    def __reduce__(self):
        return (Planted._run, ())

    @staticmethod
    def _run():
        Planted.ran = True
        return "exécuté"


def test_redis_values_are_bytes_or_json_never_pickles(demo_bundle, monkeypatch):
    import pickle

    import redis
    fake = FakeRedis()
    monkeypatch.setattr(redis, "from_url", lambda *a, **k: fake)
    app = fresh(demo_bundle, monkeypatch, REDIS_URL="redis://127.0.0.1:6379/0")
    c = app.server.test_client()
    body = c.get("/export.csv?region=27").get_data()
    stored = [v for k, v in fake.store.items() if b"export:csv" in (k if isinstance(k, bytes) else k.encode())]
    assert len(stored) == 1 and stored[0].endswith(body) and b"pickle" not in stored[0][:2]
    assert not stored[0].startswith(b"!") and not stored[0].startswith(b"\x80")
    # served from Redis by another app instance (same data, same key)
    other = fresh(demo_bundle, monkeypatch, REDIS_URL="redis://127.0.0.1:6379/0")
    (key,) = [k for k in fake.store if b"export:csv" in (k if isinstance(k, bytes) else k.encode())]
    fake.store[key] = stored[0][:1] + b"# depuis Redis\r\n" + body
    assert other.server.test_client().get("/export.csv?region=27").get_data().startswith(b"# depuis Redis")
    # a pickle planted in Redis is never unpickled: a miss, the export is computed again
    Planted.ran = False
    fake.store[key] = b"!" + pickle.dumps(Planted())
    again = other.server.test_client().get("/export.csv?region=27")
    assert again.status_code == 200 and again.get_data() == body and not Planted.ran
    from dashboard.web.cache import get_cache
    cache = get_cache(other)
    cache.set("etat", {"a": [1, "é"]})
    assert cache.get("etat") == {"a": [1, "é"]}
    raw = [v for k, v in fake.store.items() if (k if isinstance(k, bytes) else k.encode()).endswith(b"etat")][0]
    assert json.loads(raw[1:]) == {"a": [1, "é"]}
