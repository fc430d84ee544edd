"""Consistency checks of a built bundle. They raise ValidationError (the build
fails and the previous bundle stays), and return a small report for the manifest.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from geodata.errors import ValidationError
from geodata.read.laureates import DATE_MIN, MAX_VALUE, implausible
from geodata.build.published import OUTRE_MER_REGIONS


def _implausible_values(laureats) -> list[str]:
    """Amounts and jobs finite, >= 0 and within :data:`geodata.read.laureates.MAX_VALUE`; dates
    within the programme (from :data:`geodata.read.laureates.DATE_MIN` to the day of the build)."""
    out = []
    for col in MAX_VALUE:
        if col not in laureats.columns:
            continue
        bad = implausible(laureats[col])
        if bad.any():
            example = float(pd.to_numeric(laureats[col][bad], errors="coerce").iloc[0])
            out.append(f"{int(bad.sum())} valeur(s) invraisemblable(s) dans « {col} » (ex. {example!r})")
    dates = laureats["date"].dropna().astype(str) if "date" in laureats.columns else pd.Series(dtype=str)
    today = dt.date.today().isoformat()
    bad = (dates < DATE_MIN) | (dates > today)
    if bad.any():
        out.append(f"{int(bad.sum())} date(s) hors de la période du programme (ex. {dates[bad].iloc[0]})")
    return out


def validate_bundle(communes, epci, territoires, laureats, members, figures=None) -> dict:
    problems = []
    report = {}
    # EPCI: one outline each, all valid and non-empty; every commune with an EPCI is covered.
    n_expected = communes["epci_siren"].dropna().nunique()
    if len(epci) != n_expected:
        problems.append(f"{len(epci)} EPCI construits pour {n_expected} attendus")
    bad = epci.geometry.isna() | epci.geometry.is_empty | ~epci.geometry.is_valid
    if bad.any():
        problems.append(f"EPCI sans contour valide : {', '.join(epci.loc[bad, 'epci_siren'][:5])}")
    report["epci"] = int(len(epci))
    # TI: as many as listed, each with geometry and region.
    if territoires is not None and members is not None:
        for phase, grp in territoires.groupby("phase"):
            listed = members.loc[members["phase"] == phase, "ti_id"].nunique()
            if len(grp) != listed:
                problems.append(f"{phase} : {len(grp)} TI construits pour {listed} listés")
            report[f"ti_{phase}"] = int(len(grp))
        bad = territoires.geometry.isna() | territoires.geometry.is_empty | territoires["code_region"].isna()
        if bad.any():
            problems.append(f"TI sans contour ou sans région : {', '.join(territoires.loc[bad, 'ti_id'][:5])}")
    # Laureates: located, mostly inside a commune.
    if laureats[["lat", "lon"]].isna().any().any():
        problems.append("lauréats sans coordonnées")
    problems += _implausible_values(laureats)
    unresolved = int(laureats["insee_com"].isna().sum())
    report["laureats"] = int(len(laureats))
    report["laureats_hors_communes"] = unresolved
    if len(laureats) and unresolved / len(laureats) > 0.05:
        problems.append(f"{unresolved} lauréats sur {len(laureats)} hors de toute commune")
    if figures is not None:
        reg = laureats["code_region"].where(~laureats["code_region"].isin(OUTRE_MER_REGIONS), "OM")
        got = laureats.assign(r=reg).groupby("r").agg(
            laureats=("entreprise", "size"), inv=("investissement_eur", "sum"), aide=("montant_aide_eur", "sum"),
            emplois=("emplois", "sum"))
        for f in figures.itertuples(index=False):
            g = got.loc[f.code_region] if f.code_region in got.index else None
            exp = (f.laureats, round(f.investissement_meur * 1e6), round(f.aide_publique_meur * 1e6), f.emplois)
            if g is None or not np.allclose([g.laureats, g.inv, g.aide, g.emplois], exp, rtol=0, atol=0.5):
                problems.append(f"démonstration : totaux de {f.region} différents des chiffres publiés")
        report["demonstration_calibree"] = True
    if problems:
        raise ValidationError("contrôles du lot échoués : " + " ; ".join(problems))
    share = laureats["zone_prioritaire"].astype("Float64").mean()
    report["part_zone_prioritaire"] = None if pd.isna(share) else round(float(share), 4)
    return report
