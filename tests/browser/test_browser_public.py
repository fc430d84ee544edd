"""Elected officials and the public, in headless Chromium: search however a place
is typed, the embed in a frame of another site, French texts, keyboard access,
axe-core audit, phone layout. Screenshots are kept in tests/artifacts/."""
from __future__ import annotations

import threading
from functools import partial
from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.keys import Keys

from dashboard.model.data import DataContext
from dashboard.views.page_frame import INFO_PAGES
from geodata.read.readers import read_postcodes

from tests.support.browser import (axe_violations, chrome, console_errors, free_port, map_pixels, rgb_pixels,
                                   scroll_to_centre, type_in_dropdown, wait_map)
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def driver():
    d = chrome(1440, 900)
    yield d
    d.quit()


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


def _wait(driver, cond, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(cond)


def _open(driver, url):
    driver.get(url)
    wait_map(driver)


def _query(driver) -> dict:
    return parse_qs(urlsplit(driver.current_url).query)


def _type_in_search(driver, text):
    """Open the search dropdown and type ``text``; returns once the popover's input holds it."""
    type_in_dropdown(driver, "recherche", text,
                     lambda d: d.find_element("css selector", ".dash-dropdown-search").get_attribute("value") == text)


def _options(driver) -> list:
    return [o for o in driver.find_elements("css selector", "[role=option]") if o.text.strip()]


# --------------------------------------------------------------------------- search
@pytest.mark.parametrize("text, insee", [
    ("orleans", "45234"),          # Orléans
    ("saint etienne", "42218"),    # Saint-Étienne
    ("pointe a pitre", "97120"),   # Pointe-à-Pitre
    ("ferte mace", "61168"),       # La Ferté-Macé
    ("le malesherbois", "45191"),  # Le Malesherbois
])
def test_search_reaches_the_place_however_typed(base_url, driver, ctx, text, insee):
    name = ctx.communes.loc[ctx.communes["insee_com"] == insee, "nom"].iloc[0]
    _open(driver, base_url + "/")
    _type_in_search(driver, text)
    options = _wait(driver, lambda d: [o for o in _options(d) if o.text.startswith(name + " (commune")], timeout=15)
    assert "No options found" not in driver.page_source
    assert _options(driver)[0].text.startswith(name + " (commune")  # the server's best answer, first
    options[0].click()
    commune = ctx.communes[ctx.communes["insee_com"] == insee].iloc[0]
    _wait(driver, lambda d: _query(d).get("territoire") == [commune["epci_siren"]])
    q = _query(driver)
    assert q["region"] == [commune["code_region"]]
    epci_name = ctx.epci.loc[commune["epci_siren"], "nom"]
    _wait(driver, lambda d: epci_name in d.find_element("id", "fiche").text)
    wait_map(driver)
    driver.save_screenshot(str(ARTIFACTS / f"recherche_{text.replace(' ', '_')}.png"))
    assert console_errors(driver) == []


def test_search_postcode_lists_its_communes(base_url, driver, ctx):
    table = read_postcodes()
    served = set(table.loc[table["code_postal"] == "45300", "insee_com"])
    names = set(ctx.communes.loc[ctx.communes["insee_com"].isin(served), "nom"])
    _open(driver, base_url + "/")
    _type_in_search(driver, "45300")
    options = _wait(driver, lambda d: _options(d), timeout=15)
    labels = [o.text for o in options]
    assert all("45300" in lab and lab.split(" (commune")[0] in names for lab in labels), labels
    assert not any(lab.startswith("Sandillon") for lab in labels)  # INSEE 45300 is not the postcode
    first = labels[0].split(" (commune")[0]
    insee = ctx.communes.loc[(ctx.communes["nom"] == first) & ctx.communes["insee_com"].isin(served),
                             "insee_com"].iloc[0]
    options[0].click()
    epci = ctx.communes.loc[ctx.communes["insee_com"] == insee, "epci_siren"].iloc[0]
    _wait(driver, lambda d: _query(d).get("territoire") == [epci])
    driver.save_screenshot(str(ARTIFACTS / "recherche_45300.png"))


def test_search_label_follows_phase(base_url, driver, ctx):
    _open(driver, base_url + "/?phase=2023-2027")
    _type_in_search(driver, "pithiviers")
    row = ctx.communes[ctx.communes["insee_com"] == "45252"].iloc[0]
    option = _wait(driver, lambda d: [o for o in _options(d) if o.text.startswith("Pithiviers (commune")],
                   timeout=15)[0]
    assert option.text.endswith(f"TI {row['ti_nom_2023_2027']} (2023-2027)")


# --------------------------------------------------------------------------- French, keyboard
def test_french_texts_lang_skip_links_and_tabs(base_url, driver):
    _open(driver, base_url + "/?region=24")
    assert driver.execute_script("return document.documentElement.lang") == "fr"
    assert "Loading..." not in driver.execute_script("return document.documentElement.outerHTML")
    # multi-select dropdown: French texts
    driver.execute_script("return document.getElementById(arguments[0])", '{"name":"filiere","type":"filtre"}').click()
    _wait(driver, lambda d: d.find_elements("css selector", ".dash-dropdown-search"))
    popover = driver.find_element("css selector", ".dash-dropdown-content").text
    assert "Tout sélectionner" in popover and "Select All" not in popover
    assert driver.find_element("css selector", ".dash-dropdown-search").get_attribute("placeholder") == "Rechercher"
    # accent-aware order of the options
    labels = [o.text for o in _options(driver)]
    from dashboard.model.fmt import sort_key
    assert labels == sorted(labels, key=sort_key)
    driver.find_element("css selector", ".dash-dropdown-search").send_keys("zzzz")
    _wait(driver, lambda d: "Aucun résultat" in d.find_element("css selector", ".dash-dropdown-content").text)
    driver.find_element("css selector", ".dash-dropdown-search").send_keys(Keys.ESCAPE)
    # skip links: the first Tab stop, and they move the focus
    driver.get(base_url + "/?region=24")
    wait_map(driver)
    driver.find_element("tag name", "body").send_keys(Keys.TAB)
    first = driver.switch_to.active_element
    assert first.text == "Aller au contenu" and first.get_attribute("href").endswith("#contenu")
    first.send_keys(Keys.TAB)
    to_search = driver.switch_to.active_element
    assert to_search.text == "Aller à la recherche"
    to_search.send_keys(Keys.ENTER)
    _wait(driver, lambda d: d.switch_to.active_element.get_attribute("id") == "recherche")
    # tabs are reachable with the keyboard, ids unique
    tabs = driver.find_elements("css selector", "#onglets [role=tab]")
    assert len(tabs) == 4
    assert [t.get_attribute("tabindex") for t in tabs] == ["0"] * 4
    assert len({t.get_attribute("id") for t in tabs}) == 4
    tabs[2].send_keys(Keys.ENTER)
    _wait(driver, lambda d: "active" in d.find_elements("css selector", "#onglets [role=tab]")[2].get_attribute("class"))
    assert console_errors(driver) == []


def test_focus_moves_to_fiche_after_ranking_link(base_url, driver):
    _open(driver, base_url + "/?region=27")
    link = driver.find_element("css selector", "#classement table a")
    name = link.text
    link.send_keys(Keys.ENTER)
    _wait(driver, lambda d: "territoire=" in d.current_url)
    focused = _wait(driver, lambda d: d.execute_script(
        "const e = document.activeElement; return e && /^H[23]$/.test(e.tagName) && e.closest('#fiche') ? "
        "e.textContent : null;"))
    assert focused and focused in name
    assert console_errors(driver) == []


def test_info_pages_and_footer_links(base_url, driver):
    _open(driver, base_url + "/")
    footer = driver.find_element("css selector", "footer.fr-footer")
    links = {a.text: a.get_attribute("href") for a in footer.find_elements("css selector", ".fr-footer__bottom-link")}
    assert set(links) == set(INFO_PAGES.values())
    assert "RÉPUBLIQUE\nFRANÇAISE" in driver.find_element("css selector", "header.fr-header").text.upper()
    fonts = driver.execute_script("return getComputedStyle(document.body).fontFamily")
    assert "Marianne" in fonts
    for route, title in INFO_PAGES.items():
        driver.get(base_url + "/" + route)
        h1 = _wait(driver, lambda d: d.find_element("tag name", "h1"))
        expected = {"a-propos": "À propos et méthode", "accessibilite": "Déclaration d'accessibilité"}.get(route, title)
        assert h1.text == expected
    text = driver.find_element("tag name", "main").text
    assert "Carte des Territoires d'industrie" in text  # the site map links back to the map
    driver.get(base_url + "/a-propos")
    about = _wait(driver, lambda d: d.find_element("tag name", "main")).text
    for word in ("Territoire d'industrie", "2019-2022", "2023-2027", "AFR", "QPV", "ZRR", "ACV", "démonstration",
                 "ETI"):
        assert word.lower() in about.lower(), word
    assert console_errors(driver) == []


# --------------------------------------------------------------------------- axe-core
@pytest.mark.parametrize("name, query", [("accueil", "/"), ("fiche", "/?territoire=ti-2406"),
                                         ("integration", "/?embed=1&region=24")])
def test_axe_no_serious_violation(base_url, driver, name, query):
    _open(driver, base_url + query)
    if name == "fiche":
        _wait(driver, lambda d: "Pithiviers" in d.find_element("id", "fiche").text)
    bad = axe_violations(driver)
    driver.save_screenshot(str(ARTIFACTS / f"axe_{name}.png"))
    assert bad == [], bad


# --------------------------------------------------------------------------- embed
class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def other_site(tmp_path_factory):
    """Another local origin (localhost on another port) serving pages that frame the map."""
    root = tmp_path_factory.mktemp("autre_site")
    port = free_port()
    # threaded: a connection Chromium opens ahead and leaves idle must not hold the server (its
    # shutdown waited for Chromium to drop it, 36-44 s at the module's end)
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Quiet, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://localhost:{port}"
    server.shutdown()


@pytest.mark.parametrize("width, height", [(600, 400), (300, 250)])
def test_embed_in_a_frame_of_another_site(base_url, driver, other_site, width, height):
    root, origin = other_site
    src = base_url + "/?embed=1&region=24&ti=dans"
    (root / f"page_{width}.html").write_text(
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Autre site</title></head>'
        f'<body style="margin:20px"><h1>Un autre site</h1><iframe id="cadre" src="{src}" width="{width}" '
        f'height="{height}" style="border:1px solid #999" title="Carte"></iframe></body></html>', encoding="utf-8")
    driver.get(f"{origin}/page_{width}.html")
    frame = _wait(driver, lambda d: d.find_element("id", "cadre"))
    driver.switch_to.frame(frame)
    try:
        wait_map(driver)
        sizes = driver.execute_script(
            "const e = document.scrollingElement; const m = document.querySelector('#carte').getBoundingClientRect();"
            "return [e.scrollHeight, e.clientHeight, e.scrollWidth, e.clientWidth, m.top, m.height, m.width];")
        link = driver.find_element("id", "lien-carte-complete")
        href = link.get_attribute("href")
        line = driver.find_element("css selector", ".embed-barre")
        bar = line.rect
        flag_el = driver.find_element("id", "bandeau-demonstration")
        flag = flag_el.text + " " + (flag_el.get_attribute("title") or "")
        link_rect = link.rect
    finally:
        driver.switch_to.default_content()
    scroll_h, client_h, scroll_w, client_w, map_top, map_h, map_w = sizes
    assert scroll_h <= client_h and scroll_w <= client_w, sizes  # no scrollbar
    assert map_top < 5 and map_h > 0.7 * height - 30 and map_w >= width - 10, sizes  # map first, fills the frame
    assert bar["height"] < 30  # one line
    assert link_rect["x"] + link_rect["width"] <= width + 1  # the link is not cut off
    assert flag.startswith("Démo") and "démonstration" in flag.lower()  # shown in the frame, explained on hover
    q = parse_qs(urlsplit(href).query)
    assert q == {"region": ["24"], "ti": ["dans"]} and urlsplit(href).path == "/"
    px = map_pixels(driver, ARTIFACTS / f"integration_{width}x{height}.png", "#cadre")  # the whole frame
    assert px["blue"] > 30, px  # pins drawn inside the frame
    assert px["polygons"] > 1000, px
    driver.save_screenshot(str(ARTIFACTS / f"integration_page_{width}x{height}.png"))
    errors = [m for m in console_errors(driver) if not m.startswith(f"{origin}/favicon.ico")]  # the host page's
    assert errors == []


# the map's state in a frame: its box, plotly.js's size, MapLibre's canvas, and how many of the pins
# are out of sight ([pins, out of sight])
FRAME_MAP_JS = """
const gd = document.querySelector('#carte .js-plotly-plot');
const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
if (!sub || !sub.map) return null;
const r = gd.getBoundingClientRect(), c = gd.querySelector('canvas.maplibregl-canvas'), b = sub.map.getBounds();
const sight = (traces) => {  // [points, points out of sight]
  let n = 0, out = 0;
  traces.forEach(t => t.lon.forEach((lon, i) => {
    if (!Number.isFinite(lon) || !Number.isFinite(t.lat[i])) return;  // a pin of the filter's hidden ones
    n++; if (!b.contains([lon, t.lat[i]])) out++; }));
  return [n, out];
};
// the pins: the scattermap traces with a hover (the region outlines have none)
const pins = gd._fullData.filter(t => t.type === 'scattermap' && t.visible === true && t.hoverinfo !== 'skip');
return {box: [r.width, r.height], plot: [gd._fullLayout.width, gd._fullLayout.height],
        canvas: [c.clientWidth, c.clientHeight], view: [innerWidth, innerHeight], pins: sight(pins)};
"""


def test_embed_follows_its_frame_when_the_host_page_changes_it(base_url, driver, other_site):
    """A frame drawn while hidden (a closed tab of the host site: plotly.js falls back to 700 px wide)
    then shown at 300×250, and a frame the host page shrinks from 900×620 to 300×250 once loaded:
    each map ends at its frame's size with the whole region in sight (the first one stayed 700 px
    wide, off its region; the second kept the zoom of the large frame, most pins out of sight)."""
    root, origin = other_site
    src = base_url + "/?embed=1&region=24&ti=dans"
    (root / "cadres_changeants.html").write_text(
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Autre site</title></head><body>'
        f'<iframe id="cache" src="{src}" width="300" height="250" style="display:none" title="Carte A"></iframe>'
        f'<iframe id="reduit" src="{src}" width="900" height="620" title="Carte B"></iframe></body></html>',
        encoding="utf-8")
    driver.get(f"{origin}/cadres_changeants.html")

    def state(frame_id):
        driver.switch_to.frame(driver.find_element("id", frame_id))
        try:
            return driver.execute_script(FRAME_MAP_JS)
        finally:
            driver.switch_to.default_content()

    _wait(driver, lambda d: state("cache"))  # plotted while hidden
    _wait(driver, lambda d: (state("reduit") or {}).get("canvas", [0])[0] > 800)  # drawn large
    driver.execute_script("document.getElementById('cache').style.display = '';"
                          "const b = document.getElementById('reduit'); b.width = 300; b.height = 250;")

    def settled(frame_id):
        s = state(frame_id)
        box, plot, canvas = s["box"], s["plot"], s["canvas"]
        return s if (box[0] == s["view"][0] and all(abs(box[i] - v[i]) <= 2 for v in (plot, canvas) for i in (0, 1))
                     and s["pins"][0] > 0 and s["pins"][1] == 0) else None
    for frame_id in ("cache", "reduit"):
        try:
            _wait(driver, lambda d: settled(frame_id), timeout=20)
        except Exception:
            pytest.fail(f"{frame_id}: {state(frame_id)}")
        driver.switch_to.frame(driver.find_element("id", frame_id))
        try:
            wait_map(driver)
        finally:
            driver.switch_to.default_content()
        px = map_pixels(driver, ARTIFACTS / f"integration_cadre_{frame_id}.png", f"#{frame_id}")
        assert px["blue"] > 30 and px["polygons"] > 1000, (frame_id, px)


def test_integrer_gives_the_iframe_code_of_the_view(base_url, driver):
    _open(driver, base_url + "/?region=27&ti=dans")
    summary = driver.find_element("css selector", "#bloc-integration summary")
    summary.send_keys(Keys.ENTER)  # a keyboard user opens it
    _wait(driver, lambda d: d.find_element("id", "bloc-integration").get_attribute("open") is not None)
    code = _wait(driver, lambda d: d.find_element("id", "code-integration").get_attribute("value"))
    assert code.startswith("<iframe ") and 'title="' in code
    src = code.split('src="')[1].split('"')[0].replace("&amp;", "&")
    assert parse_qs(urlsplit(src).query) == {"region": ["27"], "ti": ["dans"], "embed": ["1"]}
    assert src.startswith(base_url + "/?")
    driver.find_element("id", "bloc-integration").screenshot(str(ARTIFACTS / "integrer.png"))


# --------------------------------------------------------------------------- phone
PHONE_VIEW_JS = """
const gd = document.querySelector('#carte .js-plotly-plot'), m = gd._fullLayout.map._subplot.map;
const b = m.getBounds(), pins = gd._fullData.filter(t => (t.name || '').startsWith('Lauréat'));
let out = 0, n = 0;
pins.forEach(t => (t.lon || []).forEach((lon, i) => {
  if (!Number.isFinite(lon) || !Number.isFinite(t.lat[i])) return;  // a pin of the filter's hidden ones
  n += 1; if (!b.contains([lon, t.lat[i]])) out += 1; }));
return {zoom: m.getZoom(), pins: n, out: out};
"""


def test_phone_map_first_filters_in_drawer(base_url, ctx):
    """On a phone: the map in the first screen, the filters in a drawer; a filter chosen there keeps
    the region in sight (the zoom fitted to the phone's map stays: the update brought back the
    server's zoom for a 900×620 map, and cut the region to the phone's width)."""
    from dashboard.model.state import ViewState
    d = chrome(phone=(390, 844))
    try:
        _open(d, base_url + "/?region=24")
        fitted = d.execute_script(PHONE_VIEW_JS)
        server_zoom = ctx.view_for(ViewState(region="24"))[2]
        assert fitted["zoom"] < server_zoom - 0.5 and fitted["out"] == 0, (fitted, server_zoom)
        rect = d.execute_script("const r = document.querySelector('#carte').getBoundingClientRect();"
                                "return [r.top, r.bottom, r.width, window.innerHeight, window.innerWidth];")
        d.save_screenshot(str(ARTIFACTS / "telephone_390x844.png"))
        top, bottom, width, vh, vw = rect
        assert vw == 390 and vh == 844
        assert top < 0.5 * vh and bottom - top > 0.4 * vh and width > 340, rect  # map in the first screen
        panel = d.find_element("id", "tiroir-filtres")
        assert not panel.is_displayed()
        d.find_element("id", "ouvrir-filtres").click()
        _wait(d, lambda dd: dd.find_element("id", "tiroir-filtres").is_displayed())
        _wait(d, lambda dd: dd.switch_to.active_element.get_attribute("id") == "fermer-filtres")
        assert d.find_element("id", "ouvrir-filtres").get_attribute("aria-expanded") == "true"
        d.save_screenshot(str(ARTIFACTS / "telephone_filtres.png"))
        label = next(e for e in d.find_elements("css selector", "#tiroir-filtres label") if e.text.strip() == "Dans un TI")
        scroll_to_centre(d, label)
        label.click()
        _wait(d, lambda dd: parse_qs(urlsplit(dd.current_url).query).get("ti") == ["dans"])
        d.find_element("id", "fermer-filtres").click()
        _wait(d, lambda dd: not dd.find_element("id", "tiroir-filtres").is_displayed())
        _wait(d, lambda dd: dd.switch_to.active_element.get_attribute("id") == "ouvrir-filtres")
        _wait(d, lambda dd: dd.execute_script(PHONE_VIEW_JS)["pins"] < fitted["pins"])  # the filter drawn
        wait_map(d)
        after = d.execute_script(PHONE_VIEW_JS)
        assert abs(after["zoom"] - fitted["zoom"]) < 1e-6 and after["out"] == 0, (after, fitted)
        d.save_screenshot(str(ARTIFACTS / "telephone_filtre_choisi.png"))
        assert console_errors(d) == []
    finally:
        d.quit()


#: Run before the page's own scripts: the map's geometry (.geojson, fetched by plotly.js with
#: XMLHttpRequest) is sent only half a second after Dash has rendered the page and the map is in its
#: box; each zoom given to the map by plotly.js's relayout is noted, with whether the map's first
#: drawing was done then (the event ti:carte-dessinee of assets/carte-dessin.js).
HOLD_GEOMETRY_JS = """
window.__zooms = [];
let drawn = false;
document.addEventListener('ti:carte-dessinee', () => { drawn = true; });
(function wrap() {  // plotly.js arrives async: its relayout wrapped as soon as it is here
  const P = window.Plotly;
  if (!P || !P.relayout) { setTimeout(wrap, 1); return; }
  const relayout = P.relayout;
  P.relayout = function (gd, update) {
    if (update && update['map.zoom'] !== undefined) { window.__zooms.push({zoom: update['map.zoom'], drawn: drawn}); }
    return relayout.apply(this, arguments);
  };
})();
const open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.open = function (method, url) { this._url = String(url); return open.apply(this, arguments); };
XMLHttpRequest.prototype.send = function (body) {
  if (!this._url.includes('.geojson')) { return send.call(this, body); }
  const xhr = this;
  (function go() {
    if (!document.querySelector('#carte .js-plotly-plot')) { setTimeout(go, 20); return; }
    window.__geometrieRetenue = true;
    setTimeout(() => send.call(xhr, body), 500);  // the page's scripts have seen the map in its box
  })();
};
"""


def test_phone_map_fitted_when_the_page_comes_before_the_geometry(base_url, ctx):
    """On a phone, the page rendered (the map moved into its box) while the map still waits for its
    geometry: the zoom is fitted to the phone's map all the same. It was fitted in between, and
    plotly.js, setting the map to its figure's view when the geometry came, undid it or not depending
    on the order of its own two updates (8 pins out of sight, about one run of the suite in six; four
    times in ten in this set-up). Now the view is fitted before it is drawn, and a later fit waits
    for the first drawing."""
    from dashboard.model.state import ViewState
    d = chrome(phone=(390, 844))
    try:
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOLD_GEOMETRY_JS})
        _open(d, base_url + "/?region=24")
        assert d.execute_script("return window.__geometrieRetenue === true")  # the order forced
        fitted = d.execute_script(PHONE_VIEW_JS)
        server_zoom = ctx.view_for(ViewState(region="24"))[2]
        zooms = d.execute_script("return window.__zooms")
        # no zoom given before the first drawing is done (none at all: the view was fitted before it)
        assert all(z["drawn"] for z in zooms), zooms
        assert fitted["zoom"] < server_zoom - 0.5 and fitted["out"] == 0, (fitted, server_zoom)
        assert console_errors(d) == []
    finally:
        d.quit()


# --------------------------------------------------------------------------- place names, zones
def _green(driver, path):
    png = driver.find_element("css selector", "#carte").screenshot_as_png
    path.write_bytes(png)
    r, g, b = rgb_pixels(png).T
    return int(((g > r + 40) & (g > b + 5) & (g > 120)).sum())  # bluish green squares


def test_place_names_and_zone_layer(base_url, driver):
    _open(driver, base_url + "/?departement=45")
    # read in one script: the names are drawn anew when the map moves (elements read one by one
    # could be gone in between: a stale element in one full run)
    names = _wait(driver, lambda d: d.execute_script(
        "return [...document.querySelectorAll('.lieux .lieu')].map(e => e.innerText.trim())"))
    assert "Orléans" in names and "Montargis" in names, names  # préfecture and a large town of the Loiret
    without = _green(driver, ARTIFACTS / "loiret_sans_zone.png")
    _open(driver, base_url + "/?departement=45&zone=afr")
    with_zone = _green(driver, ARTIFACTS / "loiret_zone_afr.png")
    assert with_zone > 200 and with_zone > 10 * (without + 1), (with_zone, without)
    # switching the filter off in the page removes the layer (Patch of the zone trace)
    for attempt in range(3):  # the dropdown may be drawn anew between finding its clear button and the click
        try:
            clear = driver.execute_script("return document.getElementById(arguments[0])",
                                          '{"name":"zone","type":"filtre"}') \
                .find_element("xpath", "..").find_element("css selector", ".dash-dropdown-clear")
            scroll_to_centre(driver, clear)
            clear.click()
            break
        except StaleElementReferenceException:
            if attempt == 2:
                raise
    _wait(driver, lambda d: "zone" not in _query(d))
    wait_map(driver)
    assert _green(driver, ARTIFACTS / "loiret_zone_retiree.png") < with_zone / 10
    assert console_errors(driver) == []
