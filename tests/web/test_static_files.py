"""The stylesheet and plotly.js come from versioned URLs, compressed once and cached a year
(issue 20: seven @import without version tags were revalidated and compressed again on every view;
Dash's full plotly.js, 4.8 MB, was served no-cache and compressed again before each 304)."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

import dashboard.web.static_files as static_files
from dashboard import create_app

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture(scope="module")
def app(demo_bundle):
    return create_app(demo_bundle)


def _head_urls(client):
    page = client.get("/").data.decode()
    return page, re.findall(r'<link rel="stylesheet" href="([^"]+)"', page), \
        re.findall(r'<script async src="([^"]+)" data-ti-plotly></script>', page)


def test_one_versioned_stylesheet_without_import(app):
    client = app.server.test_client()
    page, sheets, _ = _head_urls(client)
    assert len(sheets) == 1 and re.fullmatch(r"/static/[0-9a-f]{12}/ti\.css", sheets[0])
    assert "style.css" not in page  # Dash no longer links the @import chain
    css = client.get(sheets[0]).data.decode()
    assert "@import" not in css
    for part in ("--text-default-grey", ".fr-header", ".kpi-value", ".container-fluid"):  # DSFR, ours, Bootstrap
        assert part in css, part
    for url in re.findall(r'url\("?([^)"]+)"?\)', css):
        if url.startswith("data:"):
            continue
        if not re.search(r"\?v=[0-9a-f]{12}$", url):  # only fonts not vendored (.woff, Spectral): never asked
            assert not (ASSETS / url.removeprefix("/assets/")).exists(), url
            continue
        r = client.get(url)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=31536000, immutable", url


def test_static_files_are_compressed_once_and_cached_a_year(app, monkeypatch):
    client = app.server.test_client()
    _, sheets, plotly = _head_urls(client)
    calls = []
    real = gzip.compress
    monkeypatch.setattr(gzip, "compress", lambda *a, **k: calls.append(1) or real(*a, **k))
    for url in (*sheets, *plotly):
        for _ in range(3):
            packed = client.get(url, headers={"Accept-Encoding": "gzip"})
            assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
            assert packed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        assert gzip.decompress(packed.data) == plain.data and "Content-Encoding" not in plain.headers
        assert "Content-Security-Policy" in plain.headers
    assert calls == []  # made once, when the app was built
    stale = client.get(re.sub(r"/static/[0-9a-f]{12}/", "/static/000000000000/", plotly[0]))
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/" + "0" * 12 + "/inconnu.js").status_code == 404


def test_the_version_follows_the_content(tmp_path):
    for part in (*static_files.STYLE_PARTS, static_files.PLOTLY_BUNDLE, *static_files.EMBED_ASSETS):
        target = tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ASSETS / part).read_bytes())
    before = static_files.StaticFiles("/", "/assets/", tmp_path)
    (tmp_path / "style.css").write_text("body { color: red; }", encoding="utf-8")
    after = static_files.StaticFiles("/", "/assets/", tmp_path)
    assert before.style.version != after.style.version and before.plotly.version == after.plotly.version
    (tmp_path / "style.css").write_text('@import url("x.css");', encoding="utf-8")
    with pytest.raises(ValueError, match="import"):
        static_files.StaticFiles("/", "/assets/", tmp_path)


def test_plotly_is_the_partial_bundle_with_the_map_traces(app):
    client = app.server.test_client()
    _, _, plotly = _head_urls(client)
    page = client.get("/").data.decode()
    assert len(plotly) == 1 and page.index(plotly[0]) < page.index("</head>")  # async, from <head>
    assert page.count("/plotly.min.js") == 1  # not also preloaded, nor a URL for dcc.Graph to load again
    body = client.get(plotly[0], headers={"Accept-Encoding": "identity"}).data
    import plotly as plotly_py
    full = (Path(plotly_py.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    assert len(body) < 0.7 * len(full)
    version = re.search(rb"plotly\.js v(\d+\.\d+\.\d+)", full).group(1)
    assert re.search(rb"plotly\.js v" + re.escape(version) + rb" \(partial", body)  # the same plotly.js
    for trace in (b'name:"choroplethmap"', b'name:"scattermap"', b'name:"bar"'):
        assert trace in body, trace
    assert (ASSETS / "vendor" / "plotly" / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
