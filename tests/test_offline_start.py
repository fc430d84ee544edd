"""A fresh machine with no source folder and no network still starts the map,
says what is missing, and upgrades itself when the sources appear."""
from __future__ import annotations

import json
import sys

import pytest
import requests

from .browser import ROOT, assert_no_server_error, chrome, console_errors, map_pixels, serve, wait_map
from .conftest import ARTIFACTS, SHARED

pytestmark = pytest.mark.browser


def test_start_without_sources_then_upgrade(tmp_path):
    work = tmp_path / "clone"          # an empty working directory: no data/raw, no data/processed
    work.mkdir()
    env = {"TI_SOURCE_DIR": "", "TI_LAUREATS_FILE": "", "TI_BUNDLE_DIR": "", "TI_AUTO_FETCH": "1",
           "TI_OFFLINE": "1"}
    cmd = [sys.executable, str(ROOT / "app.py")]
    log1 = ARTIFACTS / "offline_start.log"
    driver = chrome()
    try:
        with serve({**env, "TI_LOG": str(log1)}, cmd=cmd, cwd=work) as base:
            manifest = json.loads((work / "data" / "processed" / "manifest.json").read_text())
            assert manifest["laureats_demonstration"] is True
            assert {"ti_2019_2022", "ti_2023_2027", "qpv", "afr", "zrr"} <= set(manifest["sources_absentes"])
            assert set(manifest["fonctionnalites_indisponibles"]) == {"ti", "zones", "barometre"}
            driver.get(base + "/")
            wait_map(driver)
            px = map_pixels(driver, ARTIFACTS / "offline_carte.png")
            driver.save_screenshot(str(ARTIFACTS / "offline_page.png"))
            assert px["polygons"] > 1000 and px["blue"] > 100, px   # EPCI choropleth + demonstration pins
            notice = driver.find_element("id", "bandeau-sources-absentes").text
            assert "python -m geodata fetch" in notice and "TI_SOURCE_DIR" in notice
            assert "Données de démonstration" in driver.find_element("id", "bandeau-demonstration").text
            assert driver.find_element("id", "kpi-laureats").text == "1\u202f416"
            # filters whose sources are missing are disabled, not silently empty
            radios = driver.find_elements("css selector", "#panneau-filtres input[type=radio]")
            disabled = [r for r in radios if not r.is_enabled()]
            assert len(disabled) >= 3  # "Tous / Dans un TI / Hors TI" at least
            assert "source absente" in driver.find_element("id", "panneau-filtres").text
            # a TI parameter is refused with a notice, never a 500
            r = requests.get(base + "/?ti=dans&niveau=ti&zone=afr", timeout=10)
            assert r.status_code == 200
            driver.get(base + "/?ti=dans&zone=afr")
            wait_map(driver)
            assert "indisponible" in driver.find_element("id", "avis-parametres").text
            assert console_errors(driver) == []
        assert_no_server_error(log1)
        # the sources appear: the next start rebuilds and the full map is back
        log2 = ARTIFACTS / "offline_upgrade.log"
        with serve({**env, "TI_SOURCE_DIR": str(SHARED), "TI_LOG": str(log2)}, cmd=cmd, cwd=work) as base:
            manifest = json.loads((work / "data" / "processed" / "manifest.json").read_text())
            assert manifest["sources_absentes"] == []
            driver.get(base + "/?ti=dans")
            wait_map(driver)
            assert driver.find_elements("id", "bandeau-sources-absentes") == []
            px = map_pixels(driver, ARTIFACTS / "upgraded_carte.png")
            assert px["blue"] > 100 and px["orange"] < 20, px
            assert driver.find_element("id", "avis-parametres").text == ""
            assert console_errors(driver) == []
        assert_no_server_error(log2)
    finally:
        driver.quit()
