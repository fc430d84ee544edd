"""Read a built bundle (for the app and for checks). No Dash import."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.errors import GeodataError

#: The files of a bundle (written by :mod:`geodata.build.pipeline`).
BUNDLE_FILES = ("communes.parquet", "epci.parquet", "territoires.parquet", "laureats.parquet",
                "departements.parquet", "regions.parquet", "ti_membres.parquet", "barometre.parquet",
                "chiffres_regionaux.parquet", "manifest.json")
#: Optional files of a bundle built from an official laureates file: the validation report
#: (rows in quarantine), the changes since the previous file, the previous laureates tables.
QUARANTINE_FILE = "quarantaine.csv"
CHANGES_FILE = "changements.csv"
HISTORY_DIR = "historique"


class BundleError(GeodataError):
    """A file of a built bundle cannot be read (corrupt, truncated, zero-filled); names the file."""

    def __init__(self, path, message: str):
        self.path = str(path)
        super().__init__(f"lot de données illisible : fichier {self.path} : {message}")


@dataclass(frozen=True)
class Bundle:
    """The tables of a bundle, read once per process.

    ``rebuild_failure``: why the last rebuild attempt failed (the bundle is then the last good one), or None.
    """

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
    rebuild_failure: str | None = None

    @property
    def demonstration(self) -> bool:
        return bool(self.manifest.get("laureats_demonstration"))

    def report(self, name: str) -> pd.DataFrame | None:
        """A CSV report of the bundle (:data:`QUARANTINE_FILE`, :data:`CHANGES_FILE`) as strings;
        None when the bundle has none (demonstration set, bundle of an older version)."""
        p = self.path / name
        if not p.is_file():
            return None
        return pd.read_csv(p, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)

    def has(self, feature: str) -> bool:
        """Is a feature ("ti", "zones", "barometre") available in this bundle?"""
        return feature not in self.manifest.get("fonctionnalites_indisponibles", [])


def bundle_exists(path) -> bool:
    path = Path(path)
    return all((path / name).is_file() for name in BUNDLE_FILES)


def read_manifest(path) -> dict:
    """The manifest (``manifest.json``) of the bundle at ``path``.

    Raises
    ------
    BundleError
        Naming the file (and the line and column of a JSON error) when it is not a JSON object.
    """
    file = Path(path) / "manifest.json"
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise BundleError(file, f"texte illisible (octet {exc.start} : pas de l'UTF-8)") from exc
    except json.JSONDecodeError as exc:
        raise BundleError(file, f"JSON invalide, ligne {exc.lineno}, colonne {exc.colno}") from exc
    if not isinstance(manifest, dict):
        raise BundleError(file, "un objet JSON est attendu")
    return manifest


def _read_table(file: Path, reader):
    try:
        return reader(file)
    except (OSError, ValueError) as exc:  # pyarrow: ArrowInvalid is a ValueError, a bad ZSTD frame an OSError
        raise BundleError(file, "table Parquet illisible (corrompue, tronquée ou remplie de zéros ; détail "
                                 f"technique : {str(exc).splitlines()[0][:200]})") from exc


def load_bundle(path) -> Bundle:
    """Read every table of the bundle at ``path``.

    Raises
    ------
    FileNotFoundError
        Naming the missing files.
    BundleError
        Naming the file that cannot be read.
    """
    path = Path(path)
    missing = [n for n in BUNDLE_FILES if not (path / n).is_file()]
    if missing:
        raise FileNotFoundError(f"lot de données incomplet dans {path} : il manque {', '.join(missing)}")
    manifest = read_manifest(path)
    geo = {}
    for name in ("communes", "epci", "territoires", "laureats", "departements", "regions"):
        geo[name] = _read_table(path / f"{name}.parquet", gpd.read_parquet)
    plain = {n: _read_table(path / f"{n}.parquet", pd.read_parquet)
             for n in ("ti_membres", "barometre", "chiffres_regionaux")}
    return Bundle(path=path, manifest=manifest, **geo, **plain)
