"""Helpers for browser tests: serve the app in a subprocess, drive Debian's
Chromium with Selenium, wait until the MapLibre map has drawn."""
from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(env_extra: dict, cmd=None, timeout: float = 240.0, cwd=ROOT):
    """Run ``python app.py`` (or ``cmd``) on a free port until it answers; yield its base URL."""
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "TI_OFFLINE": "1", **env_extra}
    cmd = cmd or [sys.executable, str(ROOT / "app.py")]
    log = open(Path(env.get("TI_LOG", os.devnull)), "w")
    proc = subprocess.Popen([c.format(port=port) for c in cmd], cwd=cwd, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.time()
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"le serveur s'est arrêté (code {proc.returncode})")
            try:
                if requests.get(base + "/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.time() - t0 > timeout:
                raise TimeoutError(f"le serveur ne répond pas après {timeout} s")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def serve_wsgi(wsgi_app):
    """Serve a WSGI app on a free loopback port from a thread of this process (werkzeug, threaded);
    yield its base URL."""
    import logging

    from werkzeug.serving import make_server

    from tests.support.local_server import in_thread
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request on the console
    with in_thread(make_server("127.0.0.1", free_port(), wsgi_app, threaded=True)) as url:
        yield url


@contextmanager
def serve_gunicorn(env_extra: dict, root: Path = ROOT):
    """The production command, ``gunicorn app:server`` with the ``gunicorn.conf.py`` of the tree
    ``root`` (a worktree of another revision, for ``bench/ab.py``), until it answers; yield its base URL."""
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py"), "app:server"]
    with serve(env_extra, cmd=cmd, cwd=root) as base:
        yield base


def chrome(width=1400, height=1000, phone: tuple[int, int] | None = None):
    """Headless Chromium; ``phone=(w, h)`` emulates a phone screen of that size (touch, mobile viewport)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--enable-unsafe-swiftshader",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--no-first-run", "--disable-quic", f"--window-size={width},{height}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if phone:
        opts.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": phone[0], "height": phone[1], "pixelRatio": 1.0, "touch": True},
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "Chrome/156.0 Mobile Safari/537.36"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


MAP_DRAWN_JS = """
const gd = document.querySelector('#carte .js-plotly-plot');
if (!gd || !gd._fullLayout || !gd._fullLayout.map) return false;
const sub = gd._fullLayout.map._subplot;
if (!sub || !sub.map) return false;
const m = sub.map;
if (!(m.loaded() && m.isStyleLoaded() && !m.isMoving() && m.areTilesLoaded())) return false;
// the geometry is fetched by Plotly before MapLibre sees it: wait for drawn features too
return !arguments[0] || m.queryRenderedFeatures().length > 0;
"""


def wait_map(driver, timeout=60, features=True):
    """Wait until the map's MapLibre instance has loaded, is idle and (unless
    ``features=False``, for a view expected empty) has drawn features."""
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, timeout, poll_frequency=0.25).until(
        lambda d: d.execute_script(MAP_DRAWN_JS, features))
    wait_frames(driver)


def wait_frames(driver, frames: int = 3) -> None:
    """Return once the page has painted ``frames`` more animation frames (the map's last frame is on
    screen): what a fixed pause after the map's idle event was for, without its 0.8 s each time."""
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        let left = arguments[0];
        const next = () => (--left <= 0 ? done(true) : requestAnimationFrame(next));
        requestAnimationFrame(next);""", frames)


def wait_text(driver, elem_id, predicate, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(
        lambda d: predicate(d.find_element("id", elem_id).text))


def rgb_pixels(png: bytes):
    """The pixels of a PNG as an ``(n, 3)`` array of signed integers (R, G, B), so that counts over a
    screenshot are array operations (a Python loop over its million pixels took ~2 s each time)."""
    import numpy as np
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16).reshape(-1, 3)


def map_pixels(driver, path: Path, selector: str = "#carte") -> dict:
    """Screenshot the map element (or ``selector``, e.g. an iframe) to ``path`` and count coloured pixels.

    Returns counts of pixels close to the pin colours and of polygon (non-white,
    non-grey) pixels, so a test can tell that polygons and pins are drawn.
    """
    el = driver.find_element("css selector", selector)
    png = el.screenshot_as_png
    path.write_bytes(png)
    px = rgb_pixels(png)
    r, g, b = px[:, 0], px[:, 1], px[:, 2]

    def near(ref, tol=40):
        return int((abs(px - ref) <= tol).all(axis=1).sum())
    purple = (b > g + 15) & (r > g) & (px.max(axis=1) - px.min(axis=1) > 12)
    return {"blue": near((0, 114, 178)), "orange": near((230, 159, 0)), "polygons": int(purple.sum()),
            "total": len(px)}


def console_errors(driver) -> list[str]:
    logs = driver.get_log("browser")
    return [entry["message"] for entry in logs if entry["level"] == "SEVERE"]


def assert_no_server_error(log_path: Path) -> None:
    """The served app's log has no 5xx response and no traceback."""
    text = Path(log_path).read_text(encoding="utf-8", errors="replace")
    bad = [line for line in text.splitlines() if '" 50' in line or "Traceback" in line or "ERROR in app" in line]
    assert not bad, "erreurs serveur :\n" + "\n".join(bad[:10])


AXE = ROOT / "assets" / "vendor" / "axe" / "axe.min.js"


def axe_violations(driver) -> list[dict]:
    """Serious and critical axe-core violations of the page (axe injected by the test only)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => "
        "({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))"
        ".catch(e => done([{id: 'erreur', impact: 'critical', nodes: [String(e)]}]));")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def url_callback_body(dep, search, rendered) -> dict:
    """Body of a POST to ``/_dash-update-component`` for a callback fired by the URL's ``search``
    (state: the rendered view's query), as the browser sends it; ``dep`` is its entry of
    ``/_dash-dependencies``."""
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        outputs.append({"id": cid, "property": prop.split("@")[0]})
    return {"output": dep["output"], "outputs": outputs,
            "inputs": [{"id": "url", "property": "search", "value": search}],
            "state": [{"id": "etat-rendu", "property": "data", "value": rendered}],
            "changedPropIds": ["url.search"]}


def scroll_to_centre(driver, element) -> None:
    """Scroll ``element`` to the middle of the window, instantly: the DSFR's smooth scrolling would
    still be moving at the next click."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)


def click_label(driver, text: str) -> None:
    """Click the ``<label>`` whose text is ``text`` (a radio or checkbox of the filters), scrolled to the
    middle of the window first: below the search and the cards, the filters may start under the fold."""
    label = next(e for e in driver.find_elements("css selector", "label") if e.text.strip() == text)
    scroll_to_centre(driver, label)
    label.click()


def type_in_dropdown(driver, elem_id: str, text: str, found, tries: int = 3, timeout: float = 10):
    """Open the Dash 4 dropdown ``elem_id`` (a button opening a search popover), type ``text`` in its
    search field and return what ``found(driver)`` gives once it is truthy (e.g. the matching options).

    The button is scrolled into view first (:func:`scroll_to_centre`), and each step is retried: a click that came before the page's scripts were ready
    opens nothing, and keys typed before the options' callback answered find nothing."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def until(cond):
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(cond)

    for attempt in range(tries):
        button = driver.find_element("id", elem_id)
        scroll_to_centre(driver, button)
        if button.get_attribute("aria-expanded") != "true":
            button.click()
        try:
            until(lambda d: d.find_element("id", elem_id).get_attribute("aria-expanded") == "true")
            field = until(lambda d: d.find_element("css selector", ".dash-dropdown-search"))
            field.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
            field.send_keys(text)
            return until(found)
        except TimeoutException:
            if attempt == tries - 1:
                raise
            driver.find_element("tag name", "body").send_keys(Keys.ESCAPE)
            time.sleep(0.5)
