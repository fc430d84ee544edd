"""First paint in Chromium (issue 20): no callback at load, plotly.js is the partial bundle (an async
script of <head>; the map is drawn from the page's figure as soon as it has run, before Dash's layout), the figure's complements (pin hover texts, names, region
lines) arrive, hidden tabs come when opened, the first map is drawn once complete, and the embed view
is a page without Dash with its own smaller stylesheet (same computed styles); no console error; the
URL still reproduces the view."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import ARTIFACTS
from tests.support.browser import chrome, console_errors, map_pixels, serve_wsgi, wait_map

pytestmark = pytest.mark.browser

RESOURCES_JS = "return performance.getEntriesByType('resource').map(e => e.name.replace(location.origin, ''));"
PRELOADS_JS = ("return [...document.querySelectorAll('link[rel=preload]')]"
               ".map(l => l.href.replace(location.origin, ''));")
TRACES_JS = """
const gd = document.querySelector('#carte .js-plotly-plot');
return gd.data.map(t => ({name: t.name, hovertext: (t.hovertext || []).length,
                          customdata: (t.customdata || []).length, lon: (t.lon || []).length,
                          lat: (t.lat || []).length, locations: (t.locations || []).length}));
"""


@pytest.fixture(scope="module")
def driver():
    d = chrome()
    yield d
    d.quit()


def _traces(driver):
    deadline = time.time() + 20
    while True:  # the complements are fetched once the map is drawn
        traces = {t["name"]: t for t in driver.execute_script(TRACES_JS)}
        if traces["Régions"]["lon"] and traces["territoires"]["customdata"] or time.time() > deadline:
            return traces
        time.sleep(0.3)


def _preloads_used_once(driver, resources, kinds):
    """What ``<head>`` preloads (the first map's geometry, complements, code) is asked once: the
    page used the preloaded answer rather than asking again."""
    preloaded = driver.execute_script(PRELOADS_JS)
    for kind in kinds:
        assert [u for u in preloaded if kind in u], kind
    for url in preloaded:
        assert resources.count(url) == 1, (url, resources.count(url))


def test_page_starts_no_callback_and_gets_its_complements(base_url, driver):
    query = "?region=24&ti=dans"
    driver.get(base_url + "/" + query)
    wait_map(driver)
    time.sleep(1.0)
    resources = driver.execute_script(RESOURCES_JS)
    assert not [r for r in resources if "_dash-update-component" in r]  # no callback at load
    assert not [r for r in resources if "package_data/plotly.min.js" in r]  # Dash's full plotly.js: not asked
    assert [r for r in resources if r.startswith("/static/") and r.endswith("/plotly.min.js")]
    assert not [r for r in resources if r.split("?")[0].endswith("style.css")]  # one stylesheet, no @import chain
    _preloads_used_once(driver, resources, kinds=(".geojson", "/complements/", "/async-dropdown.js"))
    # the map is drawn from the page's figure (assets/carte-dessin.js), not by a dcc.Graph: no chart code
    assert not [r for r in resources if "async-graph.js" in r]
    traces = _traces(driver)
    pins = [t for name, t in traces.items() if name.startswith("Lauréat")]
    assert pins and all(t["hovertext"] > 100 for t in pins)  # every pin's hover text, from its complement
    assert traces["territoires"]["customdata"] > 1000 and traces["Régions"]["lon"] > 1000
    assert parse_qs(urlsplit(driver.current_url).query) == parse_qs(query[1:])  # the URL is untouched
    # a hidden tab is drawn when it opens
    assert driver.find_element("id", "tableau-regions").find_elements("css selector", "table") == []
    tabs = driver.find_elements("css selector", "#onglets .nav-link")
    tab = next(t for t in tabs if t.text.strip() == "Régions")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", tab)
    deadline = time.time() + 30
    while not driver.find_element("id", "tableau-regions").find_elements("css selector", "table"):
        assert time.time() < deadline, "tableau régional non dessiné à l'ouverture de son onglet"
        time.sleep(0.3)
    px = map_pixels(driver, ARTIFACTS / "premiere_peinture_page.png")
    assert px["polygons"] > 2000 and px["blue"] > 30, px
    assert console_errors(driver) == []


def test_embed_is_a_page_without_dash(base_url, driver):
    driver.get(base_url + "/?embed=1&region=24&ti=dans")
    wait_map(driver)
    resources = driver.execute_script(RESOURCES_JS)
    assert not [r for r in resources if "_dash-" in r]  # no renderer, no layout, no callback
    assert not [r for r in resources if r.startswith("/geo/") and ".geojson" in r and "-region-24" not in r]
    _preloads_used_once(driver, resources, kinds=(".geojson",))
    traces = _traces(driver)
    pins = traces["Lauréat dans un TI"]  # only the region's pins, each with its hover text
    assert 0 < pins["hovertext"] < 200 and traces["Régions"]["lon"] > 1000
    assert 0 < traces["territoires"]["customdata"] == traces["territoires"]["locations"] < 200
    link = driver.find_element("id", "lien-carte-complete")
    assert parse_qs(urlsplit(link.get_attribute("href")).query) == {"region": ["24"], "ti": ["dans"]}
    px = map_pixels(driver, ARTIFACTS / "premiere_peinture_integration.png")
    assert px["polygons"] > 2000 and px["blue"] > 30, px
    assert console_errors(driver) == []


#: Counts the frames in which a map canvas had WebGL draw calls, by whether its map was complete at
#: that moment (style and tiles loaded, a layer for every visible trace): run before the page's scripts.
DRAW_LOG_JS = """
window.__tiDraws = {partial: 0, complete: 0};
let frame = 0, counted = new Set();
const tick = () => { frame += 1; requestAnimationFrame(tick); };
requestAnimationFrame(tick);
const complete = (canvas) => {
  const gd = canvas.closest('.js-plotly-plot'), fl = gd && gd._fullLayout;
  for (const id of (fl && fl._subplots && fl._subplots.map) || []) {
    const sub = fl[id] && fl[id]._subplot;
    if (!sub || !sub.map || sub.map.getCanvas() !== canvas) continue;
    const want = gd._fullData.filter(t => t.visible === true && t.subplot === id).length;
    return sub.map.loaded() && Object.keys(sub.traceHash || {}).length >= want;
  }
  return false;
};
for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
  for (const name of ['drawElements', 'drawArrays']) {
    const original = proto[name];
    proto[name] = function () {
      const kind = complete(this.canvas) ? 'complete' : 'partial';
      if (!counted.has(kind + frame)) { counted.add(kind + frame); window.__tiDraws[kind] += 1; }
      return original.apply(this, arguments);
    };
  }
}
"""


@pytest.mark.parametrize("query", ["?region=24&ti=dans", "?embed=1&region=24&ti=dans"], ids=["page", "integration"])
def test_first_map_is_drawn_once_complete(base_url, driver, query):
    """MapLibre painted every partial state of the first map (each trace's layers, each tile as it
    came): full WebGL draws, in software here. Now, after the empty style's frame (a plain background:
    the painter's set-up), the next frame drawn is the whole map."""
    script = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": DRAW_LOG_JS})
    try:
        driver.get(base_url + "/" + query)
        wait_map(driver)
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})
    draws = driver.execute_script("return window.__tiDraws;")
    assert draws["partial"] <= 1 and draws["complete"] > 0, draws
    px = map_pixels(driver, ARTIFACTS / f"premier_dessin_{'integration' if 'embed' in query else 'page'}.png")
    assert px["polygons"] > 2000 and px["blue"] > 30, px
    # then MapLibre draws as usual: a zoom is drawn
    before = driver.execute_script("return window.__tiDraws.complete;")  # frames
    driver.execute_script("const gd = document.querySelector('#carte .js-plotly-plot');"
                          "gd._fullLayout.map._subplot.map.zoomTo(gd._fullLayout.map.zoom + 0.5, {duration: 0});")
    wait_map(driver)
    assert driver.execute_script("return window.__tiDraws.complete;") > before
    assert console_errors(driver) == []


#: In the page: once the map's box (#carte) is in the DOM, note when, and 0.5 s later tell the test
#: server, which answers plotly.js only then (Dash's layout rendered first, whatever the machine's load).
GRAPH_MOUNTED_JS = """
new MutationObserver(function (records, observer) {
  if (!document.getElementById('carte')) { return; }
  observer.disconnect();
  window.__tiGraphMounted = performance.now();
  setTimeout(function () { fetch('/__graph-monte'); }, 500);
}).observe(document, {childList: true, subtree: true});
"""


def test_map_waits_for_plotly_arriving_after_the_layout(demo_bundle, driver):
    """plotly.js is an async script of <head>: when it arrives after Dash has rendered the page, the
    map (assets/carte-dessin.js, which waits for it) is still drawn, into its box, and plotly.js is not
    loaded a second time (no script of its own, as dcc.Graph would add). plotly.js is held by the server
    until the page says the box is there (was a fixed 2.5 s delay: under load the layout itself came
    later than that, and the test failed)."""
    import threading

    from flask import request

    from dashboard import create_app
    server = create_app(demo_bundle).server
    mounted = threading.Event()

    def hold_plotly():
        if request.path == "/__graph-monte":
            mounted.set()
            return "", 204
        if request.path.endswith("/plotly.min.js"):
            mounted.wait(60)
        return None
    server.before_request_funcs.setdefault(None, []).insert(0, hold_plotly)  # before the app's 404 of odd paths
    script = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": GRAPH_MOUNTED_JS})
    try:
        with serve_wsgi(server) as url:
            driver.get(url + "/?region=24")
            wait_map(driver)
            graph = driver.execute_script("return window.__tiGraphMounted;")
            timing = driver.execute_script(
                "return performance.getEntriesByType('resource').map(e => [e.name, e.responseEnd]);")
            scripts = driver.execute_script(
                "return [...document.scripts].map(s => s.src).filter(s => s.includes('plotly'));")
            errors = console_errors(driver)
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})
    assert mounted.is_set()
    plotly = [end for name, end in timing if name.endswith("/plotly.min.js")]
    assert graph and len(plotly) == 1 and plotly[0] > graph + 400  # the box was there first, the map waited
    assert len(scripts) == 1  # the <head> one only
    assert errors == []


#: Every element's computed style (and its ::before/::after when drawn), in document order.
STYLES_JS = """
const out = [];
for (const el of document.querySelectorAll('body *')) {
  for (const pseudo of [null, '::before', '::after']) {
    const cs = getComputedStyle(el, pseudo);
    if (pseudo && (cs.content === 'none' || cs.content === 'normal')) continue;
    let text = '';
    for (let i = 0; i < cs.length; i++) { text += cs[i] + ':' + cs.getPropertyValue(cs[i]) + ';'; }
    out.push((el.id ? '#' + el.id : el.tagName) + '.' + (el.getAttribute('class') || '') + (pseudo || '') + ' ' + text);
  }
}
return out;
"""
SWAP_SHEET_JS = """
const [href, done] = arguments;
const old = document.querySelector('link[rel=stylesheet]');
const link = document.createElement('link');
link.rel = 'stylesheet'; link.href = href;
link.onload = () => { old.remove(); requestAnimationFrame(() => requestAnimationFrame(() => done(true))); };
link.onerror = () => done(false);
old.after(link);
"""


def test_embed_stylesheet_gives_the_same_computed_styles_as_the_page_s(base_url, driver):
    """The embed's own stylesheet (the page's rules that can apply to it, ~5× smaller): every element
    of the drawn embed view, map and place names included, has the same computed style with it as
    with the page's whole stylesheet."""
    import re

    import requests
    full = re.search(r'<link rel="stylesheet" href="([^"]+)"', requests.get(base_url + "/", timeout=30).text).group(1)
    driver.get(base_url + "/?embed=1&region=24&ti=dans")
    wait_map(driver)
    own = driver.execute_script("return document.querySelector('link[rel=stylesheet]').getAttribute('href');")
    assert own != full and own.endswith("/integration.css")
    with_own = driver.execute_script(STYLES_JS)
    assert driver.execute_async_script(SWAP_SHEET_JS, full)
    with_full = driver.execute_script(STYLES_JS)
    assert len(with_own) == len(with_full) > 100
    differ = [(a.split(" ", 1)[0], _props(a) - _props(b), _props(b) - _props(a))
              for a, b in zip(with_own, with_full) if a != b]
    assert not differ, differ[:3]


def _props(style_line: str) -> set[str]:
    return set(style_line.split(" ", 1)[1].split(";"))
