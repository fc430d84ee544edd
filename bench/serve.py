"""Serving benchmark: prints one table, ours against baselines measured in the same run.

1. Filter change -> map update: server time (p50/p95) and response bytes of the real callback
   (POST /_dash-update-component), ours (Patch: values and pin visibility) vs a naive app whose
   callback rebuilds the whole figure with every polygon, as most Dash examples do.
   Targets: <= 20 ms, <= 30 KB, >= 20x faster than naive.
2. First page: figure bytes and time to the first idle map (MapLibre loaded, idle, features drawn)
   in headless Chromium, 5 interleaved rounds (``--tours``), medians, warm cache, then in a browser
   just started (first visit), for: ours (through the proxy), the fair plain-Dash baseline (one
   ``dcc.Graph`` with the same figure and geometry inline, the same canvas size, its layout cached as
   ours is), the bare-MapLibre floor (``bench/vendor``: same GeoJSON and pins), and the embed view
   against the plain-Dash page of the same view. Targets: page <= 0.9x and embed <= 0.75x the fair
   baseline (warm), first visit <= 0.7x (each page in a newly started browser, as many rounds, medians: a first
   visit varies more than a warm one, 3 rounds were not enough),
   embed <= 1,200 KB cold; callbacks fired by one page view: 0.
   The lines compared from run to run are printed as they are after the table.
   ``--premiere-carte`` runs just this part.
3. Load through the production topology (``deploy/local.py``: nginx -> 2 x ``gunicorn app:server``
   -> redis-server, on loopback): 50 concurrent simulated viewers, mixed page loads, filter changes
   and exports, each viewer pausing 1-3 s between actions (``--think-min/max``; 0 for a stress
   test), for a bounded time; bodies are checked. Target p95 <= 300 ms, 0 errors. Where the time
   goes: per route, from the proxy's access log (time in nginx and in the instances).
   Without nginx/redis-server the load runs against one gunicorn (2 workers), and the table says so.
   Then ``/healthz`` p95 while 20 heavy exports (decks, slide images, workbooks of distinct views)
   are asked at once: each process computes ``TI_EXPORTS_LOURDS`` of them and refuses the rest at
   once (503). Target <= 300 ms.
4. Committee deck (/export.pptx, maps drawn on the server): time for a region and for France, best of
   3 runs, no cache. Targets: <= 3 s and <= 6 s. ``--deck-only`` runs just this part.

Usage: ``python bench/serve.py [--bundle DIR] [--source-dir ../shared/data] [--seconds 20]``
(``--deck-only``: part 4 alone; ``--heavy-only``: the ``/healthz`` line under heavy exports alone).
Only loopback addresses are contacted.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = ["?region=27", "?region=27&zone=afr", "?filiere=Agroalimentaire", "?ti=dans", "?region=84&ti=hors",
           "?zone=qpv", "?taille=ETI", "?region=53&filiere=Agroalimentaire", "?indicateur=emplois", "?region=11"]


def fmt_ratio(x: float) -> str:
    """A ratio in French (``0,85``)."""
    return f"{x:.2f}".replace(".", ",")


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def render_output() -> str:
    """The render callback's map output (the map's changes, a store: dashboard/callbacks/view.py)."""
    from dashboard.views import ids
    return f"{ids.MAP_FIGURE}.data"


def render_dependency(client):
    deps = client.get("/_dash-dependencies").get_json()
    for d in deps:
        if render_output() in d["output"] and any(i["id"] == "url" for i in d["inputs"]) and \
                "kpi-laureats" in d["output"]:
            return d
    raise RuntimeError("callback de rendu introuvable")


def payload(dep, query, previous):
    """The browser's callback request for a URL change (one builder, shared with the tests)."""
    from tests.support.browser import url_callback_body
    return url_callback_body(dep, query, previous)


def naive_app(bundle):
    """The usual Dash example: one callback returning a whole new figure, polygons included."""
    import dash
    import plotly.graph_objects as go
    from dash import Input, Output, dcc, html

    from dashboard.model.data import DataContext, aggregate, filter_laureates
    from dashboard.model.state import ViewState

    ctx = DataContext(bundle)
    app = dash.Dash(__name__)
    app.layout = html.Div([dcc.Location(id="url"), dcc.Graph(id="carte")])

    @app.callback(Output("carte", "figure"), Input("url", "search"))
    def update(search):
        state, _ = ViewState.from_query(search or "", ctx.choices)
        sel = filter_laureates(ctx.laureats, state)
        values = aggregate(sel, state, ctx.population(state.niveau, state.phase))
        fig = go.Figure(go.Choroplethmap(geojson=json.loads(ctx.geo_bytes("epci")), locations=list(values.index),
                                         z=values.tolist()))
        fig.add_trace(go.Scattermap(lat=sel["lat"], lon=sel["lon"], text=sel["entreprise"], mode="markers"))
        fig.update_layout(map_style="white-bg")
        return fig
    return app


def bench_callbacks(app, naive, n=60):
    c = app.server.test_client()
    dep = render_dependency(c)
    ours_t, ours_b = [], []
    prev = ""
    for i in range(n):
        q = QUERIES[i % len(QUERIES)]
        body = payload(dep, q, prev)
        t = time.perf_counter()
        r = c.post("/_dash-update-component", json=body)
        ours_t.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.status_code
        ours_b.append(len(r.data))
        prev = q
    nc = naive.server.test_client()
    ndep = nc.get("/_dash-dependencies").get_json()[0]
    naive_t, naive_b = [], []
    for i in range(max(10, n // 4)):
        q = QUERIES[i % len(QUERIES)]
        body = {"output": ndep["output"], "outputs": {"id": "carte", "property": "figure"},
                "inputs": [{"id": "url", "property": "search", "value": q}], "changedPropIds": ["url.search"]}
        t = time.perf_counter()
        r = nc.post("/_dash-update-component", json=body)
        naive_t.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
        naive_b.append(len(r.data))
    return ours_t, ours_b, naive_t, naive_b


def figure_sizes(app):
    """Bytes of the first page: layout response, map figure (plain, gzip), geometry (plain, gzip)."""
    c = app.server.test_client()
    layout = c.get("/_dash-layout").data
    from dashboard.views.map_figure import map_figure
    from dashboard.model.data import filter_laureates
    from dashboard.model.state import ViewState
    from plotly.io.json import to_json_plotly
    ctx = app._ti_context
    fig = to_json_plotly(map_figure(ctx, ViewState(), filter_laureates(ctx.laureats, ViewState()))).encode()
    geo = ctx.geo_bytes("epci") + (ctx.geo_bytes("ti-2019-2022") or b"")
    return len(layout), len(fig), len(gzip.compress(fig)), len(geo), len(gzip.compress(geo))


def inline_geometry(ctx, fig):
    """``fig`` with every geometry URL (``geo/<name>.geojson?v=…``) replaced by the GeoJSON itself."""
    for trace in fig.data:
        geo = getattr(trace, "geojson", None)
        if isinstance(geo, str):
            name = re.search(r"geo/([\w-]+)\.geojson", geo).group(1)
            trace.geojson = json.loads(ctx.geo_bytes(name))
    return fig


EMBED_QUERY = "?embed=1&region=24"


def baseline_page(app, query: str = "", fill_window: bool = False):
    """The plain-Dash page, made fair: one ``dcc.Graph`` holding our first map for ``query`` (same
    traces, same geometry inline, as most Dash examples do; complements included), the same canvas
    size as ours (620 px high, or the whole window for the embed view), and its layout served from a
    cache (serialised and gzipped once, as ours is); no other component."""
    import dash
    from dash import dcc, html
    from dash._utils import to_json
    from flask import Response, request

    from dashboard.model.data import filter_laureates
    from dashboard.model.state import ViewState
    from dashboard.views.map_figure import map_figure
    ctx = app._ti_context
    state = ViewState.from_query(query, ctx.choices)[0]
    fig = inline_geometry(ctx, map_figure(ctx, state, filter_laureates(ctx.laureats, state)))
    fig.update_layout(height=None, autosize=True)
    base = dash.Dash(__name__)
    box = {"height": "100vh"} if fill_window else {"height": "620px"}
    base.layout = html.Div([dcc.Graph(id="carte", figure=fig, style=box, config={"responsive": True})])
    raw = to_json(base.layout).encode("utf-8")
    packed = gzip.compress(raw, 6)

    @base.server.before_request
    def cached_layout():
        if request.path == "/_dash-layout":
            gz = request.accept_encodings["gzip"] > 0
            resp = Response(packed if gz else raw, mimetype="application/json")
            if gz:
                resp.headers["Content-Encoding"] = "gzip"
            return resp
        return None
    return base


FLOOR_HTML = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>MapLibre seul</title>
<style>html,body{margin:0}#carte{height:620px}</style></head><body><div id="carte"></div>
<script src="maplibre-gl.js"></script><script src="floor.js"></script></body></html>"""
FLOOR_JS = """
fetch('figure.json').then(r => r.json()).then(f => {
  const map = new maplibregl.Map({container: 'carte', center: [f.lon, f.lat], zoom: f.zoom,
    style: {version: 8, sources: {}, layers: [{id: 'fond', type: 'background', paint: {'background-color': '#fff'}}]}});
  window.__map = map;
  map.on('load', () => {
    map.addSource('territoires', {type: 'geojson', data: f.geojson});
    map.addLayer({id: 'aplats', type: 'fill', source: 'territoires', paint: {'fill-color': '#6a51a3', 'fill-opacity': 0.6}});
    map.addLayer({id: 'limites', type: 'line', source: 'territoires', paint: {'line-color': '#fff', 'line-width': 0.3}});
    map.addSource('ti', {type: 'geojson', data: f.ti});
    map.addLayer({id: 'ti', type: 'line', source: 'ti', paint: {'line-color': '#222', 'line-width': 1.6}});
    map.addSource('pins', {type: 'geojson', data: f.pins});
    map.addLayer({id: 'pins', type: 'circle', source: 'pins', paint: {'circle-radius': 3, 'circle-color': '#0072b2'}});
  });
});
"""
FLOOR_DRAWN_JS = """
const m = window.__map;
return !!(m && m.loaded() && m.isStyleLoaded() && !m.isMoving() && m.areTilesLoaded()
          && m.getLayer('pins') && m.queryRenderedFeatures().length > 0);
"""


def floor_page(app):
    """Bare MapLibre GL JS (``bench/vendor``), the same GeoJSON and pins at the same view: the fastest
    first map this browser draws (the floor)."""
    from flask import Flask, Response

    from dashboard.model.state import ViewState
    ctx = app._ti_context
    state = ViewState()
    lon, lat, zoom = ctx.view_for(state)
    pins = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [round(x, 3), round(y, 3)]}}
        for x, y in zip(ctx.laureats["lon"], ctx.laureats["lat"]) if x == x and y == y]}
    body = json.dumps({"lon": lon, "lat": lat, "zoom": zoom, "pins": pins,
                       "geojson": json.loads(ctx.geo_bytes("epci")),
                       "ti": json.loads(ctx.geo_bytes(f"ti-{state.phase}") or b'{"type":"FeatureCollection","features":[]}')})
    script = (ROOT / "bench" / "vendor" / "maplibre-gl.js").read_bytes()
    floor = Flask("plancher")
    floor.add_url_rule("/", "page", lambda: Response(FLOOR_HTML, mimetype="text/html"))
    floor.add_url_rule("/maplibre-gl.js", "lib", lambda: Response(
        script, mimetype="text/javascript", headers={"Cache-Control": "public, max-age=31536000"}))
    floor.add_url_rule("/floor.js", "js", lambda: Response(FLOOR_JS, mimetype="text/javascript"))
    floor.add_url_rule("/figure.json", "fig", lambda: Response(body, mimetype="application/json"))
    return floor


NETWORK_END_JS = """
const ends = performance.getEntriesByType('resource').map(e => e.responseEnd);
const nav = performance.getEntriesByType('navigation')[0];
return Math.max(nav ? nav.responseEnd : 0, ...ends) / 1000;
"""


def time_to_idle_map(driver, url, timeout=180.0, drawn_js=None):
    """(seconds from navigation to the map loaded, idle and with features actually drawn, polled every
    30 ms; seconds from navigation to the last response received before that): the rest is the
    browser's own work."""
    from tests.support.browser import MAP_DRAWN_JS
    t = time.perf_counter()
    driver.get(url)
    while not driver.execute_script(drawn_js or MAP_DRAWN_JS, True):
        if time.perf_counter() - t > timeout:
            raise TimeoutError(f"carte non affichée après {timeout:.0f} s : {url}")
        time.sleep(0.03)
    return time.perf_counter() - t, driver.execute_script(NETWORK_END_JS)


COLD_BYTES_JS = """
const nav = performance.getEntriesByType('navigation')[0];
return performance.getEntriesByType('resource').reduce((s, e) => s + e.transferSize, nav ? nav.transferSize : 0);
"""


#: Seconds of pause after each measured page (the previous page's late work out of the next one's time).
SETTLE = 1.5


def paint_times(urls: dict, access_log=None, rounds=5, cold_rounds=None, warm_up=1):
    """First idle map in Chromium, every page of ``urls`` (name -> URL) in turn, ``rounds`` times,
    after ``warm_up`` loads each (static files in the browser cache, as for a returning visitor; from
    the second load of a script on, V8 also keeps its compiled code);
    then, ``cold_rounds`` (default: ``rounds``) times in turn, each page in a browser just started (first visit: no HTTP
    cache and no compiled code — clearing the cache of a browser that had run the page left V8's
    compiled scripts in its renderer, so a « first visit » compiled nothing). Returns
    ({name: [(idle, network)]}, {name: (median cold idle, median cold bytes)}, callbacks per view of
    ``ours``); callbacks are counted in the proxy's access log."""
    from tests.support.browser import chrome
    warm = {name: [] for name in urls}
    cold_runs, callbacks = {name: [] for name in urls}, []

    def posts():
        if access_log is None or not Path(access_log).exists():
            return None
        return Path(access_log).read_text(encoding="utf-8").count('"POST /_dash-update-component')

    def drawn(name):
        return FLOOR_DRAWN_JS if name == "plancher" else None

    d = chrome() if rounds else None
    try:
        for name, url in urls.items():
            for _ in range(warm_up if rounds else 0):
                time_to_idle_map(d, url, drawn_js=drawn(name))
        for _ in range(rounds):
            for name, url in urls.items():
                before = posts()
                warm[name].append(time_to_idle_map(d, url, drawn_js=drawn(name)))
                # the same pause after every page, so that each starts from a quiet browser (only the
                # page after ours had one: callbacks fired after the map is idle are part of the view)
                time.sleep(SETTLE)
                if name == "nous" and before is not None:
                    callbacks.append(posts() - before)
    finally:
        if d is not None:
            d.quit()
    for _ in range(rounds if cold_rounds is None else cold_rounds):
        for name, url in urls.items():
            d = chrome()  # a new browser, its own new profile: nothing cached, nothing compiled
            try:
                time.sleep(SETTLE)
                idle, _ = time_to_idle_map(d, url, drawn_js=drawn(name))
                cold_runs[name].append((idle, d.execute_script(COLD_BYTES_JS)))
            finally:
                d.quit()
    cold = {name: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
            for name, v in cold_runs.items() if v}
    return warm, cold, callbacks


def load_test(base_url, seconds, users, expected_csv_rows, think=(1.0, 3.0), ramp=0.0):
    lat, errors, counts = [], [], {"page": 0, "filtre": 0, "export": 0}
    lock = threading.Lock()
    stop = time.time() + seconds
    import requests

    def viewer(seed):
        rnd = random.Random(seed)
        time.sleep(rnd.uniform(0, ramp))  # arrivals spread over `ramp` seconds (0: all at once)
        s = requests.Session()
        deps = s.get(base_url + "/_dash-dependencies", timeout=30).json()
        dep = next(d for d in deps if render_output() in d["output"] and "kpi-laureats" in d["output"])
        prev = ""
        while time.time() < stop:
            kind = rnd.choices(["page", "filtre", "export"], weights=[2, 6, 2])[0]
            q = rnd.choice(QUERIES)
            t = time.perf_counter()
            try:
                if kind == "page":
                    r = s.get(base_url + "/" + q, timeout=30)
                    ok = r.status_code == 200 and b"_dash-config" in r.content
                    r2 = s.get(base_url + "/_dash-layout", headers={"Referer": base_url + "/" + q}, timeout=30)
                    ok = ok and r2.status_code == 200 and b"kpi-laureats" in r2.content
                elif kind == "filtre":
                    r = s.post(base_url + "/_dash-update-component", json=payload(dep, q, prev), timeout=30)
                    # same view as the one shown: nothing to update (an empty response is right)
                    ok = r.status_code in (200, 204) and (b"kpi-laureats" in r.content or q == prev)
                    prev = q
                else:
                    r = s.get(base_url + "/export.csv" + q, timeout=30)
                    rows = [x for x in r.content.decode("utf-8-sig").splitlines() if x and not x.startswith("#")]
                    ok = r.status_code == 200 and len(rows) - 1 == expected_csv_rows[q]
                dt = (time.perf_counter() - t) * 1000
                with lock:
                    lat.append(dt)
                    counts[kind] += 1
                    if not ok:
                        errors.append(f"{kind} {q} {r.status_code}")
            except Exception as exc:
                with lock:
                    errors.append(f"{kind} {q} {type(exc).__name__}")
            time.sleep(rnd.uniform(*think))  # a viewer reads the map before the next action

    threads = [threading.Thread(target=viewer, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, errors, counts


REGIONS = ("01", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94")


#: Heavy formats asked by :func:`heavy_export_paths` (the fiche needs a territory: left out).
HEAVY_WORKLOAD = ("pptx", "png", "xlsx")


def heavy_export_paths(n: int = 20) -> list[str]:
    """``n`` distinct heavy exports (decks, slide images, workbooks, region after region): none cached."""
    from dashboard.model.export_formats import EXPORT_BY_KIND
    heavy = [EXPORT_BY_KIND[kind] for kind in HEAVY_WORKLOAD]
    assert all(f.heavy for f in heavy), "HEAVY_WORKLOAD : formats non déclarés lourds"
    return [f"/{heavy[i % len(heavy)].path}?region={REGIONS[i % len(REGIONS)]}" for i in range(n)]


HEAVY_EXPORTS = heavy_export_paths()


def healthz_under_heavy_exports(base_url):
    """``/healthz`` asked every 50 ms while the 20 :data:`HEAVY_EXPORTS` are asked at once.

    Returns (healthz latencies in ms, {status: count} of the exports, failed health checks)."""
    import requests
    from concurrent.futures import ThreadPoolExecutor
    stop, lat, failed = threading.Event(), [], []

    def probe():
        s = requests.Session()
        while not stop.is_set():
            t = time.perf_counter()
            try:
                ok = s.get(base_url + "/healthz", timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            lat.append((time.perf_counter() - t) * 1000)
            if not ok:
                failed.append(lat[-1])
            time.sleep(0.05)

    def export(path):
        try:
            return requests.get(base_url + path, timeout=120).status_code
        except requests.RequestException as exc:
            return type(exc).__name__

    prober = threading.Thread(target=probe)
    prober.start()
    with ThreadPoolExecutor(len(HEAVY_EXPORTS)) as pool:
        codes = list(pool.map(export, HEAVY_EXPORTS))
    stop.set()
    prober.join()
    return lat, {c: codes.count(c) for c in set(codes)}, failed


_ACCESS_RE = re.compile(r'^(?P<end>[\d.]+) \S+ "(?P<method>\w+) (?P<path>\S+) [^"]*" (?P<status>\d+) (?P<bytes>\d+) '
                        r'(?P<total>[\d.]+) upstream=(?P<up>.*?) upstream_status=\S+(?:, \S+)* '
                        r'upstream_time=(?P<uptime>[\d., -]+)$')


def route_breakdown(access_log, since):
    """Per route, from the proxy's access log: count, p50/p95 total time, p95 time in the instances
    (``upstream_response_time``), median bytes sent. Only requests ended after ``since`` (epoch s)."""
    by = {}
    for line in Path(access_log).read_text(encoding="utf-8").splitlines():
        m = _ACCESS_RE.match(line)
        if not m or float(m["end"]) < since:
            continue
        up = sum(float(x) for x in re.findall(r"[\d.]+", m["uptime"]))
        key = f"{m['method']} {m['path'].split('?')[0]}"
        by.setdefault(key, []).append((float(m["total"]) * 1000, up * 1000, int(m["bytes"]), float(m["end"])))
    return by


@contextmanager
def direct_gunicorn(bundle_dir, source_dir, tmp):
    """One ``gunicorn app:server`` (2 workers), no proxy: where nginx or redis-server is missing."""
    import requests

    from tests.support.browser import free_port
    port = free_port()
    env = {**os.environ, "TI_BUNDLE_DIR": str(bundle_dir), "TI_SOURCE_DIR": source_dir, "PORT": str(port),
           "HOST": "127.0.0.1", "WEB_CONCURRENCY": "2", "TI_OFFLINE": "1"}
    log = open(Path(tmp) / "gunicorn.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "app:server"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


DECK_QUERIES = {"région (?region=32&zone=afr)": ("?region=32&zone=afr", 3.0),
                "France (?niveau=ti)": ("?niveau=ti", 6.0)}


def bench_deck(ctx, runs: int = 3) -> list[tuple[str, float, float, int]]:
    """(name, best seconds, target seconds, bytes) of the committee deck per query, uncached
    (each run draws its maps again; the process's once-only geometry is ready after the first run)."""
    from dashboard.exports.deck import deck_bytes
    from dashboard.model.state import ViewState
    out = []
    for name, (query, target) in DECK_QUERIES.items():
        state = ViewState.from_query(query, ctx.choices)[0]
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            body = deck_bytes(ctx, state, site_url="http://localhost/")
            times.append(time.perf_counter() - t)
        out.append((name, min(times), target, len(body)))
    return out


def deck_rows(results, row) -> None:
    for name, best, target, size in results:
        row(f"dossier de comité .pptx, {name}", f"{best:.2f} s ({size / 1e6:.1f} Mo)", f"≤ {target:g} s",
            best <= target)


def serving(args, bundle_dir, tmp):
    """(context manager serving the app, the topology or None, its description): the production
    topology when nginx and redis-server are here, else one gunicorn."""
    from deploy.local import Topology, missing_programs
    missing = missing_programs()
    if missing:
        print(f"({', '.join(missing)} absent(s) : charge mesurée sur un gunicorn direct, sans proxy ni Redis ; "
              "apt-get install nginx redis-server)", file=sys.stderr)
        return direct_gunicorn(bundle_dir, args.source_dir, tmp), None, "gunicorn direct, 2 workers (sans proxy)"
    topo = Topology(bundle_dir, source_dir=args.source_dir, workers=args.workers, threads=args.threads,
                    workdir=Path(tmp) / "deploy")
    return topo, topo, f"nginx → 2 instances × {args.workers} worker × {args.threads} threads → Redis"


def heavy_rows(lat, codes, failed, row) -> None:
    hp95 = pct(lat, 95)
    row(f"/healthz p95 pendant {len(HEAVY_EXPORTS)} exports lourds", f"{hp95:.0f} ms", "≤ 300 ms",
        hp95 <= 300 and not failed)
    row("  exports lourds : réponses", ", ".join(f"{n} × {c}" for c, n in sorted(codes.items(), key=str))
        + (f" ; /healthz en échec : {len(failed)}" if failed else ""))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bundle", default=None, help="lot de données (défaut : construit dans un dossier temporaire)")
    p.add_argument("--source-dir", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--think-min", type=float, default=1.0, help="pause min. d'un lecteur entre deux actions (s)")
    p.add_argument("--think-max", type=float, default=3.0, help="pause max. (s)")
    p.add_argument("--montee", type=float, default=0.0,
                   help="arrivée des lecteurs étalée sur ce nombre de secondes (défaut 0 : tous ensemble)")
    p.add_argument("--workers", type=int, default=1, help="WEB_CONCURRENCY de chaque instance derrière nginx")
    p.add_argument("--threads", type=int, default=4, help="GUNICORN_THREADS de chaque instance derrière nginx")
    p.add_argument("--deck-only", action="store_true", help="mesurer seulement le dossier de comité (.pptx)")
    p.add_argument("--premiere-carte", action="store_true",
                   help="mesurer seulement la 1re carte (navigateur) et les octets, sans charge ni dossier")
    p.add_argument("--tours", type=int, default=5, help="tours alternés de la mesure de 1re carte (médianes)")
    p.add_argument("--heavy-only", action="store_true",
                   help="mesurer seulement /healthz pendant 20 exports lourds (à travers la topologie)")
    args = p.parse_args()
    load_before = os.getloadavg()[0]  # other processes on the machine skew every figure below
    import tempfile
    tmp = tempfile.mkdtemp()
    bundle_dir = Path(args.bundle) if args.bundle else Path(tmp) / "processed"
    if not args.bundle:
        from geodata.build.pipeline import build
        build(args.source_dir, None, bundle_dir, quiet=True)
    from geodata.bundle import load_bundle
    from dashboard import create_app
    from dashboard.model.data import filter_laureates
    from dashboard.model.state import ViewState
    bundle = load_bundle(bundle_dir)
    if args.heavy_only:
        server, topo, setup = serving(args, bundle_dir, tmp)
        with server as served:
            rows = []
            heavy_rows(*healthz_under_heavy_exports(served.proxy_url if topo else served),
                       lambda name, value, target="", ok=None: rows.append((name, value, target, ok)))
        for name, value, target, ok in rows:
            print(f"{name:<45} {value:>30}  {target:<8} {'' if ok is None else ('OK' if ok else 'HORS CIBLE')}")
        print(f"{setup} ; machine : {os.cpu_count()} cœurs ; charge moyenne au départ : {load_before:.1f}")
        return
    app = create_app(bundle)
    if args.deck_only:
        rows = []
        deck_rows(bench_deck(app._ti_context), lambda *r: rows.append(r))
        for name, value, target, ok in rows:
            print(f"{name:<55} {value:>22}  {target:<8} {'OK' if ok else 'HORS CIBLE'}")
        print(f"machine : {os.cpu_count()} cœurs")
        return
    decks = [] if args.premiere_carte else bench_deck(app._ti_context)
    naive = naive_app(bundle)
    ours_t, ours_b, naive_t, naive_b = bench_callbacks(app, naive)
    ctx = app._ti_context
    expected = {q: len(filter_laureates(ctx.laureats, ViewState.from_query(q, ctx.choices)[0])) for q in QUERIES}
    layout_b, fig_b, fig_gz, geo_b, geo_gz = figure_sizes(app)
    baseline = baseline_page(app)
    baseline_embed = baseline_page(app, EMBED_QUERY, fill_window=True)
    floor = floor_page(app)

    server, topo, setup = serving(args, bundle_dir, tmp)
    paint = None
    lat, errors, counts, routes = [], [], {}, {}
    heavy_lat, heavy_codes, heavy_failed = [], {}, []
    with server as served:
        base = served.proxy_url if topo else served
        access_log = topo.access_log if topo else None
        try:
            from tests.support.browser import serve_wsgi
            with serve_wsgi(baseline.server) as baseline_url, \
                    serve_wsgi(baseline_embed.server) as baseline_embed_url, \
                    serve_wsgi(floor) as floor_url:
                paint = paint_times({"nous": base + "/", "simple": baseline_url + "/", "plancher": floor_url + "/",
                                     "nous, intégrée": base + "/" + EMBED_QUERY,
                                     "simple, intégrée": baseline_embed_url + "/"}, access_log, rounds=args.tours)
        except Exception as exc:  # browser missing: report, do not hide
            print(f"(navigateur indisponible : {type(exc).__name__}: {exc})", file=sys.stderr)
        if not args.premiere_carte:
            load_start = time.time()
            lat, errors, counts = load_test(base, args.seconds, args.users, expected,
                                            think=(args.think_min, args.think_max), ramp=args.montee)
            routes = route_breakdown(access_log, load_start) if access_log else {}
            heavy_lat, heavy_codes, heavy_failed = healthz_under_heavy_exports(base)

    rows = []

    def row(name, value, target="", ok=None):
        rows.append((name, value, target, "" if ok is None else ("OK" if ok else "HORS CIBLE")))

    p50, p95 = statistics.median(ours_t), pct(ours_t, 95)
    n50, n95 = statistics.median(naive_t), pct(naive_t, 95)
    row("filtre → carte, serveur p50 (nous)", f"{p50:.1f} ms", "≤ 20 ms", p50 <= 20)
    row("filtre → carte, serveur p95 (nous)", f"{p95:.1f} ms", "≤ 20 ms", p95 <= 20)
    row("filtre → carte, octets (nous, max)", f"{max(ours_b) / 1000:.1f} Ko", "≤ 30 Ko", max(ours_b) <= 30_000)
    row("filtre → carte, serveur p50 (naïf)", f"{n50:.1f} ms")
    row("filtre → carte, serveur p95 (naïf)", f"{n95:.1f} ms")
    row("filtre → carte, octets (naïf, max)", f"{max(naive_b) / 1000:.0f} Ko")
    row("accélération (p50 naïf / p50 nous)", f"× {n50 / p50:.0f}", "≥ × 20", n50 / p50 >= 20)
    row("1re page : figure de la carte", f"{fig_b / 1e6:.2f} Mo", "≤ 1,5 Mo", fig_b <= 1.5e6)
    row("1re page : figure compressée (gzip)", f"{fig_gz / 1000:.0f} Ko", "≤ 400 Ko", fig_gz <= 400_000)
    row("1re page : réponse _dash-layout", f"{layout_b / 1e6:.2f} Mo")
    row("géométrie (URL en cache, 1 fois)", f"{geo_b / 1e6:.2f} Mo / {geo_gz / 1000:.0f} Ko gzip")
    tracked = []  # the lines compared from run to run (issue 20), printed as they are after the table
    if paint:
        warm, cold, cbs = paint
        med = {name: statistics.median(x[0] for x in v) for name, v in warm.items()}
        net = {name: statistics.median(x[1] for x in v) for name, v in warm.items()}
        n = len(warm["nous"])
        for name, label in (("nous", "nous"), ("simple", "Dash simple : 1 dcc.Graph, mise en page en cache"),
                            ("plancher", "plancher : MapLibre seul, mêmes GeoJSON et épingles"),
                            ("nous, intégrée", "nous, vue intégrée " + EMBED_QUERY),
                            ("simple, intégrée", "Dash simple, même vue")):
            row(f"1re carte au repos, médiane de {n} ({label})", f"{med[name]:.2f} s (réseau {net[name]:.2f} s)")
        page, embed = med["nous"] / med["simple"], med["nous, intégrée"] / med["simple, intégrée"]
        first = cold["nous"][0] / cold["simple"][0]
        embed_kb = cold["nous, intégrée"][1] / 1000
        row("1re carte : nous / Dash simple (mise en page en cache)", f"× {fmt_ratio(page)}", "≤ × 0,9", page <= 0.9)
        row("1re carte intégrée : nous / Dash simple (mise en page en cache)", f"× {fmt_ratio(embed)}", "≤ × 0,75",
            embed <= 0.75)
        row("1re carte, 1re visite : nous / Dash simple", f"× {fmt_ratio(first)} ({cold['nous'][0]:.2f} s / "
            f"{cold['simple'][0]:.2f} s)", "≤ × 0,7", first <= 0.7)
        row("1re carte : nous / plancher MapLibre", f"× {fmt_ratio(med['nous'] / med['plancher'])}")
        row("1re carte, 1re visite (nous / simple / plancher)", f"{cold['nous'][0]:.2f} / {cold['simple'][0]:.2f} / "
            f"{cold['plancher'][0]:.2f} s")
        row("intégration, octets à froid", f"{embed_kb:.0f} Ko", "≤ 1 200 Ko", embed_kb <= 1200)
        row("1re visite, octets à froid (nous / simple / plancher)", f"{cold['nous'][1] / 1000:.0f} / "
            f"{cold['simple'][1] / 1000:.0f} / {cold['plancher'][1] / 1000:.0f} Ko")
        if cbs:
            row("rappels par vue (Chromium, 1re page)", f"{statistics.median(cbs):.0f}", "0", max(cbs) == 0)
        tracked = [f"1re carte : nous / Dash simple (mise en page en cache) × {fmt_ratio(page)}",
                   f"1re carte intégrée : nous / Dash simple (mise en page en cache) × {fmt_ratio(embed)}",
                   f"1re carte, 1re visite : nous / Dash simple × {fmt_ratio(first)}",
                   f"intégration, octets à froid {embed_kb:.0f} Ko",
                   f"plancher MapLibre : {med['plancher']:.2f} s (nous {med['nous']:.2f} s, "
                   f"Dash simple {med['simple']:.2f} s ; 1re visite : {cold['plancher'][0]:.2f} s, nous "
                   f"{cold['nous'][0]:.2f} s, Dash simple {cold['simple'][0]:.2f} s)"]
    else:
        row("1re carte au repos (Chromium)", "non mesuré", "", False)
    if lat:
        lp95 = pct(lat, 95)
        row(f"charge : {args.users} lecteurs, {args.seconds:.0f} s, pause {args.think_min:g}-{args.think_max:g} s"
            + (f", arrivées sur {args.montee:g} s" if args.montee else ", arrivées simultanées"), setup)
        row("charge : requêtes", f"{len(lat)} ({counts['page']} pages, {counts['filtre']} filtres, "
            f"{counts['export']} exports)")
        row("charge : p50", f"{statistics.median(lat):.0f} ms")
        row("charge : p95", f"{lp95:.0f} ms", "≤ 300 ms", lp95 <= 300)
    if not args.premiere_carte:
        row("charge : erreurs", f"{len(errors)}", "0", not errors)
        heavy_rows(heavy_lat, heavy_codes, heavy_failed, row)
    for route, v in sorted(routes.items(), key=lambda kv: -pct([x[0] for x in kv[1]], 95)):
        total = [x[0] for x in v]
        row(f"  {route} (×{len(v)})", f"p95 {pct(total, 95):.0f} ms, instance {pct([x[1] for x in v], 95):.0f} ms, "
            f"{statistics.median([x[2] for x in v]) / 1000:.0f} Ko")
    if routes:
        t0 = min(x[3] for v in routes.values() for x in v)
        late = [x[0] for v in routes.values() for x in v if x[3] - t0 > 5]
        if late:
            row("  requêtes HTTP après les 5 premières s : p95", f"{pct(late, 95):.0f} ms")
    deck_rows(decks, row)
    width = max(len(r[0]) for r in rows)
    print(f"{'mesure':<{width}}  {'valeur':>24}  {'cible':<10} verdict")
    for name, value, target, verdict in rows:
        print(f"{name:<{width}}  {value:>24}  {target:<10} {verdict}")
    if errors:
        print("premières erreurs :", errors[:5])
    for line in tracked:
        print(line)
    print(f"machine : {os.cpu_count()} cœurs ; client de charge et serveur sur la même machine (boucle locale) ; "
          f"charge moyenne de la machine au départ : {load_before:.1f}")


if __name__ == "__main__":
    main()
