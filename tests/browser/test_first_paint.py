"""First paint in Chromium (issue 20): no callback at load, plotly.js is the partial bundle, the
figure's complements (pin hover texts, names, region lines) arrive, hidden tabs come when opened,
and the embed view is a page without Dash; no console error; the URL still reproduces the view."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import ARTIFACTS
from tests.support.browser import chrome, console_errors, map_pixels, wait_map

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
    _preloads_used_once(driver, resources, kinds=(".geojson", "/complements/", "/async-graph.js"))
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
