"""Vintages of the laureates file: what changed since the previous file.

Each build from an official file keeps the previous laureates table in the bundle
folder (``historique/``, at most :data:`MAX_HISTORY` tables, oldest dropped first)
and compares the new table with it. Same laureate = same **stable key**
(:func:`laureate_keys`):

    identifier | measure | commune | rank

* identifier: the SIREN (first 9 digits of a SIRET), else ``nom:`` + the firm's
  name as a matching key (case, accents, spaces and punctuation ignored);
* measure: the ``mesure`` as a matching key;
* commune: the INSEE code the loader found (rows placed by name), else the
  commune's name as a matching key;
* rank: 1 for the first row with those three parts in file order, 2 for the
  next… (a firm with two projects of one measure in one commune).

A key present only in the new file is *ajouté*, only in the previous one *retiré*;
present in both with a different value in :data:`COMPARED_COLUMNS` it is *modifié*
(the changed columns are listed).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.bundle import HISTORY_DIR
from geodata.read import normalize as nz

HISTORY_INDEX = "index.json"
#: Previous laureates tables kept in the bundle folder.
MAX_HISTORY = 6
KEY_DESCRIPTION = ("SIREN (à défaut, nom de l'entreprise) + mesure + commune + rang (1 pour la première ligne "
                   "ayant ces trois valeurs dans le fichier, 2 pour la suivante…)")
#: Columns whose change makes a laureate "modifié".
COMPARED_COLUMNS = ("entreprise", "type_entreprise", "siret", "mesure_light", "volet_relance", "filiere",
                    "description_projet", "date", "code_postal", "lat", "lon",
                    "tonnes_equivalent_co2_pour_les_projets_decarbonation", "montant_aide_eur",
                    "investissement_eur", "emplois")
CHANGE_COLUMNS = ("statut", "cle", "entreprise", "siren", "mesure", "nom_commune", "code_departement", "date",
                  "colonnes_modifiees")
STATUS = {"ajoute": "ajouté", "retire": "retiré", "modifie": "modifié"}
#: Columns read from a previous table.
NEEDED = tuple(dict.fromkeys(("siren", "mesure", "insee_com_input", "nom_commune", "code_departement",
                              "ligne_source", *COMPARED_COLUMNS)))


def laureate_keys(lau: pd.DataFrame) -> pd.Series:
    """The stable key of each laureate (see the module's docstring), indexed like ``lau``."""
    siren = lau["siren"].astype(object) if "siren" in lau.columns else pd.Series(None, index=lau.index)
    ident = [s if isinstance(s, str) and s else "nom:" + nz.name_key(e)
             for s, e in zip(siren, lau["entreprise"])]
    insee = lau["insee_com_input"] if "insee_com_input" in lau.columns else pd.Series(None, index=lau.index)
    place = [c if isinstance(c, str) and c else nz.name_key(n) for c, n in zip(insee, lau["nom_commune"])]
    base = pd.Series([f"{i}|{nz.name_key(m)}|{p}" for i, m, p in zip(ident, lau["mesure"], place)],
                     index=lau.index)
    order = pd.Series(np.arange(len(lau), dtype=float), index=lau.index)  # row order when no source line
    if "ligne_source" in lau.columns:  # missing in tables built before it was recorded (demonstration…)
        source_line = pd.to_numeric(lau["ligne_source"], errors="coerce").astype(float)
        order = source_line.where(source_line.notna(), order)
    rank = base.to_frame("k").assign(o=order.to_numpy()).groupby("k")["o"].rank(method="first").astype(int)
    return base + "|" + rank.astype(str)


def _comparable(values: pd.Series) -> pd.Series:
    """Values as text for comparison (numbers rounded; missing = "")."""
    if pd.api.types.is_numeric_dtype(values):
        v = pd.to_numeric(values, errors="coerce").astype(float).round(5)
        return v.map(lambda x: "" if pd.isna(x) else repr(float(x)))
    return values.astype(object).map(lambda x: "" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x))


def compare(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Changes from ``previous`` to ``current`` (laureates tables), one row per laureate
    added, removed or modified (:data:`CHANGE_COLUMNS`; ``statut`` in French)."""
    prev = previous.assign(cle=laureate_keys(previous)).set_index("cle")
    cur = current.assign(cle=laureate_keys(current)).set_index("cle")
    added = cur.index.difference(prev.index, sort=False)
    removed = prev.index.difference(cur.index, sort=False)
    both = cur.index.intersection(prev.index, sort=False)
    changed_cols = pd.Series([[] for _ in range(len(both))], index=both, dtype=object)
    for col in COMPARED_COLUMNS:
        if col not in cur.columns and col not in prev.columns:
            continue
        a = _comparable(prev[col].loc[both]) if col in prev.columns else pd.Series("", index=both)
        b = _comparable(cur[col].loc[both]) if col in cur.columns else pd.Series("", index=both)
        diff = (a.to_numpy() != b.to_numpy())
        for k in both[diff]:
            changed_cols[k].append(col)
    modified = changed_cols[changed_cols.map(bool)]

    def rows(frame, keys, status, cols=None):
        out = frame.loc[keys].reset_index()
        return pd.DataFrame({
            "statut": STATUS[status], "cle": out["cle"], "entreprise": out["entreprise"],
            "siren": out.get("siren"), "mesure": out["mesure"], "nom_commune": out.get("nom_commune"),
            "code_departement": out.get("code_departement"), "date": out.get("date"),
            "colonnes_modifiees": "" if cols is None else [", ".join(cols[k]) for k in keys]})
    parts = [rows(cur, added, "ajoute"), rows(prev, removed, "retire"), rows(cur, modified.index, "modifie",
                                                                             modified)]
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else \
        pd.DataFrame(columns=list(CHANGE_COLUMNS))
    return out[list(CHANGE_COLUMNS)].sort_values(["statut", "entreprise"], kind="stable").reset_index(drop=True)


def counts(changes: pd.DataFrame) -> dict:
    """``{"ajoutes": n, "retires": n, "modifies": n}``."""
    by = changes["statut"].value_counts()
    return {"ajoutes": int(by.get(STATUS["ajoute"], 0)), "retires": int(by.get(STATUS["retire"], 0)),
            "modifies": int(by.get(STATUS["modifie"], 0))}


def _laureates_sha(manifest: dict) -> str | None:
    for s in manifest.get("sources", []):
        if s.get("key") == "laureats":
            return s.get("sha256")
    return None


def previous_official(bundle_dir: Path) -> tuple[dict, Path] | None:
    """(manifest, laureates table path) of the bundle in ``bundle_dir`` when it was built from an
    official file; None otherwise (no bundle, demonstration set, unreadable manifest)."""
    bundle_dir = Path(bundle_dir)
    try:
        manifest = json.loads((bundle_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    table = bundle_dir / "laureats.parquet"
    if manifest.get("laureats_demonstration", True) or not table.is_file():
        return None
    return manifest, table


def read_table(path: Path) -> pd.DataFrame:
    """Columns of a laureates table needed to compare it (:data:`NEEDED`), without geometry."""
    import pyarrow.parquet as pq
    names = set(pq.read_schema(path).names)
    return pd.read_parquet(path, columns=[c for c in NEEDED if c in names])


def carry_history(old_dir: Path, new_dir: Path, previous: dict | None, new_sha: str | None) -> list[dict]:
    """Copy the history of ``old_dir`` into ``new_dir`` and, when ``previous`` (the old
    manifest) came from another file than ``new_sha``, add its laureates table to it.
    At most :data:`MAX_HISTORY` tables are kept (the oldest are dropped).

    Returns
    -------
    list of dict : the history index written (newest first): ``fichier``, ``laureats_fichier``,
    ``sha256``, ``date_construction``, ``donnees_arretees_au``, ``lignes``.
    """
    old_hist, new_hist = Path(old_dir) / HISTORY_DIR, Path(new_dir) / HISTORY_DIR
    try:
        index = json.loads((old_hist / HISTORY_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = []
    if previous is not None and _laureates_sha(previous) != new_sha:
        stamp = previous["date_construction"].replace(":", "").replace("-", "")[:15]
        entry = {"fichier": f"laureats-{stamp}.parquet", "laureats_fichier": previous.get("laureats_fichier"),
                 "sha256": _laureates_sha(previous), "date_construction": previous["date_construction"],
                 "donnees_arretees_au": previous.get("donnees_arretees_au"),
                 "lignes": previous.get("lignes", {}).get("laureats")}
        new_hist.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(old_dir) / "laureats.parquet", new_hist / entry["fichier"])
        index = [entry, *[e for e in index if e["fichier"] != entry["fichier"]]]
    kept = [e for e in index if (old_hist / e["fichier"]).is_file() or (new_hist / e["fichier"]).is_file()]
    kept = kept[:MAX_HISTORY]
    if kept:
        new_hist.mkdir(parents=True, exist_ok=True)
        for e in kept:
            if not (new_hist / e["fichier"]).is_file():
                shutil.copy2(old_hist / e["fichier"], new_hist / e["fichier"])
        (new_hist / HISTORY_INDEX).write_text(json.dumps(kept, ensure_ascii=False, indent=2), encoding="utf-8")
    return kept
