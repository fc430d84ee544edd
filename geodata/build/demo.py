"""Demonstration laureates: made by our code, calibrated on published figures.

Per region (and for "Outre-mer" as a whole) the set has exactly the number of
laureates, the investment, the aid and the jobs of the published table.
Projects sit at real communes (their town-hall point, so never in the sea),
weighted by population; about 69 % are in a priority zone (the published
share); firm sizes are 84 % TPE/PME or ETI; dates run from October 2020 to
September 2021; measures are mostly « Territoires » with a few decarbonation and
relocation projects; the optional columns (:data:`~geodata.read.laureates.EXTRA_COLUMNS`)
get the values their declaration draws. Company names are obviously fictitious, ``siren`` is empty
and ``source`` is ``demonstration``. Deterministic for a given seed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.read.laureates import EXTRA_COLUMNS, OUTPUT_COLUMNS
from geodata.build.published import OUTRE_MER_REGIONS

SEED = 20210924
ZONE_SHARE = 0.69
#: Measures of the projects (short names of the official ``mesure_light``): mostly the
#: territories fund the published figures describe, a few decarbonation and relocation projects.
MESURES = {"Territoires": 0.86, "Décarbonation": 0.07, "(Re)localisation": 0.07}
FILIERES = {
    "Agroalimentaire": 0.18, "Métallurgie et mécanique": 0.20, "Chimie et matériaux": 0.10,
    "Plasturgie et composites": 0.07, "Bois, papier et ameublement": 0.07,
    "Électronique et numérique": 0.06, "Santé et pharmacie": 0.05, "Textile, mode et luxe": 0.04,
    "Matériaux de construction": 0.06, "Automobile et mobilités": 0.06, "Aéronautique et spatial": 0.04,
    "Énergie et environnement": 0.07,
}
TAILLES = {"TPE/PME": 0.60, "ETI": 0.24, "GE": 0.16}
DATE_START, DATE_END = pd.Timestamp("2020-10-01"), pd.Timestamp("2021-09-24")


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (largest remainder): sums exactly."""
    w = np.asarray(weights, dtype=float)
    if total < 0 or w.size == 0 or (w <= 0).all():
        raise ValueError("allocate: total >= 0 and positive weights expected")
    raw = total * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    rest = int(total - base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base


def make_demo(communes: pd.DataFrame, figures: pd.DataFrame, zone: pd.Series | None,
              seed: int = SEED) -> pd.DataFrame:
    """Build the demonstration laureates.

    Parameters
    ----------
    communes : DataFrame
        ``insee_com, nom, code_departement, code_region, population, point``.
    figures : DataFrame
        Published regional figures (``code_region`` may be "OM").
    zone : Series of bool, optional
        Per commune (aligned on ``communes``): in a priority zone. When None
        (zone sources missing) projects are placed by population only.
    seed : int

    Returns
    -------
    DataFrame with the loader's :data:`~geodata.read.laureates.OUTPUT_COLUMNS`.
    """
    rng = np.random.default_rng(seed)
    com = communes[communes["point"].notna()].reset_index(drop=True)
    in_zone = None if zone is None else zone.reindex(communes.index)[communes["point"].notna()].fillna(False)
    if in_zone is not None:
        in_zone = in_zone.to_numpy(dtype=bool)
    weight = np.power(com["population"].to_numpy(dtype=float) + 50.0, 0.7)
    records = []
    n_done = 0
    for fig in figures.sort_values("code_region").itertuples(index=False):
        regions = OUTRE_MER_REGIONS if fig.code_region == "OM" else (fig.code_region,)
        mask = com["code_region"].isin(regions).to_numpy()
        if not mask.any():
            raise ValueError(f"aucune commune pour la région {fig.code_region} ({fig.region})")
        n = int(fig.laureats)
        idx_all = np.flatnonzero(mask)
        chosen = np.empty(n, dtype=np.int64)
        want_zone = rng.random(n) < ZONE_SHARE
        for flag in (True, False):
            sel = want_zone == flag
            pool = idx_all if in_zone is None else idx_all[in_zone[idx_all] == flag]
            if pool.size == 0:
                pool = idx_all
            p = weight[pool] / weight[pool].sum()
            chosen[sel] = rng.choice(pool, size=int(sel.sum()), p=p)
        inv_w = rng.lognormal(mean=0.0, sigma=1.1, size=n)
        invest = allocate(int(round(fig.investissement_meur * 1_000_000)), inv_w)
        aid_w = invest * rng.uniform(0.06, 0.2, size=n) + 1.0
        aid = allocate(int(round(fig.aide_publique_meur * 1_000_000)), aid_w)
        jobs = allocate(int(fig.emplois), np.power(invest + 1.0, 0.7) * rng.uniform(0.3, 1.7, size=n))
        fil = rng.choice(list(FILIERES), size=n, p=np.array(list(FILIERES.values())) / sum(FILIERES.values()))
        taille = rng.choice(list(TAILLES), size=n, p=list(TAILLES.values()))
        days = rng.integers(0, (DATE_END - DATE_START).days + 1, size=n)
        for k in range(n):
            c = com.iloc[chosen[k]]
            n_done += 1
            records.append({
                "entreprise": f"Entreprise fictive n° {n_done:04d} (démonstration)",
                "type_entreprise": taille[k],
                "siren": None,
                "mesure": None,
                "filiere": fil[k],
                "nom_commune": c["nom"],
                "code_postal": None,
                "code_departement": c["code_departement"],
                "insee_com_input": c["insee_com"],
                "lat": float(c["point"].y),
                "lon": float(c["point"].x),
                "date": (DATE_START + pd.Timedelta(days=int(days[k]))).strftime("%Y-%m-%d"),
                "description_projet": f"Projet fictif de démonstration ({fil[k].lower()})",
                "montant_aide_eur": float(aid[k]),
                "investissement_eur": float(invest[k]),
                "emplois": float(jobs[k]),
                "source": "demonstration",
                "ligne_source": None,
            })
    out = pd.DataFrame.from_records(records, columns=OUTPUT_COLUMNS)
    for col in ("montant_aide_eur", "investissement_eur", "emplois"):
        out[col] = out[col].astype("Float64")
    # Drawn after the calibrated figures, each from its own generator: adding a column
    # leaves the rest of the set unchanged.
    out["mesure"] = np.random.default_rng([seed, 1]).choice(
        list(MESURES), size=len(out), p=np.array(list(MESURES.values())) / sum(MESURES.values()))
    for k, col in enumerate(EXTRA_COLUMNS, start=2):
        values = pd.Series(col.demo(out, np.random.default_rng([seed, k])), index=out.index)
        out[col.name] = values.astype("Float64") if col.kind == "number" else values.astype(object)
    return out


def to_official_csv(lau: pd.DataFrame, path, with_coordinates: bool = True) -> None:
    """Write laureates in the official DGE layout (``;``, ``coordonnees_gps`` "lat, lon").

    The official layout has no amount columns; they are dropped. A ``source``
    column is added so that demonstration rows stay flagged when reloaded.
    """
    out = pd.DataFrame({
        "entreprise": lau["entreprise"], "type_entreprise": lau["type_entreprise"], "siren": lau["siren"],
        "volet_relance": "Compétitivité", "mesure": lau["mesure"], "nom_departement": "",
        "nom_commune": lau["nom_commune"], "code_postal": lau["code_postal"],
        "coordonnees_gps": [f"{a}, {b}" for a, b in zip(lau["lat"], lau["lon"])] if with_coordinates else "",
        "description_projet": lau["description_projet"], "mesure_light": lau["mesure"],
        "mise_a_jour": lau["date"], "filiere": lau["filiere"],
        "tonnes_equivalent_co2_pour_les_projets_decarbonation": "",
        "code_departement": lau["code_departement"], "nom_region": "",
        # Not an official column: keeps fictitious rows flagged when the file is loaded again.
        "source": lau["source"],
    })
    for col in EXTRA_COLUMNS:
        if col.name in lau.columns:
            out[col.name] = lau[col.name]
    out.to_csv(path, sep=";", index=False)
