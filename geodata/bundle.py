"""Read a built bundle (for the app and for checks). No Dash import."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd


#: The files of a bundle (written by :mod:`geodata.build.pipeline`).
BUNDLE_FILES = ("communes.parquet", "epci.parquet", "territoires.parquet", "laureats.parquet",
                "departements.parquet", "regions.parquet", "ti_membres.parquet", "barometre.parquet",
                "chiffres_regionaux.parquet", "manifest.json")


@dataclass(frozen=True)
class Bundle:
    """The tables of a bundle, read once per process."""

    path: Path
    manifest: dict
    communes: gpd.GeoDataFrame
    epci: gpd.GeoDataFrame
    territoires: gpd.GeoDataFrame
    laureats: gpd.GeoDataFrame
    departements: gpd.GeoDataFrame
    regions: gpd.GeoDataFrame
    ti_membres: pd.DataFrame
    barometre: pd.DataFrame
    chiffres_regionaux: pd.DataFrame

    @property
    def demonstration(self) -> bool:
        return bool(self.manifest.get("laureats_demonstration"))

    def has(self, feature: str) -> bool:
        """Is a feature ("ti", "zones", "barometre") available in this bundle?"""
        return feature not in self.manifest.get("fonctionnalites_indisponibles", [])


def bundle_exists(path) -> bool:
    path = Path(path)
    return all((path / name).is_file() for name in BUNDLE_FILES)


def load_bundle(path) -> Bundle:
    """Read every table of the bundle at ``path``.

    Raises
    ------
    FileNotFoundError
        Naming the missing files.
    """
    path = Path(path)
    missing = [n for n in BUNDLE_FILES if not (path / n).is_file()]
    if missing:
        raise FileNotFoundError(f"lot de données incomplet dans {path} : il manque {', '.join(missing)}")
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    geo = {}
    for name in ("communes", "epci", "territoires", "laureats", "departements", "regions"):
        geo[name] = gpd.read_parquet(path / f"{name}.parquet")
    plain = {n: pd.read_parquet(path / f"{n}.parquet") for n in ("ti_membres", "barometre", "chiffres_regionaux")}
    return Bundle(path=path, manifest=manifest, **geo, **plain)
