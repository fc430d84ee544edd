"""Hardening of the server (``dashboard.web.security.harden``): headers, limits,
``/healthz``, cache, forged callback requests, property tests on URLs, and
the Content-Security-Policy checked in headless Chromium."""
from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

import brotli
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dashboard import create_app
from dashboard.web.cache import get_cache
from dashboard.web.callback_guard import check_callback_body
from dashboard.web.compression import _StaticCompressionCache
from dashboard.web.headers import LONG_CACHE
from dashboard.web.security import SecuritySettings, harden, parse_origins
from dashboard.model.state import ViewState

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"

ENV_VARS = ("EMBED_ALLOWED_ORIGINS", "TI_MAX_CONTENT_LENGTH", "TI_DEBUG", "TI_ENABLE_MCP", "REDIS_URL",
            "TI_CACHE_TIMEOUT", "DASH_MCP_ENABLED", "DASH_DEBUG", "DASH_UI", "DASH_PROPS_CHECK",
            "DASH_HOT_RELOAD", "DASH_COMPRESS", "FLASK_DEBUG")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

HYPO = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- fixtures and helpers
def _clean_env(mp):
    for name in ENV_VARS:
        mp.delenv(name, raising=False)


@pytest.fixture(scope="module")
def app(demo_bundle):
    """The app with the default settings (no relevant variable in the environment)."""
    with pytest.MonkeyPatch.context() as mp:
        _clean_env(mp)
        return harden(create_app(demo_bundle))


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture
def fresh_app(demo_bundle, monkeypatch):
    """Factory: a new hardened app built under the given environment variables."""
    def make(**env):
        _clean_env(monkeypatch)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        return harden(create_app(demo_bundle))
    return make


def csp_directives(value: str) -> dict[str, list[str]]:
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def fingerprinted_script(client) -> str:
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)
    assert urls
    return urls[0]


# --------------------------------------------------------------------------- headers
def test_security_headers_on_every_response(app, client):
    script = fingerprinted_script(client)
    responses = {
        "/": client.get("/"),
        "/?region=27": client.get("/?region=27"),
        "/_dash-layout": client.get("/_dash-layout"),
        "/_dash-dependencies": client.get("/_dash-dependencies"),
        "/healthz": client.get("/healthz"),
        "asset": client.get("/assets/style.css?m=1"),
        "script": client.get(script),
        "unknown page": client.get("/une/page/inconnue"),
        "unknown suite file": client.get("/_dash-component-suites/inconnu/x.js"),
        "bad callback": client.post("/_dash-update-component", json={"output": "x.y"}),
        "413": client.post("/_dash-update-component", data=b"0" * (2 * 1024 * 1024),
                           content_type="application/json"),
    }
    assert responses["unknown suite file"].status_code == 404
    assert responses["bad callback"].status_code == 400
    hashes = app.csp_hashes()
    assert hashes
    for name, r in responses.items():
        assert r.status_code < 500, name
        for header, value in SECURITY_HEADERS.items():
            assert r.headers.getlist(header) == [value], (name, header)
        assert "X-Frame-Options" not in r.headers, name
        perm = r.headers.getlist("Permissions-Policy")
        assert len(perm) == 1 and "camera=()" in perm[0] and "geolocation=()" in perm[0]
        csps = r.headers.getlist("Content-Security-Policy")
        assert len(csps) == 1, name
        d = csp_directives(csps[0])
        assert d["default-src"] == ["'self'"]
        assert d["script-src"] == ["'self'", *hashes]
        assert d["style-src"] == ["'self'", "'unsafe-inline'"]
        assert d["img-src"] == ["'self'", "data:", "blob:"]
        assert d["worker-src"] == ["blob:"] and d["child-src"] == ["blob:"]
        assert d["connect-src"] == ["'self'"]
        assert d["font-src"] == ["'self'", "data:"]
        assert d["object-src"] == ["'none'"]
        assert d["base-uri"] == ["'self'"] and d["form-action"] == ["'self'"]
        assert d["frame-ancestors"] == ["'self'"]
        assert "'unsafe-eval'" not in csps[0]
        assert "'unsafe-inline'" not in d["script-src"]


def test_harden_is_idempotent(app, client):
    server = app.server
    n_before = len(server.before_request_funcs.get(None, []))
    n_after = len(server.after_request_funcs.get(None, []))
    n_rules = len(list(server.url_map.iter_rules()))
    assert harden(app) is app
    assert harden(app, {"EMBED_ALLOWED_ORIGINS": "https://autre.example"}) is app
    assert len(server.before_request_funcs.get(None, [])) == n_before
    assert len(server.after_request_funcs.get(None, [])) == n_after
    assert len(list(server.url_map.iter_rules())) == n_rules
    assert sum(rule.rule == "/healthz" for rule in server.url_map.iter_rules()) == 1
    r = client.get("/")
    assert len(r.headers.getlist("Content-Security-Policy")) == 1
    assert len(r.headers.getlist("Vary")) == 1
    assert "autre.example" not in r.headers["Content-Security-Policy"]


def test_embed_view_frameable_by_any_site_by_default(fresh_app):
    app = fresh_app()
    client = app.server.test_client()
    for path in ("/?embed=1", "/?region=27&embed=1", "/?embed=true"):
        r = client.get(path)
        assert r.status_code == 200
        assert csp_directives(r.headers["Content-Security-Policy"])["frame-ancestors"] == ["*"], path
    for path in ("/", "/?embed=0", "/_dash-layout?embed=1", "/assets/style.css?embed=1", "/healthz?embed=1",
                 "/api/recherche?q=orleans&embed=1", "/a-propos"):
        r = client.get(path)
        assert csp_directives(r.headers["Content-Security-Policy"])["frame-ancestors"] == ["'self'"], path


def test_frame_ancestors_from_env(fresh_app, caplog):
    caplog.set_level(logging.WARNING, logger="dashboard.web.security")
    app = fresh_app(EMBED_ALLOWED_ORIGINS="https://a.example, https://b.example:8443, javascript:alert(1)")
    full = app.server.test_client().get("/?region=27")
    assert csp_directives(full.headers["Content-Security-Policy"])["frame-ancestors"] == ["'self'"]
    r = app.server.test_client().get("/?embed=1")
    d = csp_directives(r.headers["Content-Security-Policy"])
    sources = d["frame-ancestors"]
    assert [s for s in sources if not s.startswith("'")] == ["https://a.example", "https://b.example:8443"]
    assert set(sources) <= {"'self'", "https://a.example", "https://b.example:8443"}
    assert "javascript" not in r.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in r.headers
    assert any("javascript:alert(1)" in rec.getMessage() for rec in caplog.records)


@pytest.mark.parametrize("raw, valid", [
    ("", ()),
    ("https://a.example", ("https://a.example",)),
    ("HTTPS://A.Example/ http://localhost:8050", ("https://a.example", "http://localhost:8050")),
    ("https://a.example,https://a.example", ("https://a.example",)),
    ("https://127.0.0.1:443 http://[::1]:8080", ("https://127.0.0.1:443", "http://[::1]:8080")),
    ("ftp://a.example https://a.example/chemin https://a.example:0 https://a.example:70000 'self' * "
     "https://*.example https://a_b.example data: https://-a.example", ()),
    ("https://a.example;script-src https://b.example", ("https://b.example",)),  # no directive injection
])
def test_parse_origins(raw, valid):
    assert parse_origins(raw)[0] == valid


def test_settings_from_env_never_raise():
    s = SecuritySettings.from_env({"TI_MAX_CONTENT_LENGTH": "beaucoup", "TI_DEBUG": "peut-être",
                                   "TI_CACHE_TIMEOUT": "-3", "EMBED_ALLOWED_ORIGINS": "\x00 , ,"})
    assert s.max_content_length == 1024 * 1024 and not s.debug and s.cache_timeout > 0
    assert s.frame_ancestors == ("'self'",)
    s = SecuritySettings.from_env({"TI_MAX_CONTENT_LENGTH": "2048", "TI_DEBUG": "1", "TI_ENABLE_MCP": "1",
                                   "REDIS_URL": " redis://cache:6379/0 "})
    assert (s.max_content_length, s.debug, s.enable_mcp, s.redis_url) == (2048, True, True, "redis://cache:6379/0")


# --------------------------------------------------------------------------- cache, compression, healthz
def test_cache_control(client):
    script = fingerprinted_script(client)
    assert client.get(script).headers["Cache-Control"] == LONG_CACHE
    assert client.get("/assets/style.css?m=123").headers["Cache-Control"] == LONG_CACHE
    assert client.get("/_favicon.ico?v=1").headers["Cache-Control"] == LONG_CACHE
    assert client.get("/assets/style.css").headers["Cache-Control"] == "no-cache"
    unversioned = re.sub(r"\.v[\w-]+m[0-9a-fA-F]+\.", ".", script)
    assert client.get(unversioned).headers["Cache-Control"] == "no-cache"
    for path in ("/", "/?region=27", "/_dash-layout", "/_dash-dependencies", "/healthz", "/une/page"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert client.get("/_dash-component-suites/inconnu/x.v1m1.js").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("kind", ["html", "json", "js", "css"])
def test_compression(client, kind):
    path = {"html": "/", "json": "/_dash-layout", "js": fingerprinted_script(client),
            "css": "/assets/vendor/bootstrap.min.css?m=1"}[kind]
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "br"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in packed.headers["Vary"]
    body = brotli.decompress(packed.get_data())
    if kind == "html":  # the page carries a per-request token
        assert body.startswith(b"<!DOCTYPE html>") and len(body) == len(plain.get_data())
    else:
        assert body == plain.get_data()
    assert packed.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]
    assert packed.headers["Cache-Control"] == plain.headers["Cache-Control"]


def test_compression_cache_keeps_static_files_only():
    cache = _StaticCompressionCache(max_bytes=10)
    cache.set("br;nocache:", b"abc")
    assert cache.get("br;nocache:") is None
    cache.set("br;static:/a.v1m1.js?", b"12345")
    cache.set("gzip;static:/a.v1m1.js?", b"67890")
    assert cache.get("br;static:/a.v1m1.js?") == b"12345"
    cache.set("br;static:/b.v1m1.js?", b"xyz")  # over the bound: the least recently used goes
    assert cache.get("gzip;static:/a.v1m1.js?") is None
    assert cache.get("br;static:/b.v1m1.js?") == b"xyz"
    cache.set("br;static:/c.v1m1.js?", b"x" * 11)  # larger than the bound: not kept
    assert cache.get("br;static:/c.v1m1.js?") is None


def test_healthz(app, client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    m = app._ti_context.manifest
    assert r.get_json() == {
        "statut": "ok",
        "donnees_arretees_au": m["donnees_arretees_au"],
        "date_construction": m["date_construction"],
        "laureats_demonstration": bool(m["laureats_demonstration"]),
        "pipeline_version": m["pipeline_version"],
    }
    assert client.head("/healthz").status_code == 200


def test_oversized_post_gets_413(client):
    body = json.dumps({"output": "x", "inputs": ["a" * (1024 * 1024)]})
    r = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert r.status_code == 413
    assert client.post("/_dash-update-component", data=b"[" * (1024 * 1024 + 1),
                       content_type="application/json").status_code == 413


def test_max_content_length_from_env(fresh_app):
    c = fresh_app(TI_MAX_CONTENT_LENGTH="5000").server.test_client()
    assert c.post("/_dash-update-component", json={"output": "x" * 6000}).status_code == 413
    assert c.post("/_dash-update-component", json={"output": "x" * 100}).status_code == 400


def test_mcp_off_unless_asked(fresh_app):
    c = fresh_app(DASH_MCP_ENABLED="true").server.test_client()
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    assert c.post("/_mcp", json=init).status_code == 404
    assert c.get("/_mcp").status_code == 404
    assert c.get("/_mcp/x").status_code == 404
    app = fresh_app(TI_ENABLE_MCP="1")
    if not app._enable_mcp:
        pytest.skip("serveur MCP de Dash indisponible dans cet environnement")
    r = app.server.test_client().post("/_mcp", json=init)
    assert r.status_code == 200
    assert "Content-Security-Policy" in r.headers


def test_dev_tools_off_unless_asked(fresh_app):
    app = fresh_app(DASH_DEBUG="true", DASH_UI="true", DASH_PROPS_CHECK="true", DASH_HOT_RELOAD="true",
                    FLASK_DEBUG="1")
    assert not app.server.debug
    for tool in ("ui", "props_check", "serve_dev_bundles", "hot_reload", "prune_errors"):
        assert app._dev_tools[tool] is False, tool
    # app.run(debug=True) goes through enable_dev_tools: refused
    assert app.enable_dev_tools(True, True, True) is False
    assert app._dev_tools["ui"] is False and app._dev_tools["hot_reload"] is False
    html = app.server.test_client().get("/").get_data(as_text=True)
    assert '"ui":false' in html.replace(" ", "")
    dev = fresh_app(TI_DEBUG="1")
    assert dev.enable_dev_tools(False, dev_tools_hot_reload=False) is True


def test_shared_cache(app, fresh_app):
    cache = get_cache(app)
    assert get_cache(app) is cache and get_cache(app.server) is cache
    cache.set("cle", {"valeur": 1})
    assert cache.get("cle") == {"valeur": 1}
    assert type(app.server.extensions["cache"][cache]).__name__ == "SimpleCache"
    # REDIS_URL: Redis when the client library is there, otherwise a logged fallback; never an error
    other = fresh_app(REDIS_URL="redis://127.0.0.1:1/0")
    backend = type(other.server.extensions["cache"][get_cache(other)]).__name__
    assert backend in ("RedisCache", "SimpleCache")


# --------------------------------------------------------------------------- property tests: URLs
QUERY_KEYS = ["region", "departement", "filiere", "mesure", "taille", "zone", "ti", "phase", "niveau", "indicateur",
              "par_hab", "territoire", "comparer", "debut", "fin", "embed"]


def _valid_values(choices) -> dict[str, list[str]]:
    return {
        "region": sorted(choices.regions)[:20], "departement": sorted(choices.departements)[:20],
        "filiere": sorted(choices.filieres), "mesure": sorted(choices.mesures), "taille": sorted(choices.tailles),
        "zone": ["toute", "qpv", "afr", "zrr", "acv"], "ti": ["dans", "hors"], "phase": ["2019-2022", "2023-2027"],
        "niveau": ["epci", "ti"], "indicateur": ["laureats", "investissement", "aide", "emplois"],
        "par_hab": ["1", "0", "true"], "territoire": sorted(choices.territoires)[:20],
        "comparer": sorted(choices.territoires)[:20], "debut": list(choices.months)[:12],
        "fin": list(choices.months)[-12:], "embed": ["1", "0"],
    }


JUNK = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["<script>alert(1)</script>", "javascript:alert(1)", "%00", "%ff%fe", "\u202e", "'\"><img>",
                     "99", "2A", "x" * 300, "1e309", "-1", "[]", "{}", "null", "%zz", "&&&", "=="]),
)


def query_pairs(choices):
    valid = _valid_values(choices)
    key = st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=12))

    @st.composite
    def pair(draw):
        k = draw(key)
        pool = valid.get(k) or []
        v = draw(st.sampled_from(pool)) if pool and draw(st.booleans()) else draw(JUNK)
        return k, v
    return st.lists(pair(), max_size=12)


def _query(pairs, raw_tail: str) -> str:
    """A query string from (name, value) pairs plus raw text (kept raw where URL-safe, e.g. ``%zz``)."""
    q = urlencode(pairs)
    return q + ("&" if q and raw_tail else "") + quote(raw_tail, safe="=&;%+,/?:")


@pytest.fixture(scope="module")
def choices(app):
    return app._ti_context.choices


def test_random_queries_on_page_never_500(client, choices):
    @HYPO
    @given(pairs=query_pairs(choices), raw=st.text(max_size=40))
    def check(pairs, raw):
        q = _query(pairs, raw)
        r = client.get("/?" + q)
        assert r.status_code == 200, q
        assert r.mimetype == "text/html"
    check()


def test_random_queries_on_layout_never_500(client, choices):
    """The layout is built from the query of the same-origin Referer (about 1 s a request: fewer examples)."""
    @settings(HYPO, max_examples=12)
    @given(pairs=query_pairs(choices), raw=st.text(max_size=40))
    def check(pairs, raw):
        q = _query(pairs, raw)
        r = client.get("/_dash-layout", headers={"Referer": "http://localhost/?" + q})
        assert r.status_code == 200, q
        assert r.mimetype == "application/json"
    check()


def test_layout_with_foreign_or_odd_referer(client):
    for ref in ("https://ailleurs.example/?region=27", "not a url", "http://[::1", "http://localhost/" + "%" * 3000,
                "javascript:alert(1)", ""):
        assert client.get("/_dash-layout", headers={"Referer": ref}).status_code == 200, ref


def test_view_state_from_random_text(choices):
    @HYPO
    @given(pairs=query_pairs(choices), raw=st.text(max_size=60), prefix=st.sampled_from(["", "?"]))
    def check(pairs, raw, prefix):
        for query in (prefix + _query(pairs, raw), raw):
            state, ignored = ViewState.from_query(query, choices)
            assert isinstance(ignored, list) and all(isinstance(m, str) for m in ignored)
            assert ViewState.from_query(state.to_query(), choices) == (state, [])
    check()


JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20), JUNK),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(st.text(max_size=8), children,
                                                                                max_size=4)),
    max_leaves=15,
)


def test_view_state_from_random_mappings(choices):
    valid = _valid_values(choices)
    value = st.one_of(JSONISH, st.sampled_from(sum(valid.values(), [])),
                      st.lists(st.sampled_from(sum(valid.values(), [])), max_size=5))

    @HYPO
    @given(mapping=st.dictionaries(st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=10), st.integers()),
                                   value, max_size=10),
           other=JSONISH)
    def check(mapping, other):
        for query in (mapping, other):
            state, ignored = ViewState.from_query(query, choices)
            assert isinstance(state, ViewState) and isinstance(ignored, list)
            assert ViewState.from_query(state.to_query(), choices)[0] == state
    check()


# --------------------------------------------------------------------------- forged callback requests
def _split_output(output: str):
    """Outputs named by a ``/_dash-dependencies`` ``output`` string: (multi, [(id, property)])."""
    multi = output.startswith("..")
    parts = output[2:-2].split("...") if multi else [output]
    specs = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        specs.append((json.loads(cid) if cid.startswith("{") else cid, prop.split("@")[0]))
    return multi, specs


def _layout_ids(node, out):
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and "id" in props:
            out.append(props["id"])
        for v in node.values():
            _layout_ids(v, out)
    elif isinstance(node, list):
        for v in node:
            _layout_ids(v, out)
    return out


def _is_wild(v):
    return isinstance(v, list) and len(v) == 1 and v[0] in ("ALL", "MATCH", "ALLSMALLER")


def _concrete(cid, prop, layout_ids, value=None, with_value=True):
    """The request entry for a spec: a dict, or a list of dicts for ALL patterns."""
    def item(i):
        d = {"id": i, "property": prop}
        if with_value:
            d["value"] = value
        return d
    if not isinstance(cid, dict):
        return item(cid)
    matches = [i for i in layout_ids if isinstance(i, dict) and set(i) == set(cid)
               and all(_is_wild(v) or i[k] == v for k, v in cid.items())]
    if any(_is_wild(v) and v[0] in ("ALL", "ALLSMALLER") for v in cid.values()):
        return [item(i) for i in matches]
    return item(matches[0] if matches else {k: ("x" if _is_wild(v) else v) for k, v in cid.items()})


def _prop_id(entry):
    cid = entry["id"]
    return (json.dumps(cid, sort_keys=True, separators=(",", ":")) if isinstance(cid, dict) else cid) \
        + "." + entry["property"]


@pytest.fixture(scope="module")
def callbacks(client):
    """Well-formed request bodies for every server callback, from ``/_dash-dependencies`` and the layout."""
    deps = client.get("/_dash-dependencies").get_json()
    layout_ids = _layout_ids(client.get("/_dash-layout").get_json(), [])
    bodies = []
    for dep in deps:
        if dep.get("clientside_function"):
            continue
        multi, outs = _split_output(dep["output"])
        outputs = [_concrete(cid, prop, layout_ids, with_value=False) for cid, prop in outs]
        inputs = [_concrete(_spec(i["id"]), i["property"], layout_ids) for i in dep["inputs"]]
        state = [_concrete(_spec(s["id"]), s["property"], layout_ids) for s in dep["state"]]
        first = inputs[0]
        changed = [_prop_id(first[0] if isinstance(first, list) else first)] if inputs and first else []
        bodies.append({"output": dep["output"], "outputs": outputs if multi else outputs[0], "inputs": inputs,
                       "state": state, "changedPropIds": changed})
    assert len(bodies) >= 3
    return bodies


def _spec(cid):
    return json.loads(cid) if isinstance(cid, str) and cid.startswith("{") else cid


def _feature(i):
    return {"type": "Feature", "id": f"<script>{i}</script>",
            "properties": {"nom": "javascript:alert(1)"},
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1e308, 1], [1, "x"], [0, 0]]]}}


FORGED_VALUES = {
    "int": 5, "float": -1.5e308, "bool": True, "dict": {"a": 1, "region": ["27"]}, "list": [1, 2, None],
    "nested": [[[["27"]]]], "10k strings": ["27"] * 10_000, "10k ints": list(range(10_000)),
    "script": "<script>alert(1)</script>", "javascript": "javascript:alert(1)",
    "query script": "?region=<script>alert(1)</script>&filiere=javascript:alert(1)",
    "unknown region": "99", "unknown region list": ["99", "ZZ", "<b>"], "query unknown": "?region=99&departement=2A9",
    "empty": "", "none": None, "long text": "é" * 100_000,
    "figure": {"data": [{"type": "choroplethmap", "geojson": "javascript:alert(1)", "locations": ["<script>"] * 100,
                         "z": ["x"] * 100}],
               "layout": {"map": {"style": "javascript:alert(1)", "zoom": "x"}, "uirevision": {"a": 1}}},
    "geojson": {"type": "FeatureCollection", "features": [_feature(i) for i in range(200)]},
    "clickData": {"points": [{"location": "<script>", "customdata": ["javascript:alert(1)", {"x": 1}],
                              "pointIndex": 10 ** 12}]},
    "relayout": {"map.center": {"lon": "x", "lat": None}, "map.zoom": -1e9, "autosize": "yes"},
    "clickData odd": {"points": [{"location": ["27"], "customdata": None}, None]},
    "clickData long": {"points": [{"location": "2" * 10_000}]},
    "clickData not list": {"points": "javascript:alert(1)"},
}


def _with_value(entry, value, only_first=False):
    if isinstance(entry, list):
        return [dict(e, value=value) if (i == 0 or not only_first) else e for i, e in enumerate(entry)]
    return dict(entry, value=value)


def _post(client, body):
    return client.post("/_dash-update-component", json=body)


def _assert_ok(r, what):
    assert r.status_code < 500, f"{what}: {r.status_code} {r.get_data(as_text=True)[:300]}"
    assert r.status_code in (200, 204) or 400 <= r.status_code < 500, what
    if r.status_code == 200:
        assert r.mimetype == "application/json", what


def test_wellformed_callbacks_accepted(app, client, callbacks):
    for body in callbacks:
        assert check_callback_body(body, app.callback_map) is None
        r = _post(client, body)
        assert r.status_code in (200, 204), (body["output"], r.status_code, r.get_data(as_text=True)[:300])


@pytest.mark.parametrize("name", list(FORGED_VALUES))
def test_forged_callback_values(client, callbacks, name):
    value = FORGED_VALUES[name]
    for body in callbacks:
        for key in ("inputs", "state"):
            for i, entry in enumerate(body[key]):
                for only_first in ((False, True) if isinstance(entry, list) else (False,)):
                    forged = json.loads(json.dumps(body))
                    forged[key][i] = _with_value(entry, value, only_first)
                    r = _post(client, forged)
                    what = f"{body['output'][:60]} {key}[{i}] = {name}"
                    _assert_ok(r, what)
                    # a well-formed body with odd values is the callbacks' business, not a refusal
                    # (413 only when the forged value repeated in every filter passes the size limit)
                    assert r.status_code in (200, 204, 413), what


def _structural_forgeries(body):
    b = lambda: json.loads(json.dumps(body))  # noqa: E731
    yield "no output", {k: v for k, v in b().items() if k != "output"}
    yield "unknown output", dict(b(), output="inconnu.children")
    yield "output int", dict(b(), output=5)
    yield "output list", dict(b(), output=["a"])
    yield "output huge", dict(b(), output="x" * 100_000)
    yield "no inputs", {k: v for k, v in b().items() if k != "inputs"}
    yield "inputs int", dict(b(), inputs=5)
    yield "inputs str", dict(b(), inputs="<script>")
    yield "inputs ints", dict(b(), inputs=[5] * len(body["inputs"]))
    yield "inputs empty", dict(b(), inputs=[])
    yield "inputs extra", dict(b(), inputs=body["inputs"] + [{"id": "url", "property": "search", "value": "?"}])
    yield "inputs 10k", dict(b(), inputs=[{"id": "url", "property": "search", "value": "x"}] * 10_000)
    yield "state dict", dict(b(), state={"a": 1})
    yield "state extra", dict(b(), state=body["state"] + [{"id": "x", "property": "y"}])
    yield "no outputs", {k: v for k, v in b().items() if k != "outputs"}
    yield "outputs str", dict(b(), outputs="x")
    yield "outputs short", dict(b(), outputs=[] if isinstance(body["outputs"], list) else {})
    yield "changed int", dict(b(), changedPropIds=5)
    yield "changed dicts", dict(b(), changedPropIds=[{"a": 1}])
    yield "changed 10k", dict(b(), changedPropIds=["url.search"] * 10_000)
    for i, entry in enumerate(body["inputs"]):
        if isinstance(entry, list) and entry:
            forged = b()
            forged["inputs"][i] = entry[0]
            yield f"pattern not a list {i}", forged
            forged = b()
            forged["inputs"][i] = [dict(e, id="chaine") for e in entry]
            yield f"pattern id string {i}", forged
            forged = b()
            forged["inputs"][i] = [dict(e, id=dict(e["id"], name={"x": [1]})) for e in entry]
            yield f"pattern id dict value {i}", forged
            forged = b()
            forged["inputs"][i] = [dict(e, id=dict(e["id"], type="autre")) for e in entry]
            yield f"pattern id other type {i}", forged
            forged = b()
            forged["inputs"][i] = [dict(e, id=dict(e["id"], name=f"<script>{k}")) for k, e in enumerate(entry)]
            yield f"pattern unknown names {i}", forged
            forged = b()
            forged["inputs"][i] = [dict(entry[0], id=dict(entry[0]["id"], name=f"f{k}"), value=k)
                                   for k in range(10_000)]
            yield f"pattern 10k items {i}", forged
        elif isinstance(entry, dict):
            forged = b()
            forged["inputs"][i] = dict(entry, id="autre-composant")
            yield f"other component {i}", forged
            forged = b()
            forged["inputs"][i] = [entry, entry]
            yield f"list instead of dict {i}", forged
    outs = body["outputs"]
    if isinstance(outs, list):
        for i, entry in enumerate(outs):
            if isinstance(entry, list) and entry:
                forged = b()
                forged["outputs"][i] = [dict(e, id="chaine") for e in entry]
                yield f"output pattern id string {i}", forged
                forged = b()
                forged["outputs"][i] = [dict(e, id=dict(e["id"], name=[1, 2])) for e in entry]
                yield f"output pattern id list {i}", forged


def test_forged_callback_structure(client, callbacks):
    for body in callbacks:
        for name, forged in _structural_forgeries(body):
            r = _post(client, forged)
            _assert_ok(r, f"{body['output'][:60]}: {name}")
    for raw in (b"", b"{", b"[1, 2]", b'"texte"', b"null", b"5", b"[" * 100_000, b'{"output": ' * 50_000,
                b"\xff\xfe", json.dumps({"output": None}).encode()):
        _assert_ok(client.post("/_dash-update-component", data=raw, content_type="application/json"), raw[:20])
    _assert_ok(client.post("/_dash-update-component", data=b"output=x",
                           content_type="application/x-www-form-urlencoded"), "form")
    assert client.get("/_dash-update-component").status_code < 500


# --------------------------------------------------------------------------- browser: CSP in Chromium
LAUNCHER = ("import os; from dashboard import create_app; from dashboard.web.security import harden; "
            "from geodata.bundle import load_bundle; "
            "app = harden(create_app(load_bundle(os.environ['TI_BUNDLE_DIR']))); "
            "app.run(host='127.0.0.1', port={port}, debug=False)")

# Registered before any page script: records every CSP violation the page reports.
CSP_LISTENER = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));"""


@pytest.mark.browser
def test_csp_in_browser(demo_bundle_dir):
    import requests

    from tests.support.browser import chrome, console_errors, map_pixels, serve, wait_map
    log_path = ARTIFACTS / "csp_server.log"
    env = {"TI_BUNDLE_DIR": str(demo_bundle_dir), "TI_LOG": str(log_path), "PYTHONPATH": str(ROOT)}
    for name in ENV_VARS:
        env[name] = ""
    with serve(env, cmd=[sys.executable, "-c", LAUNCHER]) as base:
        head = requests.get(base + "/?region=27", timeout=10).headers
        assert "script-src 'self' 'sha256-" in head["Content-Security-Policy"]
        driver = chrome()
        try:
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_LISTENER})
            driver.get(base + "/?region=27")
            wait_map(driver)
            counts = map_pixels(driver, ARTIFACTS / "csp_region27.png")
            violations = driver.execute_script("return window.__cspViolations")
            logs = driver.get_log("browser")
            severe = [e["message"] for e in logs if e["level"] == "SEVERE"]
            severe += console_errors(driver)
        finally:
            driver.quit()
    assert violations == [], violations
    assert not [m for m in (e["message"] for e in logs) if "Content Security Policy" in m]
    assert severe == [], severe
    assert counts["polygons"] > 1000, counts
    assert counts["blue"] + counts["orange"] > 20, counts
    served = log_path.read_text(encoding="utf-8", errors="replace")
    refused = [line for line in served.splitlines()
               if "/_dash-" in line and re.search(r'" [45]\d\d ', line)]
    assert refused == [], refused


def test_allow_duplicate_outputs_as_the_browser_sends_them(app, client, callbacks):
    """Dash's renderer keeps the ``@<hash>`` suffix of ``allow_duplicate`` outputs in the body."""
    dup = [b for b in callbacks if "@" in b["output"]]
    assert dup, "the app has callbacks with allow_duplicate outputs"
    for body in dup:
        prop = body["output"].strip(".").rsplit(".", 1)[1]
        outputs = dict(body["outputs"], property=prop) if isinstance(body["outputs"], dict) else body["outputs"]
        real = dict(body, outputs=outputs)
        assert check_callback_body(real, app.callback_map) is None, body["output"]
        assert _post(client, real).status_code in (200, 204)
