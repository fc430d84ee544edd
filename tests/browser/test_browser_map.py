"""The map in headless Chromium (Debian chromium + chromium-driver via Selenium).
Screenshots are kept in tests/artifacts/ and were looked at."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.model.data import DataContext, filter_laureates, kpis
from dashboard.model.kpi_text import kpi_values
from dashboard.model.state import ViewState

from tests.support.browser import chrome, click_label, console_errors, map_pixels, wait_map, wait_text
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def driver():
    d = chrome()
    yield d
    d.quit()


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


def expected_kpis(ctx, query):
    state, _ = ViewState.from_query(query, ctx.choices)
    return kpi_values(kpis(filter_laureates(ctx.laureats, state), ctx.choices))


def test_page_loads_with_drawn_map(base_url, driver, ctx):
    driver.get(base_url + "/?region=27")
    wait_map(driver)
    px = map_pixels(driver, ARTIFACTS / "carte_region27.png")
    driver.save_screenshot(str(ARTIFACTS / "page_region27.png"))
    assert px["polygons"] > 5000, px      # EPCI choropleth drawn
    assert px["blue"] > 100 and px["orange"] > 100, px  # pins inside and outside TI
    exp = expected_kpis(ctx, "?region=27")
    for kid, text in exp.items():
        assert driver.find_element("id", kid).text == text, kid
    assert "Données de démonstration" in driver.find_element("id", "bandeau-demonstration").text
    titles = [b.get_attribute("data-title") for b in driver.find_elements("css selector", "#carte .modebar-btn")]
    assert "Zoom avant" in titles and "Télécharger en PNG" in titles  # Plotly's French locale
    assert not [t for t in titles if "Share" in t or "Cloud" in t]   # nothing sent to a third party
    assert console_errors(driver) == []


def test_filter_change_updates_kpis_and_url(base_url, driver, ctx):
    driver.get(base_url + "/?region=27")
    wait_map(driver)
    before = driver.find_element("id", "kpi-laureats").text
    # click the "Dans un TI" radio of the TI filter
    click_label(driver, "Dans un TI")
    exp = expected_kpis(ctx, "?region=27&ti=dans")
    wait_text(driver, "kpi-laureats", lambda t: t == exp["kpi-laureats"])
    assert exp["kpi-laureats"] != before
    q = parse_qs(urlsplit(driver.current_url).query)
    assert q == {"region": ["27"], "ti": ["dans"]}
    for kid, text in exp.items():
        assert driver.find_element("id", kid).text == text
    wait_map(driver)
    # the pins only: the legend line (its orange swatch) may sit over the map's box on this page
    driver.execute_script("document.getElementById('legende').style.visibility = 'hidden';")
    px = map_pixels(driver, ARTIFACTS / "carte_region27_dans_ti.png")
    driver.execute_script("document.getElementById('legende').style.visibility = '';")
    assert px["blue"] > 50 and px["orange"] < 20, px  # only pins inside a TI remain
    # browser back restores the previous view
    driver.back()
    wait_text(driver, "kpi-laureats", lambda t: t == before)
    assert parse_qs(urlsplit(driver.current_url).query) == {"region": ["27"]}
    assert console_errors(driver) == []


@pytest.mark.parametrize("query", ["?region=84&zone=afr&niveau=ti&indicateur=emplois",
                                   "?phase=2023-2027&ti=hors&filiere=Agroalimentaire"])
def test_deep_link_reproduces_view(base_url, driver, ctx, query):
    driver.get(base_url + "/" + query)
    wait_map(driver)
    exp = expected_kpis(ctx, query)
    for kid, text in exp.items():
        assert driver.find_element("id", kid).text == text, kid
    assert parse_qs(urlsplit(driver.current_url).query) == parse_qs(query[1:])
    name = "deeplink_" + query.replace("?", "").replace("&", "_").replace("=", "-")[:60] + ".png"
    px = map_pixels(driver, ARTIFACTS / name)
    assert px["polygons"] > 2000, px
    assert console_errors(driver) == []


def test_embed_view_has_no_filter_panel(base_url, driver, ctx):
    query = "?embed=1&region=53&zone=afr"
    driver.get(base_url + "/" + query)
    wait_map(driver)
    assert driver.find_elements("id", "panneau-filtres") == []
    assert driver.find_elements("id", "reinitialiser") == []
    exp = expected_kpis(ctx, query)
    for kid, text in exp.items():  # one shown in the line under the map, the others for screen readers
        assert driver.find_element("id", kid).get_attribute("textContent") == text, kid
    assert driver.find_element("id", "kpi-laureats").is_displayed()
    px = map_pixels(driver, ARTIFACTS / "embed_region53_afr.png")
    driver.save_screenshot(str(ARTIFACTS / "page_embed_region53_afr.png"))
    assert px["polygons"] > 2000 and px["blue"] + px["orange"] > 30, px
    assert "Sources" in driver.find_element("css selector", ".source-line").text
    assert console_errors(driver) == []


def test_embed_map_follows_its_box(base_url, driver):
    """The embed's plot takes its box's size when the box changes without the window (a frame whose
    layout settles after the drawing: on a busy machine a 300×250 frame showed the left part of a
    wider canvas, off its region). Plotly's "responsive" follows the window only."""
    driver.get(base_url + "/?embed=1&region=24")
    wait_map(driver)
    size = ("const gd = document.querySelector('#carte .js-plotly-plot'), r = gd.getBoundingClientRect();"
            "return [Math.round(gd._fullLayout.width), Math.round(r.width)];")
    plot_w, box_w = driver.execute_script(size)
    assert abs(plot_w - box_w) <= 2, (plot_w, box_w)
    driver.execute_script("document.querySelector('#carte .js-plotly-plot').style.width = '60%';")
    WebDriverWait(driver, 10, poll_frequency=0.2).until(
        lambda d: d.execute_script(size)[1] < 0.8 * box_w)  # the box is narrower

    def follows(d) -> bool:
        plot, box = d.execute_script(size)
        return abs(plot - box) <= 2
    try:  # the plot follows (or not: said by the assertion below)
        WebDriverWait(driver, 5, poll_frequency=0.2).until(follows)
    except TimeoutException:
        pass
    new_plot_w, new_box_w = driver.execute_script(size)
    assert abs(new_plot_w - new_box_w) <= 2, (new_plot_w, new_box_w, box_w)
    assert console_errors(driver) == []


def test_unknown_parameters_are_reported_not_fatal(base_url, driver):
    driver.get(base_url + "/?region=99&foo=%3Cscript%3E&zone=afr")
    wait_map(driver)
    notice = driver.find_element("id", "avis-parametres").text
    assert "region=99" in notice and "foo" in notice
    assert parse_qs(urlsplit(driver.current_url).query).get("zone") == ["afr"]
    assert console_errors(driver) == []


MAP_STATE_JS = """
const gd = document.querySelector('#carte .js-plotly-plot'), m = gd._fullLayout.map._subplot.map;
const c = m.getCenter();
return {lon: c.lng, lat: c.lat, zoom: m.getZoom(),
        geojson: gd.data.filter(t => typeof t.geojson === 'string').map(t => t.geojson)};
"""


def test_aller_a_moves_the_map_drawn_outside_dash(base_url, driver):
    """The map is drawn outside Dash (assets/carte-dessin.js; a click on it: test_browser_fiche):
    « Aller à » still moves it — centre, zoom and the finer outlines, sent as Patch operations."""
    from tests.support.browser import type_in_dropdown
    # Guadeloupe from the whole country: the map goes there, with the finer outlines (not the overview's)
    driver.get(base_url + "/")
    wait_map(driver)
    type_in_dropdown(driver, "aller-a", "Guadeloupe",
                     found=lambda d: [o for o in d.find_elements("css selector", ".dash-dropdown-option")
                                      if o.text.strip() == "Guadeloupe"])[0].click()
    WebDriverWait(driver, 20).until(lambda d: abs(d.execute_script(MAP_STATE_JS)["lon"] + 61.55) < 0.05)
    state = driver.execute_script(MAP_STATE_JS)
    assert abs(state["lat"] - 16.2) < 0.05 and state["zoom"] > 7, state
    assert not [g for g in state["geojson"] if "france" in g], state["geojson"]  # not the coarse national file
    wait_map(driver)
    px = map_pixels(driver, ARTIFACTS / "carte_aller_a_guadeloupe.png")
    assert px["polygons"] > 5000, px
    assert console_errors(driver) == []
