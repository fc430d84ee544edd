"""Issue 18, defect 5: heavy exports (.pptx, .png, .xlsx) held request threads in a queue on the
render lock. Each process computes ``TI_EXPORTS_LOURDS`` of them at a time; beyond that it answers
at once 503 + Retry-After, in French; a body already computed needs no slot."""
from __future__ import annotations

import threading
import time

import pytest

from dashboard import create_app
from dashboard.web.security import harden


@pytest.fixture()
def slow_exports(demo_bundle, monkeypatch):
    """The app with 2 slots, and deck, image and workbook makers that wait for ``release``."""
    import dashboard.exports.deck
    import dashboard.exports.static_map
    import dashboard.exports.xlsx
    monkeypatch.setenv("TI_EXPORTS_LOURDS", "2")
    release, running = threading.Event(), []

    def blocking(kind):
        def make(*_args, **_kwargs):
            running.append(kind)
            assert release.wait(20), "export jamais libéré"
            return f"{kind}".encode()
        return make

    monkeypatch.setattr(dashboard.exports.deck, "deck_bytes", blocking("pptx"))
    monkeypatch.setattr(dashboard.exports.static_map, "png_bytes", blocking("png"))
    monkeypatch.setattr(dashboard.exports.xlsx, "to_xlsx_bytes", blocking("xlsx"))
    app = harden(create_app(demo_bundle))
    return app.server, release, running


def fetch_in_thread(server, path, out):
    th = threading.Thread(target=lambda: out.append(server.test_client().get(path)), daemon=True)
    th.start()
    return th


def test_beyond_the_slots_heavy_exports_get_503_at_once(slow_exports):
    server, release, running = slow_exports
    client = server.test_client()
    done = []
    held = [fetch_in_thread(server, "/export.pptx?region=27", done),
            fetch_in_thread(server, "/export.png?region=84", done)]
    t0 = time.monotonic()
    while len(running) < 2:
        assert time.monotonic() - t0 < 20, "les deux premiers exports n'ont pas démarré"
        time.sleep(0.01)
    try:
        for path in ("/export.pptx?region=53", "/export.png?region=11", "/export.xlsx?region=32"):
            t = time.perf_counter()
            r = client.get(path, headers={"Accept": "text/html"})
            assert time.perf_counter() - t < 1.0, f"{path} a attendu une place"
            assert r.status_code == 503, path
            assert int(r.headers["Retry-After"]) > 0
            assert "réessayez" in r.get_data(as_text=True)
            assert r.headers["Cache-Control"] == "no-store"
        assert len(running) == 2, "un export de plus a été calculé au-delà des places"
        assert client.get("/healthz").status_code == 200
        assert client.get("/export.csv?region=27").status_code == 200  # light exports need no slot
    finally:
        release.set()
        for th in held:
            th.join(20)
    assert sorted(r.status_code for r in done) == [200, 200]
    # slots are given back; a body already computed is served even while every slot is taken
    assert client.get("/export.xlsx?region=32").status_code == 200
    release.clear()
    held = [fetch_in_thread(server, "/export.pptx?region=93", done),
            fetch_in_thread(server, "/export.png?region=93", done)]
    t0 = time.monotonic()
    while len(running) < 5:
        assert time.monotonic() - t0 < 20
        time.sleep(0.01)
    try:
        assert client.get("/export.pptx?region=27").status_code == 200
        assert client.get("/export.pptx?region=44").status_code == 503
    finally:
        release.set()
        for th in held:
            th.join(20)
