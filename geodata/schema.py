"""Names shared by the build and the app: programme phases, the per-phase
laureate columns and the priority zones (declared once, see :data:`ZONES`).

No I/O and no heavy import: the dashboard's state module reads it too.
"""
from __future__ import annotations

from dataclasses import dataclass

#: Phases of the Territoires d'industrie programme, oldest first.
PHASES = ("2019-2022", "2023-2027")


def phase_suffix(phase: str) -> str:
    """``"2019-2022" -> "2019_2022"`` (column suffix).

    Raises
    ------
    ValueError
        For an unknown phase (French message).
    """
    if phase not in PHASES:
        raise ValueError(f"phase inconnue {phase!r} ; attendu l'une de {', '.join(PHASES)}")
    return phase.replace("-", "_")


def in_ti_column(phase: str) -> str:
    """Laureate column: the project lies in a TI of ``phase`` (boolean)."""
    return f"in_ti_{phase_suffix(phase)}"


def ti_id_column(phase: str) -> str:
    """Laureate / commune column: id of the TI of ``phase``."""
    return f"ti_id_{phase_suffix(phase)}"


def ti_nom_column(phase: str) -> str:
    """Laureate / commune column: name of the TI of ``phase``."""
    return f"ti_nom_{phase_suffix(phase)}"


@dataclass(frozen=True)
class ZoneSpec:
    """A kind of priority zone, computed at the level of the commune (a project is in the
    zone when its commune is; zones published as polygons become the communes whose
    town hall lies in them).

    Attributes
    ----------
    key : str
        Laureate column (boolean) and value of the ``zone`` URL parameter.
    sources : tuple of str
        Keys of :data:`geodata.sources.registry.SOURCES` (and of the snapshot's zone facts) it is
        read from; the first one gives the flag.
    label : str
        French label (filter, summary sentence).
    explanation : str
        French sentence on how the flag is computed (precautions of reading).
    """

    key: str
    sources: tuple
    label: str
    explanation: str


ZONES = (
    ZoneSpec("qpv", ("qpv",), "QPV",
             "commune ayant au moins un quartier prioritaire de la politique de la ville (liste 2024)"),
    ZoneSpec("afr", ("afr",), "zone AFR",
             "mairie dans une zone d'aide à finalité régionale (2014-2020, prolongée en 2021) ; "
             "DROM entièrement en AFR"),
    ZoneSpec("zrr", ("zrr",), "ZRR", "mairie dans une zone de revitalisation rurale (1er juillet 2017)"),
    ZoneSpec("acv", ("acv_2018",), "Action Cœur de Ville", "commune du programme Action Cœur de Ville (liste 2018)"),
)
#: Laureate column: in any of :data:`ZONES`.
ANY_ZONE_COLUMN = "zone_prioritaire"
ZONE_COLUMNS = tuple(z.key for z in ZONES)


# --------------------------------------------------------------------------- programme scope
@dataclass(frozen=True)
class Measure:
    """A France Relance measure as the official laureates file names it.

    Attributes
    ----------
    mesure : str
        Its ``mesure`` value.
    light : str
        Its ``mesure_light`` value (short name of the published facets).
    label : str
        French name used in sentences.
    """

    mesure: str
    light: str
    label: str


#: The programme's own measure: the fonds d'accélération des investissements industriels dans
#: les territoires. When a laureates file holds several measures, the app shows this one by
#: default (``mesure=toutes`` shows every measure).
TI_FUND = Measure("Soutien à l'investissement industriel dans les territoires", "Territoires",
                  "fonds Territoires d'industrie (« Soutien à l'investissement industriel dans les territoires »)")
#: URL value of the ``mesure`` parameter that shows every measure of the file.
ALL_MEASURES = "toutes"


def _measure_key(text) -> str:
    import unicodedata
    t = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in t if c.isalnum())


def is_ti_fund(mesure, mesure_light=None) -> bool:
    """Is a laureate's measure the TI fund (:data:`TI_FUND`)? Matched ignoring case, accents,
    spaces and punctuation: the full name (or a longer name containing it), or the short name
    « Territoires » in ``mesure_light`` or in ``mesure`` (files that only give the short name)."""
    key = _measure_key(mesure)
    return (_measure_key(TI_FUND.mesure) in key or key == _measure_key(TI_FUND.light)
            or _measure_key(mesure_light) == _measure_key(TI_FUND.light))
