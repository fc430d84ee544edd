"""Territory fiche, search, map click and exports in headless Chromium."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from dashboard.model.data import DataContext, filter_laureates
from dashboard.model.state import ViewState

from tests.support.browser import chrome, console_errors, type_in_dropdown, wait_map
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def driver():
    d = chrome(1400, 1600)
    yield d
    d.quit()


def _wait(driver, cond, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(cond)


def test_ti_fiche_from_deep_link(base_url, driver, demo_bundle):
    driver.get(base_url + "/?territoire=ti-2406")
    wait_map(driver)
    fiche = _wait(driver, lambda d: d.find_element("id", "fiche"))
    text = fiche.text
    assert "Pithiviers" in text and "Territoire d'industrie 2019-2022" in text
    assert "Chiffres pour les filtres actuels" in text and "France" in text
    ctx = DataContext(demo_bundle)
    n = int((filter_laureates(ctx.laureats, ViewState())["ti_id_2019_2022"] == "ti-2406").sum())
    assert f"Lauréats ({n})" in text
    driver.find_element("id", "fiche").screenshot(str(ARTIFACTS / "fiche_ti_pithiviers.png"))
    assert console_errors(driver) == []


def test_compare_two_territories(base_url, driver):
    driver.get(base_url + "/?territoire=ti-2406&comparer=200071850")
    wait_map(driver)
    text = _wait(driver, lambda d: d.find_element("id", "fiche")).text
    assert "Pithiviers" in text and "Pithiverais" in text
    assert len(driver.find_elements("css selector", "#fiche section.fiche")) == 2


def test_search_selects_epci_of_commune(base_url, driver):
    driver.get(base_url + "/")
    wait_map(driver)
    option = type_in_dropdown(driver, "recherche", "le malesherbois",
                              lambda d: [o for o in d.find_elements("css selector", "[role=option]")
                                         if "Malesherbois" in o.text])[0]
    assert option is not None
    assert "Pithiviers" in option.text
    option.click()
    _wait(driver, lambda d: "territoire=" in d.current_url)
    q = parse_qs(urlsplit(driver.current_url).query)
    assert q["territoire"] == ["200071850"] and q["region"] == ["24"]
    text = _wait(driver, lambda d: "Pithiverais" in d.find_element("id", "fiche").text and
                 d.find_element("id", "fiche").text)
    assert "Pithiviers" in text  # its TI (2019-2022)
    wait_map(driver)
    driver.save_screenshot(str(ARTIFACTS / "recherche_malesherbois.png"))
    assert console_errors(driver) == []


def test_click_on_map_opens_fiche(base_url, driver):
    driver.get(base_url + "/?region=24&niveau=ti")
    wait_map(driver)
    gd = driver.find_element("css selector", "#carte .js-plotly-plot")
    # candidate pixels inside a TI polygon: between its centroid and its vertices (pins may cover the centroid)
    cands = driver.execute_script("""
        const gd = arguments[0]; const m = gd._fullLayout.map._subplot.map;
        const t = gd._fullData[0]; const out = [];  // _fullData: arrays decoded (z arrives base64-encoded)
        // the geometry comes by URL; Plotly keeps what it fetched in window.PlotlyGeoAssets
        const src = gd.data[0].geojson;
        const geo = typeof src === 'string' ? window.PlotlyGeoAssets[src] : src;
        t.locations.forEach((loc, i) => {
          if (t.z[i] === null || Number.isNaN(t.z[i]) || out.length > 40) return;
          const f = geo.features.find(f => f.id === loc);
          const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
          let x = 0, y = 0; ring.forEach(c => { x += c[0]; y += c[1]; }); x /= ring.length; y /= ring.length;
          for (let k = 0; k < ring.length; k += Math.max(1, Math.floor(ring.length / 4))) {
            const p = m.project([(x * 2 + ring[k][0]) / 3, (y * 2 + ring[k][1]) / 3]);
            out.push([p.x, p.y]);
          }
        });
        const r = m.getCanvas().getBoundingClientRect();
        return [out, r.width, r.height];
    """, gd)
    canvas = driver.find_element("css selector", "#carte canvas.maplibregl-canvas")
    for x, y in cands[0][:30]:
        if not (5 < x < cands[1] - 60 and 5 < y < cands[2] - 5):
            continue
        ActionChains(driver).move_to_element_with_offset(canvas, int(x - cands[1] / 2), int(y - cands[2] / 2)) \
            .pause(0.4).click().perform()
        time.sleep(0.8)
        if "territoire=" in driver.current_url:
            break
    q = parse_qs(urlsplit(driver.current_url).query)
    assert q["territoire"][0].startswith("ti-")
    time.sleep(2)
    driver.save_screenshot(str(ARTIFACTS / "clic_carte.png"))
    text = _wait(driver, lambda d: d.find_element("id", "fiche").text)
    assert "Territoire d'industrie" in text
    assert console_errors(driver) == []


def test_export_links_follow_the_view(base_url, driver, demo_bundle):
    driver.get(base_url + "/?region=27")
    wait_map(driver)
    href = driver.find_element("id", "export-csv").get_attribute("href")
    assert urlsplit(href).path.endswith("/export.csv") and parse_qs(urlsplit(href).query) == {"region": ["27"]}
    body = requests.get(href, timeout=30).content.decode("utf-8-sig")
    rows = [line for line in body.splitlines() if line and not line.startswith("#")]
    kpi = driver.find_element("id", "kpi-laureats").text
    assert len(rows) - 1 == int(kpi.replace("\u202f", ""))
    # the ranking table is keyboard-navigable: links in reading order, selecting a territory
    first = driver.find_element("css selector", "#classement table a")
    first.send_keys(Keys.ENTER)
    _wait(driver, lambda d: "territoire=" in d.current_url)
    assert console_errors(driver) == []


def test_slide_png_export(base_url, driver, tmp_path):
    """The 16:9 slide image (drawn on the server for the page's query) is downloaded; its subtitle
    names the indicator, the level and the phase."""
    from PIL import Image
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    driver.get(base_url + "/?region=28&ti=dans&niveau=ti&phase=2023-2027&indicateur=emplois&par_hab=1")
    wait_map(driver)
    driver.find_element("id", "export-diapositive").click()
    target = tmp_path / "carte-territoires-industrie.png"
    _wait(driver, lambda d: target.exists() and target.stat().st_size > 10_000, timeout=40)
    time.sleep(0.5)
    img = Image.open(target)
    assert img.size == (1600, 900)
    (ARTIFACTS / "diapositive_normandie.png").write_bytes(target.read_bytes())
    colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # a drawn map with legend and text, not a blank image
    subtitle = img.info["Description"]
    for words in ("Emplois prévus pour 10 000 habitants", "par Territoire d'industrie", "2023-2027",
                  "région Normandie", "dans un Territoire d'industrie"):
        assert words in subtitle, words
    assert "Image 16:9" in driver.find_element("id", "statut-diapositive").text
    assert console_errors(driver) == []


def test_compare_chosen_from_the_screen(base_url, driver, demo_bundle):
    """« Comparer avec… » in the fiche: type, choose, both fiches shown; a clear way out; on a phone
    the comparison tables scroll inside the screen."""
    driver.get(base_url + "/?territoire=200054781")
    wait_map(driver)
    _wait(driver, lambda d: "Métropole du Grand Paris" in d.find_element("id", "fiche").text)
    _wait(driver, lambda d: d.find_element("id", "comparer-avec"))
    option = type_in_dropdown(driver, "comparer-avec", "pithiverais",
                              lambda d: [o for o in d.find_elements("css selector", "[role=option]")
                                         if "Pithiverais" in o.text])[0]
    assert option is not None and "(EPCI)" in option.text
    chosen = option.text.rsplit(" (EPCI)", 1)[0]
    option.click()
    _wait(driver, lambda d: "comparer=" in d.current_url)
    q = parse_qs(urlsplit(driver.current_url).query)
    epci = DataContext(demo_bundle).epci
    assert q["territoire"] == ["200054781"] and epci.loc[q["comparer"][0], "nom"] == chosen
    text = _wait(driver, lambda d: "Pithiverais" in d.find_element("id", "fiche").text
                 and d.find_element("id", "fiche").text)
    assert "Métropole du Grand Paris" in text
    driver.save_screenshot(str(ARTIFACTS / "comparaison_ecran.png"))
    exit_link = driver.find_element("id", "quitter-comparaison")
    assert "Quitter la comparaison" in exit_link.text
    exit_link.click()
    _wait(driver, lambda d: "comparer=" not in d.current_url)
    assert parse_qs(urlsplit(driver.current_url).query)["territoire"] == ["200054781"]
    _wait(driver, lambda d: not d.find_elements("id", "quitter-comparaison"))
    assert console_errors(driver) == []


def test_comparison_tables_fit_a_phone(base_url):
    d = chrome(390, 844)
    try:
        d.get(base_url + "/?territoire=200054781&comparer=200071850")
        wait_map(d)
        _wait(d, lambda d: "Pithiverais" in d.find_element("id", "fiche").text)
        d.find_element("id", "fiche").location_once_scrolled_into_view
        time.sleep(0.5)
        d.save_screenshot(str(ARTIFACTS / "comparaison_telephone.png"))
        overflow = d.execute_script("""
            const w = document.documentElement.clientWidth;
            return [...document.querySelectorAll('#fiche table')].map(t => {
              const box = t.closest('.table-responsive, .dash-spreadsheet-container') || t;
              return box.getBoundingClientRect().right - w;
            });""")
        assert overflow and max(overflow) <= 1, overflow
    finally:
        d.quit()


def test_depuis_rings_and_kpi_change(base_url, driver, demo_bundle):
    """depuis=AAAA-MM-JJ: the map rings the laureates decided since then, the KPI line gives the change;
    changing the date in its control moves both."""
    ctx = DataContext(demo_bundle)
    sel = filter_laureates(ctx.laureats, ViewState(region="84"))

    def expected(depuis):
        return int((sel["date"].astype(str) >= depuis).sum())

    def rings():
        return driver.execute_script("""
            const gd = document.querySelector('#carte .js-plotly-plot');
            const t = gd._fullData[6];  // a ring: a green disc, then the pin drawn again on it
            return t && t.lat ? Array.from(t.lat).filter(v => v !== null && !Number.isNaN(v)).length / 2 : -1;""")

    driver.get(base_url + "/?region=84&depuis=2021-06-15")
    wait_map(driver)
    n = expected("2021-06-15")
    assert 0 < n < len(sel)
    text = _wait(driver, lambda d: d.find_element("id", "kpi-depuis").text)
    assert text.replace("\u202f", "").startswith(f"+{n} lauréats"), text
    assert "depuis le 15 juin 2021" in text and "d'investissement" in text
    assert rings() == n
    assert "15 juin 2021" in driver.find_element("css selector", "#carte .infolayer").text
    driver.save_screenshot(str(ARTIFACTS / "depuis_15_juin_2021.png"))
    # the control: another date, the URL, rings and change follow
    box = driver.find_element("css selector", "input[placeholder='AAAA-MM-JJ']")
    assert box.get_attribute("value") == "2021-06-15"
    box.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    box.send_keys("2021-09-01", Keys.ENTER)
    _wait(driver, lambda d: "depuis=2021-09-01" in d.current_url)
    m = expected("2021-09-01")
    _wait(driver, lambda d: "depuis le 1er septembre 2021" in d.find_element("id", "kpi-depuis").text)
    _wait(driver, lambda d: rings() == m)
    assert console_errors(driver) == []
