"""Issue 18, app-side defects (1, 2, 3, 9-14): found by an attacker and by an operator.

Each test failed on the code before the fix (see the issue's numbering in the test names)."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation

from dashboard import create_app
from dashboard.web.security import harden
from dashboard.runtime import load_or_build

from ..conftest import ROOT, SHARED

ENV_VARS = ("EMBED_ALLOWED_ORIGINS", "TI_MAX_CONTENT_LENGTH", "TI_DEBUG", "TI_ENABLE_MCP", "REDIS_URL",
            "TI_CACHE_TIMEOUT", "DASH_MCP_ENABLED", "DASH_DEBUG", "DASH_UI", "DASH_PROPS_CHECK",
            "DASH_HOT_RELOAD", "DASH_COMPRESS", "FLASK_DEBUG")
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def app(demo_bundle):
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_VARS:
            mp.delenv(name, raising=False)
        return harden(create_app(demo_bundle))


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def ctx(app):
    return app._ti_context


def frame_ancestors(resp) -> str:
    csp = resp.headers["Content-Security-Policy"]
    return next(d.strip() for d in csp.split(";") if d.strip().startswith("frame-ancestors"))


def assert_app_error(resp, status: int):
    """The app's own error answer (JSON, French), not a framework page."""
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/json", resp.mimetype
    body = resp.get_json()
    assert body["statut"] == "erreur" and body["message"]


# --------------------------------------------------------------------------- 1: deck document properties
def test_1_deck_with_nine_filieres_and_long_filters(client, ctx):
    filieres = sorted(ctx.choices.filieres)[:9]
    assert len(filieres) == 9
    mesures = sorted(ctx.choices.mesures)
    tailles = sorted(ctx.choices.tailles)
    volets = sorted(ctx.choices.volets)
    months = sorted(ctx.choices.months)
    region = sorted(ctx.choices.regions)[0]
    queries = {
        "neuf-filieres": "&".join(f"filiere={f}" for f in filieres),
        "combinaison-longue": "&".join([*(f"filiere={f}" for f in filieres[:4]), *(f"mesure={m}" for m in mesures),
                                        *(f"taille={t}" for t in tailles), *(f"volet={v}" for v in volets),
                                        f"region={region}", "zone=toute", "ti=dans", f"debut={months[0]}",
                                        f"fin={months[-1]}"]),
    }
    for name, query in queries.items():
        r = client.get("/export.pptx?" + query)
        assert r.status_code == 200, (name, r.status_code, r.get_data(as_text=True)[:300])
        props = Presentation(io.BytesIO(r.data)).core_properties
        subject = props.subject
        assert 0 < len(subject) <= 255, name
        assert subject.endswith("…"), (name, subject)  # cut cleanly, said so
        assert "Agroalimentaire" in subject


def test_1_every_core_property_is_cut_to_its_limit():
    from pptx import Presentation as NewPresentation

    from dashboard.exports.deck import CORE_PROPERTY_LIMIT, set_core_properties
    prs = NewPresentation()
    long = "mot " * 200
    names = ("author", "category", "comments", "content_status", "identifier", "keywords", "language",
             "last_modified_by", "subject", "title", "version")
    set_core_properties(prs, **{n: long for n in names})
    for n in names:
        value = getattr(prs.core_properties, n)
        assert len(value) <= CORE_PROPERTY_LIMIT and value.endswith("…"), n
    set_core_properties(prs, title="court")
    assert prs.core_properties.title == "court"


# --------------------------------------------------------------------------- 2 and 11: who may frame the page
EMBED_QUERIES = ["?embed=1", "?embed=true", "?embed=TRUE", "?embed=True", "?embed=1&embed=0", "?embed=0&embed=1",
                 "?embed=%201%20", "?embed=oui", "?embed=", "?region=84&embed=1", ""]


def _layout_is_embed(client, query: str) -> bool:
    """Is the view served for ``/<query>`` the embed (its own light page since issue 20)?"""
    from dashboard.views.embed import FULL_VIEW_LINK
    r = client.get("/" + query, headers={"Accept": "text/html"})
    assert r.status_code == 200
    return FULL_VIEW_LINK in r.get_data(as_text=True)


@pytest.mark.parametrize("query", EMBED_QUERIES)
def test_2_one_parser_decides_frame_ancestors_and_view(client, query):
    """The page may be framed by any site exactly when the layout served for it is the embed view."""
    view_embed = _layout_is_embed(client, query)
    for method in ("get", "head"):
        r = getattr(client, method)("/" + query, headers={"Accept": "text/html"})
        assert r.status_code == 200
        framed = frame_ancestors(r) == "frame-ancestors *"
        assert framed == view_embed, (method, query, frame_ancestors(r), view_embed)
    if query in ("?embed=1", "?embed=0&embed=1", "?region=84&embed=1"):
        assert view_embed


@pytest.mark.parametrize("path", ["/nope?embed=1", "/a-propos?embed=1", "/geo/epci.geojson?embed=1",
                                  "/export.csv?embed=1", "/healthz?embed=1", "/_dash-layout?embed=1"])
def test_2_only_the_embed_page_is_frameable(client, path):
    for method in ("get", "head"):
        r = getattr(client, method)(path, headers={"Accept": "text/html"})
        assert frame_ancestors(r) == "frame-ancestors 'self'", (method, path, r.status_code)


HEAD_PATHS = ["/", "/?embed=1", "/?embed=1&region=84", "/a-propos", "/_dash-layout", "/_dash-dependencies",
              "/geo/epci.geojson", "/geo/lieux.json", "/export.csv?region=84", "/export.csv.meta", "/healthz",
              "/api/recherche?q=lyon", "/assets/style.css", "/nope?embed=1", "/geo/EPCI.geojson"]


@pytest.mark.parametrize("path", HEAD_PATHS)
@pytest.mark.parametrize("encoding", ["", "gzip, deflate, br"])
def test_11_head_has_the_headers_of_get(client, path, encoding):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    if path == "/_dash-layout":
        headers["Referer"] = "http://localhost/?embed=1"
    g, h = client.get(path, headers=headers), client.head(path, headers=headers)
    assert g.status_code == h.status_code
    skip = {"Date", "Content-Length"}  # the page's HTML holds per-response bytes; HEAD may omit the length
    got = {k: v for k, v in g.headers.items() if k not in skip}
    head = {k: v for k, v in h.headers.items() if k not in skip}
    assert head == got, path
    assert "Accept-Encoding" in h.headers.get("Vary", ""), path


# --------------------------------------------------------------------------- 9: forged wildcard ids
def _sync_body(app, names):
    """The body the page sends for the callback that syncs the filter controls and the URL."""
    output = next(k for k in app.callback_map if '"filtre"' in k and "url.search" in k)
    outputs = []
    for part in output.strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        if cid.startswith("{"):
            outputs.append([{"id": {"name": n, "type": "filtre"}, "property": prop} for n in names])
        else:
            outputs.append({"id": cid, "property": prop})
    return {"output": output, "outputs": outputs,
            "inputs": [[dict(i, value=None) for i in outputs[0]],
                       {"id": "url", "property": "search", "value": "?zone=afr"}],
            "changedPropIds": ["url.search"]}


@pytest.mark.parametrize("forged", [5, True, 1.5, "zzz", "", "Filiere"])
def test_9_forged_wildcard_name_is_a_400(app, client, forged, caplog):
    from dashboard.model.state import FILTER_NAMES
    good = _sync_body(app, FILTER_NAMES)
    assert client.post("/_dash-update-component", json=good).status_code == 200  # the shape the page sends
    names = list(FILTER_NAMES)
    names[1] = forged
    r = client.post("/_dash-update-component", json=_sync_body(app, names))
    assert_app_error(r, 400)
    assert "identifiant" in r.get_json()["message"]
    assert "Traceback" not in caplog.text


def test_9_every_pattern_id_of_the_app_has_declared_values(app):
    """The guard knows the allowed values of every wildcard key of every registered callback."""
    from dashboard.views.ids import PATTERN_VALUES
    for cb in app.callback_map.values():
        for spec in [*cb.get("inputs", []), *cb.get("state", [])]:
            sid = spec["id"]
            if isinstance(sid, str) and sid.startswith("{"):
                sid = json.loads(sid)
                wild = [k for k, v in sid.items() if isinstance(v, list)]
                assert not wild or all(k in PATTERN_VALUES.get(sid["type"], {}) for k in wild), sid


# --------------------------------------------------------------------------- 12: source maps
MAPS = ["/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js.map",
        "/_dash-component-suites/dash/dcc/async-graph.js.map",
        "/_dash-component-suites/dash/html/dash_html_components.min.js.map",
        "/_dash-component-suites/dash/dcc/dash_core_components.v4_0_0m1.js.map"]


@pytest.mark.parametrize("path", MAPS)
def test_12_no_source_map_in_production(client, path, caplog):
    for method in ("get", "head"):
        r = getattr(client, method)(path)
        assert r.status_code == 404, (method, path, r.status_code)
        if method == "get":
            assert_app_error(r, 404)
    assert "Traceback" not in caplog.text and "FileNotFoundError" not in caplog.text


# --------------------------------------------------------------------------- 13: small ones
def _chunked_post(client, body: bytes):
    """A chunked POST as gunicorn hands it on: no CONTENT_LENGTH, the input ends with the body."""
    return client.post("/_dash-update-component", input_stream=io.BytesIO(body),
                       headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
                       environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""})


def test_13_chunked_body_over_the_limit_is_a_413(client):
    big = b'{"output": "' + b"x" * (MIB + 10) + b'"}'
    assert_app_error(_chunked_post(client, big), 413)
    # a chunked body within the limit is read whole (refused by the guard for what it says, not cut)
    r = _chunked_post(client, b'{"output": "' + b"x" * 1000 + b'"}')
    assert_app_error(r, 400)
    assert "callback inconnu" in r.get_json()["message"]


@pytest.mark.parametrize("path", ["/geo/epci.geojson", "/geo/ti-2023-2027.geojson", "/geo/lieux.json"])
@pytest.mark.parametrize("encoding", ["", "gzip", "br"])
def test_13_geometry_has_an_etag_and_answers_304(client, ctx, path, encoding):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    r = client.get(path, headers=headers)
    assert r.status_code == 200 and r.headers.get("ETag"), path
    again = client.get(path, headers={**headers, "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get(path + f"?v={ctx.geo_version}", headers={**headers, "If-None-Match": r.headers["ETag"]}
                      ).status_code == 304
    assert client.get(path, headers={**headers, "If-None-Match": '"autre"'}).status_code == 200


@pytest.mark.parametrize("path", ["/geo/EPCI.geojson", "/geo/inconnu.geojson", "/geo/..%2fapp.geojson"])
def test_13_unknown_geometry_is_the_apps_json_404(client, path):
    assert_app_error(client.get(path), 404)


def test_13_reload_hash_tells_nothing_when_hot_reload_is_off(client):
    r = client.get("/_reload-hash")
    assert r.status_code == 404
    assert b"packages" not in r.data and b"dash" not in r.data.lower()
    assert_app_error(r, 404)


# --------------------------------------------------------------------------- 3, 10, 14: start-up
@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for k in ("TI_SOURCE_DIR", "TI_LAUREATS_FILE", "TI_BUNDLE_DIR"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(tmp_path)  # no data/raw here
    return tmp_path


def test_3_incomplete_official_bundle_is_rebuilt_from_its_recorded_inputs(clean_env, official_bundle_dir):
    bundle = clean_env / "processed"
    shutil.copytree(official_bundle_dir, bundle)
    recorded = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))["laureats_fichier"]
    (bundle / "barometre.parquet").unlink()
    out = io.StringIO()
    b = load_or_build(bundle, out=out)
    assert not b.demonstration and len(b.laureats) == 7, out.getvalue()
    assert b.manifest["laureats_fichier"] == recorded
    assert (bundle / "barometre.parquet").is_file()
    assert "démonstration" not in out.getvalue()


def test_3_incomplete_official_bundle_without_its_inputs_is_refused(clean_env, official_bundle_dir):
    bundle = clean_env / "processed"
    shutil.copytree(official_bundle_dir, bundle)
    lau = clean_env / "disparu" / "laureats.csv"
    m = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    m["laureats_fichier"] = str(lau)  # the official file it was built from is gone
    (bundle / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    (bundle / "barometre.parquet").unlink()
    before = (bundle / "manifest.json").read_bytes()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        load_or_build(bundle, out=out)
    assert exc.value.code == 2
    said = out.getvalue()
    assert str(lau) in said and "barometre.parquet" in said and "démonstration" in said, said
    assert (bundle / "manifest.json").read_bytes() == before  # nothing fictitious written over it
    assert not (bundle / "barometre.parquet").exists()


def _zero_fill(path: Path):
    path.write_bytes(b"\0" * path.stat().st_size)


@pytest.mark.parametrize("damage, named", [
    (lambda b: (b / "manifest.json").write_text('{"pipeline_version": 3,', encoding="utf-8"), "manifest.json"),
    (lambda b: (b / "manifest.json").write_text('[1, 2]', encoding="utf-8"), "manifest.json"),
    (lambda b: _zero_fill(b / "laureats.parquet"), "laureats.parquet"),
    (lambda b: _zero_fill(b / "barometre.parquet"), "barometre.parquet"),
])
def test_10_broken_bundle_at_start_is_a_clear_exit_2(clean_env, demo_bundle_dir, damage, named):
    bundle = clean_env / "processed"
    shutil.copytree(demo_bundle_dir, bundle)
    damage(bundle)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        load_or_build(bundle, out=out)
    assert exc.value.code == 2
    said = out.getvalue()
    assert str(bundle / named) in said and "python -m geodata build" in said, said


def test_10_app_start_on_a_corrupt_manifest(clean_env, demo_bundle_dir):
    bundle = clean_env / "processed"
    shutil.copytree(demo_bundle_dir, bundle)
    (bundle / "manifest.json").write_bytes(b"\0" * 64)
    env = {**os.environ, "TI_BUNDLE_DIR": str(bundle), "TI_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("TI_SOURCE_DIR", None)
    p = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 2, p.stderr[-2000:]
    assert str(bundle / "manifest.json") in p.stderr and "Traceback" not in p.stderr, p.stderr[-2000:]


def test_14_failed_laureates_build_shows_on_healthz_and_footer(clean_env, demo_bundle_dir):
    bundle = clean_env / "processed"
    shutil.copytree(demo_bundle_dir, bundle)
    broken = clean_env / "laureats-casse.csv"
    broken.write_text("ceci;n'est;pas\nun;fichier;de lauréats\n", encoding="utf-8")
    out = io.StringIO()
    b = load_or_build(bundle, source_dir=SHARED, laureates=broken, out=out)
    assert "ÉCHEC" in out.getvalue()
    assert b.rebuild_failure and broken.name in b.rebuild_failure
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_VARS:
            mp.delenv(name, raising=False)
        c = harden(create_app(b)).server.test_client()
    health = c.get("/healthz")
    assert health.status_code == 200  # still serving (the last good bundle)
    got = health.get_json()
    assert got["statut"] == "degrade" and broken.name in got["raison"], got
    layout = c.get("/_dash-layout").get_data(as_text=True)
    assert "note-echec-reconstruction" in layout and broken.name in layout
    # a healthy start says ok and shows no note
    fresh = harden(create_app(load_or_build(bundle, out=io.StringIO()))).server.test_client()
    assert fresh.get("/healthz").get_json()["statut"] == "ok"
    assert "note-echec-reconstruction" not in fresh.get("/_dash-layout").get_data(as_text=True)
